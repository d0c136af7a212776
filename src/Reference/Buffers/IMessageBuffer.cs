using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Threading.Channels;

namespace VerifiedIpc.Reference.Buffers;

/// <summary>
/// A one-way link between senders and receivers in one process, with the seed's send and receive styles.
/// Three kinds implement it: <see cref="RendezvousBuffer{T}"/> (no buffering), <see cref="BoundedBuffer{T}"/>
/// (a Mesa monitor; senders block on full) and <see cref="UnboundedBuffer{T}"/> (senders never block). Every
/// member is thread-safe; any number of senders and receivers may use one buffer.
/// </summary>
/// <remarks>
/// <para><b>Delivery.</b> Messages are delivered in send order per sender, each to exactly one receiver. A
/// message is never dropped: it is delivered, or it goes back to whoever holds it — the sender, when its send
/// failed (an <see cref="EndpointClosedException"/> carrying it in <see cref="EndpointClosedException.Undelivered"/>,
/// or a cancellation/timeout that leaves it with the caller), or the caller of <see cref="Drain"/>.</para>
/// <para><b>Close.</b> <see cref="Close"/> (and <see cref="IDisposable.Dispose"/>, which is the same) stops new
/// sends; blocked senders fail with their message handed back; buffered messages stay receivable, so a close is
/// graceful. Once the buffer is closed and empty, receivers (blocked or new) get
/// <see cref="EndpointClosedException"/>. <see cref="Drain"/> closes and hands every buffered message back at once.</para>
/// <para><b>Blocking.</b> Synchronous calls block on the buffer's monitor and never spin; asynchronous calls never
/// block a thread. Every blocking call takes a <see cref="CancellationToken"/> (and the synchronous ones a timeout):
/// a cancelled or timed-out send did not send.</para>
/// </remarks>
public interface IMessageBuffer<T> : IDisposable
{
    /// <summary>Name used in errors and traces.</summary>
    string Name { get; }

    /// <summary>Messages waiting to be received (for a rendezvous: senders blocked with a message).</summary>
    int Count { get; }

    /// <summary>Whether <see cref="Close"/> (or <see cref="Drain"/>, or <c>Dispose</c>) was called.</summary>
    bool IsClosed { get; }

    /// <summary>Completes once the buffer is closed and every buffered message has been received or drained.</summary>
    Task Completion { get; }

    /// <summary>Synchronous send: returns once the message is out of the caller's hands — in the buffer, or, for a
    /// rendezvous, taken by a receiver. Blocks while the buffer is full.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="EndpointClosedException">The buffer is or became closed; the message is in <c>Undelivered</c>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while blocked; the message was not sent.</exception>
    void Send(T message, CancellationToken cancellationToken = default);

    /// <summary>Sends only if that needs no waiting; false leaves the message with the caller.</summary>
    bool TrySend(T message);

    /// <summary>Synchronous send that gives up after <paramref name="timeout"/> (false: not sent).
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</summary>
    bool TrySend(T message, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Asynchronous send: returns at once with a status handle. Poll <see cref="ValueTask.IsCompleted"/>,
    /// await it, or be called back (<see cref="MessageBufferExtensions.OnCompleted"/>). It completes when the message
    /// is out of the caller's hands, and faults with <see cref="EndpointClosedException"/> (message in
    /// <c>Undelivered</c>) or cancels without sending. The handle may be awaited once.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null (thrown synchronously).</exception>
    ValueTask SendAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Synchronous receive: blocks while the buffer is empty.</summary>
    /// <exception cref="EndpointClosedException">The buffer is closed and empty.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while blocked; nothing was taken.</exception>
    T Receive(CancellationToken cancellationToken = default);

    /// <summary>The seed's asynchronous receive: a message if one is there, else false at once.</summary>
    /// <exception cref="EndpointClosedException">The buffer is closed and empty (so a polling loop ends).</exception>
    bool TryReceive([MaybeNullWhen(false)] out T message);

    /// <summary>Synchronous receive that gives up after <paramref name="timeout"/> (false: nothing taken).</summary>
    bool TryReceive([MaybeNullWhen(false)] out T message, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Receive without blocking a thread: completes with the next message, or faults with
    /// <see cref="EndpointClosedException"/> once the buffer is closed and empty.</summary>
    ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops new sends; blocked senders fail with their message handed back; buffered messages stay
    /// receivable. Idempotent.</summary>
    void Close();

    /// <summary>Closes (if not yet closed) and hands back every message still buffered, in order.</summary>
    IReadOnlyList<T> Drain();

    /// <summary>The same buffer seen as a <see cref="Channel{T}"/>, for code written against System.Threading.Channels.</summary>
    Channel<T> AsChannel();
}

/// <summary>
/// Base of the three buffer kinds: name, tracing, argument checks and the hooks the <see cref="Channel{T}"/>
/// adapter needs. Only this assembly can derive from it.
/// </summary>
public abstract class MessageBuffer<T> : IMessageBuffer<T>, IWaiterOwner
{
    private protected readonly object _lock = new();
    private protected readonly IBufferTracer? _tracer;
    private protected readonly BufferFaults _faults;

    /// <summary>
    /// Whether the monitor invariants are checked after each step. A correct buffer: in DEBUG builds (a
    /// production buffer in Release pays one field test per step). A buffer with seeded faults: only when
    /// <see cref="BufferFaults.CheckInvariants"/> asks, in any build, so that Coyote and property tests must catch
    /// the seeded bug with their own checks.
    /// </summary>
    private protected readonly bool _checkInvariants;
    private protected readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private protected bool _closed;
    private protected Exception? _closeError;
    private Channel<T>? _channel;

    private protected MessageBuffer(string defaultName, BufferOptions? options, BufferFaults faults)
    {
        Name = options?.Name ?? defaultName;
        _tracer = options?.Tracer;
        _faults = faults;
#if DEBUG
        const bool debugBuild = true;
#else
        const bool debugBuild = false;
#endif
        _checkInvariants = faults == BufferFaults.None ? debugBuild : (faults & BufferFaults.CheckInvariants) != 0;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            lock (_lock) return CountLocked;
        }
    }

    /// <inheritdoc/>
    public bool IsClosed
    {
        get
        {
            lock (_lock) return _closed;
        }
    }

    /// <inheritdoc/>
    public Task Completion => _completion.Task;

    object IWaiterOwner.SyncRoot => _lock;


    void IWaiterOwner.OnWaiterCancelled(BufferRole role, string? process)
    {
        if (_tracer is { } tracer) tracer.OnEvent(new BufferEvent(Name, BufferAction.Cancel, role, null, CountLocked, process));
    }

    string? IWaiterOwner.TraceProcessName => _tracer is null ? null : Tracing.TraceProcess.Current;

    /// <inheritdoc/>
    public void Send(T message, CancellationToken cancellationToken = default)
    {
        bool sent = SendCore(message, Timeout.Infinite, cancellationToken);
        // A seeded-fault buffer may break this contract: that is the bug its tests must catch, not abort on.
        Debug.Assert(sent || _faults != BufferFaults.None, "an untimed send either sends or throws");
    }

    /// <inheritdoc/>
    public bool TrySend(T message) => SendCore(message, 0, default);

    /// <inheritdoc/>
    public bool TrySend(T message, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendCore(message, ToMilliseconds(timeout), cancellationToken);

    /// <inheritdoc/>
    public abstract ValueTask SendAsync(T message, CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public T Receive(CancellationToken cancellationToken = default)
    {
        bool received = ReceiveCore(out T message, Timeout.Infinite, cancellationToken);
        Debug.Assert(received || _faults != BufferFaults.None, "an untimed receive either receives or throws");
        return message;
    }

    /// <inheritdoc/>
    public bool TryReceive([MaybeNullWhen(false)] out T message) => ReceiveCore(out message, 0, default);

    /// <inheritdoc/>
    public bool TryReceive([MaybeNullWhen(false)] out T message, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ReceiveCore(out message, ToMilliseconds(timeout), cancellationToken);

    /// <inheritdoc/>
    public abstract ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public void Close() => CloseCore(null, drain: false);

    /// <inheritdoc/>
    public IReadOnlyList<T> Drain() => CloseCore(null, drain: true) ?? [];

    /// <summary>Same as <see cref="Close"/>: buffered messages stay receivable (and drainable), so disposing
    /// never drops one.</summary>
    public void Dispose() => Close();

    /// <inheritdoc/>
    public Channel<T> AsChannel() => _channel ??= new BufferChannel<T>(this);

    /// <inheritdoc/>
    public override string ToString() => $"{GetType().Name.TrimEnd('`', '1')} '{Name}' ({Count} buffered{(IsClosed ? ", closed" : "")})";

    // ---- the kind-specific monitor -------------------------------------------------------------------------

    /// <summary>timeoutMs: -1 infinite, 0 never wait. False only on timeout (or would-block when 0).</summary>
    private protected abstract bool SendCore(T message, int timeoutMs, CancellationToken cancellationToken);

    private protected abstract bool ReceiveCore(out T message, int timeoutMs, CancellationToken cancellationToken);

    /// <summary>Closes; with <paramref name="drain"/> also takes every buffered message. Returns the drained
    /// messages (drain) or null. Returns without effect on the flag when already closed.</summary>
    private protected abstract IReadOnlyList<T>? CloseCore(Exception? error, bool drain);

    // ---- hooks for the Channel<T> adapter (Channels semantics: false instead of exceptions on close) ------

    internal abstract bool TryWriteForChannel(T message);

    internal abstract bool TryReadForChannel([MaybeNullWhen(false)] out T message);

    /// <summary>Channel adapter: <c>WaitToReadAsync</c> callers parked until a receive could proceed.</summary>
    private protected readonly WaiterQueue<bool> _readWaiters = new();

    /// <summary>Channel adapter: <c>WaitToWriteAsync</c> callers parked until a send could proceed.</summary>
    private protected readonly WaiterQueue<bool> _writeWaiters = new();

    /// <summary>Under the lock: whether a receive would proceed now without waiting.</summary>
    private protected abstract bool CanReceiveNow { get; }

    /// <summary>Under the lock: whether a send would proceed now without waiting.</summary>
    private protected abstract bool CanSendNow { get; }

    /// <summary>Checks the monitor invariants at every step when the buffer was asked to (DEBUG, or a faulted
    /// buffer with <see cref="BufferFaults.CheckInvariants"/>).</summary>
    private protected void AssertInvariants()
    {
        if (_checkInvariants) VerifyInvariantsLocked();
    }

    internal ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        lock (_lock)
        {
            AssertInvariants();
            if (_closed) return _closeError is { } e ? ValueTask.FromException<bool>(e) : new ValueTask<bool>(false);
            if (CanSendNow) return new ValueTask<bool>(true);
            var waiter = new WriteReadinessWaiter(this);
            _writeWaiters.Enqueue(waiter);
            waiter.RegisterCancellation(cancellationToken);
            return new ValueTask<bool>(waiter.Task);
        }
    }

    internal ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        lock (_lock)
        {
            AssertInvariants();
            if (CanReceiveNow) return new ValueTask<bool>(true);
            if (_closed) return _closeError is { } e ? ValueTask.FromException<bool>(e) : new ValueTask<bool>(false);
            var waiter = new Waiter<bool>(this, isSync: false);
            _readWaiters.Enqueue(waiter);
            waiter.RegisterCancellation(cancellationToken);
            return new ValueTask<bool>(waiter.Task);
        }
    }

    /// <summary>Close with an optional error for the channel's <c>Completion</c>; false if already closed.</summary>
    internal bool TryComplete(Exception? error)
    {
        lock (_lock)
        {
            if (_closed) return false;
        }
        // Race: another closer may win between the check and CloseCore; CloseCore re-checks under the lock and
        // then does nothing, so at worst this caller reports true for a close that another caller performed,
        // which is exactly what Channels' TryComplete also allows (both happened "at the same time").
        CloseCore(error, drain: false);
        return true;
    }

    internal Exception? CloseError
    {
        get
        {
            lock (_lock) return _closeError;
        }
    }

    // ---- shared helpers -----------------------------------------------------------------------------------

    private protected static void ThrowIfNull(T message)
    {
        if (message is null) throw new ArgumentNullException(nameof(message), "A buffer does not carry null messages.");
    }

    private protected EndpointClosedException ClosedError() => new(Name);

    private protected EndpointClosedException ClosedError(T undelivered) => new(Name, undelivered, hasUndelivered: true);

    /// <summary>A send that fails because the buffer is closed: its message goes straight back to the caller, traced
    /// as a <see cref="BufferAction.HandBack"/> (under the lock), then the error that carries it.</summary>
    private protected EndpointClosedException SenderClosedError(T message)
    {
        Trace(BufferAction.HandBack, BufferRole.Sender, message);
        return ClosedError(message);
    }

    /// <summary>A receive that ends because the buffer closed and holds nothing for it: traced as the receiver's
    /// <see cref="BufferAction.Closed"/> (under the lock), then the error it fails with.</summary>
    private protected EndpointClosedException ReceiverClosedError()
    {
        Trace(BufferAction.Closed, BufferRole.Receiver);
        return ClosedError();
    }

    /// <summary>Traces a step that carries a message. Generic in the message so that, with tracing off, a value-type
    /// message is never boxed: the one null check is the whole cost.</summary>
    private protected void Trace(BufferAction action, BufferRole role, T message, string? process = null)
    {
        if (_tracer is { } tracer)
        {
            Debug.Assert(Monitor.IsEntered(_lock));
            tracer.OnEvent(new BufferEvent(Name, action, role, message, CountLocked, process));
        }
    }

    /// <summary>Traces a step without a message. Events are raised under the lock, in linearisation order.
    /// <paramref name="process"/>: the waiter whose step this is, when not the caller's (see <see cref="BufferEvent"/>).</summary>
    private protected void Trace(BufferAction action, BufferRole role, string? process = null)
    {
        if (_tracer is { } tracer)
        {
            Debug.Assert(Monitor.IsEntered(_lock));
            tracer.OnEvent(new BufferEvent(Name, action, role, null, CountLocked, process));
        }
    }

    private protected abstract int CountLocked { get; }

    /// <summary>The monitor's lock, for <c>vipc replay</c> only: its buffer tracer parks a woken thread by leaving
    /// and re-entering this lock (never by waiting on it, which would disturb the monitor's own wait set), so the
    /// replay decides which notified thread re-acquires the lock next, as the spec's Wake step says.</summary>
    internal object ReplayLock => _lock;

    /// <summary>Work decided under the lock and done after it is released.</summary>
    private protected struct Completions
    {
        public Waiter<T>? Receiver;
        public T ReceiverItem;
        public SendWaiter<T>? Sender;
        public Waiter<bool>? ReadReady;
        public Waiter<bool>? WriteReady;
        public bool Drained;
        public Exception? DrainError; // with Drained: how Completion ends (null: successfully)
    }

    private protected void RunCompletions(ref Completions c)
    {
        // Normally called with the lock released (habit 1). The one exception is a tracer re-entering the buffer
        // from inside a traced step (tests scripting an interleaving); completions still run continuations
        // asynchronously then, so no foreign code runs under the lock either way.
        if (c.Receiver is { } receiver)
        {
            receiver.ReleaseCancellation();
            receiver.Complete(c.ReceiverItem);
        }
        if (c.Sender is { } sender)
        {
            sender.ReleaseCancellation();
            sender.Complete(true);
        }
        WaiterQueue<bool>.CompleteAll(c.ReadReady, true);
        WaiterQueue<bool>.CompleteAll(c.WriteReady, true);
        if (c.Drained)
        {
            if (c.DrainError is { } error) _completion.TrySetException(error);
            else _completion.TrySetResult();
        }
    }

    /// <summary>For tests and Coyote: checks the monitor invariants now (DEBUG builds; a no-op in Release).
    /// Every operation already checks them on entry and exit, under the lock.</summary>
    internal void VerifyInvariants()
    {
        lock (_lock) VerifyInvariantsLocked();
    }

    private protected abstract void VerifyInvariantsLocked();

    /// <summary>Wake blocked synchronous waiters. PulseAll, because senders and receivers share the lock's one
    /// wait set: a single Pulse could wake the wrong kind (the PulseInsteadOfPulseAll mutant does exactly that).</summary>
    private protected void WakeAllLocked()
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        if ((_faults & BufferFaults.PulseInsteadOfPulseAll) != 0)
        {
            Trace(BufferAction.Signal, BufferRole.Buffer);
            Monitor.Pulse(_lock);
        }
        else
        {
            Trace(BufferAction.Broadcast, BufferRole.Buffer);
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Registration that wakes this buffer's synchronous waiters when a token is cancelled, so a blocked
    /// caller re-checks its token. Dispose it outside the lock: Dispose waits for a running callback, and the
    /// callback takes the lock.</summary>
    private protected CancellationTokenRegistration RegisterWake(CancellationToken cancellationToken)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        if (!cancellationToken.CanBeCanceled) return default;
        return cancellationToken.UnsafeRegister(static state =>
        {
            var buffer = (MessageBuffer<T>)state!;
            lock (buffer._lock) buffer.WakeAllLocked();
        }, this);
    }

    /// <summary>One Mesa wait: releases the lock, sleeps until pulsed (or the deadline), re-acquires. The caller
    /// must re-check its condition — nothing guarantees it still holds (that is what <c>while</c> is for).
    /// Returns false when the deadline has passed.</summary>
    private protected bool WaitLocked(BufferRole role, long deadline)
    {
        Trace(BufferAction.Wait, role);
        return WaitCoreLocked(role, deadline);
    }

    /// <summary>A sender's Mesa wait: as <see cref="WaitLocked(BufferRole, long)"/>, with the message it holds in the
    /// Wait event, so a trace names the message a blocked sender is parked with (the Rendezvous spec's offer).</summary>
    private protected bool WaitLocked(BufferRole role, long deadline, T message)
    {
        Trace(BufferAction.Wait, role, message);
        return WaitCoreLocked(role, deadline);
    }

    private bool WaitCoreLocked(BufferRole role, long deadline)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        bool inTime;
        if (deadline < 0)
        {
            Monitor.Wait(_lock);
            inTime = true;
        }
        else
        {
            long remaining = deadline - Environment.TickCount64;
            inTime = remaining > 0 && Monitor.Wait(_lock, (int)Math.Min(remaining, int.MaxValue));
        }
        Trace(BufferAction.Wake, role);
        return inTime;
    }

    private protected static long Deadline(int timeoutMs) =>
        timeoutMs < 0 ? -1 : Environment.TickCount64 + timeoutMs;

    private static int ToMilliseconds(TimeSpan timeout)
    {
        long ms = (long)timeout.TotalMilliseconds;
        if (timeout != Timeout.InfiniteTimeSpan && (ms < 0 || ms > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout,
                "The timeout must be between zero and int.MaxValue milliseconds, or Timeout.InfiniteTimeSpan.");
        }
        return timeout == Timeout.InfiniteTimeSpan ? Timeout.Infinite : (int)ms;
    }
}
