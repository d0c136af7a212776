using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Reference.Tests.Streams;

/// <summary>
/// Boundaries of fragmentation (exactly at each limit, one past it), the completed-id memory, the packet wire form
/// and the timeout helper: behaviour the stream tests left unobserved and that Stryker's mutants of
/// <c>src/Reference/Streams</c> changed unnoticed (docs/mutation.md).
/// </summary>
public sealed class FragmentationMutationTests
{
    // 998 bytes in packets of 8: at most 125 packets, the last of them at most 6 bytes.
    private static readonly FragmentationOptions Small = new() { PacketPayloadSize = 8, MaxMessageSize = 998, MaxPartialMessages = 2 };

    [Fact]
    public void Options_have_the_documented_defaults()
    {
        var o = new FragmentationOptions();
        Assert.Equal(1024, o.PacketPayloadSize);
        Assert.Equal(16 * 1024 * 1024, o.MaxMessageSize);
        Assert.Equal(16, o.MaxPartialMessages);
        Assert.Equal(1024, o.CompletedIdMemory);
        Assert.Equal(16 * 1024, o.MaxPackets);
        Assert.Same(o, new Fragmenter(o).Options);
        Assert.Same(o, new Reassembler(o).Options);
        Assert.Equal(1024, new Reassembler().Options.PacketPayloadSize);
    }

    [Fact]
    public void Each_option_accepts_its_least_value_and_refuses_one_less()
    {
        _ = new Reassembler(new FragmentationOptions { PacketPayloadSize = 1, MaxMessageSize = 0, MaxPartialMessages = 1, CompletedIdMemory = 0 });
        Assert.Equal("PacketPayloadSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Reassembler(new FragmentationOptions { PacketPayloadSize = 0 })).ParamName);
        Assert.Equal("MaxMessageSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Reassembler(new FragmentationOptions { MaxMessageSize = -1 })).ParamName);
        Assert.Equal("MaxPartialMessages", Assert.Throws<ArgumentOutOfRangeException>(() => new Reassembler(new FragmentationOptions { MaxPartialMessages = 0 })).ParamName);
        Assert.Equal("CompletedIdMemory", Assert.Throws<ArgumentOutOfRangeException>(() => new Reassembler(new FragmentationOptions { CompletedIdMemory = -1 })).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Fragmenter(new FragmentationOptions { MaxMessageSize = -1 }));
    }

    [Fact]
    public void A_message_of_exactly_the_cap_is_split_and_rebuilt()
    {
        var message = Enumerable.Range(0, 998).Select(i => (byte)i).ToArray();
        var packets = new Fragmenter(Small).Split(message, 3);
        Assert.Equal(125, packets.Length);
        Assert.Equal(6, packets[^1].Payload.Length);
        var r = new Reassembler(Small);
        byte[]? whole = null;
        foreach (var p in packets.Reverse())
            if (r.Accept(p, out var m) == ReassemblyOutcome.Completed) whole = m;
        Assert.Equal(message, whole);
    }

    [Fact]
    public void The_packet_count_may_reach_the_cap_but_not_pass_it()
    {
        var r = new Reassembler(Small);
        Assert.Equal(ReassemblyOutcome.Stored, r.Accept(new Packet(1, 0, 125, new byte[8]), out _));
        var ex = Assert.Throws<MalformedPacketException>(() => r.Accept(new Packet(2, 0, 126, new byte[8]), out _));
        Assert.Equal(12, ex.Offset);
        Assert.Equal("126 packets of 8 bytes exceed the message cap of 998 bytes", ex.Reason);
    }

    [Fact]
    public void With_a_zero_byte_cap_only_one_empty_packet_is_a_message()
    {
        var zero = new FragmentationOptions { PacketPayloadSize = 8, MaxMessageSize = 0 };
        Assert.Equal(1, zero.MaxPackets);
        var r = new Reassembler(zero);
        Assert.Equal(ReassemblyOutcome.Completed, r.Accept(new Packet(1, 0, 1, Array.Empty<byte>()), out var m));
        Assert.Empty(m!);
        Assert.Equal("count", Assert.Throws<MalformedPacketException>(() => r.Accept(new Packet(2, 0, 2, new byte[8]), out _)).Field);
        Assert.Equal("payload", Assert.Throws<MalformedPacketException>(() => r.Accept(new Packet(3, 0, 1, new byte[1]), out _)).Field);
    }

    [Fact]
    public void The_last_packet_may_bring_the_message_exactly_to_the_cap_but_not_past_it()
    {
        var r = new Reassembler(Small);
        Assert.Equal(ReassemblyOutcome.Stored, r.Accept(new Packet(1, 124, 125, new byte[6]), out _));
        var ex = Assert.Throws<MalformedPacketException>(() => r.Accept(new Packet(2, 124, 125, new byte[7]), out _));
        Assert.Equal("payload", ex.Field);
        Assert.Equal(Packet.HeaderSize, ex.Offset);
        Assert.Equal("the message would be 999 bytes, over the cap of 998", ex.Reason);
    }

    [Fact]
    public void A_full_sized_packet_is_accepted_and_every_payload_fault_names_the_payload_offset()
    {
        var r = new Reassembler(Small);
        Assert.Equal(ReassemblyOutcome.Stored, r.Accept(new Packet(1, 0, 2, new byte[8]), out _));
        Assert.Equal(ReassemblyOutcome.Completed, r.Accept(new Packet(1, 1, 2, new byte[8]), out var m));
        Assert.Equal(16, m!.Length);
        // A single-packet message may be empty; only the last of several may not.
        Assert.Equal(ReassemblyOutcome.Completed, r.Accept(new Packet(2, 0, 1, Array.Empty<byte>()), out var empty));
        Assert.Empty(empty!);

        var over = Assert.Throws<MalformedPacketException>(() => r.Accept(new Packet(3, 0, 2, new byte[9]), out _));
        Assert.Equal((16, "9 payload bytes exceed the packet size of 8"), (over.Offset, over.Reason));
        var shortOne = Assert.Throws<MalformedPacketException>(() => r.Accept(new Packet(3, 0, 2, new byte[7]), out _));
        Assert.Equal((16, "packet 0 of 2 carries 7 bytes; every packet before the last carries exactly 8"), (shortOne.Offset, shortOne.Reason));
        var emptyLast = Assert.Throws<MalformedPacketException>(() => r.Accept(new Packet(3, 1, 2, Array.Empty<byte>()), out _));
        Assert.Equal((16, "the last packet of a multi-packet message is empty"), (emptyLast.Offset, emptyLast.Reason));
        Assert.Equal("Malformed packet: field 'payload' at byte 16: the last packet of a multi-packet message is empty.", emptyLast.Message);
        Assert.Equal(0, r.PartialCount);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(-1, 3)]
    [InlineData(0, 0)]
    [InlineData(0, -2)]
    public void An_index_outside_the_count_is_named_at_offset_8(int index, int count)
    {
        var ex = Assert.Throws<MalformedPacketException>(() => new Reassembler(Small).Accept(new Packet(1, index, count, new byte[8]), out _));
        Assert.Equal(("index", 8), (ex.Field, ex.Offset));
        Assert.Equal($"packet index {index} is outside 0..{count - 1}", ex.Reason);
    }

    [Fact]
    public void Too_many_partial_messages_names_the_message_and_the_cap()
    {
        var r = new Reassembler(Small with { MaxPartialMessages = 1 });
        r.Accept(new Packet(1, 0, 2, new byte[8]), out _);
        var ex = Assert.Throws<TooManyPartialMessagesException>(() => r.Accept(new Packet(9, 0, 2, new byte[8]), out _));
        Assert.Equal(9ul, ex.MessageId);
        Assert.Equal(1, ex.Limit);
        Assert.Equal("Packet of message 9 rejected: 1 messages are already partly received (the cap).", ex.Message);
        Assert.Equal(1, r.PartialCount);
    }

    [Fact]
    public void Completed_ids_are_remembered_up_to_the_memory_and_the_oldest_is_forgotten_first()
    {
        var r = new Reassembler(Small with { CompletedIdMemory = 2 });
        foreach (ulong id in new ulong[] { 1, 2, 3 })
            Assert.Equal(ReassemblyOutcome.Completed, r.Accept(new Packet(id, 0, 1, new byte[] { (byte)id }), out _));
        Assert.Equal(ReassemblyOutcome.Duplicate, r.Accept(new Packet(3, 0, 1, new byte[] { 3 }), out var dup));
        Assert.Null(dup);
        Assert.Equal(ReassemblyOutcome.Duplicate, r.Accept(new Packet(2, 0, 1, new byte[] { 2 }), out _));
        // Id 1 was evicted by 3, so it is a new message again (and now evicts 2).
        Assert.Equal(ReassemblyOutcome.Completed, r.Accept(new Packet(1, 0, 1, new byte[] { 1 }), out var again));
        Assert.Equal(new byte[] { 1 }, again);
        Assert.Equal(ReassemblyOutcome.Completed, r.Accept(new Packet(2, 0, 1, new byte[] { 2 }), out _));
        Assert.Equal(ReassemblyOutcome.Duplicate, r.Accept(new Packet(1, 0, 1, new byte[] { 1 }), out _));
    }

    [Fact]
    public void Without_a_completed_id_memory_every_copy_is_a_new_message()
    {
        var r = new Reassembler(Small with { CompletedIdMemory = 0 });
        Assert.Equal(ReassemblyOutcome.Completed, r.Accept(new Packet(1, 0, 1, new byte[] { 7 }), out _));
        Assert.Equal(ReassemblyOutcome.Completed, r.Accept(new Packet(1, 0, 1, new byte[] { 7 }), out _));
    }

    [Fact]
    public void A_late_copy_of_a_completed_multi_packet_message_is_a_duplicate_and_holds_nothing()
    {
        var r = new Reassembler(Small);
        var packets = new Fragmenter(Small).Split(new byte[12], 4);
        r.Accept(packets[0], out _);
        Assert.Equal(ReassemblyOutcome.Duplicate, r.Accept(packets[0], out var m0));
        Assert.Null(m0);
        Assert.Equal(1, r.PartialCount);
        Assert.Equal(ReassemblyOutcome.Completed, r.Accept(packets[1], out _));
        Assert.Equal(ReassemblyOutcome.Duplicate, r.Accept(packets[0], out _));
        Assert.Equal(0, r.PartialCount);
    }

    [Fact]
    public void Abandon_frees_only_a_held_message()
    {
        var r = new Reassembler(Small);
        Assert.False(r.Abandon(1));
        r.Accept(new Packet(1, 0, 2, new byte[8]), out _);
        Assert.True(r.Abandon(1));
        Assert.False(r.Abandon(1));
        Assert.Equal(0, r.PartialCount);
    }

    [Fact]
    public void Fresh_message_ids_count_up_from_one()
    {
        var f = new Fragmenter(Small);
        Assert.Equal(1ul, f.Split(new byte[1])[0].MessageId);
        Assert.Equal(2ul, f.Split(new byte[1])[0].MessageId);
        Assert.Single(f.Split(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void A_packet_writes_its_big_endian_header_then_its_payload()
    {
        var p = new Packet(0x0102030405060708, 2, 5, new byte[] { 0xAA, 0xBB });
        Assert.Equal(18, p.EncodedLength);
        Assert.False(p.IsLast);
        Assert.True((p with { Index = 4 }).IsLast);
        var exact = new byte[18];
        Assert.Equal(18, p.WriteTo(exact));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 2, 0, 0, 0, 5, 0xAA, 0xBB }, exact);
        Assert.Equal(exact, p.ToArray());
        var e = Assert.Throws<ArgumentException>(() => p.WriteTo(new byte[17]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("Need 18 bytes, got 17", e.Message);
    }

    [Fact]
    public void Parsing_checks_count_then_index_and_accepts_a_bare_header()
    {
        var header = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(header, 77);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 1);
        var p = Packet.Parse(header);
        Assert.Equal((77ul, 0, 1, 0), (p.MessageId, p.Index, p.Count, p.Payload.Length));

        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 0);
        var zeroCount = Assert.Throws<MalformedPacketException>(() => Packet.Parse(header));
        Assert.Equal(("count", 12, "packet count 0 is not positive"), (zeroCount.Field, zeroCount.Offset, zeroCount.Reason));

        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 2);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 2);
        var badIndex = Assert.Throws<MalformedPacketException>(() => Packet.Parse(header));
        Assert.Equal(("index", 8, "packet index 2 is outside 0..1"), (badIndex.Field, badIndex.Offset, badIndex.Reason));
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), -1);
        Assert.Equal("index", Assert.Throws<MalformedPacketException>(() => Packet.Parse(header)).Field);

        var tooShort = Assert.Throws<MalformedPacketException>(() => Packet.Parse(new byte[5]));
        Assert.Equal("the datagram has 5 bytes, fewer than the 16-byte packet header", tooShort.Reason);
    }

    // ---- Deadline: the timeout/cancellation helper behind every timed pipe operation.

    [Fact]
    public void An_infinite_deadline_is_just_the_callers_token()
    {
        using var cts = new CancellationTokenSource();
        using var d = new Deadline(Timeout.InfiniteTimeSpan, new FakeTimeProvider(), cts.Token);
        Assert.Equal(cts.Token, d.Token);
        Assert.Equal(cts.Token, d.Caller);
        d.ThrowIfExpired("op"); // nothing fired: no error
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => d.ThrowIfExpired("op"));
    }

    [Fact]
    public void A_zero_deadline_has_expired_before_any_wait()
    {
        using var d = new Deadline(TimeSpan.Zero, new FakeTimeProvider(), CancellationToken.None);
        Assert.True(d.Token.IsCancellationRequested);
        Assert.Equal(TimeSpan.Zero, d.Timeout);
        var e = Assert.Throws<TimeoutException>(() => d.ThrowIfExpired("Read"));
        Assert.Equal("Read did not complete within 00:00:00.", e.Message);
    }

    [Fact]
    public void A_finite_deadline_fires_when_its_time_has_passed_and_not_before()
    {
        var time = new FakeTimeProvider();
        using var d = new Deadline(TimeSpan.FromSeconds(5), time, CancellationToken.None);
        Assert.Equal(TimeSpan.FromSeconds(5), d.Timeout);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(d.Token.IsCancellationRequested);
        d.ThrowIfExpired("Write");
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(d.Token.IsCancellationRequested);
        Assert.Contains("Write did not complete within 00:00:05", Assert.Throws<TimeoutException>(() => d.ThrowIfExpired("Write")).Message);
    }

    [Fact]
    public void The_callers_cancellation_fires_a_finite_deadline_and_wins_over_its_timeout()
    {
        var time = new FakeTimeProvider();
        using var cts = new CancellationTokenSource();
        using var d = new Deadline(TimeSpan.FromSeconds(5), time, cts.Token);
        Assert.NotEqual(cts.Token, d.Token);
        cts.Cancel();
        Assert.True(d.Token.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Throws<OperationCanceledException>(() => d.ThrowIfExpired("op"));
    }

    [Fact]
    public void A_negative_timeout_other_than_infinite_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Deadline(TimeSpan.FromMilliseconds(-2), new FakeTimeProvider(), default));
        Assert.Equal("timeout", e.ParamName);
    }
    [Fact]
    public void A_disposed_deadline_no_longer_fires_on_time()
    {
        var time = new FakeTimeProvider();
        var d = new Deadline(TimeSpan.FromSeconds(5), time, CancellationToken.None);
        var token = d.Token;
        d.Dispose(); // the operation finished: its timer must not go off later
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(token.IsCancellationRequested);
    }

    [Fact]
    public void A_disposed_deadline_no_longer_follows_the_callers_token()
    {
        using var cts = new CancellationTokenSource();
        var d = new Deadline(TimeSpan.FromSeconds(5), new FakeTimeProvider(), cts.Token);
        var token = d.Token;
        d.Dispose();
        cts.Cancel();
        Assert.False(token.IsCancellationRequested);
    }

    [Fact]
    public void A_packet_contradicting_its_message_count_says_both_counts()
    {
        var r = new Reassembler(Small);
        r.Accept(new Packet(5, 0, 3, new byte[8]), out _);
        var ex = Assert.Throws<MalformedPacketException>(() => r.Accept(new Packet(5, 1, 4, new byte[8]), out _));
        Assert.Equal("message 5 was announced with 3 packets, this packet says 4", ex.Reason);
    }
}
