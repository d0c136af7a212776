using System.Buffers.Binary;
using VerifiedIpc.Properties.Streams;

namespace VerifiedIpc.Properties.SeededBugs;

/// <summary>
/// Seeded bug (test double): reassembly that appends payloads in arrival order instead of placing them by index,
/// and counts duplicates as new packets. Correct only when the link neither reorders nor duplicates.
/// </summary>
internal sealed class ArrivalOrderReassembly(int packetSize) : IReassembly
{
    private readonly Dictionary<ulong, (int Seen, List<byte> Bytes)> _partials = [];
    private readonly int _packetSize = packetSize;

    public byte[]? Accept(byte[] datagram)
    {
        var id = BinaryPrimitives.ReadUInt64BigEndian(datagram);
        var count = BinaryPrimitives.ReadInt32BigEndian(datagram.AsSpan(12));
        var entry = _partials.TryGetValue(id, out var e) ? e : (Seen: 0, Bytes: new List<byte>(count * _packetSize));
        entry.Bytes.AddRange(datagram.AsSpan(16).ToArray());
        entry.Seen++;
        if (entry.Seen < count)
        {
            _partials[id] = entry;
            return null;
        }

        _partials.Remove(id);
        return [.. entry.Bytes];
    }
}
