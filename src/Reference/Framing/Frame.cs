namespace VerifiedIpc.Reference.Framing;

/// <summary>What a frame carries. Values are wire values: never renumber, never reuse.</summary>
public enum FrameKind : byte
{
    /// <summary>A message (or, with <see cref="FrameFlags.Fragment"/>, one packet of one).</summary>
    Data = 1,

    /// <summary>A stand-alone (cumulative) acknowledgement: <see cref="FrameHeader.Ack"/> is meaningful.</summary>
    Ack = 2,

    /// <summary>A negative acknowledgement: the receiver misses message <see cref="FrameHeader.Ack"/> (its
    /// cumulative ack) and, listed in the payload as big-endian u64 sequence numbers, possibly others.</summary>
    Nack = 3,

    /// <summary>Opening handshake (the seed's connect/accept).</summary>
    Hello = 4,

    /// <summary>The sender closes its direction.</summary>
    Close = 5,
}

/// <summary>Frame flags; unknown bits are a format error so that a newer peer cannot be misread silently.</summary>
[Flags]
public enum FrameFlags : ushort
{
    None = 0,

    /// <summary>The <see cref="FrameHeader.Ack"/> field carries a piggy-backed cumulative acknowledgement.</summary>
    AckValid = 1 << 0,

    /// <summary>The payload is a <see cref="Streams.Packet"/> of a larger message.</summary>
    Fragment = 1 << 1,

    /// <summary>This data frame is a retransmission (diagnostics; the receiver treats it like any other).</summary>
    Retransmission = 1 << 2,

    /// <summary>An Ack frame's <see cref="FrameHeader.Sequence"/> echoes the data message whose arrival prompted
    /// it, so the sender can measure that message's round trip.</summary>
    Echo = 1 << 3,

    /// <summary>Every bit that has a meaning; anything else is rejected.</summary>
    All = AckValid | Fragment | Retransmission | Echo,
}

/// <summary>
/// The fixed fields of a frame. <see cref="Sequence"/> numbers the sender's data frames; <see cref="Ack"/> is the
/// receiver's cumulative acknowledgement (the next sequence number it expects) when
/// <see cref="FrameFlags.AckValid"/> is set or the kind is <see cref="FrameKind.Ack"/>.
/// </summary>
public readonly record struct FrameHeader(
    FrameKind Kind,
    FrameFlags Flags,
    ProcessId Source,
    ProcessId Destination,
    ulong Sequence,
    ulong Ack);

/// <summary>A decoded frame: its header and its payload.</summary>
public readonly record struct Frame(FrameHeader Header, ReadOnlyMemory<byte> Payload);

/// <summary>
/// A frame on the wire is malformed, truncated, oversized or corrupted. <see cref="Field"/> names the field at
/// fault and <see cref="Offset"/> is that field's byte offset from the start of the frame.
/// </summary>
public sealed class FrameFormatException : IpcException
{
    public FrameFormatException(FrameField field, int offset, string reason)
        : base($"Bad frame: {FieldName(field)} at byte {offset}: {reason}.")
    {
        Field = field;
        Offset = offset;
        Reason = reason;
    }

    public FrameField Field { get; }
    public int Offset { get; }
    public string Reason { get; }

    private static string FieldName(FrameField f) => f.ToString().ToLowerInvariant();
}

/// <summary>The fields of a frame, for <see cref="FrameFormatException.Field"/>.</summary>
public enum FrameField
{
    Length,
    Version,
    Kind,
    Flags,
    Source,
    Destination,
    Sequence,
    Ack,
    Payload,
    Checksum,
}
