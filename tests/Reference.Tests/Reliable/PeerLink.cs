using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Tests.Reliable;

/// <summary>
/// A datagram link whose far end is the test: every frame the endpoint sends is decoded and kept in
/// <see cref="Sent"/>, and the test hands the endpoint frames of its choosing (<see cref="Data"/>,
/// <see cref="Ack"/>, <see cref="Nack"/>, <see cref="Raw"/>), synchronously, on fake time. It tests the protocol
/// frame by frame, where the simulation tests it run by run.
/// </summary>
internal sealed class PeerLink : IDatagramLink
{
    public static readonly ProcessId Me = new(1), Peer = new(2);
    private readonly FrameCodec _codec;
    private Action<ReadOnlyMemory<byte>>? _handler;

    public PeerLink(int maxDatagramSize = 1500)
    {
        MaxDatagramSize = maxDatagramSize;
        _codec = new FrameCodec(maxDatagramSize - FrameCodec.Overhead);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public List<Frame> Sent { get; } = [];
    public bool Disposed { get; private set; }
    public ProcessId Local => Me;
    public ProcessId Remote => Peer;
    public int MaxDatagramSize { get; }

    /// <summary>An endpoint on this link with the given options and fake time.</summary>
    public ReliableEndpoint Endpoint(ReliableOptions? options = null, Action<ReadOnlyMemory<byte>>? onDelivered = null,
        IDeliveryTracer? tracer = null, SeededBugs bugs = SeededBugs.None) =>
        new(this, options, Time, onDelivered, tracer, bugs);

    /// <summary>When set, <see cref="Send"/> throws, as a broken link would.</summary>
    public bool ThrowOnSend { get; set; }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        if (ThrowOnSend)
            throw new InvalidOperationException("the link refused");
        Sent.Add(_codec.DecodeDatagram(datagram.ToArray()));
    }

    public void Attach(Action<ReadOnlyMemory<byte>> onDatagram) => _handler = onDatagram;

    public void Dispose() => Disposed = true;

    /// <summary>The frames sent since the last call, and forgets them.</summary>
    public List<Frame> Take()
    {
        var taken = Sent.ToList();
        Sent.Clear();
        return taken;
    }

    public void Raw(byte[] datagram) => _handler!(datagram);

    public void Frame(FrameHeader header, byte[]? payload = null) => Raw(_codec.Encode(header, payload ?? []));

    public void Data(ulong seq, byte[] payload, bool retransmission = false, ulong? ack = null) =>
        Frame(new FrameHeader(FrameKind.Data,
            (ack is null ? FrameFlags.None : FrameFlags.AckValid) | (retransmission ? FrameFlags.Retransmission : FrameFlags.None),
            Peer, Me, seq, ack ?? 0), payload);

    public void Ack(ulong ack, byte[]? sack = null, ulong? echo = null, bool echoRepair = false) =>
        Frame(new FrameHeader(FrameKind.Ack,
            FrameFlags.AckValid | (echo is null ? FrameFlags.None : FrameFlags.Echo | (echoRepair ? FrameFlags.Retransmission : FrameFlags.None)),
            Peer, Me, echo ?? 0, ack), sack);

    public void Nack(ulong firstMissing, params ulong[] missing)
    {
        var list = new byte[missing.Length * 8];
        for (int i = 0; i < missing.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(list.AsSpan(i * 8), missing[i]);
        Frame(new FrameHeader(FrameKind.Nack, FrameFlags.AckValid, Peer, Me, 0, firstMissing), list);
    }

    public void Advance(TimeSpan by) => Time.Advance(by);

    public void Advance(int ms) => Time.Advance(TimeSpan.FromMilliseconds(ms));
}
