using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace VerifiedIpc.Reference.Framing;

/// <summary>
/// Length-prefixed, checksummed frames. Encoding is allocation-free into a caller's span or buffer writer;
/// decoding validates every field and never allocates more than <see cref="MaxPayloadLength"/> bytes whatever the
/// input claims, because the declared length is checked against the maximum before anything else is read.
/// </summary>
/// <remarks>
/// <para>Wire layout (big-endian; offsets from the start of the frame):</para>
/// <code>
///  0  length       u32  bytes after this field: 28 header bytes + payload + 4 checksum bytes
///  4  version      u8   1
///  5  kind         u8   FrameKind
///  6  flags        u16  FrameFlags (unknown bits rejected)
///  8  source       i32  sending process id (≥ 0)
/// 12  destination  i32  receiving process id (≥ 0, or −1 for "any")
/// 16  sequence     u64
/// 24  ack          u64
/// 32  payload      length − 32 bytes
/// 32+n checksum    u32  CRC-32 (IEEE 802.3, System.IO.Hashing.Crc32) of bytes [0, 32+n)
/// </code>
/// <para>The checksum trails the payload so that it covers one contiguous range, length field included: a
/// corrupted length that still lands on a plausible frame boundary is caught by it as well.</para>
/// <para>Structural fields are checked before the checksum so that the error names the field that is wrong
/// (a flipped version bit reports <see cref="FrameField.Version"/>); corruption in fields with no structural
/// constraint (sequence, ack, payload) is reported as <see cref="FrameField.Checksum"/>. CRC-32 detects every
/// error burst of up to 32 bits, so every single-bit and single-byte corruption is rejected.</para>
/// <para>After a format error on a byte stream the frame boundary is lost: the connection must be closed (the
/// transports do so). On a datagram link only that datagram is dropped.</para>
/// </remarks>
public sealed class FrameCodec
{
    /// <summary>Protocol version written into every frame and required of every frame read.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 32;

    /// <summary>Bytes after the payload.</summary>
    public const int ChecksumSize = 4;

    /// <summary>Bytes a frame adds to its payload.</summary>
    public const int Overhead = HeaderSize + ChecksumSize;

    private const int LengthFieldSize = 4;
    private const int MinDeclaredLength = Overhead - LengthFieldSize;

    /// <param name="maxPayloadLength">Largest payload accepted in either direction.</param>
    public FrameCodec(int maxPayloadLength = 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxPayloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPayloadLength, int.MaxValue - Overhead);
        MaxPayloadLength = maxPayloadLength;
    }

    public int MaxPayloadLength { get; }

    /// <summary>Largest whole frame this codec produces or accepts.</summary>
    public int MaxFrameLength => MaxPayloadLength + Overhead;

    /// <summary>Bytes a frame with <paramref name="payloadLength"/> payload bytes occupies.</summary>
    public static int GetEncodedLength(int payloadLength) => payloadLength + Overhead;

    // ---------------------------------------------------------------- encoding

    /// <summary>Writes one frame into <paramref name="destination"/>; returns its length.</summary>
    /// <exception cref="MessageTooLargeException">The payload is over <see cref="MaxPayloadLength"/>.</exception>
    public int Encode(in FrameHeader header, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        ValidateOutgoing(header, payload.Length);
        int total = GetEncodedLength(payload.Length);
        if (destination.Length < total)
            throw new ArgumentException($"The frame needs {total} bytes; the destination has {destination.Length}.", nameof(destination));

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(total - LengthFieldSize));
        destination[4] = CurrentVersion;
        destination[5] = (byte)header.Kind;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)header.Flags);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], header.Source.Value);
        BinaryPrimitives.WriteInt32BigEndian(destination[12..], header.Destination.Value);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], header.Sequence);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], header.Ack);
        payload.CopyTo(destination[HeaderSize..]);
        int checksumAt = HeaderSize + payload.Length;
        BinaryPrimitives.WriteUInt32BigEndian(destination[checksumAt..], Crc32.HashToUInt32(destination[..checksumAt]));
        return total;
    }

    /// <summary>One frame as a new array.</summary>
    public byte[] Encode(in FrameHeader header, ReadOnlySpan<byte> payload)
    {
        ValidateOutgoing(header, payload.Length);
        var frame = new byte[GetEncodedLength(payload.Length)];
        Encode(header, payload, frame);
        return frame;
    }

    /// <summary>Appends one frame to <paramref name="writer"/>; returns its length.</summary>
    public int Encode(in FrameHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> writer)
    {
        ValidateOutgoing(header, payload.Length);
        int total = GetEncodedLength(payload.Length);
        int written = Encode(header, payload, writer.GetSpan(total));
        writer.Advance(written);
        return written;
    }

    private void ValidateOutgoing(in FrameHeader header, int payloadLength)
    {
        if (payloadLength > MaxPayloadLength)
            throw new MessageTooLargeException(payloadLength, MaxPayloadLength, "frame payload");
        if (!Enum.IsDefined(header.Kind))
            throw new ArgumentException($"Frame kind {(byte)header.Kind} is not defined.", nameof(header));
        if ((header.Flags & ~FrameFlags.All) != 0)
            throw new ArgumentException($"Frame flags 0x{(ushort)header.Flags:x4} include undefined bits.", nameof(header));
        if (header.Source.Value < 0)
            throw new ArgumentException("A frame's source must be a concrete process id.", nameof(header));
        if (header.Destination.Value < -1)
            throw new ArgumentException($"Destination {header.Destination.Value} is not a process id.", nameof(header));
    }

    // ---------------------------------------------------------------- decoding

    /// <summary>
    /// Decodes a datagram that must hold exactly one frame. The payload aliases <paramref name="datagram"/>.
    /// </summary>
    /// <exception cref="FrameFormatException">Malformed, truncated, oversized, trailing bytes or corrupted.</exception>
    public Frame DecodeDatagram(ReadOnlyMemory<byte> datagram)
    {
        var span = datagram.Span;
        if (span.Length < LengthFieldSize)
            throw new FrameFormatException(FrameField.Length, 0,
                $"truncated: the datagram has {span.Length} bytes, fewer than the 4-byte length field");
        // A datagram is one frame exactly, so the length field can be checked against it before anything else:
        // a corrupted length is then named as such rather than surfacing as a checksum mismatch.
        int total = CheckDeclaredLength(BinaryPrimitives.ReadUInt32BigEndian(span));
        if (total != span.Length)
            throw new FrameFormatException(FrameField.Length, 0, total > span.Length
                ? $"truncated: the frame declares {total} bytes but the datagram has {span.Length}"
                : $"the frame declares {total} bytes but the datagram has {span.Length} (trailing bytes)");
        TryDecode(span, out FrameHeader header, out _, out int consumed);
        return new Frame(header, datagram[HeaderSize..(consumed - ChecksumSize)]);
    }

    /// <summary>
    /// Decodes the frame at the start of a byte stream's buffered bytes. Returns false when more bytes are needed
    /// (then nothing is consumed); a frame that can already be seen to be malformed or oversized throws at once,
    /// without waiting for (or buffering) the bytes it claims.
    /// </summary>
    /// <exception cref="FrameFormatException">The bytes are not a valid frame.</exception>
    public bool TryDecode(ReadOnlySpan<byte> input, out FrameHeader header, out ReadOnlySpan<byte> payload, out int consumed)
    {
        header = default;
        payload = default;
        consumed = 0;
        if (input.Length < LengthFieldSize)
            return false;
        int total = CheckDeclaredLength(BinaryPrimitives.ReadUInt32BigEndian(input));
        if (input.Length < total)
            return false;

        var frame = input[..total];
        byte version = frame[4];
        if (version != CurrentVersion)
            throw new FrameFormatException(FrameField.Version, 4, $"version {version} is not the supported version {CurrentVersion}");
        var kind = (FrameKind)frame[5];
        if (!Enum.IsDefined(kind))
            throw new FrameFormatException(FrameField.Kind, 5, $"kind {frame[5]} is not a defined frame kind");
        var flags = (FrameFlags)BinaryPrimitives.ReadUInt16BigEndian(frame[6..]);
        if ((flags & ~FrameFlags.All) != 0)
            throw new FrameFormatException(FrameField.Flags, 6, $"flags 0x{(ushort)flags:x4} include undefined bits 0x{(ushort)(flags & ~FrameFlags.All):x4}");
        int source = BinaryPrimitives.ReadInt32BigEndian(frame[8..]);
        if (source < 0)
            throw new FrameFormatException(FrameField.Source, 8, $"source {source} is not a process id");
        int destination = BinaryPrimitives.ReadInt32BigEndian(frame[12..]);
        if (destination < -1)
            throw new FrameFormatException(FrameField.Destination, 12, $"destination {destination} is not a process id or −1 (any)");
        int checksumAt = total - ChecksumSize;
        uint expected = BinaryPrimitives.ReadUInt32BigEndian(frame[checksumAt..]);
        uint actual = Crc32.HashToUInt32(frame[..checksumAt]);
        if (expected != actual)
            throw new FrameFormatException(FrameField.Checksum, checksumAt,
                $"checksum 0x{expected:x8} does not match the frame's CRC-32 0x{actual:x8} (corrupted)");

        header = new FrameHeader(kind, flags, new ProcessId(source), new ProcessId(destination),
            BinaryPrimitives.ReadUInt64BigEndian(frame[16..]), BinaryPrimitives.ReadUInt64BigEndian(frame[24..]));
        payload = frame[HeaderSize..checksumAt];
        consumed = total;
        return true;
    }

    /// <summary>
    /// Decodes the frame at the start of <paramref name="buffer"/> (as from a <c>PipeReader</c>) and slices it off.
    /// The payload is copied into a new array of at most <see cref="MaxPayloadLength"/> bytes, so the caller may
    /// release the buffer at once. Returns false, leaving <paramref name="buffer"/> as it is, when more bytes are
    /// needed.
    /// </summary>
    /// <exception cref="FrameFormatException">The bytes are not a valid frame.</exception>
    public bool TryDecode(ref ReadOnlySequence<byte> buffer, out Frame frame)
    {
        frame = default;
        if (buffer.IsSingleSegment)
        {
            if (!TryDecode(buffer.FirstSpan, out var h, out var p, out int used))
                return false;
            frame = new Frame(h, p.ToArray());
            buffer = buffer.Slice(used);
            return true;
        }

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadBigEndian(out int rawLength))
            return false;
        int total = CheckDeclaredLength((uint)rawLength);
        if (buffer.Length < total)
            return false;
        // Bounded by CheckDeclaredLength: at most MaxFrameLength bytes, never what the input merely claims.
        byte[] rented = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            buffer.Slice(0, total).CopyTo(rented);
            TryDecode(rented.AsSpan(0, total), out var h, out var p, out _);
            frame = new Frame(h, p.ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        buffer = buffer.Slice(total);
        return true;
    }

    /// <summary>Checks the length prefix; returns the whole frame's length.</summary>
    private int CheckDeclaredLength(uint declared)
    {
        if (declared < MinDeclaredLength)
            throw new FrameFormatException(FrameField.Length, 0,
                $"declared length {declared} is shorter than the {MinDeclaredLength} bytes of header and checksum");
        if (declared - MinDeclaredLength > (uint)MaxPayloadLength)
            throw new FrameFormatException(FrameField.Length, 0,
                $"declared length {declared} implies a {declared - MinDeclaredLength}-byte payload, over the maximum of {MaxPayloadLength}");
        return (int)declared + LengthFieldSize;
    }
}
