using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Reliable;

/// <summary>
/// The sender's scoreboard and timers, frame by frame on fake time (<see cref="PeerLink"/>): which message each
/// rule repairs and exactly when — the count rule, RACK's time rule, the probe, the timeout and its back-off —,
/// how round trips are sampled (Karn), how selective acks and nacks are checked, and the receiver's delayed acks.
/// Each time asserted follows from the rule in <c>ReliableEndpoint</c>'s remarks and RFC 6298's estimator.
/// </summary>
public sealed class EndpointScoreboardTests
{
    private static byte[] M(int i) => [(byte)i];

    private static ReliableOptions Options(int window = 8, int dupThreshold = 3, TimeSpan? ackDelay = null) => new()
    {
        WindowSize = window, DuplicateAckThreshold = dupThreshold, AckDelay = ackDelay ?? TimeSpan.Zero,
        InitialRetransmitTimeout = TimeSpan.FromMilliseconds(200), MinRetransmitTimeout = TimeSpan.FromMilliseconds(5),
        MaxRetransmitTimeout = TimeSpan.FromSeconds(10), MaxRetransmissions = 20,
    };

    private static ulong[] Seqs(List<Frame> frames) => frames.Select(f => f.Header.Sequence).ToArray();

    private static void AssertRepairs(PeerLink link, params ulong[] seqs)
    {
        var frames = link.Take();
        Assert.All(frames, f => Assert.Equal(FrameKind.Data, f.Header.Kind));
        Assert.All(frames, f => Assert.True((f.Header.Flags & FrameFlags.Retransmission) != 0));
        Assert.Equal(seqs, Seqs(frames));
    }

    private static void Advance(PeerLink link, double ms) => link.Advance(TimeSpan.FromMilliseconds(ms));

    /// <summary>Sends messages 0 .. <paramref name="count"/> − 1 and forgets their first transmissions.</summary>
    private static void SendAndClear(ReliableEndpoint ep, PeerLink link, int count)
    {
        for (int i = 0; i < count; i++) _ = ep.SendAsync(M(i));
        link.Take();
    }

    /// <summary>Message 0 sent at t = 0 and acknowledged at t = 100: one sample, srtt 100 ms, RTO 300 ms.</summary>
    private static ReliableEndpoint Primed(PeerLink link, ReliableOptions? options = null)
    {
        var ep = link.Endpoint(options ?? Options());
        _ = ep.SendAsync(M(0));
        Advance(link, 100);
        link.Ack(1);
        link.Take();
        Assert.Equal(TimeSpan.FromMilliseconds(100), ep.Statistics.SmoothedRtt);
        Assert.Equal(TimeSpan.FromMilliseconds(300), ep.Statistics.RetransmitTimeout);
        return ep;
    }

    // ------------------------------------------------------------------ loss detection

    [Fact]
    public void The_count_rule_repairs_at_once_what_was_sent_threshold_places_before_a_held_message()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 4);
        Advance(link, 10);
        link.Ack(0, sack: [0b0000_0111]); // holds 1, 2, 3: three transmissions after message 0's
        AssertRepairs(link, 0);
        Assert.Equal(1, ep.Statistics.FastRetransmissions);
    }

    [Fact]
    public void With_a_threshold_of_one_the_first_duplicate_ack_showing_a_held_message_repairs_the_one_before()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options(dupThreshold: 1));
        _ = ep.SendAsync(M(0));
        _ = ep.SendAsync(M(1));
        link.Take();
        Advance(link, 10);
        link.Ack(0, sack: [0b1]);
        AssertRepairs(link, 0);
    }

    [Fact]
    public void A_cumulative_ack_carrying_a_bitmap_applies_the_count_rule_at_once()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 6);
        Advance(link, 10);
        link.Ack(1, sack: [0b1110]); // 0 received; 3, 4, 5 held: 1 and 2 are three transmissions behind
        AssertRepairs(link, 1, 2);
    }

    [Fact]
    public void A_cumulative_ack_carrying_a_bitmap_starts_the_time_rule()
    {
        // 0, 1, 2 at t = 0; at 100 the receiver has 0 and holds 2: the delivery of 2 took 100 ms, so 1 is lost at
        // 0 + 100 + 100/4 = 125 (the shortest round trip, from message 0's sample, is 100 ms).
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 3);
        Advance(link, 100);
        link.Ack(1, sack: [0b1]);
        Assert.Empty(link.Take());
        Advance(link, 24.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        AssertRepairs(link, 1);
    }

    [Fact]
    public void The_time_rule_repairs_an_earlier_message_a_round_trip_and_a_quarter_after_a_later_one_arrived()
    {
        // Messages 0 and 1 at t = 0; at t = 10 the receiver holds 1 and echoes it: the round trip of that delivery
        // is 10 ms, the shortest round trip 10 ms, so message 0 is lost at 0 + 10 + 10/4 = 12.5 ms.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        _ = ep.SendAsync(M(0));
        _ = ep.SendAsync(M(1));
        link.Take();
        Advance(link, 10);
        link.Ack(0, sack: [0b1], echo: 1);
        Assert.Empty(link.Take());
        Advance(link, 2.4);
        Assert.Empty(link.Take());
        Advance(link, 0.2);
        AssertRepairs(link, 0);
    }

    [Fact]
    public void The_time_rule_works_from_a_held_message_sent_once_without_an_echo()
    {
        // No echo and no round-trip sample: the delivery's round trip (10 ms) is still exact, since the message
        // went once; the reordering window is a quarter of it.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        _ = ep.SendAsync(M(0));
        _ = ep.SendAsync(M(1));
        link.Take();
        Advance(link, 10);
        link.Ack(0, sack: [0b1]);
        Assert.Equal(0, ep.Statistics.RttSamples);
        Advance(link, 2.4);
        Assert.Empty(link.Take());
        Advance(link, 0.2);
        AssertRepairs(link, 0);
    }

    [Fact]
    public void The_time_rules_reordering_window_is_a_quarter_of_the_shortest_round_trip_not_the_latest()
    {
        // Primed: srtt 100 ms, shortest 100 ms. Then 1 and 2 at t = 100; at t = 110 the receiver holds 2 and
        // echoes it: a 10 ms sample makes the shortest 10 ms, so 1 is lost at 100 + 10 + 2.5 = 112.5 ms.
        var link = new PeerLink();
        using var ep = Primed(link);
        _ = ep.SendAsync(M(1));
        _ = ep.SendAsync(M(2));
        link.Take();
        Advance(link, 10);
        link.Ack(1, sack: [0b1], echo: 2);
        Advance(link, 2.4);
        Assert.Empty(link.Take());
        Advance(link, 0.2);
        AssertRepairs(link, 1);
    }

    [Fact]
    public void An_echo_marked_as_a_repair_credits_the_first_repair_so_what_went_before_it_is_counted_lost()
    {
        // 0..3 at t = 0 (transmissions 0..3). The timeout at 200 repairs 0 (transmission 4) and, as a second
        // chance, 3 (transmission 5). At 210 the receiver holds 3 and says its arrival was a repair: transmission
        // 5 arrived, three places after 1 and 2, which are therefore lost at once (the count rule). Had the first
        // copy been credited (transmission 3), nothing would be judged yet.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 4);
        Advance(link, 200);
        AssertRepairs(link, 0, 3);
        Advance(link, 10);
        link.Ack(0, sack: [0b100], echo: 3, echoRepair: true);
        AssertRepairs(link, 1, 2);
    }

    [Fact]
    public void An_unmarked_echo_of_a_repaired_message_credits_its_first_copy()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 4);
        Advance(link, 200);
        AssertRepairs(link, 0, 3);
        Advance(link, 10);
        link.Ack(0, sack: [0b100], echo: 3); // the first copy of 3 arrived: transmission 3, nothing three places after 1 or 2
        Assert.Empty(link.Take());
    }

    [Fact]
    public void A_repair_declared_lost_after_a_guessed_one_takes_the_credit_so_its_echo_reveals_what_went_before_it()
    {
        // Threshold 1. 0, 1, 2 at t = 0 (transmissions 0..2). The timeout at 200 guesses: 0 again (transmission 3)
        // and 2 (4). At 210 the receiver holds 2 and echoes its repair: transmission 4 arrived, so 1 and the guessed
        // copy of 0 are known lost and go again (5 and 6). Every copy of 0 before transmission 6 is now known lost,
        // so that repair takes the credit: when the receiver then acknowledges 0, echoing a repair, transmission 6
        // arrived, and the repair of 1 sent just before it (5) is lost. Crediting the guessed copy (3), which is
        // older than what is already known delivered, would reveal nothing.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options(dupThreshold: 1));
        SendAndClear(ep, link, 3);
        Advance(link, 200);
        AssertRepairs(link, 0, 2);
        Advance(link, 10);
        link.Ack(0, sack: [0b10], echo: 2, echoRepair: true);
        AssertRepairs(link, 1, 0);
        Advance(link, 10);
        link.Ack(1, sack: [0b1], echo: 0, echoRepair: true); // 0 delivered, 2 still held, 1 missing
        AssertRepairs(link, 1);
        Assert.Equal(3, ep.Statistics.FastRetransmissions);
    }

    [Fact]
    public void A_guessed_repair_after_one_declared_lost_leaves_the_credit_with_the_earlier_copy()
    {
        // 0, 1, 2 at t = 0. At 10 a nack declares 0 lost: its repair (transmission 3) takes the credit. The timeout
        // at 200 guesses 0 again (4), while the nacked copy may still arrive. At 220 the receiver acknowledges 0,
        // echoing a repair: that is the nacked copy, sent at 10 — a delivery round trip of 210 ms, so 1 and 2 (sent
        // before it) are lost only at 0 + 210 + 210/4 = 262.5 ms. Crediting the guessed copy (sent at 200) would make
        // it 20 ms and declare them lost at once (1 by the count rule, too: three places before transmission 4).
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 3);
        Advance(link, 10);
        link.Nack(0);
        AssertRepairs(link, 0);
        Advance(link, 190);
        AssertRepairs(link, 0); // the timeout: the oldest, which is also the newest transmission not reported held
        Advance(link, 20);
        link.Ack(1, echo: 0, echoRepair: true);
        Assert.Empty(link.Take());
        Advance(link, 42.4);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        AssertRepairs(link, 1, 2);
        Assert.Equal(3, ep.Statistics.FastRetransmissions); // the nack's repair and these two
    }

    [Fact]
    public void A_cumulative_ack_echoing_a_repair_judges_what_was_sent_before_that_repair()
    {
        // 0..5 at t = 0 (transmissions 0..5); the timeout at 200 repairs 0 (transmission 6) and 5 (7). At 210 the
        // receiver acknowledges 0, echoing its repaired copy: transmission 6 arrived, so 1, 2 and 3 (three or more
        // places before it) are lost at once; 4 is not yet.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 6);
        Advance(link, 200);
        AssertRepairs(link, 0, 5);
        Advance(link, 10);
        link.Ack(1, echo: 0, echoRepair: true);
        AssertRepairs(link, 1, 2, 3, 4); // 4 by the time rule: that delivery took 10 ms, and 4 went 210 ms ago
    }

    // ------------------------------------------------------------------ probe, timeout, back-off

    [Fact]
    public void The_probe_resends_the_newest_message_two_round_trips_after_progress()
    {
        var link = new PeerLink();
        using var ep = Primed(link); // t = 100, srtt 100, RTO 300
        _ = ep.SendAsync(M(1));
        _ = ep.SendAsync(M(2));
        link.Take();
        Advance(link, 199.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1); // t = 300: 2 × srtt after the sends started the timer
        AssertRepairs(link, 2);
        Assert.Equal(1, ep.Statistics.FastRetransmissions);
        Assert.Equal(0, ep.Statistics.Timeouts);
    }

    [Fact]
    public void With_the_window_full_the_probe_comes_after_a_round_trip_and_a_quarter()
    {
        // Window 1: message 0 at t = 0 is acknowledged at t = 100 (srtt 100); message 1 goes then and 2 waits
        // behind it, so nothing new can follow 1: the probe comes at 1.25 × srtt.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options(window: 1));
        for (int i = 0; i < 3; i++) _ = ep.SendAsync(M(i));
        Assert.Equal([0UL], Seqs(link.Take()));
        Advance(link, 100);
        link.Ack(1);
        Assert.Equal([1UL], Seqs(link.Take()));
        Advance(link, 124.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        AssertRepairs(link, 1);
    }

    [Fact]
    public void A_timeout_resends_the_oldest_and_the_newest_unreported_message_and_backs_off()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 3);
        Advance(link, 199.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        AssertRepairs(link, 0, 2);
        Assert.Equal(1, ep.Statistics.Timeouts);
        Assert.Equal(TimeSpan.FromMilliseconds(400), ep.Statistics.RetransmitTimeout);
        Advance(link, 399.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        Assert.Equal(0UL, link.Take()[0].Header.Sequence);
        Assert.Equal(2, ep.Statistics.Timeouts);
    }

    [Fact]
    public void A_timeout_also_resends_what_the_timed_rule_finds_lost_when_no_delivery_round_trip_is_known()
    {
        // 0, 1, 2 at t = 0. The timeout at 200 repairs 0 and 2. At 210 the receiver holds 2 but does not say which
        // copy arrived: the evidence is the copy before the latest (transmission 2), with no round trip, so RACK's
        // time rule cannot judge 1. The timeout path does, with a reordering window of 1.25 × RTO (RTO capped at
        // 400 ms here): not at the expiry of 410 (410 ms < 500 ms since 1 went), but at that of 810.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options() with { MaxRetransmitTimeout = TimeSpan.FromMilliseconds(400) });
        SendAndClear(ep, link, 3);
        Advance(link, 200);
        AssertRepairs(link, 0, 2);
        Advance(link, 10);
        link.Ack(0, sack: [0b10]);
        Assert.Empty(link.Take());
        Advance(link, 200); // t = 410
        AssertRepairs(link, 0);
        Advance(link, 399.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1); // t = 810
        AssertRepairs(link, 0, 1);
        Assert.Equal(1, ep.Statistics.FastRetransmissions); // 1 was judged lost; the timeouts' repairs are not counted here
    }

    [Fact]
    public void A_newest_message_that_the_timed_rule_resends_at_a_timeout_goes_once()
    {
        // 0..3 at t = 0; the timeout at 200 repairs 0 and 3. At 350 the receiver has 0 and holds 3, and says
        // neither arrival (no echo): the evidence is 3's first copy, transmission 3, and no delivery round trip is
        // known, so RACK's time rule cannot judge 1 and 2 (sent before it). The timeout for message 1 at 550 does,
        // with a window of 1.25 × the backed-off 400 ms: 2, out for 550 ms, is lost and goes again. 2 is also the
        // newest message not reported held, the second chance the timeout sends — but it has just gone: once only.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 4);
        Advance(link, 200);
        AssertRepairs(link, 0, 3);
        Advance(link, 150);
        link.Ack(1, sack: [0b10]);
        Assert.Empty(link.Take());
        Advance(link, 199.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        AssertRepairs(link, 1, 2);
        var s = ep.Statistics;
        Assert.Equal((2L, 1L, 4L), (s.Timeouts, s.FastRetransmissions, s.Retransmissions));
    }

    /// <summary>
    /// 0..3 at t = 0; the timeout at 200 repairs 0 and 3. At 210 the receiver holds 3, with no echo: the evidence
    /// is 3's first copy (transmission 3), with no delivery round trip. At 220 it also holds 1 and echoes it: a
    /// round-trip sample of 220 ms (srtt 220, RTO 660), but 1's copy is older than the evidence, so still no
    /// delivery round trip — RACK's time rule cannot judge 2. The probe is due at 220 + 2 × 220 = 660; left at
    /// 659.9 ms.
    /// </summary>
    private static ReliableEndpoint RoundTripKnownButNoDeliveryRoundTrip(PeerLink link)
    {
        var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 4);
        Advance(link, 200);
        AssertRepairs(link, 0, 3);
        Advance(link, 10);
        link.Ack(0, sack: [0b100]);
        Advance(link, 10);
        link.Ack(0, sack: [0b101], echo: 1);
        Assert.Empty(link.Take());
        var s = ep.Statistics;
        Assert.Equal((1L, TimeSpan.FromMilliseconds(220), TimeSpan.FromMilliseconds(660)), (s.RttSamples, s.SmoothedRtt, s.RetransmitTimeout));
        Advance(link, 439.9);
        Assert.Empty(link.Take());
        return ep;
    }

    [Fact]
    public void The_probes_timed_rule_waits_a_round_trip_and_a_quarter_of_the_smoothed_round_trip_not_of_the_timeout()
    {
        // At the probe (t = 660) message 2 has been out 660 ms: past 1.25 × srtt (275 ms), short of 1.25 × RTO
        // (825 ms). It is judged lost and goes again, instead of the newest message not reported held (0).
        var link = new PeerLink();
        using var ep = RoundTripKnownButNoDeliveryRoundTrip(link);
        Advance(link, 0.1);
        AssertRepairs(link, 2);
        Assert.Equal((1L, 1L), (ep.Statistics.FastRetransmissions, ep.Statistics.Timeouts)); // the timeout at 200 only
    }

    [Fact]
    public void A_probe_whose_timed_rule_finds_a_loss_sends_only_that_and_not_the_newest_message_as_well()
    {
        var link = new PeerLink();
        using var ep = RoundTripKnownButNoDeliveryRoundTrip(link);
        // The probe sends the newest message not reported held only when the time rule finds nothing lost; here it
        // finds 2, so 2 goes once and nothing else goes with it.
        var before = ep.Statistics.Retransmissions;
        Advance(link, 0.1);
        AssertRepairs(link, 2);
        Assert.Equal(1, ep.Statistics.FastRetransmissions);
        Assert.Equal(before + 1, ep.Statistics.Retransmissions);
    }

    [Fact]
    public void Only_the_left_edge_of_a_full_window_is_repaired_twice()
    {
        // Window 2 with a third message waiting. Each timeout repairs the oldest (0) and the newest (1); from its
        // third transmission on, the oldest goes twice, but 1, though sent as often, goes once.
        var link = new PeerLink();
        using var ep = link.Endpoint(Options(window: 2));
        SendAndClear(ep, link, 3);
        Advance(link, 200);
        AssertRepairs(link, 0, 1);
        Advance(link, 400);
        AssertRepairs(link, 0, 0, 1);
    }

    [Fact]
    public void A_timeout_with_every_message_reported_held_resends_only_the_oldest()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        _ = ep.SendAsync(M(0));
        _ = ep.SendAsync(M(1));
        link.Take();
        Advance(link, 100);
        link.Ack(1); // srtt 100, RTO 300; base 1: only message 1 in flight
        link.Ack(0, sack: [0b1]); // an overtaken ack reporting 1 held: nothing is left unreported
        Advance(link, 200); // the probe (t = 300) finds nothing to resend
        Assert.Empty(link.Take());
        Advance(link, 300); // the timeout (t = 600) resends the oldest, and no "newest" (there is none)
        AssertRepairs(link, 1);
    }

    [Fact]
    public void With_the_timeout_capped_at_two_round_trips_the_probe_stands_in_for_the_first_expiry()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options() with { MaxRetransmitTimeout = TimeSpan.FromMilliseconds(200) });
        _ = ep.SendAsync(M(0));
        Advance(link, 100);
        link.Ack(1); // srtt 100; the RTO (300) is capped at 200 = 2 × srtt, so the probe is due with the timeout
        _ = ep.SendAsync(M(1));
        link.Take();
        Advance(link, 200);
        AssertRepairs(link, 1);
        Assert.Equal((0L, 1L), (ep.Statistics.Timeouts, ep.Statistics.FastRetransmissions));
    }

    [Fact]
    public void With_the_timeout_below_a_round_trip_and_a_quarter_there_is_no_probe_only_the_timeout()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options() with
        {
            InitialRetransmitTimeout = TimeSpan.FromMilliseconds(100), MaxRetransmitTimeout = TimeSpan.FromMilliseconds(100),
        });
        _ = ep.SendAsync(M(0));
        Advance(link, 99);
        link.Ack(1); // srtt 99, RTO capped at 100: a probe would have to wait 123.75, after the timeout
        _ = ep.SendAsync(M(1));
        link.Take();
        Advance(link, 100);
        AssertRepairs(link, 1);
        Assert.Equal((1L, 0L), (ep.Statistics.Timeouts, ep.Statistics.FastRetransmissions));
    }

    [Fact]
    public void A_cumulative_ack_after_a_timeout_drops_the_back_off()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        _ = ep.SendAsync(M(0));
        _ = ep.SendAsync(M(1));
        link.Take();
        Advance(link, 200); // timeout: RTO 400 from now on, until progress
        link.Take();
        Advance(link, 50);
        link.Ack(1); // progress at t = 250; no clean sample (message 0 went twice), so the RTO is the initial 200
        Assert.Equal(TimeSpan.FromMilliseconds(200), ep.Statistics.RetransmitTimeout);
        Advance(link, 199.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        Assert.Equal(1UL, link.Take()[0].Header.Sequence);
    }

    [Fact]
    public void Selective_progress_after_a_timeout_drops_the_back_off_and_restarts_the_timer()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 3);
        Advance(link, 200); // timeout: 0 and 2 again, RTO 400, next expiry at 600
        link.Take();
        Advance(link, 50);
        link.Ack(0, sack: [0]); // an empty bitmap: nothing new, the back-off stays
        link.Ack(0, sack: [0b1000_0000]); // names message 8, never sent: ignored, the back-off stays
        Assert.Equal(TimeSpan.FromMilliseconds(400), ep.Statistics.RetransmitTimeout);
        link.Ack(0, sack: [0b1]); // t = 250: the receiver holds 1 — alive, so the timer restarts at RTO 200
        Assert.Equal(TimeSpan.FromMilliseconds(200), ep.Statistics.RetransmitTimeout);
        Assert.Empty(link.Take());
        Advance(link, 199.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        Assert.Equal(0UL, link.Take()[0].Header.Sequence);
        Assert.Equal(2, ep.Statistics.Timeouts);
    }

    // ------------------------------------------------------------------ round-trip samples

    [Fact]
    public void Only_one_message_is_timed_at_a_time_the_first_sent()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        _ = ep.SendAsync(M(0));
        Advance(link, 10);
        _ = ep.SendAsync(M(1));
        Advance(link, 90);
        link.Ack(1); // covers the timed message 0: one sample of 100 ms
        Assert.Equal((1L, TimeSpan.FromMilliseconds(100)), (ep.Statistics.RttSamples, ep.Statistics.SmoothedRtt!.Value));
        link.Ack(2); // message 1 was not timed
        Assert.Equal(1, ep.Statistics.RttSamples);
    }

    [Fact]
    public void A_repair_of_the_timed_message_cancels_its_sample()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        _ = ep.SendAsync(M(0));
        _ = ep.SendAsync(M(1));
        link.Nack(0); // message 0 goes again: its ack can no longer say which copy it answers (Karn)
        Advance(link, 50);
        link.Ack(2);
        Assert.Equal(0, ep.Statistics.RttSamples);
        Assert.Null(ep.Statistics.SmoothedRtt);
    }

    // ------------------------------------------------------------------ selective acks and nacks, checked

    [Fact]
    public void A_bitmap_with_trailing_zero_bytes_is_read_up_to_its_last_set_bit()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 4);
        Advance(link, 10);
        link.Ack(0, sack: [0b10, 0]); // holds 2
        Assert.Equal(0, ep.Statistics.InvalidAcks);
        link.Take();
        link.Nack(2); // held messages are never repaired
        Assert.Empty(link.Take());
    }

    [Theory]
    [InlineData(new byte[] { 0b10, 0b1 })] // holds 2 and 9, but 9 was never sent
    [InlineData(new byte[] { 0b1000 })] // holds 4: exactly the next sequence number, not sent yet
    public void A_bitmap_naming_a_message_never_sent_is_ignored_whole(byte[] sack)
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 4);
        Advance(link, 10);
        link.Ack(0, sack: sack);
        Assert.Equal(1, ep.Statistics.InvalidAcks);
        Assert.Empty(link.Take());
        link.Nack(2); // message 2 was not marked held, so the nack repairs it
        AssertRepairs(link, 2);
        link.Nack(3);
        AssertRepairs(link, 3);
    }

    [Fact]
    public void A_stale_ack_may_still_report_the_window_base_held()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        SendAndClear(ep, link, 4);
        link.Ack(1); // base 1
        link.Ack(0, sack: [0b1]); // overtaken, but its bitmap is true: message 1 is held
        link.Nack(1);
        Assert.Empty(link.Take());
    }

    [Fact]
    public void A_nack_names_at_most_32_holes_and_one_naming_more_keeps_only_its_first_hole()
    {
        var receiverLink = new PeerLink();
        using var receiver = receiverLink.Endpoint(Options(window: 100, ackDelay: TimeSpan.FromSeconds(1)), _ => { });
        receiverLink.Data(70, M(70)); // 0 .. 69 missing
        var nack = Assert.Single(receiverLink.Take());
        Assert.Equal(FrameKind.Nack, nack.Header.Kind);
        Assert.Equal(32 * 8, nack.Payload.Length);
        Assert.Equal(69UL, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(nack.Payload.Span));

        var link = new PeerLink();
        using var ep = link.Endpoint(Options(window: 64));
        SendAndClear(ep, link, 40);
        link.Nack(0, Enumerable.Range(1, 32).Select(i => (ulong)i).ToArray()); // 32: the most allowed
        Assert.Equal(33, link.Take().Count);
        Assert.Equal(0, ep.Statistics.MalformedFrames);
        link.Nack(33, Enumerable.Range(34, 33).Select(i => (ulong)(i % 6 + 34)).ToArray()); // 33 entries: too many
        Assert.Equal([33UL], Seqs(link.Take()));
        Assert.Equal(1, ep.Statistics.MalformedFrames);
    }

    [Fact]
    public void A_stale_nack_naming_the_base_is_obeyed_and_names_of_the_unsent_are_ignored()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        var sends = Enumerable.Range(0, 4).Select(i => ep.SendAsync(M(i))).ToArray();
        link.Take();
        link.Ack(2); // base 2
        link.Nack(1, 4, 2); // overtaken by that ack (its first hole is below the base), but its list is still true
        AssertRepairs(link, 2);
        link.Nack(4); // everything below 4 received: nothing left to repair, and 4 itself is not sent yet
        Assert.Empty(link.Take());
        Assert.All(sends, s => Assert.True(s.IsCompletedSuccessfully));
    }

    // ------------------------------------------------------------------ the receiver's acks

    [Fact]
    public void A_delayed_ack_timer_is_armed_once_per_pending_ack_and_again_for_the_next()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options(ackDelay: TimeSpan.FromMilliseconds(40)) with { AckEvery = 100 }, _ => { });
        link.Data(0, M(0)); // t = 0: arms the timer for t = 40
        Advance(link, 30);
        link.Data(1, M(1)); // already armed: not pushed back
        Advance(link, 9.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        Assert.Equal(2UL, link.Take().Single().Header.Ack);
        Advance(link, 60);
        link.Data(2, M(2)); // t = 100: a new pending ack arms the timer again
        Advance(link, 40);
        Assert.Equal(3UL, link.Take().Single().Header.Ack);
    }

    [Fact]
    public void Out_of_order_arrivals_after_the_first_are_acknowledged_after_the_delay_with_their_bitmap()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options(ackDelay: TimeSpan.FromMilliseconds(40)) with { AckEvery = 100 }, _ => { });
        link.Data(2, M(2)); // reveals the hole: a nack at once
        Assert.Equal(FrameKind.Nack, link.Take().Single().Header.Kind);
        Advance(link, 10);
        link.Data(3, M(3)); // follows a held message: acknowledged like an in-order one, after the delay (t = 50)
        Advance(link, 20);
        link.Data(4, M(4)); // t = 30: the timer is already armed
        Advance(link, 19.9);
        Assert.Empty(link.Take());
        Advance(link, 0.1);
        var ack = link.Take().Single();
        Assert.Equal((FrameKind.Ack, 0UL), (ack.Header.Kind, ack.Header.Ack));
        Assert.Equal([0b0000_1110], ack.Payload.ToArray()); // holds 2, 3, 4

        var eager = new PeerLink();
        using var now = eager.Endpoint(Options(ackDelay: TimeSpan.Zero) with { AckEvery = 100 }, _ => { });
        eager.Data(2, M(2));
        eager.Take();
        eager.Data(3, M(3)); // no delay configured: at once
        Assert.Equal(FrameKind.Ack, eager.Take().Single().Header.Kind);
    }

    [Fact]
    public void A_duplicate_of_a_held_message_is_discarded_and_answered_with_a_plain_ack()
    {
        var link = new PeerLink();
        var got = new List<byte[]>();
        using var ep = link.Endpoint(Options(ackDelay: TimeSpan.FromSeconds(1)), m => got.Add(m.ToArray()));
        link.Data(2, M(2));
        link.Take();
        link.Data(2, M(2));
        var ack = link.Take().Single();
        Assert.Equal((FrameKind.Ack, 0UL), (ack.Header.Kind, ack.Header.Ack));
        Assert.Equal(1, ep.Statistics.DuplicatesDiscarded);
        link.Data(0, M(0));
        link.Data(1, M(1));
        Assert.Equal([[0], [1], [2]], got);
    }

    // ------------------------------------------------------------------ application side

    [Fact]
    public async Task Two_waiting_receivers_are_both_served()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(Options());
        var a = ep.ReceiveAsync().AsTask();
        var b = ep.ReceiveAsync().AsTask();
        link.Data(0, M(0));
        link.Data(1, M(1));
        var got = new[] { await a.Within(), await b.Within() }.Select(m => (int)m[0]).Order().ToArray();
        Assert.Equal([0, 1], got);
    }

    [Fact]
    public void A_link_that_throws_fails_that_send_and_the_next_send_still_goes()
    {
        var link = new PeerLink { ThrowOnSend = true };
        using var ep = link.Endpoint(Options());
        var ex = Assert.Throws<InvalidOperationException>(() => { _ = ep.SendAsync(M(0)); });
        Assert.Equal("the link refused", ex.Message);
        link.ThrowOnSend = false;
        _ = ep.SendAsync(M(1));
        Assert.Equal([1UL], Seqs(link.Take()));
    }
}
