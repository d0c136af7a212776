namespace VerifiedIpc.Reference.Direct;

/// <summary>A message in transit: who sent it, for whom, its order within its monitor, and (mailboxes) its receipt.</summary>
internal readonly struct Envelope<T>
{
    public Envelope(ProcessId source, ProcessId destination, T body, long sequence, TaskCompletionSource<ProcessId>? receipt)
    {
        Source = source;
        Destination = destination;
        Body = body;
        Sequence = sequence;
        Receipt = receipt;
    }

    public readonly ProcessId Source;
    /// <summary>The addressed process, or <see cref="ProcessId.Any"/> for a mailbox message (any opener may take it).</summary>
    public readonly ProcessId Destination;
    public readonly T Body;
    public readonly long Sequence;
    public readonly TaskCompletionSource<ProcessId>? Receipt;
}

/// <summary>What a receive accepts: the receiving process, the source it names (or Any), and whether it refuses its own messages.</summary>
internal readonly record struct ReceiveFilter(ProcessId Receiver, ProcessId Source, bool ExcludeOwn)
{
    public bool Matches<T>(in Envelope<T> e) =>
        (e.Destination.IsAny || e.Destination == Receiver)
        && (Source.IsAny || e.Source == Source)
        && !(ExcludeOwn && e.Source == Receiver);
}

/// <summary>One bounded (or unbounded) buffer inside a monitor: a direct receiver's buffer, a sender's buffer, or a mailbox's.</summary>
internal sealed class Lane<T>
{
    public Lane(ProcessId owner, int capacity)
    {
        Owner = owner;
        Capacity = capacity;
        Queue = new RingQueue<Envelope<T>>(capacity == int.MaxValue ? 16 : Math.Min(capacity, 1024));
    }

    public ProcessId Owner { get; }
    /// <summary>Messages the queue may hold; <see cref="int.MaxValue"/> means unbounded (senders never wait).</summary>
    public int Capacity { get; }
    public RingQueue<Envelope<T>> Queue { get; }
    /// <summary>Senders waiting for room, oldest first. Invariant: non-empty ⇒ the queue is full.</summary>
    public List<SendWaiter<T>> Blocked { get; } = new();
}

internal enum WaitState : byte { Waiting, Done, Canceled, TimedOut, Failed }

/// <summary>
/// A blocked operation. <see cref="State"/> moves out of Waiting exactly once, always under the monitor's lock; the
/// party that moves it (a matching sender/receiver, cancellation, the timer, close) owns the outcome, so a
/// completion racing with a cancellation has exactly one winner.
/// </summary>
internal abstract class Waiter
{
    protected Waiter(bool isSync) => IsSync = isSync;

    public bool IsSync { get; }
    public WaitState State;
    public Exception? Error;
    public CancellationToken Token;
    public ITimer? Timer;
    public CancellationTokenRegistration Registration;

    /// <summary>Called from the cancellation callback or the timer: give up if still waiting.</summary>
    public abstract void Abort(WaitState reason);

    /// <summary>Releases the cancellation registration and timer; never blocks (Unregister does not wait for a running callback).</summary>
    public void Disarm()
    {
        Registration.Unregister();
        Timer?.Dispose();
    }
}

internal sealed class ReceiveWaiter<T> : Waiter
{
    public ReceiveWaiter(MessageMonitor<T> owner, ReceiveFilter filter, bool isSync) : base(isSync)
    {
        Owner = owner;
        Filter = filter;
        if (!isSync) Completion = new TaskCompletionSource<Message<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public MessageMonitor<T> Owner { get; }
    public ReceiveFilter Filter { get; }
    public Envelope<T> Result;
    public TaskCompletionSource<Message<T>>? Completion { get; }

    public override void Abort(WaitState reason) => Owner.AbortReceive(this, reason);
}

internal sealed class SendWaiter<T> : Waiter
{
    public SendWaiter(MessageMonitor<T> owner, Lane<T> lane, Envelope<T> envelope, SendOperation? operation) : base(operation is null)
    {
        Owner = owner;
        Lane = lane;
        Envelope = envelope;
        Operation = operation;
    }

    public MessageMonitor<T> Owner { get; }
    public Lane<T> Lane { get; }
    public Envelope<T> Envelope { get; }
    /// <summary>Null for a synchronous sender (it waits on the monitor instead).</summary>
    public SendOperation? Operation { get; }

    public override void Abort(WaitState reason) => Owner.AbortSend(this, reason);
}

/// <summary>
/// The rules of one kind of link, consulted by the monitor under its lock: who may send and receive, and whether a
/// named source can still produce messages. Kept apart so the monitor is the same for direct links and mailboxes.
/// </summary>
internal interface ILinkRules
{
    /// <summary>Returns the error for a send the link refuses (the message goes back inside it), or null.</summary>
    Exception? CheckSend(ProcessId source, ProcessId destination, object? body);

    /// <summary>Returns the error for a receive/probe/subscribe the link refuses, or null.</summary>
    Exception? CheckReceive(ProcessId receiver, string operation);

    /// <summary>True when no further message can come from <paramref name="source"/> (it closed): a receive naming it fails instead of waiting.</summary>
    bool IsSourceGone(ProcessId source);
}

/// <summary>How a monitor is configured; fixed at construction.</summary>
internal sealed class MonitorSettings
{
    public required string Name { get; init; }
    public IIpcTracer? Tracer { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public DirectFaults Faults { get; init; } = DirectFaults.None;
    /// <summary>Every message carries a receipt completed with its receiver (mailboxes).</summary>
    public bool TrackReceipts { get; init; }
    /// <summary>Null: a new message goes to the longest-waiting receiver. Otherwise a seeded uniform choice among the waiting receivers that accept it.</summary>
    public Random? Selection { get; init; }
    /// <summary>Only one process at a time may have a receive in progress (mailbox policy "one receiver at a time").</summary>
    public bool ExclusiveReceiver { get; init; }
    /// <summary>A receiver never takes a message it sent itself (two-party links).</summary>
    public bool ExcludeOwn { get; init; }
}
