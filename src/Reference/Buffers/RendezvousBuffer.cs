using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace VerifiedIpc.Reference.Buffers;

/// <summary>
/// No buffering (the seed's "sender must wait until the receiver receives the message; rendezvous on each
/// message"): every send, synchronous or asynchronous, completes only once a receiver has taken its message.
/// </summary>
/// <remarks>
/// Monitor with one private lock and two FIFO queues of waiting records — senders with their message, receivers
/// with an empty slot. A caller that finds a partner waiting completes the exchange at once; otherwise it queues a
/// record and waits (synchronous callers in <c>Monitor.Wait</c> in a <c>while</c> loop over their record's
/// <c>Done</c> flag; asynchronous ones on the record's task). Both queues are never non-empty together.
/// <see cref="IMessageBuffer{T}.TrySend(T)"/> succeeds only when a receiver is already waiting, and
/// <see cref="IMessageBuffer{T}.TryReceive(out T)"/> only when a sender is. <see cref="IMessageBuffer{T}.Count"/>
/// is the number of senders waiting. Close fails every waiting sender with its message handed back and every
/// waiting receiver with <see cref="EndpointClosedException"/>; there is never anything to drain.
/// </remarks>
public sealed class RendezvousBuffer<T> : MessageBuffer<T>
{
    private readonly WaiterQueue<bool> _senders = new();      // SendWaiter<T>, sync or async
    private readonly WaiterQueue<T> _receivers = new();       // Waiter<T>, sync or async
    private int _blocked;                                     // sync callers between Wait entry and exit

    /// <summary>Creates a rendezvous.</summary>
    public RendezvousBuffer(BufferOptions? options = null) : this(options, BufferFaults.None) { }

    internal RendezvousBuffer(BufferOptions? options, BufferFaults faults) : base("rendezvous", options, faults) { }

    /// <inheritdoc/>
    private protected override int CountLocked => _senders.Count;

    // ---- the exchange (under the lock) ----------------------------------------------------------------------

    private void HandOverLocked(Waiter<T> receiver, T message, ref Completions c)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        Debug.Assert(receiver.Queue is null, "the receiver was dequeued (claimed) first");
        if (receiver.IsSync)
        {
            receiver.Result = message;
            receiver.Done = true;
            WakeAllLocked();
        }
        else
        {
            c.Receiver = receiver;
            c.ReceiverItem = message;
        }
        // The Send is the sender's step, the Receive the waiting receiver's (it was completed on its behalf).
        Trace(BufferAction.Send, BufferRole.Sender, message);
        Trace(BufferAction.Receive, BufferRole.Receiver, message, receiver.Process);
    }

    private T TakeOverLocked(SendWaiter<T> sender, ref Completions c)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        Debug.Assert(sender.Queue is null, "the sender was dequeued (claimed) first");
        if (sender.IsSync)
        {
            sender.Done = true;
            WakeAllLocked();
        }
        else
        {
            c.Sender = sender;
        }
        // The Send is the parked sender's step (completed on its behalf), the Receive the caller's.
        Trace(BufferAction.Send, BufferRole.Sender, sender.Item, sender.Process);
        Trace(BufferAction.Receive, BufferRole.Receiver, sender.Item);
        return sender.Item;
    }

    // An explicit request (tests, Coyote scenarios) always checks; the per-step check follows _checkInvariants.
    private protected override void VerifyInvariantsLocked() => CheckInvariants();

    private protected override bool CanReceiveNow => !_senders.IsEmpty;

    private protected override bool CanSendNow => !_receivers.IsEmpty;

    private void CheckInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        Check(_senders.IsEmpty || _receivers.IsEmpty, "a sender and a receiver never both wait (they would have met)");
        Check(_readWaiters.IsEmpty || (_senders.IsEmpty && !_closed), "read-readiness waiters ⇒ no sender waiting, open");
        Check(_writeWaiters.IsEmpty || (_receivers.IsEmpty && !_closed), "write-readiness waiters ⇒ no receiver waiting, open");
        Check(!_closed || (_senders.IsEmpty && _receivers.IsEmpty && _readWaiters.IsEmpty && _writeWaiters.IsEmpty),
            "closed ⇒ nobody is left waiting");
        Check(_blocked >= 0, "the blocked-caller count is never negative");
    }

    private void Check(bool condition, string invariant)
    {
        if (!condition) throw new BufferInvariantException($"'{Name}': invariant violated: {invariant}.");
    }

    // ---- synchronous operations -----------------------------------------------------------------------------

    private protected override bool SendCore(T message, int timeoutMs, CancellationToken cancellationToken)
    {
        ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        var c = new Completions();
        CancellationTokenRegistration wake = default;
        try
        {
            lock (_lock)
            {
                AssertInvariants();
                if (_closed) throw SenderClosedError(message);
                if (_receivers.TryDequeue(out var receiver))
                {
                    HandOverLocked(receiver, message, ref c);
                }
                else
                {
                    if (timeoutMs == 0) return false;
                    var record = new SendWaiter<T>(this, message, isSync: true);
                    _senders.Enqueue(record);
                    // Readers waiting for readiness must hear of this sender before we block; completing them here,
                    // under the lock, is safe because their continuations run asynchronously.
                    WaiterQueue<bool>.CompleteAll(_readWaiters.DetachAll(), true);
                    AssertInvariants();
                    if ((_faults & BufferFaults.SendReturnsBeforeTaken) != 0)
                    {
                        // The mutant parks its message like a correct send, then returns without waiting for a
                        // receiver to take it: the message is still delivered once and in order, later.
                        Trace(BufferAction.Wait, BufferRole.Sender, message);
                        return true;
                    }
                    wake = RegisterWake(cancellationToken);
                    if (!WaitForPartnerLocked(record, BufferRole.Sender, timeoutMs, cancellationToken))
                    {
                        // Nobody took the message: it is still ours to withdraw (a partner claims by dequeuing).
                        _senders.Remove(record);
                        if (_closed)
                            throw SenderClosedError(message);
                        if (cancellationToken.IsCancellationRequested)
                        {
                            Trace(BufferAction.Cancel, BufferRole.Sender, message);
                            throw new OperationCanceledException(cancellationToken);
                        }
                        Trace(BufferAction.Timeout, BufferRole.Sender, message);
                        return false;
                    }
                }
                AssertInvariants();
            }
        }
        finally
        {
            wake.Dispose(); // outside the lock: a running wake callback needs the lock
        }
        RunCompletions(ref c);
        return true;
    }

    private protected override bool ReceiveCore(out T message, int timeoutMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var c = new Completions();
        CancellationTokenRegistration wake = default;
        try
        {
            lock (_lock)
            {
                AssertInvariants();
                if (_senders.TryDequeue(out var sender))
                {
                    message = TakeOverLocked((SendWaiter<T>)sender, ref c);
                }
                else
                {
                    if (_closed) throw ReceiverClosedError();
                    if (timeoutMs == 0)
                    {
                        message = default!;
                        return false;
                    }
                    var record = new Waiter<T>(this, isSync: true);
                    _receivers.Enqueue(record);
                    WaiterQueue<bool>.CompleteAll(_writeWaiters.DetachAll(), true); // as in SendCore
                    AssertInvariants();
                    wake = RegisterWake(cancellationToken);
                    if (!WaitForPartnerLocked(record, BufferRole.Receiver, timeoutMs, cancellationToken))
                    {
                        _receivers.Remove(record);
                        if (_closed) throw ReceiverClosedError();
                        if (cancellationToken.IsCancellationRequested)
                        {
                            Trace(BufferAction.Cancel, BufferRole.Receiver);
                            throw new OperationCanceledException(cancellationToken);
                        }
                        Trace(BufferAction.Timeout, BufferRole.Receiver);
                        message = default!;
                        return false;
                    }
                    message = record.Result!;
                }
                AssertInvariants();
            }
        }
        finally
        {
            wake.Dispose();
        }
        RunCompletions(ref c);
        return true;
    }

    /// <summary>Blocks until a partner completed the record, the buffer closed, the token fired or the deadline
    /// passed. True when the exchange happened. A completed exchange wins over a simultaneous cancel or timeout:
    /// the message has moved, so reporting failure would duplicate or lose it.</summary>
    private bool WaitForPartnerLocked<TResult>(Waiter<TResult> record, BufferRole role, int timeoutMs, CancellationToken cancellationToken)
    {
        long deadline = Deadline(timeoutMs);
        bool inTime = true;
        _blocked++;
        try
        {
            if ((_faults & BufferFaults.IfInsteadOfWhile) != 0)
            {
                if (!record.Done && !_closed && !cancellationToken.IsCancellationRequested)
                    inTime = WaitOnce();
                // The mutant takes any wake-up as its partner's arrival.
                return record.Done || (inTime && !_closed && !cancellationToken.IsCancellationRequested && role == BufferRole.Sender);
            }
            while (!record.Done && !_closed && !cancellationToken.IsCancellationRequested && inTime)
                inTime = WaitOnce();
            return record.Done;
        }
        finally
        {
            _blocked--;
        }

        // A sender's Wait event carries the message it is parked with (the spec's offer).
        bool WaitOnce() => record is SendWaiter<T> sender ? WaitLocked(role, deadline, sender.Item) : WaitLocked(role, deadline);
    }

    // ---- asynchronous operations ----------------------------------------------------------------------------

    /// <inheritdoc/>
    public override ValueTask SendAsync(T message, CancellationToken cancellationToken = default)
    {
        ThrowIfNull(message);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        var c = new Completions();
        SendWaiter<T>? waiter = null;
        lock (_lock)
        {
            AssertInvariants();
            if (_closed)
            {
                return ValueTask.FromException(SenderClosedError(message));
            }
            if (_receivers.TryDequeue(out var receiver))
            {
                HandOverLocked(receiver, message, ref c);
            }
            else
            {
                waiter = new SendWaiter<T>(this, message, isSync: false);
                _senders.Enqueue(waiter);
                c.ReadReady = _readWaiters.DetachAll();
                Trace(BufferAction.Wait, BufferRole.Sender, message);
                waiter.RegisterCancellation(cancellationToken);
            }
            AssertInvariants();
        }
        RunCompletions(ref c);
        return waiter is null ? default : new ValueTask(waiter.Task);
    }

    /// <inheritdoc/>
    public override ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<T>(cancellationToken);
        var c = new Completions();
        Waiter<T>? waiter = null;
        T message = default!;
        lock (_lock)
        {
            AssertInvariants();
            if (_senders.TryDequeue(out var sender))
            {
                message = TakeOverLocked((SendWaiter<T>)sender, ref c);
            }
            else if (_closed)
            {
                return ValueTask.FromException<T>(ReceiverClosedError());
            }
            else
            {
                waiter = new Waiter<T>(this, isSync: false);
                _receivers.Enqueue(waiter);
                c.WriteReady = _writeWaiters.DetachAll();
                Trace(BufferAction.Wait, BufferRole.Receiver);
                waiter.RegisterCancellation(cancellationToken);
            }
            AssertInvariants();
        }
        RunCompletions(ref c);
        return waiter is null ? new ValueTask<T>(message) : new ValueTask<T>(waiter.Task);
    }

    // ---- close ----------------------------------------------------------------------------------------------

    private protected override IReadOnlyList<T>? CloseCore(Exception? error, bool drain)
    {
        Waiter<T>? receivers = null;
        Waiter<bool>? senders = null, readers = null, writers = null;
        bool completed = false;
        lock (_lock)
        {
            AssertInvariants();
            if (!_closed)
            {
                _closed = true;
                _closeError = error;
                completed = true;
                Trace(BufferAction.Close, BufferRole.Buffer);
                if ((_faults & BufferFaults.LostWakeupOnClose) == 0)
                {
                    senders = _senders.DetachAll();
                    receivers = _receivers.DetachAll();
                    // A parked task fails right after the lock is released; its Closed is logged here, in order. A
                    // blocked thread logs its own when it wakes and sees the flag.
                    for (var r = receivers; r is not null; r = r.Next)
                        if (!r.IsSync) Trace(BufferAction.Closed, BufferRole.Receiver, r.Process);
                    readers = _readWaiters.DetachAll();
                    writers = _writeWaiters.DetachAll();
                    if ((_faults & BufferFaults.CloseDropsOffers) == 0)
                    {
                        for (var s = senders; s is not null; s = s.Next)
                            if (!s.IsSync) Trace(BufferAction.HandBack, BufferRole.Sender, ((SendWaiter<T>)s).Item, s.Process);
                    }
                    // Synchronous records in the detached chains are not completed here: their owners wake, see the
                    // flag and their record not Done, and report the close themselves (senders with their message),
                    // tracing their own HandBack or Closed; the parked tasks' are traced above, on their behalf.
                    if (_blocked > 0) WakeAllLocked();
                }
            }
            AssertInvariants();
        }
        var closed = ClosedError();
        while (receivers is not null)
        {
            var next = receivers.Next;
            receivers.Next = null;
            if (!receivers.IsSync)
            {
                receivers.ReleaseCancellation();
                receivers.Fail(closed);
            }
            receivers = next;
        }
        while (senders is not null)
        {
            var next = senders.Next;
            senders.Next = null;
            if (!senders.IsSync)
            {
                senders.ReleaseCancellation();
                if ((_faults & BufferFaults.CloseDropsOffers) != 0) senders.Complete(true); // seeded bug: the message is gone
                else senders.Fail(ClosedError(((SendWaiter<T>)senders).Item));
            }
            senders = next;
        }
        if (error is null)
        {
            WaiterQueue<bool>.CompleteAll(readers, false);
            WaiterQueue<bool>.CompleteAll(writers, false);
        }
        else
        {
            WaiterQueue<bool>.FailAll(readers, error);
            WaiterQueue<bool>.FailAll(writers, error);
        }
        if (completed)
        {
            if (error is null) _completion.TrySetResult();
            else _completion.TrySetException(error);
        }
        return drain ? Array.Empty<T>() : null;
    }

    // ---- channel adapter hooks ------------------------------------------------------------------------------

    internal override bool TryWriteForChannel(T message)
    {
        ThrowIfNull(message);
        var c = new Completions();
        lock (_lock)
        {
            AssertInvariants();
            if (_closed || !_receivers.TryDequeue(out var receiver)) return false;
            HandOverLocked(receiver, message, ref c);
            AssertInvariants();
        }
        RunCompletions(ref c);
        return true;
    }

    internal override bool TryReadForChannel([MaybeNullWhen(false)] out T message)
    {
        var c = new Completions();
        lock (_lock)
        {
            AssertInvariants();
            if (!_senders.TryDequeue(out var sender))
            {
                message = default;
                return false;
            }
            message = TakeOverLocked((SendWaiter<T>)sender, ref c);
            AssertInvariants();
        }
        RunCompletions(ref c);
        return true;
    }
}
