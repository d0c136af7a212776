using Microsoft.Extensions.Time.Testing;

namespace VerifiedIpc.Reference.Tests.Streams;

/// <summary>
/// Fake time that also tells the test when code under test has armed a timer, so the test can advance the clock
/// only after the timeout it wants to fire exists (no sleeping to "let the other thread get there"), and which due
/// times were armed (<see cref="ArmedDueTimes"/>: which clock a timeout runs on, and how long it is).
/// </summary>
public sealed class TimerWatchingTimeProvider : TimeProvider
{
    private readonly SemaphoreSlim _armed = new(0);
    private readonly List<TimeSpan> _dueTimes = new();

    public FakeTimeProvider Fake { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();
    public override long GetTimestamp() => Fake.GetTimestamp();
    public override long TimestampFrequency => Fake.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ArmWatchingTimer(Fake.CreateTimer(callback, state, dueTime, period), this);
        Armed(dueTime);
        return timer;
    }

    /// <summary>Every finite due time a timer of this clock was created or changed with, in order.</summary>
    public IReadOnlyList<TimeSpan> ArmedDueTimes
    {
        get { lock (_dueTimes) return _dueTimes.ToArray(); }
    }

    public void ClearArmedDueTimes()
    {
        lock (_dueTimes) _dueTimes.Clear();
    }

    private void Armed(TimeSpan dueTime)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
            return;
        lock (_dueTimes) _dueTimes.Add(dueTime);
        _armed.Release();
    }

    /// <summary>Waits (bounded) until some timer has been armed with a finite due time.</summary>
    public async Task TimerArmedAsync()
    {
        if (!await _armed.WaitAsync(TimeSpan.FromSeconds(30)))
            throw new TimeoutException("The code under test never armed a timer.");
    }

    private sealed class ArmWatchingTimer(ITimer inner, TimerWatchingTimeProvider clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            bool ok = inner.Change(dueTime, period);
            clock.Armed(dueTime);
            return ok;
        }

        public void Dispose() => inner.Dispose();
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
