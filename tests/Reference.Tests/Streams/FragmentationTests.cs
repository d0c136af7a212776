using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Reference.Tests.Streams;

public sealed class FragmentationTests
{
    private static readonly FragmentationOptions Small = new() { PacketPayloadSize = 8, MaxMessageSize = 998, MaxPartialMessages = 2 };

    private static byte[] Bytes(int n, int seed = 1)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(8, 1)]
    [InlineData(9, 2)]
    [InlineData(64, 8)]
    [InlineData(998, 125)]
    public void A_message_splits_into_full_packets_and_a_last_one(int length, int expectedPackets)
    {
        var packets = new Fragmenter(Small).Split(Bytes(length), messageId: 7);
        Assert.Equal(expectedPackets, packets.Length);
        Assert.All(packets, p => Assert.Equal(7ul, p.MessageId));
        Assert.All(packets, p => Assert.Equal(expectedPackets, p.Count));
        Assert.All(packets[..^1], p => Assert.Equal(8, p.Payload.Length));
        Assert.True(packets[^1].IsLast);
        Assert.Equal(Enumerable.Range(0, expectedPackets), packets.Select(p => p.Index));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(998)]
    public void Packets_in_any_order_with_duplicates_rebuild_the_message(int length)
    {
        var message = Bytes(length, length);
        for (int seed = 0; seed < 50; seed++)
        {
            var rng = new Random(seed);
            var packets = new Fragmenter(Small).Split(message, 1);
            // Shuffle and duplicate roughly a third of the packets; put some duplicates after completion too.
            var arrivals = packets.Concat(packets.Where(_ => rng.Next(3) == 0)).OrderBy(_ => rng.Next()).ToList();
            arrivals.AddRange(packets.Where(_ => rng.Next(4) == 0));
            var reassembler = new Reassembler(Small);
            byte[]? result = null;
            int completions = 0;
            foreach (var packet in arrivals)
            {
                // Over the wire and back, as a datagram would travel.
                var outcome = reassembler.Accept(packet.ToArray(), out byte[]? m);
                if (outcome == ReassemblyOutcome.Completed) { completions++; result = m; }
                else Assert.Null(m);
            }
            Assert.Equal(1, completions);
            Assert.Equal(message, result);
            Assert.Equal(0, reassembler.PartialCount);
        }
    }

    [Fact]
    public void Interleaved_messages_reassemble_independently()
    {
        var fragmenter = new Fragmenter(Small);
        var a = Bytes(30, 1);
        var b = Bytes(20, 2);
        var pa = fragmenter.Split(a);
        var pb = fragmenter.Split(b);
        Assert.NotEqual(pa[0].MessageId, pb[0].MessageId);
        var reassembler = new Reassembler(Small);
        var done = new List<byte[]>();
        foreach (var p in pa.Zip(pb).SelectMany(x => new[] { x.First, x.Second }).Concat(pa.Skip(pb.Length)))
            if (reassembler.Accept(p, out var m) == ReassemblyOutcome.Completed) done.Add(m!);
        Assert.Equal([b, a], done);
    }

    [Fact]
    public void A_message_over_the_cap_is_refused_before_any_packet_exists()
    {
        var ex = Assert.Throws<MessageTooLargeException>(() => new Fragmenter(Small).Split(new byte[999]));
        Assert.Equal(999, ex.Size);
        Assert.Equal(998, ex.Limit);
    }

    [Fact]
    public void The_cap_on_partial_messages_rejects_one_more_until_a_slot_frees()
    {
        var fragmenter = new Fragmenter(Small);
        var reassembler = new Reassembler(Small);
        var m1 = fragmenter.Split(Bytes(20));
        var m2 = fragmenter.Split(Bytes(20));
        var m3 = fragmenter.Split(Bytes(20));
        Assert.Equal(ReassemblyOutcome.Stored, reassembler.Accept(m1[0], out _));
        Assert.Equal(ReassemblyOutcome.Stored, reassembler.Accept(m2[0], out _));
        var ex = Assert.Throws<TooManyPartialMessagesException>(() => reassembler.Accept(m3[0], out _));
        Assert.Equal(m3[0].MessageId, ex.MessageId);
        Assert.Equal(2, reassembler.PartialCount);

        // Single-packet messages never occupy a slot.
        Assert.Equal(ReassemblyOutcome.Completed, reassembler.Accept(fragmenter.Split(Bytes(3))[0], out _));

        Assert.True(reassembler.Abandon(m1[0].MessageId));
        Assert.Equal(ReassemblyOutcome.Stored, reassembler.Accept(m3[0], out _));
    }

    public static TheoryData<string, Packet, string> MalformedPackets() => new()
    {
        { "index ≥ count", new Packet(1, 3, 3, new byte[8]), "index" },
        { "negative index", new Packet(1, -1, 3, new byte[8]), "index" },
        { "count beyond the cap", new Packet(1, 0, 126, new byte[8]), "count" },
        { "payload over the packet size", new Packet(1, 0, 2, new byte[9]), "payload" },
        { "short packet before the last", new Packet(1, 0, 2, new byte[7]), "payload" },
        { "empty last packet", new Packet(1, 1, 2, Array.Empty<byte>()), "payload" },
        { "last packet makes the message too big", new Packet(1, 124, 125, new byte[8]), "payload" },
    };

    [Theory]
    [MemberData(nameof(MalformedPackets))]
    public void A_malformed_packet_is_a_typed_error_naming_its_field(string why, Packet packet, string field)
    {
        var reassembler = new Reassembler(Small);
        var ex = Assert.Throws<MalformedPacketException>(() => reassembler.Accept(packet, out _));
        Assert.True(field == ex.Field, $"{why}: expected field {field}, got {ex.Field} ({ex.Message})");
        Assert.Equal(0, reassembler.PartialCount);
    }

    [Fact]
    public void A_packet_contradicting_its_message_count_is_rejected_and_changes_nothing()
    {
        var reassembler = new Reassembler(Small);
        reassembler.Accept(new Packet(5, 0, 3, new byte[8]), out _);
        var ex = Assert.Throws<MalformedPacketException>(() => reassembler.Accept(new Packet(5, 1, 4, new byte[8]), out _));
        Assert.Equal("count", ex.Field);
        Assert.Equal(12, ex.Offset);
        Assert.Equal(ReassemblyOutcome.Stored, reassembler.Accept(new Packet(5, 1, 3, new byte[8]), out _));
        Assert.Equal(ReassemblyOutcome.Completed, reassembler.Accept(new Packet(5, 2, 3, new byte[1]), out var m));
        Assert.Equal(17, m!.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    public void A_datagram_shorter_than_the_header_is_rejected(int length)
    {
        var ex = Assert.Throws<MalformedPacketException>(() => Packet.Parse(new byte[length]));
        Assert.Equal("header", ex.Field);
        Assert.Equal(length, ex.Offset);
    }

    [Fact]
    public void Random_datagrams_never_crash_the_reassembler()
    {
        var rng = new Random(2026);
        var reassembler = new Reassembler(Small);
        for (int i = 0; i < 20_000; i++)
        {
            var datagram = new byte[rng.Next(0, 40)];
            rng.NextBytes(datagram);
            if (rng.Next(2) == 0 && datagram.Length >= 16)
            {
                // Plausible headers, so the checks past the shape are reached too.
                datagram.AsSpan(0, 8).Clear();
                datagram[7] = (byte)rng.Next(4);
                datagram.AsSpan(8, 8).Clear();
                datagram[11] = (byte)rng.Next(4);
                datagram[15] = (byte)rng.Next(1, 5);
            }
            try
            {
                reassembler.Accept(datagram, out _);
            }
            catch (MalformedPacketException) { }
            catch (TooManyPartialMessagesException) { }
            Assert.InRange(reassembler.PartialCount, 0, Small.MaxPartialMessages);
        }
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Fragmenter(new FragmentationOptions { PacketPayloadSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Reassembler(new FragmentationOptions { MaxPartialMessages = 0 }));
    }
}
