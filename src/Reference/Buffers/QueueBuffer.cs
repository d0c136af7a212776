using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace VerifiedIpc.Reference.Buffers;

/// <summary>
/// The Mesa monitor behind <see cref="BoundedBuffer{T}"/> and <see cref="UnboundedBuffer{T}"/>: one private lock,
/// a ring of buffered messages, and two kinds of waiters — synchronous callers blocked in <c>Monitor.Wait</c>
/// (the lock's one wait set serves as both condition variables, "not full" and "not empty", so every notify is a
/// PulseAll and every wait sits in a <c>while</c>), and asynchronous callers parked as task sources in FIFO queues.
/// </summary>
/// <remarks>
/// Every operation decides under the lock and completes asynchronous waiters after releasing it (habit 1), so a
/// completion never runs foreign code while the lock is held. Fast paths — space to send, a message to receive, no
/// one waiting — take the lock once, allocate nothing and notify nobody. A sender that finds an asynchronous
/// receiver waiting hands its message straight over; a receiver that frees a slot moves the oldest blocked
/// asynchronous sender's message into it (so async senders keep FIFO order and never wake just to re-check).
/// Blocked synchronous senders are woken only when no asynchronous sender took the slot; under a steady stream of
/// asynchronous senders a synchronous sender can therefore wait long (no fairness between the two styles).
/// </remarks>
public abstract class QueueBuffer<T> : MessageBuffer<T>
{
    private readonly int _capacity;
    private readonly RingBuffer<T> _items;
    private readonly WaiterQueue<T> _receivers = new();        // async receivers
    private readonly WaiterQueue<bool> _senders = new();       // async senders (SendWaiter<T>), each holding its message
    private int _blockedSenders, _blockedReceivers;            // sync callers between Wait entry and exit

    private protected QueueBuffer(int capacity, string defaultName, BufferOptions? options, BufferFaults faults)
        : base(defaultName, options, faults)
    {
        Debug.Assert(capacity > 0);
        _capacity = capacity;
        _items = new RingBuffer<T>(Math.Min(capacity, 32));
    }

    /// <inheritdoc/>
    private protected override int CountLocked => _items.Count;

    // ---- state transitions (under the lock) ---------------------------------------------------------------

    /// <summary>The message enters the buffer, or goes straight to the oldest asynchronous receiver.</summary>
    private void DeliverLocked(T message, ref Completions c)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        if (_receivers.TryDequeue(out var receiver))
        {
            // Dequeuing is the claim: the receiver's cancellation callback can no longer find it, so the message
            // is delivered exactly once even if its token fires before RunCompletions.
            c.Receiver = receiver;
            c.ReceiverItem = message;
            Trace(BufferAction.Send, BufferRole.Sender, message);
            Trace(BufferAction.Receive, BufferRole.Receiver, message, receiver.Process);
            return;
        }
        _items.Enqueue(message);
        if (!_readWaiters.IsEmpty) c.ReadReady = _readWaiters.DetachAll();
        // Race (benign): a woken receiver may find the message already taken by a faster receiver that never
        // waited; it re-checks in its while loop and waits again.
        if (_blockedReceivers > 0) WakeAllLocked();
        // Traced after the Broadcast it causes; both happen under the lock, and spec/BoundedBufferTrace.tla matches a
        // Broadcast as the notifier's step taken just before its operation.
        Trace(BufferAction.Send, BufferRole.Sender, message);
    }

    /// <summary>Takes the oldest message; the freed slot goes to the oldest blocked asynchronous sender, else
    /// blocked synchronous senders are woken to compete for it.</summary>
    private T TakeLocked(ref Completions c)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        if (_items.Count == 0)
        {
            // Only a broken monitor gets here. The attempt is traced (a Receive with no message) so that a trace of
            // the bug shows the step the spec forbids, not just a trace that stops short of it.
            Trace(BufferAction.Receive, BufferRole.Receiver);
            throw new BufferInvariantException(
                $"'{Name}': a receiver took from an empty buffer — it acted on a condition it did not re-check after waking.");
        }
        T message = (_faults & BufferFaults.LifoTake) != 0 ? _items.TakeNewest() : _items.Dequeue();
        SendWaiter<T>? moved = null;
        if (_senders.TryDequeue(out var waiter))
        {
            moved = (SendWaiter<T>)waiter;
            _items.Enqueue(moved.Item);
            c.Sender = moved;
        }
        else
        {
            if (!_writeWaiters.IsEmpty) c.WriteReady = _writeWaiters.DetachAll();
            if (_blockedSenders > 0) WakeAllLocked();
        }
        if (_closed && _items.Count == 0)
        {
            c.Drained = true;
            c.DrainError = _closeError;
        }
        // As in DeliverLocked: a Broadcast comes before the Receive that causes it; a parked sender's message moved
        // into the freed slot is that sender's Send, right after the Receive.
        Trace(BufferAction.Receive, BufferRole.Receiver, message);
        if (moved is not null) Trace(BufferAction.Send, BufferRole.Sender, moved.Item, moved.Process);
        return message;
    }

    // An explicit request (tests, Coyote scenarios) always checks; the per-step check follows _checkInvariants.
    private protected override void VerifyInvariantsLocked() => CheckInvariants();

    private protected override bool CanReceiveNow => _items.Count > 0;

    private protected override bool CanSendNow => _items.Count < _capacity;

    private void CheckInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        Check(_items.Count <= _capacity, "the buffer never holds more messages than its capacity");
        Check(_receivers.IsEmpty || _items.Count == 0, "asynchronous receivers waiting ⇒ the buffer is empty");
        Check(_senders.IsEmpty || _items.Count == _capacity, "asynchronous senders waiting ⇒ the buffer is full");
        Check(_readWaiters.IsEmpty || (_items.Count == 0 && !_closed), "read-readiness waiters ⇒ empty and open");
        Check(_writeWaiters.IsEmpty || (_items.Count == _capacity && !_closed), "write-readiness waiters ⇒ full and open");
        Check(!_closed || (_senders.IsEmpty && _receivers.IsEmpty && _readWaiters.IsEmpty && _writeWaiters.IsEmpty),
            "closed ⇒ no asynchronous waiter is left parked");
        Check(_blockedSenders >= 0 && _blockedReceivers >= 0, "blocked-caller counts are never negative");
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
        if ((_faults & BufferFaults.CheckThenAct) != 0 && TrySendCheckThenAct(message)) return true;

        var c = new Completions();
        CancellationTokenRegistration wake = default;
        try
        {
            lock (_lock)
            {
                AssertInvariants();
                if (_closed) throw SenderClosedError(message);
                if (_items.Count >= _capacity)
                {
                    if (timeoutMs == 0) return false;
                    wake = RegisterWake(cancellationToken);
                    long deadline = Deadline(timeoutMs);
                    bool inTime = true;
                    _blockedSenders++;
                    try
                    {
                        if ((_faults & BufferFaults.IfInsteadOfWhile) != 0)
                        {
                            if (_items.Count >= _capacity && !_closed && !cancellationToken.IsCancellationRequested)
                                inTime = WaitLocked(BufferRole.Sender, deadline, message);
                        }
                        else
                        {
                            while (_items.Count >= _capacity && !_closed && !cancellationToken.IsCancellationRequested && inTime)
                                inTime = WaitLocked(BufferRole.Sender, deadline, message);
                        }
                    }
                    finally
                    {
                        _blockedSenders--;
                    }
                    if (_closed)
                    {
                        throw SenderClosedError(message);
                    }
                    // A slot that is free counts even if the token fired or the deadline passed meanwhile: the
                    // caller asked to send, and sending is the outcome that loses nothing.
                    bool mayProceed = (_faults & BufferFaults.IfInsteadOfWhile) != 0
                        ? inTime && !cancellationToken.IsCancellationRequested
                        : _items.Count < _capacity;
                    if (!mayProceed)
                    {
                        if (cancellationToken.IsCancellationRequested)
                        {
                            Trace(BufferAction.Cancel, BufferRole.Sender, message);
                            throw new OperationCanceledException(cancellationToken);
                        }
                        Trace(BufferAction.Timeout, BufferRole.Sender, message);
                        return false;
                    }
                }
                DeliverLocked(message, ref c);
                AssertInvariants();
            }
        }
        finally
        {
            // Outside the lock: Dispose waits for a running wake callback, which itself takes the lock.
            wake.Dispose();
        }
        RunCompletions(ref c);
        return true;
    }

    /// <summary>The CheckThenAct mutant: decides there is space under one acquisition of the lock and enqueues
    /// under another without deciding again. Returns false (nothing done) when it saw no space.</summary>
    private bool TrySendCheckThenAct(T message)
    {
        bool hasSpace;
        lock (_lock)
        {
            AssertInvariants();
            if (_closed) throw SenderClosedError(message);
            hasSpace = _items.Count < _capacity;
            // Traced under the lock, where the decision is taken, so the trace orders it among the other steps;
            // the window in which it goes stale is what follows.
            if (hasSpace) Trace(BufferAction.Check, BufferRole.Sender, message);
        }
        if (!hasSpace) return false;
        var c = new Completions();
        lock (_lock)
        {
            DeliverLocked(message, ref c);
            AssertInvariants();
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
                if (_items.Count == 0)
                {
                    if (_closed) throw ReceiverClosedError();
                    if (timeoutMs == 0)
                    {
                        message = default!;
                        return false;
                    }
                    wake = RegisterWake(cancellationToken);
                    long deadline = Deadline(timeoutMs);
                    bool inTime = true;
                    _blockedReceivers++;
                    try
                    {
                        if ((_faults & BufferFaults.IfInsteadOfWhile) != 0)
                        {
                            if (_items.Count == 0 && !_closed && !cancellationToken.IsCancellationRequested)
                                inTime = WaitLocked(BufferRole.Receiver, deadline);
                        }
                        else
                        {
                            while (_items.Count == 0 && !_closed && !cancellationToken.IsCancellationRequested && inTime)
                                inTime = WaitLocked(BufferRole.Receiver, deadline);
                        }
                    }
                    finally
                    {
                        _blockedReceivers--;
                    }
                    bool mayProceed = (_faults & BufferFaults.IfInsteadOfWhile) != 0
                        ? inTime && !cancellationToken.IsCancellationRequested && !(_closed && _items.Count == 0)
                        : _items.Count > 0;
                    if (!mayProceed)
                    {
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
                }
                message = TakeLocked(ref c);
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
            if (_items.Count < _capacity)
            {
                DeliverLocked(message, ref c);
            }
            else
            {
                waiter = new SendWaiter<T>(this, message, isSync: false);
                _senders.Enqueue(waiter);
                Trace(BufferAction.Wait, BufferRole.Sender, message);
                waiter.RegisterCancellation(cancellationToken);
            }
            AssertInvariants();
        }
        if (waiter is not null) return new ValueTask(waiter.Task);
        RunCompletions(ref c);
        return default;
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
            if (_items.Count > 0)
            {
                message = TakeLocked(ref c);
            }
            else if (_closed)
            {
                return ValueTask.FromException<T>(ReceiverClosedError());
            }
            else
            {
                waiter = new Waiter<T>(this, isSync: false);
                _receivers.Enqueue(waiter);
                Trace(BufferAction.Wait, BufferRole.Receiver);
                waiter.RegisterCancellation(cancellationToken);
            }
            AssertInvariants();
        }
        if (waiter is not null) return new ValueTask<T>(waiter.Task);
        RunCompletions(ref c);
        return new ValueTask<T>(message);
    }

    // ---- close ----------------------------------------------------------------------------------------------

    private protected override IReadOnlyList<T>? CloseCore(Exception? error, bool drain)
    {
        Waiter<T>? receivers = null;
        Waiter<bool>? senders = null, readers = null, writers = null;
        T[]? drained = null;
        var c = new Completions();
        lock (_lock)
        {
            AssertInvariants();
            if (!_closed)
            {
                _closed = true;
                _closeError = error;
                Trace(BufferAction.Close, BufferRole.Buffer);
                if ((_faults & BufferFaults.LostWakeupOnClose) == 0)
                {
                    receivers = _receivers.DetachAll();
                    // Parked receive tasks fail right after the lock is released; their Closed is logged here, in order.
                    for (var r = receivers; r is not null; r = r.Next) Trace(BufferAction.Closed, BufferRole.Receiver, r.Process);
                    senders = _senders.DetachAll();
                    readers = _readWaiters.DetachAll();
                    writers = _writeWaiters.DetachAll();
                    for (var s = senders; s is not null; s = s.Next)
                        Trace(BufferAction.HandBack, BufferRole.Sender, ((SendWaiter<T>)s).Item, s.Process);
                    // Blocked synchronous callers re-check, see the flag, and leave (senders with their message).
                    if (_blockedSenders + _blockedReceivers > 0) WakeAllLocked();
                }
                if (_items.Count == 0)
                {
                    c.Drained = true;
                    c.DrainError = error;
                }
            }
            if (drain)
            {
                drained = _items.DequeueAll();
                foreach (var m in drained) Trace(BufferAction.HandBack, BufferRole.Buffer, m);
                c.Drained = true;
                c.DrainError = _closeError;
            }
            AssertInvariants();
        }
        WaiterQueue<T>.FailAll(receivers, ClosedError());
        while (senders is not null)
        {
            var next = senders.Next;
            senders.Next = null;
            senders.ReleaseCancellation();
            senders.Fail(ClosedError(((SendWaiter<T>)senders).Item));
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
        RunCompletions(ref c);
        return drained;
    }

    // ---- channel adapter hooks ------------------------------------------------------------------------------

    internal override bool TryWriteForChannel(T message)
    {
        ThrowIfNull(message);
        var c = new Completions();
        lock (_lock)
        {
            AssertInvariants();
            if (_closed || _items.Count >= _capacity) return false;
            DeliverLocked(message, ref c);
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
            if (_items.Count == 0)
            {
                message = default;
                return false;
            }
            message = TakeLocked(ref c);
            AssertInvariants();
        }
        RunCompletions(ref c);
        return true;
    }
}

/// <summary>
/// Bounded buffer (the seed's "finite size; sender blocks on buffer full; use a Mesa monitor"): at most
/// <see cref="Capacity"/> messages wait; a synchronous sender blocks while it is full, an asynchronous one gets a
/// pending status handle. See <see cref="IMessageBuffer{T}"/> for delivery and close semantics.
/// </summary>
public sealed class BoundedBuffer<T> : QueueBuffer<T>
{
    /// <summary>Creates a bounded buffer.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is zero or negative (a buffer
    /// without room is a <see cref="RendezvousBuffer{T}"/>).</exception>
    public BoundedBuffer(int capacity, BufferOptions? options = null) : this(capacity, options, BufferFaults.None) { }

    internal BoundedBuffer(int capacity, BufferOptions? options, BufferFaults faults)
        : base(ValidCapacity(capacity), "bounded buffer", options, faults)
    {
        Capacity = capacity;
    }

    /// <summary>The most messages the buffer holds at once.</summary>
    public int Capacity { get; }

    private static int ValidCapacity(int capacity)
    {
        if (capacity <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity,
                "A bounded buffer needs a capacity of at least 1; for no buffering use RendezvousBuffer.");
        }
        return capacity;
    }
}

/// <summary>
/// Unbounded buffer (the seed's "infinite size; sender never blocks"): sends always complete at once, and only
/// memory limits how many messages wait. See <see cref="IMessageBuffer{T}"/> for delivery and close semantics.
/// </summary>
public sealed class UnboundedBuffer<T> : QueueBuffer<T>
{
    /// <summary>Creates an unbounded buffer.</summary>
    public UnboundedBuffer(BufferOptions? options = null) : this(options, BufferFaults.None) { }

    internal UnboundedBuffer(BufferOptions? options, BufferFaults faults)
        : base(int.MaxValue, "unbounded buffer", options, faults)
    {
    }
}
