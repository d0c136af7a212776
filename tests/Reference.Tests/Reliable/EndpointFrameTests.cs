using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Reliable;

/// <summary>
/// The reliable endpoint frame by frame, with the test as its peer (<see cref="PeerLink"/>): what each send, ack,
/// nack and arrival puts on the wire, what each changes in the statistics, and the API's checks. The simulation
/// tests show that runs end well; these show each step is the one the protocol describes.
/// </summary>
public sealed class EndpointFrameTests
{
    private static readonly ReliableOptions NoDelay = new() { WindowSize = 8, AckDelay = TimeSpan.Zero };

    private static byte[] M(int i) => [(byte)i];

    private static void AssertData(Frame f, ulong seq, bool retransmission = false)
    {
        Assert.Equal(FrameKind.Data, f.Header.Kind);
        Assert.Equal(seq, f.Header.Sequence);
        Assert.Equal((PeerLink.Me, PeerLink.Peer), (f.Header.Source, f.Header.Destination));
        Assert.True((f.Header.Flags & FrameFlags.AckValid) != 0, "data frames carry the piggy-backed ack");
        Assert.Equal(retransmission, (f.Header.Flags & FrameFlags.Retransmission) != 0);
    }

    [Fact]
    public void The_constructor_checks_its_link_and_names_the_endpoint_after_it()
    {
        Assert.Throws<ArgumentNullException>(() => new ReliableEndpoint(null!));
        var tiny = new PeerLink(FrameCodec.Overhead);
        var e = Assert.Throws<ArgumentException>(() => tiny.Endpoint());
        Assert.Equal("link", e.ParamName);
        Assert.StartsWith($"The link's datagrams ({FrameCodec.Overhead} bytes) cannot hold a frame header.", e.Message);
        var smallest = new PeerLink(FrameCodec.Overhead + 1);
        Assert.Equal(1, smallest.Endpoint().MaxMessageSize);
        var link = new PeerLink(1500);
        using var ep = link.Endpoint();
        Assert.Equal("reliable p1→p2", ep.Name);
        Assert.Equal(1500 - FrameCodec.Overhead, ep.MaxMessageSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => link.Endpoint(new ReliableOptions { WindowSize = 0 }));
    }

    [Fact]
    public async Task A_send_is_one_data_frame_and_completes_only_when_the_cumulative_ack_covers_it()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(NoDelay);
        var first = ep.SendAsync(M(1));
        var second = ep.SendAsync(M(2));
        var frames = link.Take();
        Assert.Equal(2, frames.Count);
        AssertData(frames[0], 0);
        AssertData(frames[1], 1);
        Assert.Equal([1], frames[0].Payload.ToArray());
        Assert.Equal(0UL, frames[0].Header.Ack);
        Assert.Equal(2, ep.Unacknowledged);

        link.Ack(1);
        await first.Within();
        Assert.False(second.IsCompleted);
        Assert.Equal(1, ep.Unacknowledged);
        link.Ack(2);
        await second.Within();
        Assert.Equal(0, ep.Unacknowledged);
        var s = ep.Statistics;
        Assert.Equal((2L, 0L, 2L), (s.MessagesSent, s.Retransmissions, s.AcksReceived));
    }

    [Fact]
    public void Sends_beyond_the_window_wait_and_go_out_as_acks_open_it()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 2, AckDelay = TimeSpan.Zero });
        for (int i = 0; i < 5; i++) _ = ep.SendAsync(M(i));
        Assert.Equal([0UL, 1UL], link.Take().Select(f => f.Header.Sequence));
        Assert.Equal(5, ep.Unacknowledged);
        link.Ack(1);
        Assert.Equal([2UL], link.Take().Select(f => f.Header.Sequence));
        link.Ack(3);
        Assert.Equal([3UL, 4UL], link.Take().Select(f => f.Header.Sequence));
        Assert.Equal(2, ep.Unacknowledged);
    }

    [Fact]
    public async Task Arrivals_in_order_are_delivered_and_acknowledged_echoing_the_arrival()
    {
        var link = new PeerLink();
        var got = new List<byte[]>();
        using var ep = link.Endpoint(NoDelay, m => got.Add(m.ToArray()));
        link.Data(0, M(10));
        var ack = Assert.Single(link.Take());
        Assert.Equal(FrameKind.Ack, ack.Header.Kind);
        Assert.Equal(1UL, ack.Header.Ack);
        Assert.Equal(0UL, ack.Header.Sequence); // the echo: the arrival that prompted it
        Assert.Equal(FrameFlags.AckValid | FrameFlags.Echo, ack.Header.Flags);
        Assert.True(ack.Payload.IsEmpty, "nothing out of order: no selective part");
        link.Data(1, M(11), retransmission: true);
        var repairAck = Assert.Single(link.Take());
        Assert.Equal(FrameFlags.AckValid | FrameFlags.Echo | FrameFlags.Retransmission, repairAck.Header.Flags);
        Assert.Equal(2UL, repairAck.Header.Ack);
        Assert.Equal([[10], [11]], got);
        Assert.Equal(2, ep.Statistics.Delivered);
        Assert.Equal(2, ep.Statistics.AcksSent);
        await Task.CompletedTask;
    }

    [Fact]
    public void A_duplicate_is_discarded_and_answered_with_an_ack_at_once()
    {
        var link = new PeerLink();
        var got = new List<byte[]>();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 8, AckDelay = TimeSpan.FromSeconds(1), AckEvery = 100 },
            m => got.Add(m.ToArray()));
        link.Data(0, M(1));
        Assert.Empty(link.Take()); // delayed
        link.Data(0, M(1));
        var ack = Assert.Single(link.Take());
        Assert.Equal((FrameKind.Ack, 1UL), (ack.Header.Kind, ack.Header.Ack));
        Assert.Single(got);
        Assert.Equal(1, ep.Statistics.DuplicatesDiscarded);
    }

    [Fact]
    public void The_trace_shows_discarded_duplicates_nacks_as_their_cumulative_ack_and_piggy_backed_acks()
    {
        var link = new PeerLink();
        var trace = new RecordingTracer();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 8, AckDelay = TimeSpan.FromSeconds(1), AckEvery = 100 }, _ => { }, trace);
        link.Data(0, M(0)); // delivered; its ack waits
        link.Data(0, M(0)); // a duplicate: discarded, acknowledged at once
        link.Data(2, M(2)); // a hole: a nack, traced as the cumulative ack it carries
        link.Data(2, M(2)); // a duplicate of a held message
        link.Data(3, M(3)); // follows a held message: its ack waits
        _ = ep.SendAsync(M(9)); // the waiting ack rides on this data frame
        Assert.Equal(
        [
            "Deliver(p1→p2, seq=0)", "DiscardDuplicate(p1→p2, seq=0)", "Ack(p1→p2, ack=1)", "Ack(p1→p2, ack=1)",
            "DiscardDuplicate(p1→p2, seq=2)", "Ack(p1→p2, ack=1)", "Send(p1→p2, seq=0)", "Ack(p1→p2, ack=1)",
        ], trace.Events.Select(e => e.ToString()));
        Assert.Equal(1, ep.Statistics.AcksPiggybacked);
    }

    [Fact]
    public void An_arrival_beyond_the_window_is_counted_dropped_and_answered()
    {
        var link = new PeerLink();
        var got = new List<byte[]>();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 4, AckDelay = TimeSpan.Zero }, m => got.Add(m.ToArray()));
        link.Data(4, M(4)); // _expected 0, window 4: 0..3 only
        var ack = Assert.Single(link.Take());
        Assert.Equal((FrameKind.Ack, 0UL), (ack.Header.Kind, ack.Header.Ack));
        Assert.Equal(1, ep.Statistics.OutOfWindowDiscarded);
        link.Data(3, M(3)); // the window's last place is taken
        Assert.Equal(1, ep.Statistics.OutOfWindowDiscarded); // unchanged: 3 is inside
        Assert.Empty(got);
    }

    [Fact]
    public void A_hole_is_reported_by_a_nack_listing_every_missing_message_newest_first()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 8, AckDelay = TimeSpan.FromSeconds(1) }, _ => { });
        link.Data(0, M(0));
        link.Take();
        link.Data(2, M(2)); // 1 missing
        var nack = Assert.Single(link.Take());
        Assert.Equal((FrameKind.Nack, 1UL), (nack.Header.Kind, nack.Header.Ack));
        Assert.Equal(FrameFlags.AckValid, nack.Header.Flags);
        Assert.Equal(Be(1), nack.Payload.ToArray());
        link.Data(5, M(5)); // 3 and 4 missing too
        nack = Assert.Single(link.Take());
        Assert.Equal(Be(4, 3, 1), nack.Payload.ToArray());
        Assert.Equal(2, ep.Statistics.NacksSent);
    }

    [Fact]
    public void Without_nacks_a_hole_is_reported_by_a_duplicate_ack_whose_bitmap_shows_what_is_held()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 16, AckDelay = TimeSpan.FromSeconds(1), SendNegativeAcks = false }, _ => { });
        link.Data(2, M(2)); // holds 2: bit 1 (message ack + 1 + 1)
        var ack = Assert.Single(link.Take());
        Assert.Equal((FrameKind.Ack, 0UL), (ack.Header.Kind, ack.Header.Ack));
        Assert.Equal([0b0000_0010], ack.Payload.ToArray());
        link.Data(10, M(10)); // holds 2 and 10: bits 1 and 9
        ack = Assert.Single(link.Take());
        Assert.Equal([0b0000_0010, 0b0000_0010], ack.Payload.ToArray());

        var other = new PeerLink();
        using var second = other.Endpoint(new ReliableOptions { WindowSize = 16, AckDelay = TimeSpan.FromSeconds(1), SendNegativeAcks = false }, _ => { });
        other.Data(8, M(8)); // holds 8 only: bit 7, the last of the first byte — one byte, no trailing zero
        Assert.Equal([0b1000_0000], other.Take().Single().Payload.ToArray());
        Assert.Equal(0, ep.Statistics.NacksSent);
    }

    [Fact]
    public void Filling_the_hole_delivers_everything_held_in_order_and_acks_at_once()
    {
        var link = new PeerLink();
        var got = new List<int>();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 8, AckDelay = TimeSpan.FromSeconds(1), AckEvery = 100 },
            m => got.Add(m.Span[0]));
        link.Data(1, M(1));
        link.Data(2, M(2));
        link.Take();
        link.Data(0, M(0));
        var ack = Assert.Single(link.Take());
        Assert.Equal(3UL, ack.Header.Ack);
        Assert.Equal([0, 1, 2], got);
    }

    [Fact]
    public void A_delayed_ack_goes_after_the_delay_or_after_ack_every_arrivals_whichever_first()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 8, AckDelay = TimeSpan.FromMilliseconds(40), AckEvery = 3 }, _ => { });
        link.Data(0, M(0));
        link.Advance(39);
        Assert.Empty(link.Take());
        link.Advance(1);
        Assert.Equal((FrameKind.Ack, 1UL), (link.Sent.Single().Header.Kind, link.Take().Single().Header.Ack));
        link.Data(1, M(1));
        link.Data(2, M(2));
        Assert.Empty(link.Take());
        link.Data(3, M(3));
        Assert.Equal(4UL, link.Take().Single().Header.Ack);
        link.Advance(100);
        Assert.Empty(link.Take()); // nothing pending: the timer was stopped
    }

    [Fact]
    public void A_pending_ack_rides_on_the_next_data_frame_instead()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(new ReliableOptions { WindowSize = 8, AckDelay = TimeSpan.FromMilliseconds(40) }, _ => { });
        link.Data(0, M(0));
        _ = ep.SendAsync(M(9));
        var data = link.Take().Single();
        AssertData(data, 0);
        Assert.Equal(1UL, data.Header.Ack);
        link.Advance(100);
        Assert.Empty(link.Take());
        Assert.Equal((1L, 0L), (ep.Statistics.AcksPiggybacked, ep.Statistics.AcksSent));
    }

    [Fact]
    public void A_nack_repairs_each_listed_message_once_and_ignores_names_outside_the_window()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(NoDelay);
        for (int i = 0; i < 6; i++) _ = ep.SendAsync(M(i));
        link.Take();
        link.Nack(1, 4, 1, 99);
        var repairs = link.Take();
        Assert.Equal([1UL, 4UL], repairs.Select(f => f.Header.Sequence));
        Assert.All(repairs, f => AssertData(f, f.Header.Sequence, retransmission: true));
        link.Nack(1, 4); // the same holes again: their first repairs are out, nothing more on a nack
        Assert.Empty(link.Take());
        Assert.Equal(2, ep.Statistics.FastRetransmissions);
        Assert.Equal(2, ep.Statistics.Retransmissions);
        link.Frame(new FrameHeader(FrameKind.Nack, FrameFlags.AckValid, PeerLink.Peer, PeerLink.Me, 0, 2), [1, 2, 3]); // list not a multiple of 8
        Assert.Equal(1, ep.Statistics.MalformedFrames);
        Assert.Equal([2UL], link.Take().Select(f => f.Header.Sequence)); // the certain part (first hole 2) is kept
    }

    [Fact]
    public void Duplicate_acks_at_the_threshold_repair_the_oldest_message()
    {
        var link = new PeerLink();
        var options = new ReliableOptions { WindowSize = 8, AckDelay = TimeSpan.Zero, DuplicateAckThreshold = 3 };
        using var ep = link.Endpoint(options);
        for (int i = 0; i < 4; i++) _ = ep.SendAsync(M(i));
        link.Take();
        link.Ack(1);
        link.Ack(1);
        link.Ack(1);
        Assert.Empty(link.Take());
        link.Ack(1);
        Assert.Equal([1UL], link.Take().Select(f => f.Header.Sequence));
        link.Ack(1);
        Assert.Empty(link.Take());
    }

    [Fact]
    public void Acks_for_what_was_never_sent_and_frames_from_strangers_are_counted_and_change_nothing()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(NoDelay, _ => { });
        var send = ep.SendAsync(M(0));
        link.Take();
        link.Ack(2);
        Assert.Equal(1, ep.Statistics.InvalidAcks);
        Assert.False(send.IsCompleted);
        link.Ack(1); // exactly what was sent is fine
        Assert.True(send.IsCompletedSuccessfully);
        link.Frame(new FrameHeader(FrameKind.Data, FrameFlags.None, new ProcessId(7), PeerLink.Me, 0, 0), M(0));
        link.Frame(new FrameHeader(FrameKind.Data, FrameFlags.None, PeerLink.Peer, new ProcessId(7), 0, 0), M(0));
        Assert.Equal(2, ep.Statistics.MalformedFrames);
        link.Frame(new FrameHeader(FrameKind.Data, FrameFlags.None, PeerLink.Peer, ProcessId.Any, 0, 0), M(0)); // broadcast is accepted
        Assert.Equal(1, ep.Statistics.Delivered);
        link.Raw([1, 2, 3]);
        Assert.Equal(3, ep.Statistics.MalformedFrames);
    }

    [Fact]
    public async Task The_api_refuses_what_it_cannot_do_saying_why()
    {
        var link = new PeerLink(100);
        var handled = link.Endpoint(NoDelay, _ => { });
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => handled.ReceiveAsync().AsTask());
        Assert.Equal("This endpoint delivers to its handler; there is nothing to receive.", ex.Message);
        handled.Dispose();

        var link2 = new PeerLink(100);
        var ep = link2.Endpoint(NoDelay);
        var big = Assert.Throws<MessageTooLargeException>(() => { _ = ep.SendAsync(new byte[101 - FrameCodec.Overhead]); });
        Assert.Equal((65L, 64L), (big.Size, big.Limit));
        Assert.Empty(link2.Sent);
        Assert.False(ep.TryReceive(out _));
        link2.Data(0, M(5));
        Assert.True(ep.TryReceive(out var m));
        Assert.Equal([5], m);
        ep.Dispose();
        ep.Dispose(); // idempotent
        var closed = Assert.Throws<EndpointClosedException>(() => { _ = ep.SendAsync(M(1)); });
        Assert.Equal("reliable p1→p2", closed.Endpoint);
        Assert.True(closed.HasUndelivered);
        Assert.Equal([1], (byte[])closed.Undelivered!);
        await Assert.ThrowsAsync<EndpointClosedException>(() => ep.ReceiveAsync().AsTask());
        Assert.False(link2.Disposed, "the endpoint does not own its link");
        int before = link2.Sent.Count;
        link2.Data(1, M(6)); // arrivals after dispose are ignored
        Assert.Equal(before, link2.Sent.Count);
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_message_queued_and_it_is_still_delivered()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(NoDelay);
        using var cts = new CancellationTokenSource();
        var send = ep.SendAsync(M(3), cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Equal(1, ep.Unacknowledged);
        link.Ack(1);
        Assert.Equal(0, ep.Unacknowledged);
    }

    [Fact]
    public async Task Queued_messages_are_received_in_order_and_a_waiting_receiver_wakes_for_the_next()
    {
        var link = new PeerLink();
        using var ep = link.Endpoint(NoDelay);
        var waiting = ep.ReceiveAsync();
        Assert.False(waiting.IsCompleted);
        link.Data(0, M(1));
        Assert.Equal([1], await waiting.AsTask().Within());
        link.Data(1, M(2));
        link.Data(2, M(3));
        Assert.Equal([2], await ep.ReceiveAsync());
        Assert.Equal([3], await ep.ReceiveAsync());
    }

    [Fact]
    public async Task Exhausted_retries_fail_the_oldest_with_the_count_and_everything_else_with_its_message()
    {
        var link = new PeerLink();
        var options = new ReliableOptions
        {
            WindowSize = 1, MaxRetransmissions = 2, InitialRetransmitTimeout = TimeSpan.FromMilliseconds(100),
            MinRetransmitTimeout = TimeSpan.FromMilliseconds(100), MaxRetransmitTimeout = TimeSpan.FromSeconds(10),
        };
        var ep = link.Endpoint(options);
        var first = ep.SendAsync(M(1));
        var second = ep.SendAsync(M(2));
        var receive = ep.ReceiveAsync().AsTask();
        for (int i = 0; i < 100 && !first.IsCompleted; i++) link.Advance(100);
        var gaveUp = await Assert.ThrowsAsync<RetriesExhaustedException>(() => first);
        Assert.Equal(3, gaveUp.Transmissions); // the first copy and two retransmissions
        // On the wire: the first copy, the first repair, and the second repair twice (the left edge of a full
        // window repaired before and lost again goes twice: the next message waits behind it).
        Assert.Equal([false, true, true, true], link.Take().Select(f => (f.Header.Flags & FrameFlags.Retransmission) != 0));
        var handedBack = await Assert.ThrowsAsync<EndpointClosedException>(() => second);
        Assert.True(handedBack.HasUndelivered);
        Assert.Equal([2], (byte[])handedBack.Undelivered!);
        Assert.Equal(3, ep.Statistics.Retransmissions); // the doubled repair counts twice
        Assert.Same(gaveUp, await Assert.ThrowsAsync<RetriesExhaustedException>(() => receive.Within()));
        Assert.Equal(3, ep.Statistics.Timeouts);
        Assert.Throws<EndpointClosedException>(() => { _ = ep.SendAsync(M(3)); });
        link.Advance(10_000);
        Assert.Empty(link.Take()); // nothing more once failed
    }

    private static byte[] Be(params ulong[] values)
    {
        var b = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(i * 8), values[i]);
        return b;
    }
}
