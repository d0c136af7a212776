using VerifiedIpc.Properties.Framing;
using VerifiedIpc.Reference.Framing;

namespace VerifiedIpc.Properties.SeededBugs;

/// <summary>
/// Seeded bug (test double): a decoder that checks the frame's structure but forgets to verify the checksum — it
/// recomputes the checksum over the received bytes and re-decodes, which accepts any corruption of the sequence,
/// ack or payload fields. The codec has no fault switch, so this stands in for that bug.
/// </summary>
internal sealed class DecoderWithoutChecksum(int maxPayload) : IFrameDecoder
{
    private readonly FrameCodec _codec = new(maxPayload);

    public Frame Decode(byte[] datagram)
    {
        var repaired = (byte[])datagram.Clone();
        if (repaired.Length >= FrameCodec.Overhead)
        {
            var body = repaired.AsSpan(0, repaired.Length - FrameCodec.ChecksumSize);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(
                repaired.AsSpan(repaired.Length - FrameCodec.ChecksumSize), System.IO.Hashing.Crc32.HashToUInt32(body));
        }

        return _codec.DecodeDatagram(repaired);
    }
}
