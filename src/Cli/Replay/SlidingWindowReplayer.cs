using System.Buffers.Binary;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// <c>spec/SlidingWindow.tla</c> on two <see cref="ReliableEndpoint"/>s, one per end, each with its own
/// <see cref="FakeTimeProvider"/> (so a Timeout of one end fires only that end's timer), over scripted links whose
/// in-flight packets are sets, as the spec's <c>net</c>. An end acknowledges every arrival at once; the replay holds
/// that bare ack as the end's owed ack until the spec's <c>Ack(e)</c> puts it on the link (or a data packet of the
/// same end carries it, as the spec's piggy-backing does). A put onto a full link drops the packet the spec drops.
/// The spec's message i is sequence number i − 1, and its ack field a is the cumulative ack value a − 1.
/// </summary>
internal sealed partial class SlidingWindowReplayer(string? cfg) : ISpecReplayer
{
    public string Spec => "SlidingWindow";

    public IReadOnlyDictionary<string, string> Mutants { get; } = new Dictionary<string, string>
    {
        ["WindowOverrun"] = "ReliableEndpoint with " + nameof(SeededBugs.WindowOverrun) + " at both ends",
    };

    private readonly record struct Packet(int Seq, int Ack)
    {
        public override string ToString() => $"[seq |-> {Seq}, ack |-> {Ack}]";
    }

    private sealed class End
    {
        public required string Name;
        public required ScriptedLink Link;
        public required FakeTimeProvider Time;
        public ReliableEndpoint? Endpoint;
        public readonly List<int> Delivered = new();
        public readonly List<Task> Sends = new();
        public readonly Dictionary<Packet, byte[]> Net = new();   // what this end sent that is in flight
        public (Packet Packet, byte[] Datagram)? OwedAck;
        public int FirstTransmissions;
        public int Acknowledged => Sends.Count(t => t.IsCompletedSuccessfully);
    }

    [GeneratedRegex(@"(?m)^\s*W\s*=\s*(\d+)")]
    private static partial Regex WindowConstant();

    public ReplayReport Replay(CheckerTrace trace, string module)
    {
        trace.RequireVariables("SlidingWindow",
            ("base", Shape.Fn(Shape.Int)), ("nxt", Shape.Fn(Shape.Int)), ("got", Shape.Fn(Shape.Seq(Shape.Int))),
            ("ackOwed", Shape.Fn(Shape.Bool)), ("net", Shape.Fn(Shape.Seq(Shape.Rec(("seq", Shape.Int), ("ack", Shape.Int))))));
        bool overrun = module == "SlidingWindow_WindowOverrun";
        int w = cfg is not null && WindowConstant().Match(cfg) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : throw new ReplayInputException(trace.File, null, "SlidingWindow's window W is not in the states: give the model's .cfg with --config");
        var bugs = overrun ? SeededBugs.WindowOverrun : SeededBugs.None;
        var options = new ReliableOptions
        {
            WindowSize = w,
            AckDelay = TimeSpan.Zero,
            AckEvery = 1,
            SendNegativeAcks = false,
            DuplicateAckThreshold = 1_000,
            InitialRetransmitTimeout = TimeSpan.FromSeconds(1),
            MaxRetransmitTimeout = TimeSpan.FromSeconds(8),
            MaxRetransmissions = 1_000,
        };
        var names = trace.States[0].IntMap("base").Keys.ToList();
        if (names.Count != 2) throw trace.States[0].Misfit($"SlidingWindow has two ends; 'base' has {names.Count}");
        var ends = new Dictionary<string, End>(StringComparer.Ordinal);
        for (int k = 0; k < 2; k++)
            ends[names[k]] = new End { Name = names[k], Link = new ScriptedLink(new ProcessId(k + 1), new ProcessId(2 - k)), Time = new FakeTimeProvider() };
        foreach (var e in ends.Values)
        {
            var end = e;
            end.Endpoint = new ReliableEndpoint(end.Link, options, end.Time,
                msg => end.Delivered.Add(BinaryPrimitives.ReadInt32LittleEndian(msg.Span)), tracer: null, bugs);
        }
        End Peer(End e) => ends.Values.Single(x => x != e);
        var codec = new FrameCodec(1024 - FrameCodec.Overhead);
        string target = $"two ReliableEndpoints ({string.Join(", ", names)}) over scripted set-links, window {w}, "
                        + $"{(bugs == SeededBugs.None ? "correct build" : $"seeded bug {bugs}")}, immediate acks held as owed, fake time per end";

        var log = new List<ReplayStep>();
        string? implFailure = null;
        try
        {
            var diverged = ReplaySteps.Walk(trace, target, log, (step, before, after) =>
            {
                var (act, who, packet) = Infer(before, after, names);
                var e = who is null ? null : ends[who];
                string call;
                var notes = new List<string>();
                switch (act)
                {
                    case "Send":
                    {
                        int i = before.IntMap("nxt")[who!];
                        var payload = new byte[4];
                        BinaryPrimitives.WriteInt32LittleEndian(payload, i);
                        call = $"{who}.SendAsync(message {i})";
                        e!.Sends.Add(e.Endpoint!.SendAsync(payload));
                        break;
                    }
                    case "Timeout":
                        call = $"advance {who}'s fake clock until its retransmission timer fires";
                        for (int k = 0; k < 16 && e!.Link.Sent.Count == 0; k++) e.Time.Advance(options.MaxRetransmitTimeout);
                        break;
                    case "Ack":
                        call = $"put {who}'s owed bare ack on the link";
                        if (e!.OwedAck is not { } owed) throw new DivergedException($"the spec's {who} owes an ack; the implementation's {who} sent none since its last packet");
                        e.Net[owed.Packet] = owed.Datagram;
                        e.OwedAck = null;
                        break;
                    case "Deliver" or "Duplicate":
                    {
                        var from = Peer(e!);
                        if (!from.Net.TryGetValue(packet!.Value, out var d))
                            throw new DivergedException($"the spec has {packet} in flight from {from.Name}; the implementation has not");
                        if (act == "Deliver") from.Net.Remove(packet.Value);
                        call = $"hand {(act == "Deliver" ? "" : "a copy of ")}{packet} to {who}";
                        e!.Link.Handler!(d);
                        break;
                    }
                    case "Lose":
                        call = $"drop {packet} sent by {who}";
                        if (!e!.Net.Remove(packet!.Value)) throw new DivergedException($"the spec has {packet} in flight from {who}; the implementation has not");
                        break;
                    default:
                        call = "(none)";
                        break;
                }

                // What the ends sent during the step.
                foreach (var x in ends.Values)
                {
                    foreach (var d in x.Link.Sent)
                    {
                        var h = codec.DecodeDatagram(d).Header;
                        if (h.Kind == FrameKind.Data)
                        {
                            var p = new Packet(checked((int)h.Sequence) + 1, checked((int)h.Ack) + 1);
                            if ((h.Flags & FrameFlags.Retransmission) == 0) x.FirstTransmissions++;
                            x.Net[p] = d;
                            x.OwedAck = null; // the data packet carries the same cumulative ack
                            notes.Add($"{x.Name} sent {p}");
                        }
                        else if (h.Kind == FrameKind.Ack)
                        {
                            x.OwedAck = (new Packet(0, checked((int)h.Ack) + 1), d);
                            notes.Add($"{x.Name} owes ack {checked((int)h.Ack) + 1}");
                        }
                        else throw new DivergedException($"{x.Name} sent a {h.Kind} frame, which the spec has no packet for");
                    }
                    x.Link.Sent.Clear();
                }

                var net1 = Net(after);
                foreach (var x in ends.Values)
                {
                    // A put onto a full link drops a packet: the one the spec dropped.
                    var net0 = Net(before)[x.Name];
                    foreach (var p in x.Net.Keys.Where(p => !net1[x.Name].Contains(p) && net0.Contains(p) && p != packet).ToList())
                    {
                        x.Net.Remove(p);
                        notes.Add($"link full: {p} dropped");
                    }
                }
                foreach (var x in ends.Values)
                    notes.Add($"{x.Name}: delivered [{string.Join(", ", x.Delivered)}], {x.Acknowledged} acknowledged, {x.FirstTransmissions} sent");
                log.Add(new ReplayStep(before.Index, who is null ? act : packet is { } pk ? $"{act}({who}, {pk})" : $"{act}({who})", call, string.Join("; ", notes)));

                foreach (var x in ends.Values)
                {
                    int specBase = after.IntMap("base")[x.Name], specNxt = after.IntMap("nxt")[x.Name];
                    if (specNxt != x.FirstTransmissions + 1)
                        throw new DivergedException($"the spec's {x.Name} has sent {specNxt - 1} message(s), the implementation's {x.FirstTransmissions}"
                            + (x.Sends.Count > x.FirstTransmissions ? $" (it holds {x.Sends.Count - x.FirstTransmissions} back: its window of {w} is full)" : ""));
                    var specNet = net1[x.Name];
                    if (!specNet.SetEquals(x.Net.Keys))
                        throw new DivergedException($"in flight from {x.Name} the spec has {{{string.Join(", ", specNet)}}}, the implementation {{{string.Join(", ", x.Net.Keys)}}}");
                    var got = after.Map("got", v => v.EnumerateArray().Select(n => n.GetInt32()).ToList())[x.Name];
                    if (!got.SequenceEqual(x.Delivered))
                        throw new DivergedException($"the spec's {x.Name} has delivered [{string.Join(", ", got)}], the implementation's [{string.Join(", ", x.Delivered)}]");
                    if (specBase != x.Acknowledged + 1)
                        throw new DivergedException($"the spec's {x.Name} has {specBase - 1} acknowledged, the implementation's {x.Acknowledged}");
                    if (after.Map("ackOwed", v => v.GetBoolean())[x.Name] != x.OwedAck.HasValue)
                        throw new DivergedException(x.OwedAck.HasValue ? $"the implementation's {x.Name} owes an ack; the spec's does not" : $"the spec's {x.Name} owes an ack; the implementation's does not");
                    if (x.FirstTransmissions - x.Acknowledged > w)
                        implFailure = $"{x.Name} has {x.FirstTransmissions - x.Acknowledged} messages sent and unacknowledged with a window of {w}";
                }
                return implFailure is null;
            });
            if (diverged is not null) return diverged;
        }
        finally
        {
            foreach (var x in ends.Values) x.Endpoint?.Dispose();
        }

        string? specFailure = SpecFailure(trace, log.Count, w);
        return ReplayReport.Conclude(target, log, implFailure, specFailure, log.Count);
    }

    private static string? SpecFailure(CheckerTrace trace, int steps, int w)
    {
        for (int i = 1; i <= steps; i++)
        {
            var s = trace.States[i];
            var b0 = trace.States[i - 1].IntMap("base");
            var b = s.IntMap("base");
            var n = s.IntMap("nxt");
            foreach (var e in b.Keys)
            {
                if (n[e] - b[e] > w) return $"WindowBound (state {s.Index}: {e} has {n[e] - b[e]} unacknowledged, W = {w})";
                if (b[e] < b0[e]) return $"WindowNeverRetreats (state {s.Index}: {e}'s base went from {b0[e]} back to {b[e]})";
            }
        }
        return null;
    }

    private static Dictionary<string, HashSet<Packet>> Net(TraceState s) =>
        s.Map("net", v => v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("seq", out var q) && p.TryGetProperty("ack", out var a)
                    ? new Packet(q.GetInt32(), a.GetInt32())
                    : throw s.Misfit($"'net' holds {p.GetRawText()}, expected [seq |-> i, ack |-> a]")).ToHashSet()
            : throw s.Misfit("'net' maps an end to something other than a set of packets"))
        .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>The step's action, end and packet, from the change between the states (the dump names most of
    /// SlidingWindow's steps only "Next": its Deliver, Duplicate and Lose sit under existential quantifiers).</summary>
    private static (string Act, string? Who, Packet? Packet) Infer(TraceState before, TraceState after, List<string> names)
    {
        var nxt0 = before.IntMap("nxt");
        var nxt1 = after.IntMap("nxt");
        var net0 = Net(before);
        var net1 = Net(after);
        var owed0 = before.Map("ackOwed", v => v.GetBoolean());
        var owed1 = after.Map("ackOwed", v => v.GetBoolean());
        var base0 = before.IntMap("base");
        var base1 = after.IntMap("base");
        var got0 = before.Map("got", v => v.GetArrayLength());
        var got1 = after.Map("got", v => v.GetArrayLength());
        string Other(string e) => names.Single(x => x != e);
        bool Changed(string e) => base0[e] != base1[e] || got0[e] != got1[e] || owed0[e] != owed1[e];

        foreach (var e in names)
            if (nxt1[e] == nxt0[e] + 1) return ("Send", e, null);
        foreach (var e in names)
        {
            var gained = net1[e].Except(net0[e]).ToList();
            if (gained.Count == 1 && gained[0].Seq == 0) return ("Ack", e, null);
            if (gained.Count == 1 && gained[0].Seq > 0) return ("Timeout", e, null);
            if (gained.Count > 1) throw after.Misfit($"{gained.Count} packets appear in flight from {e} in one step");
        }
        foreach (var x in names)
        {
            var lost = net0[x].Except(net1[x]).ToList();
            if (lost.Count == 1) return Changed(Other(x)) ? ("Deliver", Other(x), lost[0]) : ("Lose", x, lost[0]);
            if (lost.Count > 1) throw after.Misfit($"{lost.Count} packets leave the link from {x} in one step");
        }
        foreach (var e in names)
        {
            if (!Changed(e)) continue;
            // A duplicate: the link handed e a copy of a packet it keeps. Find the packet that explains the change.
            foreach (var p in net0[Other(e)])
            {
                bool baseFits = base1[e] == Math.Max(base0[e], p.Ack) || base1[e] == p.Ack;
                bool gotFits = got1[e] == got0[e] + (p.Seq == got0[e] + 1 ? 1 : 0);
                bool owedFits = owed1[e] == (p.Seq == 0 ? owed0[e] : true);
                if (baseFits && gotFits && owedFits) return ("Duplicate", e, p);
            }
            throw after.Misfit($"{e}'s state changes, and no packet in flight to it explains the change");
        }
        return ("Stutter", null, null);
    }
}
