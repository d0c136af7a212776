using FsCheck;
using FsCheck.Fluent;
using VerifiedIpc.Properties.Infrastructure;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Framing;
using Xunit.Abstractions;

namespace VerifiedIpc.Properties.Framing;

/// <summary>One corruption of an encoded frame: XOR a burst of up to four bytes at an offset, or cut the frame short.</summary>
public sealed record Corruption(bool Truncate, int Offset, byte[] Mask)
{
    public override string ToString() => Truncate ? $"truncate to {Offset} bytes" : $"xor [{string.Join(",", Mask)}] at offset {Offset}";
}

/// <summary>A frame header and payload, and a corruption to apply to its encoding.</summary>
public sealed record FrameCase(FrameHeader Header, byte[] Payload, Corruption Corruption)
{
    public override string ToString() =>
        $"{Header.Kind} flags={Header.Flags} {Header.Source}->{Header.Destination} seq={Header.Sequence} ack={Header.Ack} payload [{string.Join(",", Payload)}]; {Corruption}";
}

/// <summary>What a decoder must do, so the same property runs on the real codec and on a seeded bug.</summary>
public interface IFrameDecoder
{
    Frame Decode(byte[] datagram);
}

/// <summary>Frame encode/decode round trip, and rejection (as a typed error) of every single-burst corruption and truncation.</summary>
public sealed class FrameProperties(ITestOutputHelper output)
{
    private const int MaxPayload = 64;

    private sealed class RealDecoder : IFrameDecoder
    {
        private readonly FrameCodec _codec = new(MaxPayload);
        public Frame Decode(byte[] datagram) => _codec.DecodeDatagram(datagram);
    }

    internal static Arbitrary<FrameCase> Cases()
    {
        var header = from kind in Gen.Elements(FrameKind.Data, FrameKind.Ack, FrameKind.Nack, FrameKind.Hello, FrameKind.Close)
                     from flags in Gen.Choose(0, (int)FrameFlags.All).Select(f => (FrameFlags)f)
                     from source in Gen.Choose(0, 1000)
                     from destination in Gen.Choose(-1, 1000)
                     from sequence in Gen.Choose(0, int.MaxValue).Select(s => (ulong)s * 3)
                     from ack in Gen.Choose(0, int.MaxValue).Select(a => (ulong)a)
                     select new FrameHeader(kind, flags, new ProcessId(source), new ProcessId(destination), sequence, ack);
        var payload = Gen.Choose(0, MaxPayload).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));
        var mask = Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n))
            .Where(m => m[0] != 0); // the burst starts at the offset, so its first byte changes
        var corruption = Gen.Frequency(
            (4, from offset in Gen.Choose(0, 10_000) from m in mask select new Corruption(false, offset, m)),
            (1, Gen.Choose(0, 10_000).Select(cut => new Corruption(true, cut, []))));
        var gen = from h in header from p in payload from c in corruption select new FrameCase(h, p, c);
        return Arb.From(gen, c =>
            (c.Payload.Length > 0 ? new[] { c with { Payload = [] }, c with { Payload = c.Payload[..(c.Payload.Length / 2)] } } : [])
            .Concat(c.Corruption.Mask.Length > 1 ? [c with { Corruption = c.Corruption with { Mask = c.Corruption.Mask[..1] } }] : [])
            .Concat(c.Corruption.Offset > 0 ? [c with { Corruption = c.Corruption with { Offset = c.Corruption.Offset / 2 } }] : []));
    }

    [Fact]
    public void Every_frame_round_trips() =>
        PropertyRun.Holds(Prop.ForAll(Cases(), c =>
        {
            var codec = new FrameCodec(MaxPayload);
            var frame = codec.DecodeDatagram(codec.Encode(c.Header, c.Payload));
            Require(frame.Header == c.Header && frame.Payload.Span.SequenceEqual(c.Payload), $"decoded {frame.Header} with {frame.Payload.Length} payload bytes");
        }), cases: 1000, output);

    /// <summary>Encodes with the real codec, corrupts, and requires <paramref name="decoder"/> to reject with a typed error naming a field.</summary>
    internal static void RejectsCorruption(FrameCase c, IFrameDecoder decoder)
    {
        var bytes = new FrameCodec(MaxPayload).Encode(c.Header, c.Payload);
        byte[] damaged;
        if (c.Corruption.Truncate)
        {
            damaged = bytes[..(c.Corruption.Offset % bytes.Length)];
        }
        else
        {
            damaged = (byte[])bytes.Clone();
            var at = c.Corruption.Offset % bytes.Length;
            for (var i = 0; i < c.Corruption.Mask.Length && at + i < damaged.Length; i++)
            {
                damaged[at + i] ^= c.Corruption.Mask[i];
            }
        }

        try
        {
            var frame = decoder.Decode(damaged);
            throw new InvalidOperationException($"a corrupted frame was accepted as {frame.Header} with {frame.Payload.Length} payload bytes");
        }
        catch (FrameFormatException e)
        {
            Require(e.Offset >= 0 && e.Offset <= bytes.Length, $"the error names offset {e.Offset} outside the frame");
        }
    }

    [Fact]
    public void Every_burst_corruption_and_truncation_is_rejected_with_a_typed_error() =>
        PropertyRun.Holds(Prop.ForAll(Cases(), c => RejectsCorruption(c, new RealDecoder())), cases: 2000, output);

    [Fact]
    public void Seeded_bug_decoder_without_checksum_check_is_caught_with_a_minimal_case()
    {
        var report = PropertyRun.FailsOnSeededBug(Prop.ForAll(Cases(), c => RejectsCorruption(c, new SeededBugs.DecoderWithoutChecksum(MaxPayload))), cases: 2000, seed: 9, output);
        Assert.Contains("was accepted", report);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
