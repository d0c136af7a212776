using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using VerifiedIpc.Reference.Framing;

namespace VerifiedIpc.Bench.Streams;

/// <summary>
/// Encoding and decoding one frame. Anchor: a bare 4-byte length prefix and a copy, i.e. the least any framing
/// can do; the difference is the price of the header, the validation and the CRC-32.
/// </summary>
[MemoryDiagnoser]
public class FrameCodecBenchmarks
{
    private static readonly FrameHeader Header = new(FrameKind.Data, FrameFlags.AckValid, new(1), new(2), 42, 41);
    private readonly FrameCodec _codec = new(1 << 20);
    private byte[] _payload = [];
    private byte[] _buffer = [];
    private byte[] _copy = [];

    [Params(64, 4096, 65536)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadSize];
        new Random(1).NextBytes(_payload);
        _buffer = new byte[FrameCodec.GetEncodedLength(PayloadSize)];
        _copy = new byte[PayloadSize];
    }

    [Benchmark(Baseline = true, Description = "length prefix + copy")]
    public int RawLengthPrefix()
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer, _payload.Length);
        _payload.CopyTo(_buffer.AsSpan(4));
        int length = BinaryPrimitives.ReadInt32BigEndian(_buffer);
        _buffer.AsSpan(4, length).CopyTo(_copy);
        return length;
    }

    [Benchmark(Description = "frame encode + decode (CRC-32)")]
    public int EncodeDecode()
    {
        int n = _codec.Encode(Header, _payload, _buffer);
        _codec.TryDecode(_buffer.AsSpan(0, n), out _, out var payload, out _);
        payload.CopyTo(_copy);
        return n;
    }
}
