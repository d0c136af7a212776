using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Tests.Reliable;

public sealed class ReliableDeliveryTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private static readonly FaultRates Harsh = new()
    {
        Loss = 0.25, Duplication = 0.2, Reorder = 0.3, BaseDelay = Ms(1), MaxReorderDelay = Ms(25),
    };

    [Fact]
    public void Without_faults_every_message_arrives_once_in_order_and_every_send_completes()
    {
        using var sim = new Simulation(new SeededFaultSchedule(0, FaultRates.None));
        sim.Queue(100, bothWays: true);
        sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.True(0 == sim.AtP.Statistics.Retransmissions, sim.AtP.Statistics.ToString());
        Assert.Equal(0, sim.AtP.Unacknowledged);
    }

    [Fact]
    public void Exactly_once_in_order_under_many_seeded_loss_duplication_and_reordering_schedules()
    {
        long drops = 0, dups = 0, retransmissions = 0, discarded = 0;
        for (ulong seed = 1; seed <= 40; seed++)
        {
            using var sim = new Simulation(new SeededFaultSchedule(seed, Harsh));
            sim.Queue(40, bothWays: seed % 2 == 0);
            sim.RunUntilSendsComplete();
            string? violation = sim.Violation();
            Assert.True(violation is null, $"seed {seed}: {violation}");
            drops += sim.Link.Statistics.Dropped;
            dups += sim.Link.Statistics.Duplicated;
            retransmissions += sim.AtP.Statistics.Retransmissions + sim.AtQ.Statistics.Retransmissions;
            discarded += sim.AtP.Statistics.DuplicatesDiscarded + sim.AtQ.Statistics.DuplicatesDiscarded;
        }
        // The sweep must have exercised the machinery, or it proves nothing.
        Assert.True(drops > 100 && dups > 100, $"drops {drops}, duplicates {dups}");
        Assert.True(retransmissions > 100, $"retransmissions {retransmissions}");
        Assert.True(discarded > 100, $"duplicates discarded {discarded}");
    }

    [Fact]
    public void A_run_replays_exactly_from_its_recorded_fault_schedule()
    {
        using var first = new Simulation(new SeededFaultSchedule(5, Harsh));
        first.Queue(30, bothWays: true);
        first.RunUntilSendsComplete();
        using var again = new Simulation(first.Link.Replay());
        again.Queue(30, bothWays: true);
        again.RunUntilSendsComplete();
        Assert.Equal(first.Trace.Events.Select(e => e.ToString()), again.Trace.Events.Select(e => e.ToString()));
        Assert.Equal(first.AtP.Statistics, again.AtP.Statistics);
    }

    [Fact]
    public async Task A_link_that_loses_everything_ends_in_RetriesExhaustedException_and_hands_messages_back()
    {
        var options = new ReliableOptions { WindowSize = 2, MaxRetransmissions = 3, InitialRetransmitTimeout = Ms(10) };
        using var sim = new Simulation(new SeededFaultSchedule(1, new FaultRates { Loss = 1 }), options);
        sim.Queue(4, bothWays: false);
        int steps = sim.RunUntilSendsComplete();
        Assert.True(steps < 10_000, $"gave up only after {steps} ms");

        var first = await Assert.ThrowsAsync<RetriesExhaustedException>(() => sim.Sends[0]);
        Assert.Equal(0ul, first.Sequence);
        Assert.Equal(4, first.Transmissions); // the first send and three retransmissions
        Assert.Equal(sim.SentByP[0], first.Unacknowledged);
        for (int i = 1; i < 4; i++)
        {
            var other = await Assert.ThrowsAsync<EndpointClosedException>(() => sim.Sends[i]);
            Assert.Equal(sim.SentByP[i], other.Undelivered);
        }
        Assert.Equal(1, sim.Trace.Count(DeliveryAction.GiveUp));
        Assert.Throws<EndpointClosedException>(() => { _ = sim.AtP.SendAsync(new byte[1]); });
    }

    [Fact]
    public void Timeouts_back_off_exponentially()
    {
        var options = new ReliableOptions { WindowSize = 1, MaxRetransmissions = 4, InitialRetransmitTimeout = Ms(10), MaxRetransmitTimeout = Ms(1000) };
        using var sim = new Simulation(new SeededFaultSchedule(1, new FaultRates { Loss = 1 }), options);
        sim.Queue(1, bothWays: false);
        sim.RunUntilSendsComplete();
        var sendTimes = sim.Trace.Events
            .Where(e => e.Action is DeliveryAction.Send or DeliveryAction.Retransmit && e.Process == Simulation.P)
            .Select(e => e.Time).ToList();
        var gaps = sendTimes.Zip(sendTimes.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
        Assert.Equal([10.0, 20.0, 40.0, 80.0], gaps);
    }

    [Fact]
    public void A_lost_message_is_repaired_by_the_receivers_nack_and_duplicate_acks_before_its_timer()
    {
        var options = new ReliableOptions { WindowSize = 8, InitialRetransmitTimeout = Ms(500) };
        using var sim = new Simulation(new ScriptedFaultSchedule([FaultDecision.Drop()], []), options);
        sim.Queue(6, bothWays: false);
        int steps = sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.True(steps < 100, $"took {steps} ms: the repair waited for the 500 ms timer");
        Assert.Equal(0, sim.AtP.Statistics.Timeouts);
        Assert.True(sim.AtP.Statistics.FastRetransmissions >= 1);
        Assert.True(sim.AtQ.Statistics.NacksSent >= 1);
    }

    [Fact]
    public void Several_holes_in_one_window_are_listed_in_one_nack_and_repaired_together()
    {
        var options = new ReliableOptions { WindowSize = 8, InitialRetransmitTimeout = Ms(500) };
        var drop = FaultDecision.Drop();
        var deliver = FaultDecision.Deliver(Ms(1));
        using var sim = new Simulation(new ScriptedFaultSchedule([drop, deliver, drop, deliver, drop, deliver, deliver, deliver], []), options);
        sim.Queue(8, bothWays: false);
        int steps = sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.True(steps < 10, $"took {steps} ms: the holes waited for the timer");
        Assert.Equal(0, sim.AtP.Statistics.Timeouts);
        Assert.Equal(3, sim.AtP.Statistics.Retransmissions); // exactly the three holes, nothing that had arrived
    }

    [Fact]
    public void Duplicate_acks_alone_trigger_the_fast_retransmit()
    {
        var options = new ReliableOptions { WindowSize = 8, InitialRetransmitTimeout = Ms(500), SendNegativeAcks = false };
        using var sim = new Simulation(new ScriptedFaultSchedule([FaultDecision.Drop()], []), options);
        sim.Queue(6, bothWays: false);
        int steps = sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.True(steps < 100, $"took {steps} ms");
        Assert.Equal(0, sim.AtQ.Statistics.NacksSent);
        Assert.Equal(1, sim.AtP.Statistics.FastRetransmissions);
    }

    [Fact]
    public void Acks_are_bundled_and_ride_on_reverse_traffic()
    {
        using var oneWay = new Simulation(new SeededFaultSchedule(0, FaultRates.None), new ReliableOptions { WindowSize = 16, AckEvery = 4 });
        oneWay.Queue(64, bothWays: false);
        oneWay.RunUntilSendsComplete();
        Assert.Null(oneWay.Violation());
        Assert.True(oneWay.AtQ.Statistics.AcksSent is >= 1 and <= 20, oneWay.AtQ.Statistics.ToString()); // ~64 / 4, never one per message

    }

    [Fact]
    public void Replies_carry_the_acknowledgement_of_their_requests()
    {
        // Request/response: Q answers every request from its delivery handler, so the answer leaves while Q's
        // ack is still held back (AckDelay) and takes it along instead of a stand-alone ack.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var options = new ReliableOptions { WindowSize = 16, AckEvery = 4, AckDelay = Ms(5) };
        using var link = new FaultyLink(new SeededFaultSchedule(0, FaultRates.None), time, Simulation.P, Simulation.Q);
        ReliableEndpoint? q = null;
        var replies = new List<byte>();
        using var p = new ReliableEndpoint(link.A, options, time, m => replies.Add(m.Span[0]));
        q = new ReliableEndpoint(link.B, options, time, m => _ = q!.SendAsync(new[] { (byte)(m.Span[0] + 100) }));
        using var qScope = q;
        var sends = Enumerable.Range(0, 10).Select(i => p.SendAsync(new[] { (byte)i })).ToList();
        for (int i = 0; i < 100; i++)
            time.Advance(Ms(1));
        Assert.All(sends, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(Enumerable.Range(100, 10).Select(i => (byte)i), replies);
        Assert.Equal(10, q.Statistics.AcksPiggybacked);
        Assert.Equal(0, q.Statistics.AcksSent);
    }

    [Fact]
    public void The_timeout_adapts_to_the_measured_round_trip()
    {
        var rates = new FaultRates { BaseDelay = Ms(10) };
        var options = new ReliableOptions { WindowSize = 1, AckDelay = TimeSpan.Zero, AckEvery = 1, InitialRetransmitTimeout = Ms(1000) };
        using var sim = new Simulation(new SeededFaultSchedule(0, rates), options);
        sim.Queue(30, bothWays: false);
        sim.RunUntilSendsComplete();
        var stats = sim.AtP.Statistics;
        Assert.Equal(Ms(20), stats.SmoothedRtt); // 10 ms each way, measured on fake time
        Assert.Equal(30, stats.RttSamples);
        Assert.InRange(stats.RetransmitTimeout, Ms(20), Ms(25)); // from 1000 ms down to about one round trip
    }

    [Fact]
    public void Malformed_datagrams_are_counted_and_ignored()
    {
        using var sim = new Simulation(new SeededFaultSchedule(0, FaultRates.None));
        var rng = new Random(3);
        // Garbage from Q's end of the link, straight past Q's endpoint.
        for (int i = 0; i < 200; i++)
        {
            var junk = new byte[rng.Next(0, 100)];
            rng.NextBytes(junk);
            sim.Link.B.Send(junk);
        }
        sim.Queue(10, bothWays: false);
        sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.Equal(200, sim.AtP.Statistics.MalformedFrames);
    }

    [Fact]
    public void Forged_acks_and_frames_from_strangers_change_nothing()
    {
        using var sim = new Simulation(new SeededFaultSchedule(0, FaultRates.None));
        var codec = new VerifiedIpc.Reference.Framing.FrameCodec(1000);
        // An ack for messages never sent, and a data frame claiming to come from a third process.
        sim.Link.B.Send(codec.Encode(new(VerifiedIpc.Reference.Framing.FrameKind.Ack, VerifiedIpc.Reference.Framing.FrameFlags.AckValid,
            Simulation.Q, Simulation.P, 0, 1000), []));
        sim.Link.B.Send(codec.Encode(new(VerifiedIpc.Reference.Framing.FrameKind.Data, VerifiedIpc.Reference.Framing.FrameFlags.None,
            new ProcessId(77), Simulation.P, 0, 0), [1]));
        sim.Queue(5, bothWays: false);
        sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.Equal(1, sim.AtP.Statistics.InvalidAcks);
        Assert.Equal(1, sim.AtP.Statistics.MalformedFrames);
        Assert.Empty(sim.DeliveredAtP);
    }

    [Fact]
    public async Task Dispose_hands_back_unacknowledged_messages_and_wakes_receivers()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var link = new FaultyLink(new SeededFaultSchedule(0, new FaultRates { Loss = 1 }), time, Simulation.P, Simulation.Q);
        var p = new ReliableEndpoint(link.A, timeProvider: time);
        Task send = p.SendAsync(new byte[] { 1, 2, 3 });
        ValueTask<byte[]> receive = p.ReceiveAsync();
        p.Dispose();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => send);
        Assert.Equal(new byte[] { 1, 2, 3 }, ex.Undelivered);
        await Assert.ThrowsAsync<EndpointClosedException>(() => receive.AsTask());
    }

    [Fact]
    public async Task Without_a_handler_messages_queue_for_ReceiveAsync()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var link = new FaultyLink(new SeededFaultSchedule(0, FaultRates.None), time, Simulation.P, Simulation.Q);
        using var p = new ReliableEndpoint(link.A, timeProvider: time);
        using var q = new ReliableEndpoint(link.B, timeProvider: time);
        ValueTask<byte[]> first = q.ReceiveAsync();
        Task sent = p.SendAsync(new byte[] { 9 });
        Task sent2 = p.SendAsync(new byte[] { 10 });
        for (int i = 0; i < 50 && !(sent.IsCompleted && sent2.IsCompleted); i++)
            time.Advance(Ms(1));
        Assert.Equal(new byte[] { 9 }, await first.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(new byte[] { 10 }, await q.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(q.TryReceive(out _));
    }

    [Fact]
    public async Task The_blocking_send_with_a_timeout_times_out_on_fake_time_and_leaves_the_message_queued()
    {
        var time = new VerifiedIpc.Reference.Tests.Streams.TimerWatchingTimeProvider();
        using var link = new FaultyLink(new SeededFaultSchedule(0, new FaultRates { Loss = 1 }), time, Simulation.P, Simulation.Q);
        using var p = new ReliableEndpoint(link.A, new ReliableOptions { InitialRetransmitTimeout = Ms(100) }, time);
        var send = Task.Factory.StartNew(() => p.Send([1, 2], Ms(50)), TaskCreationOptions.LongRunning);
        await time.TimerArmedAsync(); // the retransmission timer
        await time.TimerArmedAsync(); // the send's own timeout
        time.Fake.Advance(Ms(50));
        await Assert.ThrowsAsync<TimeoutException>(() => send.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, p.Unacknowledged);
    }

    [Fact]
    public void A_message_over_the_link_size_is_refused_before_sending()
    {
        using var sim = new Simulation(new SeededFaultSchedule(0, FaultRates.None));
        Assert.Throws<MessageTooLargeException>(() => { _ = sim.AtP.SendAsync(new byte[sim.AtP.MaxMessageSize + 1]); });
        Assert.Equal(0, sim.Link.Statistics.Sent);
    }

    [Fact]
    public void The_trace_speaks_the_specs_vocabulary()
    {
        var options = new ReliableOptions { WindowSize = 1, AckDelay = TimeSpan.Zero, InitialRetransmitTimeout = Ms(10) };
        // Lose the first data frame, then the first ack.
        using var sim = new Simulation(new ScriptedFaultSchedule([FaultDecision.Drop()], [FaultDecision.Drop()]), options);
        sim.Queue(1, bothWays: false);
        sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.Equal(
            ["Send(p1→p2, seq=0)", "Drop(p1→p2, datagram #0)", "Timeout(p1→p2, seq=0)", "Retransmit(p1→p2, seq=0)",
             "Deliver(p2→p1, seq=0)", "Ack(p2→p1, ack=1)", "Drop(p2→p1, datagram #0)", "Timeout(p1→p2, seq=0)",
             "Retransmit(p1→p2, seq=0)", "DiscardDuplicate(p2→p1, seq=0)", "Ack(p2→p1, ack=1)", "AckReceived(p1→p2, ack=1)"],
            sim.Trace.Events.Select(e => e.ToString()));
    }
}
