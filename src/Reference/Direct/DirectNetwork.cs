using System.Collections.Immutable;
using VerifiedIpc.Reference.Handlers;

namespace VerifiedIpc.Reference.Direct;

/// <summary>
/// Direct communication by process id (the seed's <c>send(dest, msg)</c> / <c>receive(src, msg)</c>): processes
/// attach to the network and address each other by <see cref="ProcessId"/>. Where the buffers live is chosen by
/// <see cref="DirectOptions.Layout"/>; the operations and their guarantees are the same in both layouts:
/// <list type="bullet">
/// <item>messages from one sender to one receiver arrive in the order sent;</item>
/// <item>a message is delivered at most once, and is either delivered or handed back (never dropped): closing a
/// receiver returns what was buffered for it, a blocked send fails with its message in
/// <see cref="EndpointClosedException.Undelivered"/>;</item>
/// <item>every blocking call takes a timeout and a CancellationToken; a cancelled or timed-out call changed nothing.</item>
/// </list>
/// </summary>
/// <typeparam name="T">Payload type.</typeparam>
public sealed class DirectNetwork<T>
{
    private readonly object _attachLock = new();
    private readonly DirectOptions _options;
    private readonly DirectFaults _faults;
    private readonly MessageMonitor<T>? _shared;
    private ImmutableDictionary<ProcessId, DirectEndpoint<T>> _endpoints = ImmutableDictionary<ProcessId, DirectEndpoint<T>>.Empty;

    /// <summary>Creates a network with the given options (default: buffer at the receiver, capacity 64).</summary>
    public DirectNetwork(DirectOptions? options = null) : this(options ?? new DirectOptions(), DirectFaults.None) { }

    internal DirectNetwork(DirectOptions options, DirectFaults faults)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _faults = faults;
        if (options.Layout == DirectLayout.SenderBuffer)
            _shared = new MessageMonitor<T>(Settings(options.Name), new SenderBufferRules(this));
    }

    /// <summary>Name used in errors and traces.</summary>
    public string Name => _options.Name;

    /// <summary>Where the buffers live.</summary>
    public DirectLayout Layout => _options.Layout;

    /// <summary>Attaches process <paramref name="id"/> and returns its endpoint. Each id attaches once.</summary>
    public DirectEndpoint<T> Attach(ProcessId id)
    {
        if (id.IsAny) throw new ArgumentException("ProcessId.Any names no process and cannot attach.", nameof(id));
        lock (_attachLock)
        {
            if (_endpoints.ContainsKey(id)) throw new ArgumentException($"Process {id} is already attached to '{Name}'.", nameof(id));
            MessageMonitor<T> monitor;
            if (_shared is not null)
            {
                _shared.AddLane(id, _options.EffectiveCapacity);
                monitor = _shared;
            }
            else
            {
                monitor = new MessageMonitor<T>(Settings($"{Name}:{id}"), new ReceiverBufferRules(this, id), id, _options.EffectiveCapacity);
            }
            var endpoint = new DirectEndpoint<T>(this, id, monitor);
            // Copy-on-write: senders look destinations up without a lock, and attaching is rare.
            Volatile.Write(ref _endpoints, _endpoints.Add(id, endpoint));
            _options.Tracer?.OnEvent(new IpcTraceEvent(IpcAction.Open, Name, id, ProcessId.Any, 0, 0));
            return endpoint;
        }
    }

    /// <summary>The endpoint of an attached process.</summary>
    internal DirectEndpoint<T> Lookup(ProcessId id, string parameter)
    {
        if (id.IsAny) throw new ArgumentException("A send needs a destination; ProcessId.Any is only for receiving.", parameter);
        return Volatile.Read(ref _endpoints).TryGetValue(id, out var e)
            ? e
            : throw new ArgumentException($"No process {id} is attached to '{Name}'.", parameter);
    }

    internal bool IsAttached(ProcessId id) => Volatile.Read(ref _endpoints).ContainsKey(id);

    internal IEnumerable<DirectEndpoint<T>> Endpoints => Volatile.Read(ref _endpoints).Values;

    /// <summary>Checks every monitor's invariants (tests and Coyote); null when all hold.</summary>
    internal string? CheckInvariants()
    {
        if (_shared is not null) return _shared.CheckInvariants();
        foreach (var e in Endpoints)
        {
            var v = e.Monitor.CheckInvariants();
            if (v is not null) return v;
        }
        return null;
    }

    internal List<Envelope<T>> CloseEndpoint(DirectEndpoint<T> endpoint)
    {
        if (_shared is not null)
        {
            // One lock for every buffer: flag and sweep in one step. The sender's own buffered messages stay
            // deliverable (they left the sender); messages addressed to it come back to the closer.
            lock (_shared.SyncRoot)
            {
                endpoint.MarkClosed();
                return _shared.CloseProcess(endpoint.Id, drainAddressed: true);
            }
        }
        // The flag is set before any sweep, and every send checks it under the destination's lock, so a send by
        // this process either reached a buffer before that buffer was swept (and is failed or kept by the sweep)
        // or sees the flag and is refused. No send from a closed process stays blocked.
        endpoint.MarkClosed();
        var drained = endpoint.Monitor.CloseAll(endpoint.Id);
        foreach (var other in Endpoints)
            if (!ReferenceEquals(other, endpoint)) other.Monitor.CloseProcess(endpoint.Id, drainAddressed: false);
        return drained;
    }

    internal MonitorSettings Settings(string name) => new()
    {
        Name = name,
        Tracer = _options.Tracer,
        Time = _options.TimeProvider,
        Faults = _faults,
    };

    /// <summary>Rules of one receiver's buffer (layout <see cref="DirectLayout.ReceiverBuffer"/>).</summary>
    private sealed class ReceiverBufferRules(DirectNetwork<T> network, ProcessId owner) : ILinkRules
    {
        public Exception? CheckSend(ProcessId source, ProcessId destination, object? body)
        {
            System.Diagnostics.Debug.Assert(destination == owner);
            // Read under the destination's lock; see CloseEndpoint for why this ordering is enough.
            if (network.Lookup(source, nameof(source)).IsClosed)
                return new EndpointClosedException($"{network.Name}:{source}", body, hasUndelivered: true);
            return null;
        }

        public Exception? CheckReceive(ProcessId receiver, string operation) => null;

        public bool IsSourceGone(ProcessId source) => network.IsAttached(source) && network.Lookup(source, nameof(source)).IsClosed;
    }

    /// <summary>Rules of the shared monitor (layout <see cref="DirectLayout.SenderBuffer"/>); all reads under its lock.</summary>
    private sealed class SenderBufferRules(DirectNetwork<T> network) : ILinkRules
    {
        public Exception? CheckSend(ProcessId source, ProcessId destination, object? body)
        {
            if (network.Lookup(source, nameof(source)).IsClosed)
                return new EndpointClosedException($"{network.Name}:{source}", body, hasUndelivered: true);
            if (network.Lookup(destination, nameof(destination)).IsClosed)
                return new EndpointClosedException($"{network.Name}:{destination}", body, hasUndelivered: true);
            return null;
        }

        public Exception? CheckReceive(ProcessId receiver, string operation) =>
            network.Lookup(receiver, nameof(receiver)).IsClosed ? new EndpointClosedException($"{network.Name}:{receiver}") : null;

        public bool IsSourceGone(ProcessId source) => network.IsAttached(source) && network.Lookup(source, nameof(source)).IsClosed;
    }
}

/// <summary>
/// One process's end of a <see cref="DirectNetwork{T}"/>: it sends to destinations by id and receives from a
/// named source or from <see cref="ProcessId.Any"/>. Thread-safe: several threads may act for one process.
/// </summary>
public sealed class DirectEndpoint<T>
{
    private readonly DirectNetwork<T> _network;
    private volatile bool _closed;

    internal DirectEndpoint(DirectNetwork<T> network, ProcessId id, MessageMonitor<T> monitor)
    {
        _network = network;
        Id = id;
        Monitor = monitor;
    }

    /// <summary>This process.</summary>
    public ProcessId Id { get; }

    /// <summary>True after <see cref="Close"/>.</summary>
    public bool IsClosed => _closed;

    internal MessageMonitor<T> Monitor { get; }

    internal void MarkClosed() => _closed = true;

    // ---- send

    /// <summary>Synchronous send: returns once the message is out of this process (in a buffer or taken by the
    /// receiver); blocks while the buffer is full.</summary>
    /// <exception cref="EndpointClosedException">This endpoint or the destination is closed (the message is in Undelivered).</exception>
    public void Send(ProcessId destination, T message, CancellationToken cancellationToken = default) =>
        Send(destination, message, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Synchronous send with a timeout; <see cref="TimeoutException"/> when no room came in time (nothing was sent).</summary>
    public void Send(ProcessId destination, T message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var target = CheckSend(destination, message, timeout);
        target.Send(Id, destination, message, timeout, cancellationToken);
    }

    /// <summary>Asynchronous send: returns a status handle at once (see <see cref="SendOperation"/>); never blocks.</summary>
    public SendOperation SendAsync(ProcessId destination, T message, CancellationToken cancellationToken = default) =>
        SendAsync(destination, message, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Asynchronous send whose handle reports <see cref="SendStatus.TimedOut"/> if no room came in time.</summary>
    public SendOperation SendAsync(ProcessId destination, T message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var target = CheckSend(destination, message, timeout);
        return target.SendAsync(Id, destination, message, timeout, cancellationToken);
    }

    private MessageMonitor<T> CheckSend(ProcessId destination, T message, TimeSpan timeout)
    {
        if (message is null) throw new ArgumentNullException(nameof(message), "A message cannot be null.");
        CheckTimeout(timeout);
        // Early answer only: a Close racing this send is decided under the target monitor's lock (the rules read
        // the flag there), so a send that passes this check can still be refused, never half-done.
        if (_closed) throw new EndpointClosedException($"{_network.Name}:{Id}", message, hasUndelivered: true);
        var target = _network.Lookup(destination, nameof(destination));
        return _network.Layout == DirectLayout.ReceiverBuffer ? target.Monitor : Monitor;
    }

    // ---- receive

    /// <summary>Synchronous receive from <paramref name="source"/> (or <see cref="ProcessId.Any"/>): blocks until there is one.</summary>
    /// <exception cref="EndpointClosedException">This endpoint closed, or the named source closed with nothing left from it.</exception>
    public Message<T> Receive(ProcessId source, CancellationToken cancellationToken = default) =>
        Receive(source, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Synchronous receive with a timeout; <see cref="TimeoutException"/> when nothing came (nothing was taken).</summary>
    public Message<T> Receive(ProcessId source, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        CheckReceive(source, timeout);
        return Monitor.Receive(Id, source, timeout, cancellationToken);
    }

    /// <summary>Receive that waits without blocking a thread.</summary>
    public ValueTask<Message<T>> ReceiveAsync(ProcessId source, CancellationToken cancellationToken = default) =>
        ReceiveAsync(source, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Receive that waits without blocking a thread, failing with <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public ValueTask<Message<T>> ReceiveAsync(ProcessId source, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        CheckReceive(source, timeout);
        return Monitor.ReceiveAsync(Id, source, timeout, cancellationToken);
    }

    /// <summary>The seed's asynchronous receive: takes a message from <paramref name="source"/> if there is one, else returns false at once.</summary>
    public bool TryReceive(ProcessId source, out Message<T> message)
    {
        CheckReceive(source, Timeout.InfiniteTimeSpan);
        return Monitor.TryReceive(Id, source, out message);
    }

    /// <summary>The seed's <c>probe(src)</c>: whether a message from <paramref name="source"/> is waiting, without taking it.
    /// (The answer may be stale by the time it is used if other threads receive for this process.)</summary>
    public bool Probe(ProcessId source)
    {
        CheckReceive(source, Timeout.InfiniteTimeSpan);
        return Monitor.Probe(Id, source);
    }

    /// <summary>The seed's <c>hrecv(src, msg, func)</c>: runs <paramref name="handler"/> on every message from
    /// <paramref name="source"/> (or any). See <see cref="Subscription"/> for concurrency, stop and failure rules.</summary>
    public Subscription Subscribe(ProcessId source, Func<Message<T>, CancellationToken, ValueTask> handler, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        CheckReceive(source, Timeout.InfiniteTimeSpan);
        return Monitor.Subscribe(Id, source, handler, options ?? HandlerOptions.Sequential);
    }

    /// <summary>Synchronous-handler form of <see cref="Subscribe(ProcessId, Func{Message{T}, CancellationToken, ValueTask}, HandlerOptions?)"/>.</summary>
    public Subscription Subscribe(ProcessId source, Action<Message<T>> handler, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe(source, (m, _) =>
        {
            handler(m);
            return ValueTask.CompletedTask;
        }, options);
    }

    private void CheckReceive(ProcessId source, TimeSpan timeout)
    {
        CheckTimeout(timeout);
        // Early answer only, as in CheckSend: a receive racing Close is failed by the monitor (closed monitor in the
        // receiver-buffer layout, the rules' flag in the sender-buffer layout), both read under the lock.
        if (_closed) throw new EndpointClosedException($"{_network.Name}:{Id}");
        if (!source.IsAny) _network.Lookup(source, nameof(source));
    }

    internal static void CheckTimeout(TimeSpan timeout)
    {
        if (timeout != Timeout.InfiniteTimeSpan && timeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "A timeout is zero or positive, or Timeout.InfiniteTimeSpan.");
    }

    // ---- close

    /// <summary>
    /// Closes this process's end. Returns the messages that were sent to it and not yet received (handed back,
    /// oldest first). Blocked sends to it and from it fail with their messages in
    /// <see cref="EndpointClosedException.Undelivered"/>; its blocked receives fail; its subscriptions stop; receives
    /// that name it as source fail once nothing from it is left. Idempotent (a second call returns nothing).
    /// </summary>
    public IReadOnlyList<Message<T>> Close()
    {
        // Two racing Close calls may both pass this check; the second sweep finds everything already closed and
        // drained (CloseAll and CloseProcess are idempotent under the lock), so it returns nothing and no message
        // is handed back twice.
        if (_closed) return Array.Empty<Message<T>>();
        var drained = _network.CloseEndpoint(this);
        var result = new Message<T>[drained.Count];
        for (int i = 0; i < result.Length; i++) result[i] = new Message<T>(drained[i].Source, drained[i].Body);
        return result;
    }

    public override string ToString() => $"{_network.Name}:{Id}";
}
