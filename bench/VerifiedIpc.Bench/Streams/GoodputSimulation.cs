using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Bench.Streams;

/// <summary>
/// "--goodput-sim [runs [window]]": the goodput benchmark's transfer (2,000 × 1 KiB, loss p on data and acks) on
/// fake time, over a link that models what loopback UDP does under load: a FIFO queue in front of a receiver that
/// takes a fixed time per datagram. Unlike an unlimited-bandwidth link, the queue lengthens the round trip with
/// the amount in flight, so a hole at the window's left edge costs what it costs on the real machine, but every
/// run replays exactly from its seed, with no noise from other processes.
/// </summary>
public static class GoodputSimulation
{
    private const int Messages = 2000;

    /// <summary>Per-datagram service time at the data receiver (about the loss-free loopback rate measured by
    /// the benchmark: 26 ms for 2,000 messages) and at the ack receiver, and the propagation delay.</summary>
    private static readonly TimeSpan DataService = TimeSpan.FromMicroseconds(13);
    private static readonly TimeSpan AckService = TimeSpan.FromMicroseconds(3);
    private static readonly TimeSpan Propagation = TimeSpan.FromMicroseconds(10);
    private static readonly TimeSpan Step = TimeSpan.FromMicroseconds(5);

    /// <summary>How late the endpoints' timers fire: real timers are rounded up to the millisecond and wait for a
    /// thread; the link's own delivery timer stays exact (it models the network, not a timer).</summary>
    private static readonly double StallRate =
        double.Parse(Environment.GetEnvironmentVariable("GOODPUT_SIM_STALLS") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly TimeSpan TimerSlack =
        TimeSpan.FromMicroseconds(double.Parse(Environment.GetEnvironmentVariable("GOODPUT_SIM_SLACK_US") ?? "500"));

    public static void Measure(TextWriter output, int runs, int window)
    {
        output.WriteLine($"fake time, bottleneck {DataService.TotalMicroseconds} µs/datagram, timers {TimerSlack.TotalMicroseconds} µs late, stalls {StallRate}/datagram, window {window}, {runs} seeds per loss rate");
        double? lossFree = null;
        foreach (double loss in new[] { 0.0, 0.01, 0.1, 0.3 })
        {
            var times = new List<double>();
            ReliableStatistics sender = default, receiver = default;
            long retransmissions = 0, timeouts = 0;
            for (int r = 0; r < runs; r++)
            {
                (var t, sender, receiver) = Run(loss, (ulong)r + 1, window);
                times.Add(t.TotalMilliseconds);
                if (Environment.GetEnvironmentVariable("GOODPUT_SIM_VERBOSE") is not null)
                    output.WriteLine($"   seed {r + 1}: {t.TotalMilliseconds:F2} ms, sender {sender}, receiver acks {receiver.AcksSent} nacks {receiver.NacksSent} dups {receiver.DuplicatesDiscarded}");
                retransmissions += sender.Retransmissions;
                timeouts += sender.Timeouts;
            }
            times.Sort();
            double median = times[times.Count / 2];
            lossFree ??= median;
            output.WriteLine($"loss {loss:P0}: median {median:F2} ms, ratio {lossFree / median:F2} (target {0.7 * (1 - loss):F2}, ideal {1 - loss:F2}); " +
                             $"mean retransmissions {retransmissions / (double)runs:F0}, timeouts {timeouts / (double)runs:F1}; " +
                             $"runs [{string.Join(", ", times.Select(t => t.ToString("F1")))}]");
        }
    }

    public static (TimeSpan Elapsed, ReliableStatistics Sender, ReliableStatistics Receiver) Run(double loss, ulong seed, int window)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var schedule = new Bottleneck(time, new SeededFaultSchedule(seed, new FaultRates { Loss = loss, BaseDelay = TimeSpan.Zero }), seed);
        var options = new ReliableOptions
        {
            WindowSize = window,
            InitialRetransmitTimeout = TimeSpan.FromMilliseconds(20),
            MinRetransmitTimeout = TimeSpan.FromMilliseconds(1),
            MaxRetransmissions = 50,
        };
        var trace = Environment.GetEnvironmentVariable("GOODPUT_SIM_GAPS") is not null ? new RecordingTracer() : null;
        using var link = new FaultyLink(schedule, time, new ProcessId(1), new ProcessId(2), maxDatagramSize: 1500, tracer: trace);
        int delivered = 0;
        var late = new LateTimers(time, TimerSlack);
        using var p = new ReliableEndpoint(link.A, options, late, null, trace);
        using var q = new ReliableEndpoint(link.B, options, late, _ => delivered++);
        var start = time.GetUtcNow();
        var payload = new byte[1024];
        var sends = new Task[Messages];
        for (int i = 0; i < Messages; i++)
            sends[i] = p.SendAsync(payload);
        // Done when the sender holds nothing unacknowledged: read under the endpoint's lock, so the clock stops at
        // the last ack, not whenever the thread pool gets round to the send tasks' continuations.
        while (p.Unacknowledged > 0 && time.GetUtcNow() - start < TimeSpan.FromSeconds(60))
            time.Advance(Step);
        var elapsed = time.GetUtcNow() - start;
        if (trace is not null)
            PrintGaps(Console.Out, schedule.Gaps, trace.Events, start);
        Task.WaitAll(sends, TimeSpan.FromSeconds(10));
        if (!sends.All(s => s.IsCompletedSuccessfully) || delivered != Messages)
            throw new InvalidOperationException($"loss {loss}, seed {seed}: delivered {delivered} of {Messages}");
        return (elapsed, p.Statistics, q.Statistics);
    }

    /// <summary>Diagnosis: every stretch of over 0.3 ms in which the data receiver sat idle, with what the sender
    /// did in the 4 ms before it ended.</summary>
    private static void PrintGaps(TextWriter output, List<(DateTimeOffset From, DateTimeOffset To)> gaps,
        IReadOnlyList<DeliveryTraceEvent> events, DateTimeOffset start)
    {
        string Ms(DateTimeOffset t) => (t - start).TotalMilliseconds.ToString("F3");
        foreach (var (from, to) in gaps.Where(g => g.To - g.From > TimeSpan.FromMilliseconds(0.3)))
        {
            output.WriteLine($"  idle {Ms(from)}–{Ms(to)} ms:");
            foreach (var e in events.Where(e => e.Time > from - TimeSpan.FromMilliseconds(4) && e.Time <= to
                                               && e.Action is DeliveryAction.Retransmit or DeliveryAction.Timeout or DeliveryAction.Drop))
                output.WriteLine($"    {Ms(e.Time)} {e}");
        }
    }

    /// <summary>The fake clock, with every timer firing <c>slack</c> after it is due.</summary>
    private sealed class LateTimers(FakeTimeProvider inner, TimeSpan slack) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();
        public override long GetTimestamp() => inner.GetTimestamp();
        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new Late(inner.CreateTimer(callback, state, Delay(dueTime), period), slack);

        private TimeSpan Delay(TimeSpan due) => due == Timeout.InfiniteTimeSpan ? due : due + slack;

        private sealed class Late(ITimer timer, TimeSpan slack) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) =>
                timer.Change(dueTime == Timeout.InfiniteTimeSpan ? dueTime : dueTime + slack, period);
            public void Dispose() => timer.Dispose();
            public ValueTask DisposeAsync() => timer.DisposeAsync();
        }
    }

    /// <summary>Loss from the seeded schedule; delivery through a FIFO queue per direction with a fixed service
    /// time (lost datagrams never reach the queue, as with loss injected before the socket).</summary>
    private sealed class Bottleneck(TimeProvider time, IFaultSchedule losses, ulong seed) : IFaultSchedule
    {
        private readonly DateTimeOffset[] _free = [DateTimeOffset.MinValue, DateTimeOffset.MinValue];
        private readonly Random _stalls = new((int)seed);

        public List<(DateTimeOffset From, DateTimeOffset To)> Gaps { get; } = [];

        public FaultDecision Decide(LinkDirection direction, long index)
        {
            var decision = losses.Decide(direction, index);
            if (decision.Action == FaultAction.Drop)
                return decision;
            var now = time.GetUtcNow();
            int d = (int)direction;
            var arrive = now + Propagation;
            var start = arrive > _free[d] ? arrive : _free[d];
            if (direction == LinkDirection.AToB && arrive > _free[d] && _free[d] != DateTimeOffset.MinValue)
                Gaps.Add((_free[d], arrive));
            // A descheduled receiver: now and then the queue stops for a few milliseconds.
            if (_stalls.NextDouble() < StallRate)
                start += TimeSpan.FromMilliseconds(1 + 4 * _stalls.NextDouble());
            _free[d] = start + (direction == LinkDirection.AToB ? DataService : AckService);
            return FaultDecision.Deliver(_free[d] - now);
        }
    }
}
