namespace VerifiedIpc.Reference.Buffers;

/// <summary>
/// What happened in a buffer, in the vocabulary of the TLA+ actions of <c>spec/BoundedBuffer.tla</c> and
/// <c>spec/Rendezvous.tla</c>, so a trace can be validated against the spec step by step.
/// </summary>
public enum BufferAction
{
    /// <summary>A message entered the buffer, or was handed straight to a waiting receiver.</summary>
    Send,
    /// <summary>A receiver took a message. Without a message: a receiver took from an empty buffer, which only a
    /// broken monitor does (traced just before the buffer throws, so the trace shows the forbidden step).</summary>
    Receive,
    /// <summary>A caller found its condition false and started waiting (blocked thread or queued async waiter). A
    /// sender's Wait carries the message it holds; a blocked thread logs a Wait each time it waits again.</summary>
    Wait,
    /// <summary>A blocked synchronous caller returned from <c>Monitor.Wait</c> (it then re-checks its condition).</summary>
    Wake,
    /// <summary>One waiter was notified (<c>Monitor.Pulse</c>): only the Pulse-instead-of-PulseAll mutant does this.</summary>
    Signal,
    /// <summary>All blocked synchronous waiters were notified (<c>Monitor.PulseAll</c>).</summary>
    Broadcast,
    /// <summary>A waiting caller gave up because its <see cref="CancellationToken"/> was cancelled.</summary>
    Cancel,
    /// <summary>A waiting caller gave up because its timeout elapsed.</summary>
    Timeout,
    /// <summary>The buffer was closed; no further sends are accepted.</summary>
    Close,
    /// <summary>A message that was not delivered went back to its sender (close while blocked) or to the caller of <c>Drain</c>.</summary>
    HandBack,
    /// <summary>A decision taken under the lock that a later step relies on; only the check-then-act mutant acts
    /// on it after releasing the lock, which is the window this event marks.</summary>
    Check,
    /// <summary>A receive ended because the buffer is closed and holds nothing for it: a blocked receiver woken by
    /// <see cref="Close"/>, a parked receive task failed by it (logged by the closer on its behalf), or a receive
    /// called after close.</summary>
    Closed,
}

/// <summary>Which side of the buffer an event concerns.</summary>
public enum BufferRole
{
    /// <summary>The buffer itself (close, drain).</summary>
    Buffer,
    /// <summary>A sending caller.</summary>
    Sender,
    /// <summary>A receiving caller.</summary>
    Receiver,
}

/// <summary>One traced step: the buffer, the action, who did it, the message if any, and the number of buffered
/// messages right after the step (for a rendezvous: senders waiting with a message).</summary>
/// <param name="Buffer">The buffer's name.</param>
/// <param name="Action">The step.</param>
/// <param name="Role">Which side took it.</param>
/// <param name="Message">The message, when the step carries one.</param>
/// <param name="Count">Buffered messages right after the step.</param>
/// <param name="Process">The logical process whose step this is when it is not the calling code's: a waiting
/// partner's step completed on its behalf (a parked sender's Send done by the receiver that takes its message, a
/// waiting receiver's Receive done by the sender that hands it one). Null: the caller's own step
/// (<see cref="Tracing.TraceProcess.Current"/>).</param>
public readonly record struct BufferEvent(string Buffer, BufferAction Action, BufferRole Role, object? Message, int Count, string? Process = null);

/// <summary>
/// Receives every step of a buffer when set in <see cref="BufferOptions.Tracer"/>; with no tracer a step costs one
/// null check. Events are raised under the buffer's lock, in exactly the order the steps take effect, so the
/// trace is a linearisation of the buffer's history. An implementation must be quick and must not block; it may
/// call the same buffer's non-blocking operations (the monitor lock is re-entrant), which tests use to force a
/// particular interleaving.
/// </summary>
public interface IBufferTracer
{
    /// <summary>Called once per step, under the buffer's lock.</summary>
    void OnEvent(in BufferEvent e);
}

/// <summary>Options shared by every buffer kind.</summary>
public sealed class BufferOptions
{
    /// <summary>Name used in exceptions and trace events; defaults to the kind of buffer.</summary>
    public string? Name { get; init; }

    /// <summary>Receives every step of the buffer; null (the default) turns tracing off.</summary>
    public IBufferTracer? Tracer { get; init; }
}
