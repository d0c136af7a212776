using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Tests.Reliable;

/// <summary>
/// Selective acknowledgement and the loss detection built on it, on fake time: which messages are retransmitted,
/// and whether a repair waits for the retransmission timer. The timers are set long (a minimum timeout of
/// 200 ms against a 2 ms round trip) so that "repaired without the timer" is unmistakable in the step count.
/// </summary>
public sealed class SelectiveAckTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private static readonly FaultDecision Deliver = FaultDecision.Deliver(Ms(1));
    private static readonly FaultDecision Drop = FaultDecision.Drop();

    private static ReliableOptions SlowTimer(int window, bool nacks = true) => new()
    {
        WindowSize = window,
        InitialRetransmitTimeout = Ms(500),
        MinRetransmitTimeout = Ms(200),
        SendNegativeAcks = nacks,
    };

    /// <summary>
    /// Two holes (messages 0 and 5 of 10), no nacks: the selective acks alone must get exactly the two holes
    /// retransmitted, with no timeout. Null when that holds, else what went wrong.
    /// </summary>
    private static string? TwoHolesRepairedFromSelectiveAcks(SeededBugs bugs)
    {
        var script = Enumerable.Repeat(Deliver, 10).ToArray();
        script[0] = Drop;
        script[5] = Drop;
        using var sim = new Simulation(new ScriptedFaultSchedule(script, []), SlowTimer(16, nacks: false), bugs);
        sim.Queue(10, bothWays: false);
        int steps = sim.RunUntilSendsComplete();
        var stats = sim.AtP.Statistics;
        if (sim.Violation() is { } violation)
            return violation;
        if (stats.Timeouts != 0)
            return $"{stats.Timeouts} timeouts in {steps} ms: a hole waited for the timer";
        if (stats.Retransmissions != 2)
            return $"{stats.Retransmissions} retransmissions where exactly the two holes were missing";
        // Both holes show in the acks of the first round trip (data at 1 ms, acks back at 2 ms): both repairs go
        // then, not later from the probe.
        var late = RetransmitTimes(sim).Where(t => t > Ms(2)).ToList();
        if (late.Count > 0)
            return $"a repair went at {late[0].TotalMilliseconds} ms, after the round trip that revealed the hole";
        return null;
    }

    /// <summary>When P retransmitted, counted from the start of the run.</summary>
    private static List<TimeSpan> RetransmitTimes(Simulation sim)
    {
        var start = sim.Trace.Events[0].Time;
        return sim.Trace.Events.Where(e => e.Action == DeliveryAction.Retransmit && e.Process == Simulation.P)
            .Select(e => e.Time - start).ToList();
    }

    [Fact]
    public void Two_holes_are_found_from_the_selective_acks_alone_and_only_they_are_retransmitted()
    {
        Assert.Null(TwoHolesRepairedFromSelectiveAcks(SeededBugs.None));
    }

    [Fact]
    public void A_bitmap_off_by_one_is_caught_by_the_two_holes_check()
    {
        // The seeded receiver reports message 5 as held (it holds 6): the sender trusts it, skips the repair, and
        // the hole waits for the timer.
        var failure = TwoHolesRepairedFromSelectiveAcks(SeededBugs.SackOffByOne);
        Assert.NotNull(failure);
        Assert.Contains("timer", failure);
    }

    [Fact]
    public void A_lost_repair_is_repaired_again_once_later_traffic_overtakes_it()
    {
        // Message 0 is lost, and so is its first repair (datagram #10, sent when the nack arrives at 2 ms). The
        // messages queued right after the repair arrive, and their selective acks show the repair was overtaken.
        var script = Enumerable.Repeat(Deliver, 21).ToArray();
        script[0] = Drop;
        script[10] = Drop;
        using var sim = new Simulation(new ScriptedFaultSchedule(script, []), SlowTimer(64));
        sim.Queue(10, bothWays: false);
        sim.Time.Advance(Ms(1)); // the nine arrive; Q's nack leaves
        sim.Time.Advance(Ms(1)); // the nack arrives: the repair goes (and is lost)
        Assert.Equal(1, sim.AtP.Statistics.Retransmissions);
        sim.Queue(10, bothWays: false, from: 10);
        int steps = sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        var stats = sim.AtP.Statistics;
        Assert.True(steps < 20, $"took {steps} ms");
        Assert.Equal(0, stats.Timeouts);
        Assert.Equal(2, stats.Retransmissions); // the first repair and the second, nothing that had arrived
        // The new messages arrive at 3 ms and their acks at 4 ms: the second repair goes then, not from the probe.
        Assert.Equal([Ms(2), Ms(4)], RetransmitTimes(sim));
    }

    [Fact]
    public void A_lost_repair_with_nothing_sent_after_it_is_found_by_the_probe_well_before_the_timer()
    {
        // The window is full (16 of 16 in flight) and the repair of message 0 is lost: no later traffic can reveal
        // it. The probe, two round trips after the last progress, sends it again.
        var script = Enumerable.Repeat(Deliver, 17).ToArray();
        script[0] = Drop;
        script[16] = Drop;
        using var sim = new Simulation(new ScriptedFaultSchedule(script, []), SlowTimer(16));
        sim.Queue(16, bothWays: false);
        int steps = sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        var stats = sim.AtP.Statistics;
        Assert.True(steps < 50, $"took {steps} ms: the lost repair waited for the 200 ms timer");
        Assert.Equal(0, stats.Timeouts);
        Assert.Equal(2, stats.Retransmissions);
    }

    /// <summary>
    /// A full window (16 of 20 queued) loses messages 0, 3, 6 and 9, and then the first repair of message 0. The
    /// nacks get all four repaired at 2 ms; the other three repairs arrive at 3 ms and each is acknowledged at once
    /// with an echo saying a repair arrived, so at 4 ms the sender knows the repair of 0, sent before them, is
    /// lost, although nothing new could be sent after it. Returns when message 0 went the third time, or what
    /// went wrong.
    /// </summary>
    private static (TimeSpan? ThirdCopyOfZero, string? Failure) LostRepairRevealedByLaterRepairs(SeededBugs bugs) =>
        ThirdCopy(bugs, datagrams: 24, lost: [0, 3, 6, 9, 16], messages: 20, sequence: 0);

    [Fact]
    public void A_lost_repair_in_a_full_window_is_revealed_by_the_echoes_of_later_repairs()
    {
        var (third, failure) = LostRepairRevealedByLaterRepairs(SeededBugs.None);
        Assert.Null(failure);
        Assert.Equal(Ms(4), third); // one round trip after the repairs, not a probe's wait after the last progress
    }

    [Fact]
    public void An_echo_that_does_not_mark_a_repair_is_caught_by_the_lost_repair_check()
    {
        // Seeded: the receiver's echo of a repair looks like the first copy's, so the sender credits the first
        // transmissions, which reveal nothing about the repair of 0; only the probe finds it, later.
        var (third, failure) = LostRepairRevealedByLaterRepairs(SeededBugs.RepairEchoUnmarked);
        Assert.Null(failure); // still delivered: the bug costs time, not messages
        Assert.NotNull(third);
        Assert.True(third > Ms(4), $"the third copy of message 0 went at {third}");
    }

    /// <summary>
    /// The tail of a transfer (10 messages, window 16, nothing queued behind): messages 3 and 6 are lost, and so
    /// is the first repair of 3 (datagram #10). The repair of 6, sent just after it, arrives at 3 ms and its echo
    /// comes back at 4 ms: too few later transmissions for the count rule, so RACK's time rule must judge — the
    /// repair of 3 has been out for the round trip of the repair of 6 (2 ms) plus a quarter of the shortest round
    /// trip. Returns when message 3 went the third time, or what went wrong.
    /// </summary>
    private static (TimeSpan? ThirdCopyOfThree, string? Failure) LostRepairAtTheTailJudgedByTime(SeededBugs bugs) =>
        ThirdCopy(bugs, datagrams: 14, lost: [3, 6, 10], messages: 10, sequence: 3);

    /// <summary>
    /// Sends <paramref name="messages"/> one way over a link that loses the given datagrams (of the first
    /// <paramref name="datagrams"/> from the sender), with a slow retransmission timer so that no timeout fires,
    /// and returns when message <paramref name="sequence"/> went the third time (its second repair), or what went
    /// wrong: a violated invariant, a timeout, or fewer than two repairs.
    /// </summary>
    private static (TimeSpan? Time, string? Failure) ThirdCopy(SeededBugs bugs, int datagrams, int[] lost, int messages, ulong sequence)
    {
        var script = Enumerable.Repeat(Deliver, datagrams).ToArray();
        foreach (int i in lost)
            script[i] = Drop;
        using var sim = new Simulation(new ScriptedFaultSchedule(script, []), SlowTimer(16), bugs);
        sim.Queue(messages, bothWays: false);
        sim.RunUntilSendsComplete();
        if (sim.Violation() is { } violation)
            return (null, violation);
        if (sim.AtP.Statistics.Timeouts != 0)
            return (null, $"{sim.AtP.Statistics.Timeouts} timeouts");
        var start = sim.Trace.Events[0].Time;
        var copies = sim.Trace.Events.Where(e => e.Process == Simulation.P && e.Action == DeliveryAction.Retransmit && e.Sequence == sequence)
            .Select(e => e.Time - start).ToList();
        return copies.Count < 2 ? (null, $"message {sequence} was repaired {copies.Count} times") : (copies[1], null);
    }

    [Fact]
    public void A_lost_repair_at_the_tail_is_judged_lost_by_time_one_round_trip_after_a_later_repair_arrived()
    {
        var (third, failure) = LostRepairAtTheTailJudgedByTime(SeededBugs.None);
        Assert.Null(failure);
        // Due at 2 + 2 + 0.5 ms; without the time rule the probe would send it at 8 ms (two round trips after 4).
        Assert.InRange(third!.Value, Ms(4.5), Ms(5));
    }

    [Fact]
    public void A_round_trip_taken_from_the_wrong_copy_is_caught_by_the_tail_check()
    {
        // Seeded: the repair's round trip is measured from the first copy (sent at 0, not 2 ms), so the rule waits
        // 4.5 ms instead of 2.5 after the repair.
        var (third, failure) = LostRepairAtTheTailJudgedByTime(SeededBugs.RackRttFromFirstCopy);
        Assert.Null(failure);
        Assert.True(third > Ms(5), $"the third copy of message 3 went at {third}");
    }

    [Fact]
    public void A_lost_tail_is_probed_before_the_timer()
    {
        // The last two of eight messages are lost: nothing after them can reveal it.
        var script = Enumerable.Repeat(Deliver, 8).ToArray();
        script[6] = Drop;
        script[7] = Drop;
        using var sim = new Simulation(new ScriptedFaultSchedule(script, []), SlowTimer(16));
        sim.Queue(8, bothWays: false);
        int steps = sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.True(steps < 50, $"took {steps} ms");
        Assert.Equal(0, sim.AtP.Statistics.Timeouts);
    }

    [Fact]
    public void A_bitmap_naming_messages_never_sent_is_refused_and_changes_nothing()
    {
        using var sim = new Simulation(new SeededFaultSchedule(0, FaultRates.None));
        var codec = new FrameCodec(1000);
        sim.Queue(3, bothWays: false); // in flight, not yet arrived
        var bitmap = new byte[16];
        bitmap[15] = 0x80; // message 0 + 1 + 127: never sent
        sim.Link.B.Send(codec.Encode(new FrameHeader(FrameKind.Ack, FrameFlags.AckValid, Simulation.Q, Simulation.P, 0, 0), bitmap));
        sim.RunUntilSendsComplete();
        Assert.Null(sim.Violation());
        Assert.Equal(1, sim.AtP.Statistics.InvalidAcks);
        Assert.Equal(0, sim.AtP.Statistics.Retransmissions);
    }

    [Fact]
    public void A_false_selective_ack_never_completes_a_send()
    {
        // A forged bitmap claims message 1 of 3 arrived while the link loses everything: the send must stay
        // pending (only the cumulative ack completes a send) and end in the retry bound's error, like the others.
        var options = new ReliableOptions { WindowSize = 4, MaxRetransmissions = 2, InitialRetransmitTimeout = Ms(10) };
        var loseAll = new SeededFaultSchedule(1, new FaultRates { Loss = 1 });
        using var sim = new Simulation(new ScriptedFaultSchedule([], [Deliver], after: loseAll), options); // only the forgery passes
        sim.Queue(3, bothWays: false);
        var codec = new FrameCodec(1000);
        sim.Link.B.Send(codec.Encode(new FrameHeader(FrameKind.Ack, FrameFlags.AckValid, Simulation.Q, Simulation.P, 0, 0), [0b1]));
        sim.RunUntilSendsComplete();
        Assert.Equal(0, sim.AtP.Statistics.InvalidAcks); // the bitmap was taken in
        Assert.Equal(1, sim.Link.Statistics.Delivered);
        Assert.All(sim.Sends, s => Assert.True(s.IsFaulted));
    }
}
