using System.Diagnostics;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Links;

/// <summary>
/// An in-process datagram link between two ends, <see cref="A"/> and <see cref="B"/>, that loses, duplicates,
/// reorders and delays datagrams as an <see cref="IFaultSchedule"/> decides. All delays run on the given
/// <see cref="TimeProvider"/>, so under a fake clock a whole run is deterministic and a failure replays from the
/// schedule (<see cref="Replay"/> turns what happened into an explicit schedule).
/// </summary>
/// <remarks>
/// Each datagram is copied on send and queued by due time; one timer of the time provider delivers them, in
/// due-time order and, at equal due times, in send order (so reordering happens only when the schedule says so).
/// Under <c>FakeTimeProvider</c>, deliveries run on the thread that advances the clock. Even a zero delay
/// delivers from the timer, never inside <see cref="IDatagramLink.Send"/>. Closing the link loses the datagrams
/// still in flight, as unplugging a cable would.
/// </remarks>
public sealed class FaultyLink : IDisposable
{
    private readonly object _gate = new();
    private readonly IFaultSchedule _schedule;
    private readonly TimeProvider _time;
    private readonly IDeliveryTracer? _tracer;
    private readonly End _a;
    private readonly End _b;
    private readonly long[] _sent = new long[2];
    private readonly List<FaultDecision>[] _history = [[], []];
    private readonly PriorityQueue<InFlight, (long Due, long Order)> _inFlight = new();
    private readonly ITimer _timer;
    private long _flights;
    private LinkStatistics _stats;
    private bool _closed;

    /// <param name="schedule">Decides each datagram's fate.</param>
    /// <param name="timeProvider">Clock for delays; fake in tests.</param>
    /// <param name="a">Process at end A.</param>
    /// <param name="b">Process at end B.</param>
    /// <param name="maxDatagramSize">Largest datagram accepted (UDP's practical maximum by default).</param>
    /// <param name="tracer">Receives Drop and Duplicate events; null for none.</param>
    public FaultyLink(IFaultSchedule schedule, TimeProvider timeProvider, ProcessId a, ProcessId b,
        int maxDatagramSize = 65_507, IDeliveryTracer? tracer = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, 1);
        if (a == b)
            throw new ArgumentException("The two ends of a link are different processes.", nameof(b));
        _schedule = schedule;
        _time = timeProvider;
        _tracer = tracer;
        MaxDatagramSize = maxDatagramSize;
        _timer = timeProvider.CreateTimer(static s => ((FaultyLink)s!).OnTimer(), this,
            System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
        _a = new End(this, a, b, LinkDirection.AToB);
        _b = new End(this, b, a, LinkDirection.BToA);
    }

    /// <summary>End A; what it sends travels <see cref="LinkDirection.AToB"/>.</summary>
    public IDatagramLink A => _a;

    /// <summary>End B.</summary>
    public IDatagramLink B => _b;

    public int MaxDatagramSize { get; }

    /// <summary>Counts so far (a snapshot).</summary>
    public LinkStatistics Statistics
    {
        get { lock (_gate) return _stats; }
    }

    /// <summary>
    /// The decisions taken so far as an explicit schedule: running the same traffic on it reproduces this run,
    /// whatever schedule produced it.
    /// </summary>
    public ScriptedFaultSchedule Replay()
    {
        lock (_gate)
            return new ScriptedFaultSchedule(_history[0].ToArray(), _history[1].ToArray());
    }

    /// <summary>Closes both ends; datagrams in flight are lost. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
                return;
            _closed = true;
            _inFlight.Clear();
        }
        _timer.Dispose();
    }

    private void Send(End from, ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagramSize)
            throw new MessageTooLargeException(datagram.Length, MaxDatagramSize, "datagram");
        byte[] copy = datagram.ToArray();
        FaultDecision decision;
        long index;
        lock (_gate)
        {
            if (_closed)
                throw new EndpointClosedException($"link {from.Local}→{from.Remote}", copy, hasUndelivered: true);
            int d = (int)from.Direction;
            index = _sent[d]++;
            decision = _schedule.Decide(from.Direction, index);
            if (decision.Delay < TimeSpan.Zero || decision.DuplicateDelay < TimeSpan.Zero)
                throw new InvalidOperationException($"The fault schedule gave a negative delay for datagram {index}.");
            _history[d].Add(decision);
            _stats = _stats with
            {
                Sent = _stats.Sent + 1,
                Dropped = _stats.Dropped + (decision.Action == FaultAction.Drop ? 1 : 0),
                Duplicated = _stats.Duplicated + (decision.Action == FaultAction.Duplicate ? 1 : 0),
            };
        }

        var to = from == _a ? _b : _a;
        switch (decision.Action)
        {
            case FaultAction.Drop:
                _tracer?.Trace(new DeliveryTraceEvent(DeliveryAction.Drop, from.Local, from.Remote, _time.GetUtcNow(), LinkIndex: index, Datagram: copy));
                break;
            case FaultAction.Duplicate:
                _tracer?.Trace(new DeliveryTraceEvent(DeliveryAction.Duplicate, from.Local, from.Remote, _time.GetUtcNow(), LinkIndex: index, Datagram: copy));
                Schedule(to, copy, decision.Delay);
                Schedule(to, copy, decision.DuplicateDelay);
                break;
            default:
                Schedule(to, copy, decision.Delay);
                break;
        }
    }

    private void Schedule(End to, byte[] datagram, TimeSpan delay)
    {
        lock (_gate)
        {
            if (_closed)
                return;
            // Ties in due time keep send order (_flights counts sends), so "no reordering" really means none,
            // whatever order the time provider fires simultaneous timers in.
            long due = _time.GetUtcNow().UtcTicks + delay.Ticks;
            _inFlight.Enqueue(new InFlight(to, datagram), (due, _flights++));
            ArmLocked();
        }
    }

    /// <summary>
    /// One timer for the whole link, armed for the earliest due datagram. Armed under the lock so concurrent
    /// arms cannot leave it later than the head; never armed with a zero due time, because a time provider may
    /// fire such a timer inside <see cref="ITimer.Change"/>, i.e. under this lock.
    /// </summary>
    private void ArmLocked()
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        var never = System.Threading.Timeout.InfiniteTimeSpan;
        if (!_inFlight.TryPeek(out _, out var head))
        {
            _timer.Change(never, never);
            return;
        }
        long wait = head.Due - _time.GetUtcNow().UtcTicks;
        _timer.Change(TimeSpan.FromTicks(Math.Max(wait, 1)), never);
    }

    private void OnTimer()
    {
        while (true)
        {
            InFlight next;
            lock (_gate)
            {
                if (_closed || !_inFlight.TryPeek(out next!, out var head) || head.Due > _time.GetUtcNow().UtcTicks)
                {
                    if (!_closed)
                        ArmLocked();
                    return;
                }
                _inFlight.Dequeue();
                _stats = _stats with { Delivered = _stats.Delivered + 1 };
            }
            next.To.Deliver(next.Datagram);
        }
    }

    private sealed record InFlight(End To, byte[] Datagram);

    private sealed class End(FaultyLink link, ProcessId local, ProcessId remote, LinkDirection direction) : IDatagramLink
    {
        private readonly object _deliveryGate = new();
        private readonly Queue<byte[]> _arrivals = new();
        private Action<ReadOnlyMemory<byte>>? _handler;
        private bool _draining;

        public FaultyLink Link { get; } = link;
        public ProcessId Local { get; } = local;
        public ProcessId Remote { get; } = remote;
        public LinkDirection Direction { get; } = direction;
        public int MaxDatagramSize => Link.MaxDatagramSize;

        public void Send(ReadOnlySpan<byte> datagram) => Link.Send(this, datagram);

        public void Attach(Action<ReadOnlyMemory<byte>> onDatagram)
        {
            ArgumentNullException.ThrowIfNull(onDatagram);
            lock (_deliveryGate)
            {
                if (_handler is not null)
                    throw new InvalidOperationException($"A handler is already attached to {Local}'s end of the link.");
                _handler = onDatagram;
            }
        }

        /// <summary>
        /// Runs the handler outside any lock, one datagram at a time, in arrival order: whoever finds nobody
        /// draining drains the queue; concurrent arrivals (possible on the system clock's timer threads) only
        /// enqueue. Under a fake clock there is one thread and this is a plain call.
        /// </summary>
        public void Deliver(byte[] datagram)
        {
            Action<ReadOnlyMemory<byte>> handler;
            lock (_deliveryGate)
            {
                if (_handler is null)
                    return; // nobody listening: lost, like a datagram to an unbound port
                _arrivals.Enqueue(datagram);
                if (_draining)
                    return;
                _draining = true;
                handler = _handler;
            }
            while (true)
            {
                byte[] next;
                lock (_deliveryGate)
                {
                    if (!_arrivals.TryDequeue(out next!))
                    {
                        _draining = false;
                        return;
                    }
                }
                try
                {
                    handler(next);
                }
                catch
                {
                    lock (_deliveryGate)
                        _draining = false; // let the next arrival drain; the handler's error is the caller's (timer's)
                    throw;
                }
            }
        }

        public void Dispose() => Link.Dispose();

        public override string ToString() => $"{Local}→{Remote}";
    }
}

/// <summary>Counts of a <see cref="FaultyLink"/>: datagrams sent, dropped, duplicated and delivered (copies).</summary>
public readonly record struct LinkStatistics(long Sent, long Dropped, long Duplicated, long Delivered);
