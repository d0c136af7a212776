using System.Buffers.Binary;

namespace VerifiedIpc.Reference.Streams;

/// <summary>
/// One piece of a message split by <see cref="Fragmenter"/>: packet <see cref="Index"/> of <see cref="Count"/>
/// of message <see cref="MessageId"/>. Every packet but the last carries exactly the fragmenter's packet size, so
/// the receiver can place a packet by its index alone, in any arrival order.
/// </summary>
/// <remarks>
/// Wire form (big-endian), <see cref="HeaderSize"/> bytes of header then the payload to the end of the datagram:
/// <c>[0..8) message id · [8..12) index · [12..16) count</c>. The payload length is the datagram's length minus
/// the header, so a packet travels as exactly one datagram (or one frame).
/// </remarks>
public readonly record struct Packet(ulong MessageId, int Index, int Count, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Bytes of header in front of the payload on the wire.</summary>
    public const int HeaderSize = 16;

    /// <summary>Whether this is the last packet of its message.</summary>
    public bool IsLast => Index == Count - 1;

    /// <summary>Bytes this packet occupies on the wire.</summary>
    public int EncodedLength => HeaderSize + Payload.Length;

    /// <summary>Writes the wire form into <paramref name="destination"/>; returns the bytes written.</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (destination.Length < EncodedLength)
            throw new ArgumentException($"Need {EncodedLength} bytes, got {destination.Length}.", nameof(destination));
        BinaryPrimitives.WriteUInt64BigEndian(destination, MessageId);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], Index);
        BinaryPrimitives.WriteInt32BigEndian(destination[12..], Count);
        Payload.Span.CopyTo(destination[HeaderSize..]);
        return EncodedLength;
    }

    /// <summary>The wire form as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[EncodedLength];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>
    /// Parses a packet from one datagram. The payload aliases <paramref name="datagram"/> (no copy). Only the
    /// shape is checked here (header present, index within count); limits that depend on the receiver's
    /// configuration are checked by <see cref="Reassembler"/>.
    /// </summary>
    /// <exception cref="MalformedPacketException">The datagram is not a packet; names the field and offset.</exception>
    public static Packet Parse(ReadOnlyMemory<byte> datagram)
    {
        var span = datagram.Span;
        if (span.Length < HeaderSize)
            throw new MalformedPacketException("header", span.Length,
                $"the datagram has {span.Length} bytes, fewer than the {HeaderSize}-byte packet header");
        ulong id = BinaryPrimitives.ReadUInt64BigEndian(span);
        int index = BinaryPrimitives.ReadInt32BigEndian(span[8..]);
        int count = BinaryPrimitives.ReadInt32BigEndian(span[12..]);
        if (count < 1)
            throw new MalformedPacketException("count", 12, $"packet count {count} is not positive");
        if (index < 0 || index >= count)
            throw new MalformedPacketException("index", 8, $"packet index {index} is outside 0..{count - 1}");
        return new Packet(id, index, count, datagram[HeaderSize..]);
    }
}

/// <summary>
/// A packet is not well formed, or contradicts the other packets of its message. <see cref="Field"/> names the
/// header field at fault and <see cref="Offset"/> its byte offset in the packet (the payload's offset, 16, for
/// payload-size faults). The reassembler's state is unchanged by a rejected packet.
/// </summary>
public sealed class MalformedPacketException : IpcException
{
    public MalformedPacketException(string field, int offset, string reason)
        : base($"Malformed packet: field '{field}' at byte {offset}: {reason}.")
    {
        Field = field;
        Offset = offset;
        Reason = reason;
    }

    public string Field { get; }
    public int Offset { get; }
    public string Reason { get; }
}

/// <summary>
/// The reassembler already holds its cap of incomplete messages and a packet of yet another message arrived.
/// The packet is rejected; held messages are unaffected. <see cref="Reassembler.Abandon"/> frees a slot.
/// </summary>
public sealed class TooManyPartialMessagesException : IpcException
{
    public TooManyPartialMessagesException(ulong messageId, int limit)
        : base($"Packet of message {messageId} rejected: {limit} messages are already partly received (the cap).")
    {
        MessageId = messageId;
        Limit = limit;
    }

    public ulong MessageId { get; }
    public int Limit { get; }
}
