using VerifiedIpc.Reference.Framing;

namespace VerifiedIpc.Reference.Tests.Framing;

/// <summary>
/// Bounded fuzzing of the decoder: a fixed number of seeded inputs (so a failure names its seed and replays),
/// random bytes and mutated valid frames. The only acceptable outcomes are a decoded frame, "need more bytes",
/// or <see cref="FrameFormatException"/>; anything else (another exception type, a hang) fails the test.
/// </summary>
public sealed class FrameDecoderFuzzTests
{
    private static readonly FrameCodec Codec = new(maxPayloadLength: 512);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_bytes_never_crash_the_decoder(int seed)
    {
        var rng = new Random(seed);
        int rejected = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var input = new byte[rng.Next(0, 700)];
            rng.NextBytes(input);
            if (i % 2 == 0 && input.Length >= 4)
            {
                // Plausible length prefixes reach the field checks instead of failing at the length.
                int declared = rng.Next(0, input.Length + 8);
                input[0] = 0; input[1] = 0;
                input[2] = (byte)(declared >> 8); input[3] = (byte)declared;
                if (input.Length > 4) input[4] = FrameCodec.CurrentVersion;
            }
            rejected += Outcome(input, seed, i);
        }
        Assert.True(rejected > 10_000, $"only {rejected} inputs reached a rejection: the fuzzer is not exercising the decoder");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Mutated_valid_frames_never_crash_and_never_pass_unless_unchanged(int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < 20_000; i++)
        {
            var payload = new byte[rng.Next(0, 100)];
            rng.NextBytes(payload);
            var header = new FrameHeader((FrameKind)rng.Next(1, 6), (FrameFlags)rng.Next(0, 8),
                new ProcessId(rng.Next(0, 100)), new ProcessId(rng.Next(-1, 100)), (ulong)rng.NextInt64(), (ulong)rng.NextInt64());
            byte[] frame = Codec.Encode(header, payload);
            byte[] mutated = (byte[])frame.Clone();
            int mutations = rng.Next(1, 4);
            for (int m = 0; m < mutations; m++)
                mutated[rng.Next(mutated.Length)] = (byte)rng.Next(256);

            try
            {
                var decoded = Codec.DecodeDatagram(mutated);
                // Mutations that happen to write back the same byte leave a valid frame; anything else that decodes
                // would be an undetected corruption (CRC-32 misses ~1 in 2^32 random multi-byte changes).
                Assert.True(mutated.AsSpan().SequenceEqual(frame), $"seed {seed} input {i}: a corrupted frame was accepted");
                Assert.Equal(header, decoded.Header);
            }
            catch (FrameFormatException)
            {
            }
        }
    }

    private static int Outcome(byte[] input, int seed, int i)
    {
        try
        {
            Codec.TryDecode(input, out _, out _, out _);
            Codec.DecodeDatagram(input);
            return 0;
        }
        catch (FrameFormatException)
        {
            return 1;
        }
        catch (Exception e)
        {
            Assert.Fail($"seed {seed} input {i} ({input.Length} bytes): {e.GetType().Name}: {e.Message}");
            return 0;
        }
    }
}
