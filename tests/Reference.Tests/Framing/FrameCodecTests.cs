using System.Buffers;
using VerifiedIpc.Reference.Framing;

namespace VerifiedIpc.Reference.Tests.Framing;

public sealed class FrameCodecTests
{
    private static readonly FrameCodec Codec = new(maxPayloadLength: 4096);

    private static readonly FrameHeader Header = new(FrameKind.Data, FrameFlags.AckValid, new ProcessId(3), new ProcessId(9),
        Sequence: 0x0102030405060708, Ack: 42);

    private static byte[] Payload(int n)
    {
        var b = new byte[n];
        new Random(n).NextBytes(b);
        return b;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(77)]
    [InlineData(4096)]
    public void A_frame_round_trips(int payloadLength)
    {
        var payload = Payload(payloadLength);
        byte[] bytes = Codec.Encode(Header, payload);
        Assert.Equal(payloadLength + FrameCodec.Overhead, bytes.Length);
        Frame frame = Codec.DecodeDatagram(bytes);
        Assert.Equal(Header, frame.Header);
        Assert.Equal(payload, frame.Payload.ToArray());
    }

    [Fact]
    public void Every_kind_and_flag_combination_round_trips()
    {
        foreach (FrameKind kind in Enum.GetValues<FrameKind>())
            for (int f = 0; f <= (int)FrameFlags.All; f++)
            {
                var h = Header with { Kind = kind, Flags = (FrameFlags)f, Destination = ProcessId.Any };
                Assert.Equal(h, Codec.DecodeDatagram(Codec.Encode(h, [1, 2, 3])).Header);
            }
    }

    [Fact]
    public void Encoding_a_payload_over_the_maximum_is_refused()
    {
        var ex = Assert.Throws<MessageTooLargeException>(() => Codec.Encode(Header, new byte[4097]));
        Assert.Equal(4097, ex.Size);
    }

    [Fact]
    public void Frames_follow_each_other_in_a_stream()
    {
        var writer = new ArrayBufferWriter<byte>();
        for (int i = 0; i < 5; i++)
            Codec.Encode(Header with { Sequence = (ulong)i }, Payload(i * 10), writer);
        ReadOnlySpan<byte> rest = writer.WrittenSpan;
        for (int i = 0; i < 5; i++)
        {
            Assert.True(Codec.TryDecode(rest, out var h, out var p, out int used));
            Assert.Equal((ulong)i, h.Sequence);
            Assert.Equal(Payload(i * 10), p.ToArray());
            rest = rest[used..];
        }
        Assert.False(Codec.TryDecode(rest, out _, out _, out _));
    }

    [Fact]
    public void Every_prefix_of_a_frame_is_incomplete_in_a_stream_and_truncated_as_a_datagram()
    {
        byte[] bytes = Codec.Encode(Header, Payload(50));
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            Assert.False(Codec.TryDecode(bytes.AsSpan(0, cut), out _, out _, out int used));
            Assert.Equal(0, used);
            var ex = Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram(bytes.AsMemory(0, cut)));
            Assert.Equal(FrameField.Length, ex.Field);
            Assert.Equal(0, ex.Offset);
            Assert.Contains("truncated", ex.Reason);
        }
    }

    [Fact]
    public void Trailing_bytes_after_a_datagram_frame_are_rejected()
    {
        byte[] bytes = [.. Codec.Encode(Header, Payload(5)), 0];
        Assert.Equal(FrameField.Length, Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram(bytes)).Field);
    }

    /// <summary>
    /// Which errors a corruption at a given offset may legitimately produce: the field's own check where it has
    /// one, otherwise (or when the corrupted value is still structurally valid) the checksum.
    /// </summary>
    private static (FrameField field, int offset)[] Allowed(int offset, int checksumAt) => offset switch
    {
        < 4 => [(FrameField.Length, 0)],
        4 => [(FrameField.Version, 4)],
        5 => [(FrameField.Kind, 5), (FrameField.Checksum, checksumAt)],
        < 8 => [(FrameField.Flags, 6), (FrameField.Checksum, checksumAt)],
        < 12 => [(FrameField.Source, 8), (FrameField.Checksum, checksumAt)],
        < 16 => [(FrameField.Destination, 12), (FrameField.Checksum, checksumAt)],
        _ => [(FrameField.Checksum, checksumAt)],
    };

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void Flipping_any_bit_or_byte_of_a_valid_frame_is_rejected_with_the_right_field(int payloadLength)
    {
        byte[] valid = Codec.Encode(Header, Payload(payloadLength));
        int checksumAt = valid.Length - FrameCodec.ChecksumSize;
        int checkedCorruptions = 0;
        for (int i = 0; i < valid.Length; i++)
        {
            foreach (byte mask in new byte[] { 1, 2, 4, 8, 16, 32, 64, 128, 0xFF })
            {
                byte[] bad = (byte[])valid.Clone();
                bad[i] ^= mask;
                var ex = Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram(bad));
                var allowed = Allowed(i, checksumAt);
                Assert.True(allowed.Contains((ex.Field, ex.Offset)),
                    $"byte {i} ^ 0x{mask:x2}: got {ex.Field}@{ex.Offset} ({ex.Message})");

                // The stream decoder agrees, or (length corrupted upwards) waits for bytes that never come.
                try
                {
                    Assert.False(Codec.TryDecode(bad, out _, out _, out _),
                        $"byte {i} ^ 0x{mask:x2} decoded as a valid frame from a stream");
                }
                catch (FrameFormatException) { }
                checkedCorruptions++;
            }
        }
        Assert.Equal(valid.Length * 9, checkedCorruptions);
    }

    [Fact]
    public void A_corrupted_payload_is_reported_as_a_checksum_error_at_the_checksum_offset()
    {
        byte[] bytes = Codec.Encode(Header, Payload(10));
        bytes[FrameCodec.HeaderSize + 3] ^= 0x10;
        var ex = Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram(bytes));
        Assert.Equal(FrameField.Checksum, ex.Field);
        Assert.Equal(FrameCodec.HeaderSize + 10, ex.Offset);
    }

    [Fact]
    public void An_oversized_length_claim_is_rejected_at_once_without_allocating_for_it()
    {
        // A 4-byte prefix claiming ~4 GiB: the decoder must neither wait for it nor allocate by it.
        byte[] claim = [0xFF, 0xFF, 0xFF, 0xF0, 1, 1, 0, 0];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<FrameFormatException>(() => Codec.TryDecode(claim, out _, out _, out _));
        var seq = new ReadOnlySequence<byte>(claim);
        Assert.Throws<FrameFormatException>(() => Codec.TryDecode(ref seq, out _));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(FrameField.Length, ex.Field);
        Assert.Contains("over the maximum", ex.Reason);
        Assert.True(allocated < 64 * 1024, $"decoding an oversized claim allocated {allocated} bytes");
    }

    [Fact]
    public void A_length_shorter_than_the_header_is_rejected()
    {
        byte[] bytes = Codec.Encode(Header, []);
        bytes[3] = 10;
        var ex = Assert.Throws<FrameFormatException>(() => Codec.TryDecode(bytes, out _, out _, out _));
        Assert.Equal(FrameField.Length, ex.Field);
    }

    [Fact]
    public void A_frame_split_across_sequence_segments_at_every_point_decodes()
    {
        var payload = Payload(40);
        byte[] bytes = Codec.Encode(Header, payload);
        for (int split = 0; split <= bytes.Length; split++)
        {
            var seq = Segments.Of(bytes[..split], bytes[split..], [9, 9]);
            Assert.True(Codec.TryDecode(ref seq, out Frame frame));
            Assert.Equal(Header, frame.Header);
            Assert.Equal(payload, frame.Payload.ToArray());
            Assert.Equal(2, seq.Length); // only the frame was consumed
        }
    }

    [Fact]
    public void An_incomplete_sequence_is_left_untouched()
    {
        byte[] bytes = Codec.Encode(Header, Payload(40));
        var seq = Segments.Of(bytes[..3], bytes[3..20]);
        Assert.False(Codec.TryDecode(ref seq, out _));
        Assert.Equal(20, seq.Length);
    }

    [Fact]
    public void Undefined_header_values_are_refused_when_encoding()
    {
        Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Kind = (FrameKind)99 }, []));
        Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Flags = (FrameFlags)0x100 }, []));
        Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Source = ProcessId.Any }, []));
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Of(params byte[][] parts)
        {
            var first = new Segments(parts[0], 0);
            var last = first;
            foreach (var part in parts.Skip(1))
            {
                var next = new Segments(part, last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
