using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Reference.Transports;

/// <summary>
/// Large messages over any <see cref="IMessageConnection"/>: each message is split into <see cref="Packet"/>s
/// that fit the inner connection's message size and put back together on the other side, within the limits of
/// <see cref="FragmentationOptions"/> (total size, partial messages held at once). Both ends must wrap.
/// </summary>
/// <remarks>
/// The packet size is derived from the inner connection (its <see cref="IMessageConnection.MaxMessageSize"/>
/// minus <see cref="Packet.HeaderSize"/>) unless a smaller one is asked for. A malformed packet from
/// the peer surfaces from <see cref="ReceiveAsync"/> as <see cref="MalformedPacketException"/>.
/// </remarks>
public sealed class FragmentingConnection : IMessageConnection
{
    private readonly IMessageConnection _inner;
    private readonly Fragmenter _fragmenter;
    private readonly Reassembler _reassembler;

    /// <param name="inner">The connection that carries the packets; owned.</param>
    /// <param name="options">Limits on messages; its <see cref="FragmentationOptions.PacketPayloadSize"/> is replaced by
    /// <paramref name="packetPayloadSize"/>.</param>
    /// <param name="packetPayloadSize">Payload bytes per packet; by default as many as the inner connection carries.</param>
    public FragmentingConnection(IMessageConnection inner, FragmentationOptions? options = null, int? packetPayloadSize = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (inner.MaxMessageSize <= Packet.HeaderSize)
            throw new ArgumentException($"The inner connection's messages ({inner.MaxMessageSize} bytes) cannot hold a packet header.", nameof(inner));
        options ??= new FragmentationOptions();
        int largest = inner.MaxMessageSize - Packet.HeaderSize;
        if (packetPayloadSize is < 1 || packetPayloadSize > largest)
            throw new ArgumentOutOfRangeException(nameof(packetPayloadSize), packetPayloadSize, $"Between 1 and {largest} for this inner connection.");
        options = options with { PacketPayloadSize = packetPayloadSize ?? largest };
        _inner = inner;
        _fragmenter = new Fragmenter(options);
        _reassembler = new Reassembler(options);
    }

    public ProcessId Local => _inner.Local;
    public ProcessId Remote => _inner.Remote;
    public int MaxMessageSize => _fragmenter.Options.MaxMessageSize;

    /// <summary>The limits in force (with the packet size actually used).</summary>
    public FragmentationOptions Options => _fragmenter.Options;

    public async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var packets = _fragmenter.Split(message); // MessageTooLargeException before anything is sent
        // All packets are handed over at once so a windowed inner connection keeps its window full instead of
        // waiting one round trip per packet; the receiver reassembles in any order.
        var sends = new List<Task>(packets.Length);
        foreach (var packet in packets)
            sends.Add(_inner.SendAsync(packet.ToArray(), cancellationToken));
        await Task.WhenAll(sends).ConfigureAwait(false);
    }

    public async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var datagram = await _inner.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (datagram is null)
                return null;
            if (_reassembler.Accept(datagram, out byte[]? message) == ReassemblyOutcome.Completed)
                return message;
        }
    }

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
