namespace VerifiedIpc.Reference.Links;

/// <summary>
/// Wraps a real datagram link and applies an <see cref="IFaultSchedule"/> to what it sends: drops, duplicates and
/// delays (hence reorders) on purpose, so that loss can be demonstrated and tested over a genuine socket whose own
/// loss rate on loopback is close to zero. Delays run on the given <see cref="TimeProvider"/>.
/// </summary>
public sealed class FaultInjectingLink : IDatagramLink
{
    private readonly IDatagramLink _inner;
    private readonly IFaultSchedule _schedule;
    private readonly LinkDirection _direction;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly HashSet<ITimer> _delayed = [];
    private long _index;
    private LinkStatistics _stats;
    private bool _disposed;

    /// <param name="inner">The real link; owned (disposed with this one).</param>
    /// <param name="schedule">Decides the fate of each datagram sent through this end.</param>
    /// <param name="direction">Which of the schedule's two directions this end's sends use.</param>
    /// <param name="timeProvider">Clock for delays; the system clock when null.</param>
    public FaultInjectingLink(IDatagramLink inner, IFaultSchedule schedule, LinkDirection direction, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(schedule);
        _inner = inner;
        _schedule = schedule;
        _direction = direction;
        _time = timeProvider ?? TimeProvider.System;
    }

    public ProcessId Local => _inner.Local;
    public ProcessId Remote => _inner.Remote;
    public int MaxDatagramSize => _inner.MaxDatagramSize;

    /// <summary>What was injected so far; <see cref="LinkStatistics.Delivered"/> counts copies handed to the real link.</summary>
    public LinkStatistics Statistics
    {
        get { lock (_gate) return _stats; }
    }

    public void Attach(Action<ReadOnlyMemory<byte>> onDatagram) => _inner.Attach(onDatagram);

    public void Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagramSize)
            throw new MessageTooLargeException(datagram.Length, MaxDatagramSize, "datagram");
        FaultDecision d;
        lock (_gate)
        {
            if (_disposed)
                throw new EndpointClosedException($"link {Local}→{Remote}", datagram.ToArray(), hasUndelivered: true);
            d = _schedule.Decide(_direction, _index++);
            _stats = _stats with
            {
                Sent = _stats.Sent + 1,
                Dropped = _stats.Dropped + (d.Action == FaultAction.Drop ? 1 : 0),
                Duplicated = _stats.Duplicated + (d.Action == FaultAction.Duplicate ? 1 : 0),
            };
        }
        if (d.Action == FaultAction.Drop)
            return;
        Forward(datagram, d.Delay);
        if (d.Action == FaultAction.Duplicate)
            Forward(datagram, d.DuplicateDelay);
    }

    private void Forward(ReadOnlySpan<byte> datagram, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            SendNow(datagram);
            return;
        }
        var copy = datagram.ToArray();
        ITimer? timer = null;
        bool fired = false;
        void Fire()
        {
            lock (_gate)
            {
                fired = true;
                if (timer is not null)
                    _delayed.Remove(timer);
                if (_disposed)
                    return;
            }
            timer?.Dispose();
            try
            {
                SendNow(copy);
            }
            catch (EndpointClosedException)
            {
                // Closed while the datagram was held back: lost, as in flight on any link.
            }
        }
        var t = _time.CreateTimer(_ => Fire(), null, delay, System.Threading.Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            // Race: the timer may have fired before we got here; then it must not be tracked (or it would leak).
            if (!fired && !_disposed)
            {
                timer = t;
                _delayed.Add(t);
                return;
            }
        }
        t.Dispose();
    }

    private void SendNow(ReadOnlySpan<byte> datagram)
    {
        lock (_gate)
            _stats = _stats with { Delivered = _stats.Delivered + 1 };
        _inner.Send(datagram);
    }

    public void Dispose()
    {
        ITimer[] pending;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            pending = [.. _delayed];
            _delayed.Clear();
        }
        foreach (var t in pending)
            t.Dispose();
        _inner.Dispose();
    }
}
