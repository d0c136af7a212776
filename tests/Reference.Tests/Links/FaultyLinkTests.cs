using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Tests.Links;

public sealed class FaultyLinkTests
{
    private static readonly ProcessId P = new(1);
    private static readonly ProcessId Q = new(2);
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private sealed class Harness
    {
        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        public FaultyLink Link { get; }
        public List<(double AtMs, byte Value)> ArrivedAtB { get; } = [];
        private readonly DateTimeOffset _start;

        public Harness(IFaultSchedule schedule, IDeliveryTracer? tracer = null)
        {
            _start = Time.GetUtcNow();
            Link = new FaultyLink(schedule, Time, P, Q, maxDatagramSize: 64, tracer: tracer);
            Link.B.Attach(d => ArrivedAtB.Add(((Time.GetUtcNow() - _start).TotalMilliseconds, d.Span[0])));
        }

        public void Run(int ms)
        {
            for (int i = 0; i < ms; i++)
                Time.Advance(Ms(1));
        }
    }

    [Fact]
    public void A_scripted_schedule_drops_duplicates_and_reorders_exactly_as_written()
    {
        var schedule = new ScriptedFaultSchedule(
            [FaultDecision.Drop(), FaultDecision.Duplicate(Ms(2), Ms(6)), FaultDecision.Deliver(Ms(10)), FaultDecision.Deliver(Ms(3))],
            []);
        var h = new Harness(schedule);
        for (byte i = 0; i < 4; i++)
            h.Link.A.Send([i]);
        h.Run(20);
        Assert.Equal([(2.0, (byte)1), (3.0, (byte)3), (6.0, (byte)1), (10.0, (byte)2)], h.ArrivedAtB);
        Assert.Equal(new LinkStatistics(Sent: 4, Dropped: 1, Duplicated: 1, Delivered: 4), h.Link.Statistics);
    }

    [Fact]
    public void Nothing_arrives_before_its_delay()
    {
        var h = new Harness(new ScriptedFaultSchedule([FaultDecision.Deliver(Ms(5))], []));
        h.Link.A.Send([7]);
        h.Run(4);
        Assert.Empty(h.ArrivedAtB);
        h.Run(1);
        Assert.Single(h.ArrivedAtB);
    }

    [Fact]
    public void The_same_seed_and_traffic_meet_the_same_faults_and_the_recorded_run_replays()
    {
        var rates = new FaultRates { Loss = 0.2, Duplication = 0.2, Reorder = 0.4, MaxReorderDelay = Ms(15) };
        List<(double, byte)> Run(IFaultSchedule s, out ScriptedFaultSchedule replay)
        {
            var h = new Harness(s);
            for (byte i = 0; i < 200; i++)
            {
                h.Link.A.Send([i]);
                h.Run(1);
            }
            h.Run(50);
            replay = h.Link.Replay();
            return h.ArrivedAtB;
        }

        var first = Run(new SeededFaultSchedule(99, rates), out var replay);
        var second = Run(new SeededFaultSchedule(99, rates), out _);
        var replayed = Run(replay, out _);
        var otherSeed = Run(new SeededFaultSchedule(100, rates), out _);

        Assert.Equal(first, second);
        Assert.Equal(first, replayed);
        Assert.NotEqual(first, otherSeed);
        // The faults really happened: some lost, some twice, some overtaken.
        var values = first.Select(a => a.Item2).ToList();
        Assert.True(values.Distinct().Count() < 200, "nothing was lost");
        Assert.True(values.Count > values.Distinct().Count(), "nothing was duplicated");
        Assert.Contains(values.Zip(values.Skip(1)), p => p.First > p.Second);
    }

    [Fact]
    public void Seeded_decisions_do_not_depend_on_the_order_they_are_asked_in()
    {
        var s = new SeededFaultSchedule(7, new FaultRates { Loss = 0.5, Duplication = 0.3, Reorder = 0.5 });
        var forward = Enumerable.Range(0, 100).Select(i => s.Decide(LinkDirection.AToB, i)).ToList();
        var backward = Enumerable.Range(0, 100).Reverse().Select(i => s.Decide(LinkDirection.AToB, i)).Reverse().ToList();
        Assert.Equal(forward, backward);
        Assert.NotEqual(forward, Enumerable.Range(0, 100).Select(i => s.Decide(LinkDirection.BToA, i)).ToList());
    }

    [Fact]
    public void Loss_rate_is_roughly_what_was_asked()
    {
        var s = new SeededFaultSchedule(1, new FaultRates { Loss = 0.3 });
        int drops = Enumerable.Range(0, 10_000).Count(i => s.Decide(LinkDirection.AToB, i).Action == FaultAction.Drop);
        Assert.InRange(drops, 2_700, 3_300);
    }

    [Fact]
    public void Drops_and_duplicates_are_traced()
    {
        var tracer = new RecordingTracer();
        var h = new Harness(new ScriptedFaultSchedule([FaultDecision.Drop(), FaultDecision.Duplicate(Ms(1), Ms(2))], []), tracer);
        h.Link.A.Send([0]);
        h.Link.A.Send([1]);
        Assert.Equal([DeliveryAction.Drop, DeliveryAction.Duplicate], tracer.Events.Select(e => e.Action));
        Assert.Equal([0L, 1L], tracer.Events.Select(e => e.LinkIndex));
    }

    [Fact]
    public void Oversized_datagrams_and_use_after_close_are_typed_errors()
    {
        var h = new Harness(new SeededFaultSchedule(0, FaultRates.None));
        Assert.Throws<MessageTooLargeException>(() => h.Link.A.Send(new byte[65]));
        h.Link.A.Send([1]);
        h.Link.Dispose();
        var ex = Assert.Throws<EndpointClosedException>(() => h.Link.B.Send([2]));
        Assert.Equal(new byte[] { 2 }, ex.Undelivered);
        h.Run(10);
        Assert.Empty(h.ArrivedAtB); // in flight when the link closed: lost, as documented
    }

    [Fact]
    public void Bad_configuration_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SeededFaultSchedule(0, new FaultRates { Loss = 1.5 }));
        Assert.Throws<ArgumentException>(() => new FaultyLink(new SeededFaultSchedule(0, FaultRates.None), TimeProvider.System, P, P));
        var link = new FaultyLink(new SeededFaultSchedule(0, FaultRates.None), TimeProvider.System, P, Q);
        link.A.Attach(_ => { });
        Assert.Throws<InvalidOperationException>(() => link.A.Attach(_ => { }));
    }
}
