using System.Text.Json;
using System.Text.RegularExpressions;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// <c>spec/Fragmentation.tla</c> on <see cref="Fragmenter"/> and <see cref="Reassembler"/> over a scripted in-order
/// link, on one thread: each sender splits its message with its own fragmenter (ids from 1, as each numbers its own
/// messages), Fragment puts its next packet on the link, Receive and Deliver hand the head packet to the receiving
/// side. The correct build gives each source its own reassembler; the <c>KeyedByMessageId</c> mutant's counterpart
/// is one reassembler shared by all sources, which keys partial messages by message id alone. Byte k of sender s
/// (the spec's <c>&lt;&lt;s, k&gt;&gt;</c>) is the byte 64·(index of s) + k.
/// </summary>
internal sealed partial class FragmentationReplayer(string? cfg) : ISpecReplayer
{
    public string Spec => "Fragmentation";

    public IReadOnlyDictionary<string, string> Mutants { get; } = new Dictionary<string, string>
    {
        ["KeyedByMessageId"] = "one Reassembler shared by every source (it keys partial messages by message id alone)",
    };

    [GeneratedRegex(@"(?m)^\s*PacketSize\s*=\s*(\d+)")]
    private static partial Regex PacketSizeConstant();

    [GeneratedRegex(@"(?m)^\s*MaxSize\s*=\s*(\d+)")]
    private static partial Regex MaxSizeConstant();

    public ReplayReport Replay(CheckerTrace trace, string module)
    {
        var item = Shape.Tuple(Shape.Str, Shape.Int);
        trace.RequireVariables("Fragmentation",
            ("status", Shape.Fn(Shape.Str)), ("size", Shape.Fn(Shape.Int)), ("nextPkt", Shape.Fn(Shape.Int)),
            ("link", Shape.Seq(Shape.Rec(("src", Shape.Str), ("idx", Shape.Int), ("last", Shape.Bool), ("data", Shape.Seq(item))))),
            ("partial", Shape.Fn(Shape.Seq(item))), ("delivered", Shape.Fn(Shape.Or(Shape.Str, Shape.Seq(item)))));
        if (cfg is null || PacketSizeConstant().Match(cfg) is not { Success: true } ps || MaxSizeConstant().Match(cfg) is not { Success: true } ms)
            throw new ReplayInputException(trace.File, null, "Fragmentation's PacketSize and MaxSize are not in the states: give the model's .cfg with --config");
        int packetSize = int.Parse(ps.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int maxSize = int.Parse(ms.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        bool shared = module == "Fragmentation_KeyedByMessageId";
        var options = new FragmentationOptions { PacketPayloadSize = packetSize, MaxMessageSize = maxSize };

        var senders = trace.States[0].StringMap("status").Keys.ToList();
        var fragmenters = senders.ToDictionary(s => s, _ => new Fragmenter(options), StringComparer.Ordinal);
        var sharedReassembler = new Reassembler(options);
        var reassemblers = senders.ToDictionary(s => s, _ => shared ? sharedReassembler : new Reassembler(options), StringComparer.Ordinal);
        var outgoing = new Dictionary<string, Queue<Packet>>(StringComparer.Ordinal);
        var link = new List<(string Src, Packet Packet)>();
        var delivered = new Dictionary<string, List<SpecItem>>(StringComparer.Ordinal);
        string target = shared
            ? "Fragmenter per sender, one Reassembler shared by all sources (keyed by message id alone)"
            : "Fragmenter per sender, one Reassembler per source, correct use";
        target += $"; packets of {packetSize} bytes, cap {maxSize}";

        byte Encode(SpecItem b) => checked((byte)(64 * senders.IndexOf(b.Process) + b.Number));
        SpecItem Decode(byte b) => b / 64 < senders.Count ? new SpecItem(senders[b / 64], b % 64) : new SpecItem("?", b);

        var log = new List<ReplayStep>();
        string? implFailure = null;
        var diverged = ReplaySteps.Walk(trace, target, log, (step, before, after) =>
        {
            var (act, who, n) = Infer(before, after, senders);
            string call, observed;
            switch (act)
            {
                case "Send":
                {
                    var bytes = Enumerable.Range(1, n).Select(k => Encode(new SpecItem(who, k))).ToArray();
                    call = $"{who}: Split(a {n}-byte message)";
                    try
                    {
                        var packets = fragmenters[who].Split(bytes);
                        outgoing[who] = new Queue<Packet>(packets);
                        observed = $"{packets.Length} packet(s), message id {packets[0].MessageId}";
                        if (after.StringMap("status")[who] == "refused")
                            throw new DivergedException($"the spec refuses {who}'s {n}-byte message; the implementation split it");
                    }
                    catch (MessageTooLargeException e)
                    {
                        observed = $"refused: {e.Message}";
                        if (after.StringMap("status")[who] != "refused")
                            throw new DivergedException($"the spec sends {who}'s {n}-byte message; the implementation refused it");
                    }
                    break;
                }
                case "Fragment":
                {
                    var p = outgoing[who].Dequeue();
                    link.Add((who, p));
                    call = $"{who}: put packet {p.Index + 1} of {p.Count} on the link";
                    observed = $"{p.Payload.Length} byte(s)";
                    break;
                }
                case "Receive" or "Deliver":
                {
                    if (link.Count == 0) throw new DivergedException("the spec takes a packet from the link; the implementation's link is empty");
                    var (src, p) = link[0];
                    link.RemoveAt(0);
                    call = $"hand {src}'s packet {p.Index + 1} of {p.Count} (message id {p.MessageId}) to {(shared ? "the shared reassembler" : $"{src}'s reassembler")}";
                    ReassemblyOutcome outcome;
                    byte[]? message;
                    try
                    {
                        outcome = reassemblers[src].Accept(p, out message);
                    }
                    catch (IpcException e)
                    {
                        throw new DivergedException($"the spec's receiver {(act == "Deliver" ? "delivers a message" : "stores the packet")}; the implementation refused the packet ({e.GetType().Name}: {e.Message})");
                    }
                    observed = outcome.ToString();
                    if (outcome == ReassemblyOutcome.Completed)
                    {
                        var got = message!.Select(Decode).ToList();
                        delivered[src] = got;
                        observed += $": {src} gets <<{string.Join(", ", got)}>>";
                    }
                    if ((act == "Deliver") != (outcome == ReassemblyOutcome.Completed))
                        throw new DivergedException($"the spec's receiver {(act == "Deliver" ? "completes a message" : "stores a packet")}; the implementation's reassembler says {outcome}");
                    break;
                }
                default:
                    call = "(none)";
                    observed = "stutter";
                    break;
            }
            log.Add(new ReplayStep(before.Index, act == "Send" ? $"Send({who}, {n})" : who.Length > 0 ? $"{act}({who})" : act, call, observed));

            var specLink = after.Get("link", JsonValueKind.Array).EnumerateArray().Select(p => (p.GetProperty("src").GetString()!, p.GetProperty("idx").GetInt32())).ToList();
            var implLink = link.Select(x => (x.Src, x.Packet.Index + 1)).ToList();
            if (!specLink.SequenceEqual(implLink))
                throw new DivergedException($"the spec's link holds [{string.Join(", ", specLink)}], the implementation's [{string.Join(", ", implLink)}]");
            foreach (var (s, v) in after.Map("delivered", v => v))
            {
                var specMsg = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => SpecItem.From(x, after, "delivered")!.Value).ToList() : null;
                var implMsg = delivered.GetValueOrDefault(s);
                if (specMsg is null != implMsg is null || (specMsg is not null && !specMsg.SequenceEqual(implMsg!)))
                    throw new DivergedException($"the spec delivers {(specMsg is null ? "nothing" : $"<<{string.Join(", ", specMsg)}>>")} to {s}'s receiver, the implementation {(implMsg is null ? "nothing" : $"<<{string.Join(", ", implMsg)}>>")}");
            }
            var size = after.IntMap("size");
            foreach (var (s, m) in delivered)
                if (!m.SequenceEqual(Enumerable.Range(1, size[s]).Select(k => new SpecItem(s, k))))
                    implFailure = $"the message delivered as {s}'s is <<{string.Join(", ", m)}>>: not the {size[s]} bytes {s} sent";
            return implFailure is null;
        });
        if (diverged is not null) return diverged;

        string? specFailure = null;
        var last = trace.States[log.Count];
        foreach (var (s, v) in last.Map("delivered", v => v))
        {
            if (v.ValueKind != JsonValueKind.Array) continue;
            var got = v.EnumerateArray().Select(x => SpecItem.From(x, last, "delivered")).ToList();
            if (!got.SequenceEqual(Enumerable.Range(1, last.IntMap("size")[s]).Select(k => (SpecItem?)new SpecItem(s, k))))
                specFailure = $"Integrity (state {last.Index}: {s}'s delivered message is <<{string.Join(", ", got)}>>, not the one {s} sent)";
        }
        return ReplayReport.Conclude(target, log, implFailure, specFailure, log.Count);
    }

    /// <summary>The step from the change between the states: a sender picks its size (Send), a packet joins the
    /// link (Fragment), the head packet leaves it (Receive, or Deliver when a message is handed over).</summary>
    private static (string Act, string Who, int N) Infer(TraceState before, TraceState after, List<string> senders)
    {
        var st0 = before.StringMap("status");
        var st1 = after.StringMap("status");
        var nx0 = before.IntMap("nextPkt");
        var nx1 = after.IntMap("nextPkt");
        int len0 = before.Get("link", JsonValueKind.Array).GetArrayLength();
        int len1 = after.Get("link", JsonValueKind.Array).GetArrayLength();
        foreach (var s in senders)
        {
            if (st0[s] == "idle" && st1[s] != "idle") return ("Send", s, after.IntMap("size")[s]);
            if (nx1[s] == nx0[s] + 1 && len1 == len0 + 1) return ("Fragment", s, 0);
        }
        if (len1 == len0 - 1)
        {
            var d0 = before.Map("delivered", v => v.GetRawText());
            var d1 = after.Map("delivered", v => v.GetRawText());
            return (d0.Any(kv => d1[kv.Key] != kv.Value) ? "Deliver" : "Receive", "", 0);
        }
        if (len1 == len0 && st0.All(kv => st1[kv.Key] == kv.Value)) return ("Stutter", "", 0);
        throw after.Misfit("no Fragmentation action explains the change from the state before");
    }
}
