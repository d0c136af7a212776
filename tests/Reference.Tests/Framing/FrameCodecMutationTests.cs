using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using VerifiedIpc.Reference.Framing;

namespace VerifiedIpc.Reference.Tests.Framing;

/// <summary>
/// Frame codec behaviour that the codec tests left unobserved and that Stryker's mutants of
/// <c>src/Reference/Framing</c> changed unnoticed (docs/mutation.md): the structural checks on their own (a frame
/// whose checksum is right but whose fields are not, as a buggy peer would send), the exact error texts, the
/// limits of the constructor, and the single-segment and exact-length paths of the sequence decoder.
/// </summary>
public sealed class FrameCodecMutationTests
{
    private static readonly FrameCodec Codec = new(maxPayloadLength: 64);

    private static readonly FrameHeader Header = new(FrameKind.Data, FrameFlags.None, new ProcessId(3), new ProcessId(9), 5, 6);

    /// <summary>A frame with one field overwritten and the checksum recomputed, so only the field's own check can
    /// reject it.</summary>
    private static byte[] WithValidChecksum(Action<byte[]> corrupt, int payloadLength = 3)
    {
        byte[] frame = Codec.Encode(Header, new byte[payloadLength]);
        corrupt(frame);
        int checksumAt = frame.Length - FrameCodec.ChecksumSize;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(checksumAt), Crc32.HashToUInt32(frame.AsSpan(0, checksumAt)));
        return frame;
    }

    private static FrameFormatException Rejected(byte[] frame)
    {
        var datagram = Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram(frame));
        var stream = Assert.Throws<FrameFormatException>(() => Codec.TryDecode(frame, out _, out _, out _));
        Assert.Equal((datagram.Field, datagram.Offset, datagram.Reason), (stream.Field, stream.Offset, stream.Reason));
        return datagram;
    }

    [Fact]
    public void An_undefined_kind_with_a_valid_checksum_is_rejected_as_the_kind()
    {
        var ex = Rejected(WithValidChecksum(f => f[5] = 99));
        Assert.Equal((FrameField.Kind, 5, "kind 99 is not a defined frame kind"), (ex.Field, ex.Offset, ex.Reason));
        Assert.Equal("Bad frame: kind at byte 5: kind 99 is not a defined frame kind.", ex.Message);
        Assert.Equal(FrameField.Kind, Rejected(WithValidChecksum(f => f[5] = 0)).Field);
    }

    [Fact]
    public void Undefined_flag_bits_with_a_valid_checksum_are_rejected_naming_only_the_undefined_bits()
    {
        var ex = Rejected(WithValidChecksum(f => BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(6), 0x0031)));
        Assert.Equal((FrameField.Flags, 6), (ex.Field, ex.Offset));
        Assert.Equal("flags 0x0031 include undefined bits 0x0030", ex.Reason);
    }

    [Fact]
    public void A_negative_source_with_a_valid_checksum_is_rejected_and_source_zero_is_a_process()
    {
        var ex = Rejected(WithValidChecksum(f => BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(8), -1)));
        Assert.Equal((FrameField.Source, 8, "source -1 is not a process id"), (ex.Field, ex.Offset, ex.Reason));

        var zero = Header with { Source = new ProcessId(0) };
        Assert.Equal(zero, Codec.DecodeDatagram(Codec.Encode(zero, [])).Header);
    }

    [Fact]
    public void A_destination_below_minus_one_with_a_valid_checksum_is_rejected_and_minus_one_is_any()
    {
        var ex = Rejected(WithValidChecksum(f => BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(12), -2)));
        Assert.Equal((FrameField.Destination, 12, "destination -2 is not a process id or −1 (any)"), (ex.Field, ex.Offset, ex.Reason));
        var any = Header with { Destination = ProcessId.Any };
        Assert.Equal(any, Codec.DecodeDatagram(Codec.Encode(any, [])).Header);
    }

    [Fact]
    public void Version_and_checksum_errors_state_what_was_found_and_what_was_expected()
    {
        var version = Rejected(WithValidChecksum(f => f[4] = 7));
        Assert.Equal("version 7 is not the supported version 1", version.Reason);

        byte[] frame = Codec.Encode(Header, new byte[3]);
        int checksumAt = frame.Length - FrameCodec.ChecksumSize;
        uint actual = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(checksumAt));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(checksumAt), 0x01020304);
        var checksum = Rejected(frame);
        Assert.Equal((FrameField.Checksum, checksumAt), (checksum.Field, checksum.Offset));
        Assert.Equal($"checksum 0x01020304 does not match the frame's CRC-32 0x{actual:x8} (corrupted)", checksum.Reason);
    }

    [Fact]
    public void Length_errors_say_whether_the_frame_is_short_truncated_long_or_followed_by_bytes()
    {
        byte[] frame = Codec.Encode(Header, new byte[3]); // 39 bytes, declaring 35

        var tooShort = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(tooShort, 10);
        Assert.Equal("declared length 10 is shorter than the 32 bytes of header and checksum",
            Assert.Throws<FrameFormatException>(() => Codec.TryDecode(tooShort, out _, out _, out _)).Reason);

        var tooLong = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(tooLong, 32 + 65);
        Assert.Equal("declared length 97 implies a 65-byte payload, over the maximum of 64",
            Assert.Throws<FrameFormatException>(() => Codec.TryDecode(tooLong, out _, out _, out _)).Reason);

        Assert.Equal("truncated: the frame declares 39 bytes but the datagram has 38",
            Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram(frame.AsMemory(0, 38))).Reason);
        Assert.Equal("the frame declares 39 bytes but the datagram has 40 (trailing bytes)",
            Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram((byte[])[.. frame, 0])).Reason);
        // Exactly the length field: it can be read, so the error is about the frame it declares.
        Assert.Equal("truncated: the frame declares 39 bytes but the datagram has 4",
            Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram(frame.AsMemory(0, 4))).Reason);
        Assert.Equal("truncated: the datagram has 3 bytes, fewer than the 4-byte length field",
            Assert.Throws<FrameFormatException>(() => Codec.DecodeDatagram(frame.AsMemory(0, 3))).Reason);
    }

    [Fact]
    public void The_maximum_payload_must_be_non_negative_and_leave_room_for_the_overhead()
    {
        Assert.Equal(0, new FrameCodec(0).MaxPayloadLength);
        Assert.Equal(int.MaxValue - FrameCodec.Overhead, new FrameCodec(int.MaxValue - FrameCodec.Overhead).MaxPayloadLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameCodec(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameCodec(int.MaxValue - FrameCodec.Overhead + 1));
        Assert.Equal(1024 * 1024, new FrameCodec().MaxPayloadLength);
        Assert.Equal(64 + 36, Codec.MaxFrameLength);
    }

    [Fact]
    public void Encoding_into_a_span_checks_the_header_and_the_size_before_writing()
    {
        var big = new byte[200];
        Assert.Throws<MessageTooLargeException>(() => Codec.Encode(Header, new byte[65], big));
        Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Kind = (FrameKind)42 }, [], big));
        Assert.All(big, b => Assert.Equal(0, b));

        var e = Assert.Throws<ArgumentException>(() => Codec.Encode(Header, new byte[10], new byte[45]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("The frame needs 46 bytes; the destination has 45.", e.Message);
        Assert.Equal(46, Codec.Encode(Header, new byte[10], new byte[46]));
    }

    [Fact]
    public void Encoding_into_a_writer_reserves_nothing_for_a_refused_frame()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<MessageTooLargeException>(() => Codec.Encode(Header, new byte[65], writer));
        Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Source = new ProcessId(-5) }, [], writer));
        Assert.Equal(0, writer.Capacity);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Invalid_outgoing_headers_are_refused_with_a_message_naming_the_value()
    {
        var tooLarge = Assert.Throws<MessageTooLargeException>(() => Codec.Encode(Header, new byte[65]));
        Assert.Equal("The frame payload is 65 bytes, over the cap of 64 bytes; nothing was sent.", tooLarge.Message);

        var kind = Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Kind = (FrameKind)42 }, []));
        Assert.Equal("header", kind.ParamName);
        Assert.Contains("Frame kind 42 is not defined.", kind.Message);
        var flags = Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Flags = (FrameFlags)0x0100 }, []));
        Assert.Contains("Frame flags 0x0100 include undefined bits.", flags.Message);
        var source = Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Source = ProcessId.Any }, []));
        Assert.Contains("A frame's source must be a concrete process id.", source.Message);
        var destination = Assert.Throws<ArgumentException>(() => Codec.Encode(Header with { Destination = new ProcessId(-2) }, []));
        Assert.Equal("header", destination.ParamName);
        Assert.Contains("Destination -2 is not a process id.", destination.Message);
    }

    [Fact]
    public void A_single_segment_sequence_decodes_one_frame_and_slices_it_off_or_waits()
    {
        byte[] two = [.. Codec.Encode(Header with { Sequence = 1 }, [7]), .. Codec.Encode(Header with { Sequence = 2 }, [8, 8])];
        var seq = new ReadOnlySequence<byte>(two);
        Assert.True(Codec.TryDecode(ref seq, out Frame first));
        Assert.Equal(1ul, first.Header.Sequence);
        Assert.Equal(new byte[] { 7 }, first.Payload.ToArray());
        Assert.Equal(two.Length - 37, seq.Length);
        Assert.True(Codec.TryDecode(ref seq, out Frame second));
        Assert.Equal(2ul, second.Header.Sequence);
        Assert.Equal(new byte[] { 8, 8 }, second.Payload.ToArray());
        Assert.Equal(0, seq.Length);

        var partial = new ReadOnlySequence<byte>(two.AsMemory(0, 30));
        Assert.False(Codec.TryDecode(ref partial, out Frame none));
        Assert.Equal(default, none);
        Assert.Equal(30, partial.Length);
    }

    [Fact]
    public void A_multi_segment_sequence_holding_exactly_one_frame_decodes()
    {
        byte[] frame = Codec.Encode(Header, [1, 2, 3]);
        var seq = MultiSegment(frame[..10], frame[10..]);
        Assert.True(Codec.TryDecode(ref seq, out Frame f));
        Assert.Equal(Header, f.Header);
        Assert.Equal(new byte[] { 1, 2, 3 }, f.Payload.ToArray());
        Assert.Equal(0, seq.Length);

        var shortByOne = MultiSegment(frame[..10], frame[10..^1]);
        Assert.False(Codec.TryDecode(ref shortByOne, out _));
        Assert.Equal(frame.Length - 1, shortByOne.Length);
    }

    [Fact]
    public void A_multi_segment_sequence_too_short_for_the_length_field_waits()
    {
        byte[] frame = Codec.Encode(Header, [1]);
        var seq = MultiSegment(frame[..1], frame[1..3]);
        Assert.False(Codec.TryDecode(ref seq, out Frame none));
        Assert.Equal(default, none);
        Assert.Equal(3, seq.Length);
    }

    private static ReadOnlySequence<byte> MultiSegment(byte[] a, byte[] b)
    {
        var first = new Segment(a, 0);
        var second = new Segment(b, a.Length);
        first.SetNext(second);
        return new ReadOnlySequence<byte>(first, 0, second, b.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
