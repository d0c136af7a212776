namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Discrete-event time under the systematic scheduler's control. Timers fire in due-time order (a 200 ms
/// retransmission timer never fires before a 1 ms link delivery that was already due), but <i>when</i> the clock
/// advances, relative to everything else the program is doing, is a scheduling decision: one clock task advances
/// to the earliest armed timer and runs its callback, and the scheduler interleaves that task with all the others.
/// So a timeout can strike in the middle of any operation, and any operation can be arbitrarily slow, while time
/// itself stays consistent. <see cref="Stop"/> ends the clock task at the end of a run.
/// </summary>
/// <remarks>
/// Why not FakeTimeProvider: its clock moves only where a test calls Advance, which fixes one interleaving of
/// timeouts with the rest; here that interleaving is explored. Why not Coyote's own "Task.Delay may fire at any
/// time": it lets a 200 ms timeout beat a 1 ms delivery, so every run is flooded with spurious retransmissions that
/// hide real losses (the AckWrongSequence bug was found far less often that way). Why one long-lived task: under
/// Coyote 1.7.11 on .NET 10, a Task.Run issued from inside a timer callback occasionally failed inside the runtime's
/// continuation bookkeeping (InvalidCastException in Task.RunContinuations), silently killing that callback.
/// </remarks>
internal sealed class ScheduledTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly List<ScheduledTimer> _timers = [];
    private readonly List<Exception> _callbackFailures = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _order;
    private bool _wakePending;
    private bool _stopped;

    public ScheduledTimeProvider() => _ = Task.Run(RunClockAsync);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ScheduledTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Exceptions thrown by timer callbacks. A real timer would crash the process with them; here the clock task
    /// records them (nobody observes it) and the scenario checks this list at its end.
    /// </summary>
    public IReadOnlyList<Exception> CallbackFailures
    {
        get
        {
            lock (_gate)
            {
                return [.. _callbackFailures];
            }
        }
    }

    /// <summary>Stops the clock: no timer fires any more and the clock task ends.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            WakeLocked();
        }
    }

    private void WakeLocked()
    {
        if (!_wakePending)
        {
            _wakePending = true;
            _wake.Release();
        }
    }

    private async Task RunClockAsync()
    {
        while (true)
        {
            ScheduledTimer? next = null;
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                foreach (var t in _timers)
                {
                    if (t.Due is { } due && (next is null || due < next.Due || (due == next.Due && t.Order < next.Order)))
                    {
                        next = t;
                    }
                }

                if (next is not null)
                {
                    if (next.Due > _now)
                    {
                        _now = next.Due.Value;
                    }

                    next.Due = next.Period > TimeSpan.Zero && next.Period != Timeout.InfiniteTimeSpan ? _now + next.Period : null;
                }
            }

            if (next is null)
            {
                await _wake.WaitAsync();
                lock (_gate)
                {
                    _wakePending = false;
                }

                continue;
            }

            try
            {
                next.Callback(next.State);
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _callbackFailures.Add(e);
                }
            }

            // Let everything else run before time moves on, if the scheduler so chooses.
            await Task.Yield();
        }
    }

    private sealed class ScheduledTimer(ScheduledTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        // Guarded by the clock's lock.
        public DateTimeOffset? Due { get; set; }

        public TimeSpan Period { get; private set; } = Timeout.InfiniteTimeSpan;

        public long Order { get; private set; }

        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                if (_disposed)
                {
                    return false;
                }

                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._now + dueTime;
                Period = period;
                Order = clock._order++;
                clock.WakeLocked();
                return true;
            }
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                _disposed = true;
                Due = null;
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
