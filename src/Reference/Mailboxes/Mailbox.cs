using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Handlers;

namespace VerifiedIpc.Reference.Mailboxes;

/// <summary>
/// Indirect communication: a mailbox that processes open, send to and receive from, many-to-many. As the seed
/// says, the buffer, its lock and its condition variables are at the mailbox (one Mesa monitor). Who receives a
/// message is decided by <see cref="MailboxOptions.Policy"/>; every send's handle reports who received it
/// (<see cref="SendOperation.ReceivedBy"/>).
/// <para>
/// Lifecycle: a process must <see cref="Open"/> before it sends or receives (otherwise
/// <see cref="NotOpenedException"/>, state unchanged) and <see cref="Close"/>s when done: its blocked sends fail with
/// their messages handed back, its blocked receives fail, its subscriptions stop; buffered messages stay in the
/// mailbox for the others. The last close (or <see cref="Destroy"/>) disposes of the mailbox and hands back every
/// message still in it. These are the Open/Close actions of spec/Mailbox.tla.
/// </para>
/// </summary>
public sealed class Mailbox<T>
{
    private readonly MessageMonitor<T> _monitor;
    private readonly MailboxOptions _options;
    // Guarded by the monitor's lock, so that opening and closing are atomic with the sends and receives they gate.
    private readonly List<ProcessId> _open = new();
    private readonly List<ProcessId> _bound = new();

    /// <summary>Creates a mailbox (default: arbitrary receiver chosen longest-waiting first, capacity 64).</summary>
    public Mailbox(MailboxOptions? options = null) : this(options ?? new MailboxOptions(), DirectFaults.None) { }

    internal Mailbox(MailboxOptions options, DirectFaults faults)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var settings = new MonitorSettings
        {
            Name = options.Name,
            Tracer = options.Tracer,
            Time = options.TimeProvider,
            Faults = faults,
            TrackReceipts = true,
            Selection = options.Policy == MailboxPolicy.ArbitraryReceiver && options.Selection == ReceiverSelection.SeededRandom
                ? new Random(options.Seed)
                : null,
            ExclusiveReceiver = options.Policy == MailboxPolicy.SingleReceiver,
            ExcludeOwn = options.Policy == MailboxPolicy.TwoParty,
        };
        _monitor = new MessageMonitor<T>(settings, new Rules(this), ProcessId.Any, options.Capacity ?? int.MaxValue);
    }

    /// <summary>Name used in errors and traces.</summary>
    public string Name => _options.Name;

    /// <summary>The receiver-selection policy.</summary>
    public MailboxPolicy Policy => _options.Policy;

    /// <summary>Messages buffered (including those held by blocked senders).</summary>
    public int Count => _monitor.Count;

    /// <summary>Processes that have the mailbox open now.</summary>
    public IReadOnlyList<ProcessId> OpenedBy
    {
        get { lock (_monitor.SyncRoot) return _open.ToArray(); }
    }

    internal MessageMonitor<T> Monitor => _monitor;

    /// <summary>
    /// Opens the mailbox for <paramref name="process"/>. Opening again while open is a no-op. Under
    /// <see cref="MailboxPolicy.TwoParty"/>, a third distinct process gets <see cref="PolicyViolationException"/>.
    /// </summary>
    public void Open(ProcessId process)
    {
        if (process.IsAny) throw new ArgumentException("ProcessId.Any names no process and cannot open a mailbox.", nameof(process));
        lock (_monitor.SyncRoot)
        {
            ThrowIfDestroyed();
            if (_open.Contains(process)) return;
            if (_options.Policy == MailboxPolicy.TwoParty && !_bound.Contains(process))
            {
                if (_bound.Count == 2)
                    throw new PolicyViolationException(Name, $"{process} cannot open it: the link is bound to {_bound[0]} and {_bound[1]}, and a two-party link has at most two processes.");
                _bound.Add(process);
            }
            _open.Add(process);
            _options.Tracer?.OnEvent(new IpcTraceEvent(IpcAction.Open, Name, process, ProcessId.Any, 0, 0));
        }
    }

    /// <summary>
    /// Closes <paramref name="process"/>'s use of the mailbox: its blocked sends fail with their messages handed
    /// back, its blocked receives fail, its subscriptions stop. While others still have the mailbox open, buffered
    /// messages stay for them and the result is empty. The last close disposes of the mailbox, as
    /// <see cref="Destroy"/> does: the messages still in it are returned (oldest first) and their senders'
    /// receipts fault with the message, and a later <see cref="Open"/> is refused.
    /// </summary>
    /// <exception cref="NotOpenedException">The process does not have the mailbox open.</exception>
    public IReadOnlyList<Message<T>> Close(ProcessId process)
    {
        lock (_monitor.SyncRoot)
        {
            if (!_open.Contains(process)) throw new NotOpenedException(Name, process, nameof(Close));
            _open.Remove(process);
            if (_open.Count == 0)
            {
                _destroyed = true;
                return ToMessages(_monitor.CloseAll(process));
            }
            // Re-entrant: the monitor takes the same lock, so the close and the sweep are one atomic step.
            _monitor.CloseProcess(process, drainAddressed: false);
            return Array.Empty<Message<T>>();
        }
    }

    /// <summary>
    /// Closes the mailbox itself: returns every buffered message (oldest first; their senders' ReceivedBy fault
    /// with the message), fails blocked senders with their messages handed back and blocked receivers with
    /// <see cref="EndpointClosedException"/>. Later calls fail with <see cref="EndpointClosedException"/>.
    /// </summary>
    public IReadOnlyList<Message<T>> Destroy()
    {
        lock (_monitor.SyncRoot)
        {
            _destroyed = true;
            _open.Clear();
            return ToMessages(_monitor.CloseAll(ProcessId.Any));
        }
    }

    private static Message<T>[] ToMessages(List<Envelope<T>> drained)
    {
        var result = new Message<T>[drained.Count];
        for (int i = 0; i < result.Length; i++) result[i] = new Message<T>(drained[i].Source, drained[i].Body);
        return result;
    }

    private bool _destroyed;

    private void ThrowIfDestroyed()
    {
        if (_destroyed) throw new EndpointClosedException(Name);
    }

    // ---- send

    /// <summary>
    /// Synchronous send by <paramref name="sender"/>: returns once the message is in the mailbox (or with a
    /// receiver), blocking while it is full. The receipt later names the receiving process.
    /// </summary>
    public DeliveryReceipt Send(ProcessId sender, T message, CancellationToken cancellationToken = default) =>
        Send(sender, message, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Synchronous send with a timeout (<see cref="TimeoutException"/>: nothing was sent).</summary>
    public DeliveryReceipt Send(ProcessId sender, T message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        CheckMessage(message, timeout);
        return new DeliveryReceipt(_monitor.Send(sender, ProcessId.Any, message, timeout, cancellationToken)!);
    }

    /// <summary>Asynchronous send: a status handle at once; <see cref="SendOperation.ReceivedBy"/> tells who received.</summary>
    public SendOperation SendAsync(ProcessId sender, T message, CancellationToken cancellationToken = default) =>
        SendAsync(sender, message, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Asynchronous send with a timeout for the wait for room.</summary>
    public SendOperation SendAsync(ProcessId sender, T message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        CheckMessage(message, timeout);
        return _monitor.SendAsync(sender, ProcessId.Any, message, timeout, cancellationToken);
    }

    private static void CheckMessage(T message, TimeSpan timeout)
    {
        if (message is null) throw new ArgumentNullException(nameof(message), "A message cannot be null.");
        DirectEndpoint<T>.CheckTimeout(timeout);
    }

    // ---- receive

    /// <summary>Synchronous receive of any message by <paramref name="receiver"/>.</summary>
    public Message<T> Receive(ProcessId receiver, CancellationToken cancellationToken = default) =>
        Receive(receiver, ProcessId.Any, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Synchronous receive by <paramref name="receiver"/> of a message from <paramref name="source"/> (or any), with a timeout.</summary>
    public Message<T> Receive(ProcessId receiver, ProcessId source, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        DirectEndpoint<T>.CheckTimeout(timeout);
        return _monitor.Receive(receiver, source, timeout, cancellationToken);
    }

    /// <summary>Receive that waits without blocking a thread.</summary>
    public ValueTask<Message<T>> ReceiveAsync(ProcessId receiver, CancellationToken cancellationToken = default) =>
        ReceiveAsync(receiver, ProcessId.Any, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Receive from <paramref name="source"/> (or any) that waits without blocking a thread, with a timeout.</summary>
    public ValueTask<Message<T>> ReceiveAsync(ProcessId receiver, ProcessId source, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        DirectEndpoint<T>.CheckTimeout(timeout);
        return _monitor.ReceiveAsync(receiver, source, timeout, cancellationToken);
    }

    /// <summary>Takes a message if one is there; false at once otherwise.</summary>
    public bool TryReceive(ProcessId receiver, out Message<T> message) => _monitor.TryReceive(receiver, ProcessId.Any, out message);

    /// <summary>Whether a message (from <paramref name="source"/>, default any) is there for <paramref name="receiver"/>, without taking it.</summary>
    public bool Probe(ProcessId receiver, ProcessId? source = null) => _monitor.Probe(receiver, source ?? ProcessId.Any);

    /// <summary>Event-handler receive by <paramref name="receiver"/> of every message (see <see cref="Subscription"/>).</summary>
    public Subscription Subscribe(ProcessId receiver, Func<Message<T>, CancellationToken, ValueTask> handler, HandlerOptions? options = null) =>
        Subscribe(receiver, ProcessId.Any, handler, options);

    /// <summary>Event-handler receive by <paramref name="receiver"/> of the messages from <paramref name="source"/> (or any).</summary>
    public Subscription Subscribe(ProcessId receiver, ProcessId source, Func<Message<T>, CancellationToken, ValueTask> handler, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return _monitor.Subscribe(receiver, source, handler, options ?? HandlerOptions.Sequential);
    }

    /// <summary>Synchronous-handler form of <see cref="Subscribe(ProcessId, Func{Message{T}, CancellationToken, ValueTask}, HandlerOptions?)"/>.</summary>
    public Subscription Subscribe(ProcessId receiver, Action<Message<T>> handler, HandlerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe(receiver, (m, _) =>
        {
            handler(m);
            return ValueTask.CompletedTask;
        }, options);
    }

    /// <summary>Checks the monitor's invariants (tests, Coyote); null when they hold.</summary>
    internal string? CheckInvariants() => _monitor.CheckInvariants();

    public override string ToString() => $"Mailbox '{Name}' ({Policy})";

    /// <summary>Open-set gate, consulted under the monitor's lock.</summary>
    private sealed class Rules(Mailbox<T> mailbox) : ILinkRules
    {
        public Exception? CheckSend(ProcessId source, ProcessId destination, object? body) =>
            mailbox._open.Contains(source) ? null : new NotOpenedException(mailbox.Name, source, "Send");

        public Exception? CheckReceive(ProcessId receiver, string operation) =>
            mailbox._open.Contains(receiver) ? null : new NotOpenedException(mailbox.Name, receiver, operation);

        // A process that closed may open again, so a receive naming it keeps waiting.
        public bool IsSourceGone(ProcessId source) => false;
    }
}
