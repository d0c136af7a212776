using FsCheck;
using FsCheck.Fluent;
using VerifiedIpc.Properties.Infrastructure;
using VerifiedIpc.Reference.Streams;
using Xunit.Abstractions;

namespace VerifiedIpc.Properties.Streams;

/// <summary>
/// A fragmentation test case: messages, the packet payload size, and a delivery schedule. Each pick chooses the
/// next datagram among those not yet delivered (pick modulo how many remain); a negative pick delivers a copy and
/// leaves the datagram pending (a duplicate). Datagrams left when the picks run out go in order. Expressed this
/// way, any sub-list of messages or picks is still a valid schedule, so counterexamples shrink freely.
/// </summary>
public sealed record FragmentCase(byte[][] Messages, int PacketSize, int[] Picks)
{
    public override string ToString() =>
        $"packet size {PacketSize}, messages [{string.Join(" | ", Messages.Select(m => m.Length == 0 ? "empty" : string.Join(",", m)))}], picks [{string.Join(",", Picks)}]";
}

/// <summary>What the property needs of a reassembler: accept one datagram, maybe completing a message.</summary>
public interface IReassembly
{
    byte[]? Accept(byte[] datagram);
}

/// <summary>Split then reassemble, under any order and duplication of packets: every message comes back once, intact.</summary>
public sealed class FragmentationProperties(ITestOutputHelper output)
{
    private sealed class Real(FragmentationOptions options) : IReassembly
    {
        private readonly Reassembler _reassembler = new(options);
        public byte[]? Accept(byte[] datagram) => _reassembler.Accept(datagram, out var message) == ReassemblyOutcome.Completed ? message : null;
    }

    internal static Arbitrary<FragmentCase> Cases()
    {
        var message = Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));
        var gen = from messages in Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(message, n))
                  from size in Gen.Choose(1, 8)
                  from picks in Gen.ArrayOf(Gen.Choose(-3, 20))
                  select new FragmentCase(messages, size, picks);
        return Arb.From(gen, c =>
            Shrink.Sequence(c.Messages, m => m.Length > 1 ? [m[..(m.Length / 2)], m[1..]] : []).Select(ms => c with { Messages = ms })
                .Concat(Shrink.Sequence(c.Picks).Select(ps => c with { Picks = ps })));
    }

    internal static void RoundTrips(FragmentCase c, Func<FragmentationOptions, IReassembly> create)
    {
        var options = new FragmentationOptions { PacketPayloadSize = c.PacketSize, MaxMessageSize = 1024, MaxPartialMessages = 8 };
        var fragmenter = new Fragmenter(options);
        var ids = new List<ulong>();
        var pending = new List<byte[]>();
        foreach (var m in c.Messages)
        {
            var packets = fragmenter.Split(m);
            ids.Add(packets[0].MessageId);
            pending.AddRange(packets.Select(p => p.ToArray()));
        }

        var reassembler = create(options);
        var completed = new List<byte[]>();
        void Deliver(byte[] datagram)
        {
            if (reassembler.Accept(datagram) is { } whole)
            {
                completed.Add(whole);
            }
        }

        foreach (var pick in c.Picks)
        {
            if (pending.Count == 0)
            {
                break;
            }

            var i = Math.Abs(pick) % pending.Count;
            Deliver(pending[i]);
            if (pick >= 0)
            {
                pending.RemoveAt(i);
            }
        }

        foreach (var datagram in pending)
        {
            Deliver(datagram);
        }

        var expected = c.Messages.Select(m => string.Join(",", m)).Order().ToList();
        var actual = completed.Select(m => string.Join(",", m)).Order().ToList();
        PipeModelProperties.Require(expected.SequenceEqual(actual),
            $"reassembled [{string.Join(" | ", actual)}], sent [{string.Join(" | ", expected)}]");
    }

    [Fact]
    public void Every_message_is_reassembled_once_intact_under_reordering_and_duplication() =>
        PropertyRun.Holds(Prop.ForAll(Cases(), c => RoundTrips(c, o => new Real(o))), cases: 500, output);

    [Fact]
    public void Seeded_bug_reassembly_in_arrival_order_is_caught_with_a_minimal_case()
    {
        var report = PropertyRun.FailsOnSeededBug(
            Prop.ForAll(Cases(), c => RoundTrips(c, o => new SeededBugs.ArrivalOrderReassembly(o.PacketPayloadSize))), cases: 500, seed: 11, output);
        Assert.Contains("reassembled [", report);
    }
}
