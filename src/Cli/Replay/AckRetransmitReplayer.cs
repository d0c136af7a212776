using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// <c>spec/AckRetransmit.tla</c> on two <see cref="ReliableEndpoint"/>s (sender A, receiver B) joined by a scripted
/// link: every datagram either end sends is held in flight, and only the spec's steps move it — Receive(i) and
/// Ack(i) hand one copy to the other end, Lose drops one, Duplicate copies one; a Put onto a full link (the spec's
/// MaxCopies) is a loss. Timeout advances a <see cref="FakeTimeProvider"/> until A's retransmission timer fires.
/// The endpoints run stop-and-wait (window 1), acknowledge at once, and send no negative acks, as the spec does.
/// Message i is sequence number i − 1; the spec's ack i is the cumulative ack value i ("I have all below i").
/// </summary>
internal sealed partial class AckRetransmitReplayer : ISpecReplayer
{
    public string Spec => "AckRetransmit";

    public IReadOnlyDictionary<string, string> Mutants { get; } = new Dictionary<string, string>
    {
        ["NoDuplicateCheck"] = "ReliableEndpoint with " + nameof(SeededBugs.MissingDuplicateCheck) + " at the receiver",
    };

    private readonly record struct Packet(string Kind, int I)
    {
        public override string ToString() => $"<<\"{Kind}\", {I}>>";
    }

    [GeneratedRegex("""^<<"(data|ack)", (\d+)>>$""")]
    private static partial Regex PacketKey();

    public ReplayReport Replay(CheckerTrace trace, string module)
    {
        trace.RequireVariables("AckRetransmit",
            ("sent", Shape.Int), ("acked", Shape.Int), ("delivered", Shape.Seq(Shape.Int)), ("link", Shape.Fn(Shape.Int)));
        bool noDupCheck = module == "AckRetransmit_NoDuplicateCheck";
        var bugs = noDupCheck ? SeededBugs.MissingDuplicateCheck : SeededBugs.None;
        var options = new ReliableOptions
        {
            WindowSize = 1,
            AckDelay = TimeSpan.Zero,
            AckEvery = 1,
            SendNegativeAcks = false,
            DuplicateAckThreshold = 1_000,
            InitialRetransmitTimeout = TimeSpan.FromSeconds(1),
            MaxRetransmitTimeout = TimeSpan.FromSeconds(8),
            MaxRetransmissions = 1_000,
        };
        var time = new FakeTimeProvider();
        var a = new ProcessId(1);
        var b = new ProcessId(2);
        var linkA = new ScriptedLink(a, b);
        var linkB = new ScriptedLink(b, a);
        var delivered = new List<int>();
        using var sender = new ReliableEndpoint(linkA, options, time, onDelivered: null, tracer: null, SeededBugs.None);
        using var receiver = new ReliableEndpoint(linkB, options, time, m => delivered.Add(BinaryPrimitives.ReadInt32LittleEndian(m.Span)), tracer: null, bugs);
        var codec = new FrameCodec(1024 - FrameCodec.Overhead);
        var flight = new Dictionary<Packet, List<byte[]>>();
        var sends = new List<Task>();
        string target = $"two ReliableEndpoints over a scripted link, {(bugs == SeededBugs.None ? "correct build" : $"seeded bug {bugs} at the receiver")}; window 1, immediate acks, fake time";

        Packet Classify(byte[] datagram)
        {
            var h = codec.DecodeDatagram(datagram).Header;
            return h.Kind switch
            {
                FrameKind.Data => new Packet("data", checked((int)h.Sequence) + 1),
                FrameKind.Ack => new Packet("ack", checked((int)h.Ack)),
                _ => throw new DivergedException($"the implementation sent a {h.Kind} frame, which the spec has no packet for"),
            };
        }

        List<Packet> Collect(ScriptedLink link)
        {
            var got = new List<Packet>();
            foreach (var d in link.Sent)
            {
                var p = Classify(d);
                got.Add(p);
                if (!flight.TryGetValue(p, out var copies)) flight[p] = copies = new List<byte[]>();
                copies.Add(d);
            }
            link.Sent.Clear();
            return got;
        }

        byte[] TakeCopy(Packet p)
        {
            if (!flight.TryGetValue(p, out var copies) || copies.Count == 0)
                throw new DivergedException($"the spec has a copy of {p} in flight; the implementation has none");
            var d = copies[^1];
            copies.RemoveAt(copies.Count - 1);
            return d;
        }

        var log = new List<ReplayStep>();
        string? implFailure = null;
        var diverged = ReplaySteps.Walk(trace, target, log, (step, before, after) =>
        {
            var link0 = Link(before);
            var link1 = Link(after);
            var (act, packet) = Infer(trace, step, link0, link1);
            string call;
            var notes = new List<string>();
            switch (act)
            {
                case "Send":
                {
                    int i = before.Int("sent") + 1;
                    call = $"A.SendAsync(message {i})";
                    var payload = new byte[4];
                    BinaryPrimitives.WriteInt32LittleEndian(payload, i);
                    sends.Add(sender.SendAsync(payload));
                    break;
                }
                case "Timeout":
                    call = "advance the fake clock until A's retransmission timer fires";
                    for (int k = 0; k < 16 && linkA.Sent.Count == 0; k++) time.Advance(options.MaxRetransmitTimeout);
                    break;
                case "Receive":
                    call = $"deliver one copy of {packet} to B";
                    linkB.Handler!(TakeCopy(packet!.Value));
                    break;
                case "Ack":
                    call = $"deliver one copy of {packet} to A";
                    linkA.Handler!(TakeCopy(packet!.Value));
                    break;
                case "Lose":
                    call = $"drop one copy of {packet}";
                    TakeCopy(packet!.Value);
                    break;
                case "Duplicate":
                {
                    call = $"copy {packet} in flight";
                    var d = TakeCopy(packet!.Value);
                    flight[packet.Value].Add(d);
                    flight[packet.Value].Add(d);
                    break;
                }
                default:
                    call = "(none)";
                    break;
            }
            var added = Collect(linkA).Select(p => ("A", p)).Concat(Collect(linkB).Select(p => ("B", p))).ToList();
            foreach (var (end, p) in added) notes.Add($"{end} sent {p}");
            // The spec's link holds at most MaxCopies of a packet: a copy put onto a full link is lost.
            foreach (var p in added.Select(x => x.p).Distinct())
            {
                int excess = Math.Min(added.Count(x => x.p == p), flight[p].Count - link1.GetValueOrDefault(p));
                for (int k = 0; k < excess; k++)
                {
                    flight[p].RemoveAt(flight[p].Count - 1);
                    notes.Add($"link full: that copy of {p} is lost");
                }
            }
            int acked = sends.Count(t => t.IsCompletedSuccessfully);
            notes.Add($"B delivered [{string.Join(", ", delivered)}]; A has {acked} acknowledged");
            log.Add(new ReplayStep(before.Index, packet is { } pk ? $"{act}({pk})" : act, call, string.Join("; ", notes)));

            foreach (var p in link1.Keys.Union(flight.Keys))
            {
                int spec = link1.GetValueOrDefault(p), impl = flight.TryGetValue(p, out var c) ? c.Count : 0;
                if (spec != impl)
                    throw new DivergedException($"the spec's link holds {spec} cop{(spec == 1 ? "y" : "ies")} of {p}, the implementation's {impl}");
            }
            var specDelivered = after.Get("delivered", System.Text.Json.JsonValueKind.Array).EnumerateArray().Select(e => e.GetInt32()).ToList();
            if (!specDelivered.SequenceEqual(delivered))
                throw new DivergedException($"the spec's receiver has delivered [{string.Join(", ", specDelivered)}], the implementation's [{string.Join(", ", delivered)}]");
            if (after.Int("acked") != acked)
                throw new DivergedException($"the spec's sender has {after.Int("acked")} acknowledged, the implementation's {acked}");
            if (!delivered.SequenceEqual(Enumerable.Range(1, delivered.Count)))
                implFailure = $"B delivered [{string.Join(", ", delivered)}] to its application: not 1, 2, … once each";
            else if (acked > delivered.Count)
                implFailure = $"A's send of message {acked} completed (acknowledged) though B delivered only {delivered.Count}";
            return implFailure is null;
        });
        if (diverged is not null) return diverged;

        string? specFailure = SpecFailure(trace.States[log.Count]);
        if (implFailure is null && trace.LoopBackTo == trace.States.Count && trace.States[^1] is var final && final.Int("sent") > final.Int("acked"))
        {
            // The spec stutters with a message unacknowledged: the only way on is the timer. Does the implementation's fire?
            for (int k = 0; k < 16 && linkA.Sent.Count == 0; k++) time.Advance(options.MaxRetransmitTimeout);
            string probe = linkA.Sent.Count > 0
                ? $"in the implementation that state does not last: advancing the fake clock fires A's retransmission timer, which sends {Classify(linkA.Sent[0])} again. "
                  + "Its timer is fair, so a behaviour without WF(Timeout) has no counterpart there: there is no implementation bug to reproduce"
                : "the implementation stays there too: advancing the fake clock sends nothing, so the message is never delivered";
            return new ReplayReport
            {
                Target = target, Steps = log, Reproduced = linkA.Sent.Count == 0,
                Failure = linkA.Sent.Count == 0 ? $"{probe}; spec: EveryMessageDelivered ({trace.LivenessEnding})" : null,
                Divergence = linkA.Sent.Count > 0 ? $"the implementation followed all {log.Count} steps; {probe}" : null,
            };
        }
        return ReplayReport.Conclude(target, log, implFailure, specFailure, log.Count);
    }

    private static string? SpecFailure(TraceState s)
    {
        var delivered = s.Get("delivered", System.Text.Json.JsonValueKind.Array).EnumerateArray().Select(e => e.GetInt32()).ToList();
        if (!delivered.SequenceEqual(Enumerable.Range(1, delivered.Count)))
            return $"InOrder (state {s.Index}: delivered = <<{string.Join(", ", delivered)}>>)";
        if (s.Int("acked") > delivered.Count)
            return $"AckedImpliesDelivered (state {s.Index}: acked = {s.Int("acked")}, {delivered.Count} delivered)";
        return null;
    }

    private static Dictionary<Packet, int> Link(TraceState s)
    {
        var result = new Dictionary<Packet, int>();
        foreach (var (key, n) in s.IntMap("link"))
        {
            var m = PacketKey().Match(key);
            if (!m.Success) throw s.Misfit($"'link' has a packet {key}; AckRetransmit's packets are <<\"data\", i>> and <<\"ack\", i>>");
            result[new Packet(m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))] = n;
        }
        return result;
    }

    /// <summary>The step's action: the dump's name when it has one (several actions can leave the same change,
    /// e.g. Timeout and Duplicate of the outstanding packet), else inferred from the change; the packet from
    /// the dump's parameters or the change.</summary>
    private static (string Act, Packet? Packet) Infer(CheckerTrace trace, int i, Dictionary<Packet, int> link0, Dictionary<Packet, int> link1)
    {
        var before = trace.States[i];
        var after = trace.States[i + 1];
        var up = link1.Where(kv => kv.Value > link0.GetValueOrDefault(kv.Key)).Select(kv => kv.Key).ToList();
        var down = link0.Where(kv => kv.Value > link1.GetValueOrDefault(kv.Key)).Select(kv => kv.Key).ToList();
        string? named = trace.Actions[i]?.Name is { Length: > 0 } n ? n : null;
        var pars = trace.Actions[i]?.Parameters;
        string act = named ?? (after.Int("sent") != before.Int("sent") ? "Send"
            : after.Int("acked") != before.Int("acked") ? "Ack"
            : down.Count == 1 && down[0].Kind == "data" && (up.Count == 1 || after.Get("delivered", System.Text.Json.JsonValueKind.Array).GetArrayLength() != before.Get("delivered", System.Text.Json.JsonValueKind.Array).GetArrayLength()) ? "Receive"
            : down.Count == 1 && down[0].Kind == "ack" ? (up.Count > 0 ? "Ack" : "Lose")
            : down.Count == 1 ? "Lose"
            : up.Count == 1 ? (up[0].Kind == "data" && up[0].I == before.Int("sent") && before.Int("sent") > before.Int("acked") ? "Timeout" : "Duplicate")
            : "Stutter");
        Packet? packet = act switch
        {
            "Receive" => new Packet("data", pars is not null && pars.TryGetValue("i", out var s) ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : down.Single().I),
            "Ack" => new Packet("ack", pars is not null && pars.TryGetValue("i", out var s) ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : down.Single(p => p.Kind == "ack").I),
            "Lose" => pars is not null && pars.TryGetValue("p", out var p) ? ParsePacket(p, after) : down.Single(),
            "Duplicate" => pars is not null && pars.TryGetValue("p", out var p) ? ParsePacket(p, after) : up.Single(),
            "Send" or "Timeout" or "Stutter" or "Finished" => null,
            _ => throw after.Misfit($"the dump names an action '{act}' that AckRetransmit does not have"),
        };
        return (act, packet);
    }

    private static Packet ParsePacket(string json, TraceState s)
    {
        // A packet parameter is written as a JSON array ["data", 1].
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var r = doc.RootElement;
        if (r.ValueKind == System.Text.Json.JsonValueKind.Array && r.GetArrayLength() == 2 && r[0].GetString() is { } k && r[1].TryGetInt32(out int i))
            return new Packet(k, i);
        throw s.Misfit($"packet parameter {json} is not <<kind, i>>");
    }
}
