using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// <c>spec/BoundedBuffer.tla</c> and its mutants on <see cref="BoundedBuffer{T}"/>: one OS thread per spec thread,
/// producers calling the synchronous <c>Send(&lt;&lt;p, n&gt;&gt;)</c>, consumers <c>Receive()</c>, stepped by
/// <see cref="MonitorStepper"/>. The implementation has one wait set with PulseAll, which is the spec's
/// <c>SharedCondition = TRUE, Wakeup = "broadcast"</c>; a trace with two conditions replays on it too (each Signal
/// step then shows as a PulseAll).
/// </summary>
internal sealed class BoundedBufferReplayer : ISpecReplayer
{
    private readonly BoundedBufferConfig _config;

    public BoundedBufferReplayer(BoundedBufferConfig config) => _config = config;

    public string Spec => "BoundedBuffer";

    public IReadOnlyDictionary<string, string> Mutants { get; } = new Dictionary<string, string>
    {
        ["IfNotWhile"] = nameof(BufferFaults.IfInsteadOfWhile),
        ["LifoTake"] = nameof(BufferFaults.LifoTake),
        ["PulseSharedCondition"] = nameof(BufferFaults.PulseInsteadOfPulseAll) + " (a configuration of BoundedBuffer: one shared condition, Wakeup = \"signal\")",
    };

    private enum Act { Acquire, Wake, Wait, Send, Receive, Notify, Release, Stutter }

    private sealed record Step(int Index, Act Act, string Thread, string? NamedAs, TraceState Before, TraceState After);

    public ReplayReport Replay(CheckerTrace trace, string module)
    {
        trace.RequireVariables("BoundedBuffer",
            ("slots", Shape.Fn(Shape.Tuple(Shape.Str, Shape.Int))), ("head", Shape.Int), ("count", Shape.Int), ("lock", Shape.Str),
            ("waitSet", Shape.Fn(Shape.Seq(Shape.Str))), ("pc", Shape.Fn(Shape.Str)), ("sent", Shape.Fn(Shape.Int)), ("taken", Shape.Fn(Shape.Int)));
        var first = trace.States[0];
        var producers = first.IntMap("sent").Keys.ToHashSet(StringComparer.Ordinal);
        var pc0 = first.StringMap("pc");
        int capacity = first.Get("slots", System.Text.Json.JsonValueKind.Object).EnumerateObject().Count();
        bool shared = first.Get("waitSet", System.Text.Json.JsonValueKind.Object).EnumerateObject().Any(p => p.Name == "cond");
        var steps = Infer(trace, producers);
        bool signal = _config.Wakeup is { } w ? w == "signal" : trace.Actions.Any(a => a?.Name == "Signal");

        var faults = module switch
        {
            "BoundedBuffer_IfNotWhile" => BufferFaults.IfInsteadOfWhile,
            "BoundedBuffer_LifoTake" => BufferFaults.LifoTake,
            "BoundedBuffer" when (_config.SharedCondition ?? shared) && signal => BufferFaults.PulseInsteadOfPulseAll,
            _ => BufferFaults.None,
        };
        string target = $"BoundedBuffer<T>(capacity {capacity}), {(faults == BufferFaults.None ? "correct build" : $"seeded bug {faults}")}, "
                        + $"threads {string.Join(", ", pc0.Keys)}";

        var log = new List<ReplayStep>();
        var fifo = new List<SpecItem>(); // what the implementation has accepted and not yet handed out, oldest first
        string? implFailure = null;
        using var stepper = new MonitorStepper(pc0.Keys.Select(t => (t, producers.Contains(t))),
            tracer => new BoundedBuffer<SpecItem>(capacity, new BufferOptions { Name = "buffer", Tracer = tracer }, faults));
        try
        {
            foreach (var s in steps)
            {
                var (call, observed) = Perform(stepper, s, fifo, ref implFailure);
                log.Add(new ReplayStep(s.Index, $"{s.NamedAs ?? s.Act.ToString()}({s.Thread})", call, observed));
                if (implFailure is not null) break;
            }
        }
        catch (DivergedException d)
        {
            return new ReplayReport { Target = target, Steps = log, Divergence = $"step {log.Count + 1} ({Describe(steps[log.Count])}): {d.Message}" };
        }

        var last = trace.States[^1];
        string? specFailure = SpecFailure(trace, steps, capacity, producers);
        if (implFailure is null)
        {
            stepper.Settle();
            if (specFailure is { } sf && sf.StartsWith("deadlock", StringComparison.Ordinal)
                && stepper.Procs.All(p => p.Phase is ThreadPhase.InWait || (p.Phase is ThreadPhase.AtGate && p.Producer && IsDone(last, p.Name))))
            {
                implFailure = "every thread is blocked in Monitor.Wait with no notification pending ("
                              + string.Join(", ", stepper.Procs.Select(p => $"{p.Name}: {stepper.Describe(p)}")) + ")";
            }
        }
        return ReplayReport.Conclude(target, log, implFailure, specFailure, steps.Count,
            "implementation threads: " + string.Join(", ", stepper.Procs.Select(p => $"{p.Name}: {stepper.Describe(p)}")));
    }

    private static bool IsDone(TraceState s, string t) => s.StringMap("pc").TryGetValue(t, out var pc) && pc == "done";

    private static string Describe(Step s) => $"{s.NamedAs ?? s.Act.ToString()}({s.Thread}), state {s.Index} → {s.Index + 1}";

    private (string Call, string Observed) Perform(MonitorStepper stepper, Step s, List<SpecItem> fifo, ref string? implFailure)
    {
        var p = stepper[s.Thread];
        switch (s.Act)
        {
            case Act.Acquire:
            {
                string call = p.Producer ? $"{p.Name}: Send({new SpecItem(p.Name, p.Calls + 1)})" : $"{p.Name}: Receive()";
                stepper.StartCall(p);
                return (call, $"took the lock; ran until it left the lock: {stepper.Describe(p)}");
            }
            case Act.Wake:
                stepper.Wake(p);
                return ($"{p.Name}: let it re-acquire the lock", $"returned from Monitor.Wait ({stepper.Describe(p)} now)");
            case Act.Wait:
            {
                var e = stepper.Take(p, out var other, BufferAction.Wait);
                if (e is null)
                    throw new DivergedException($"the spec's {p.Name} waits; the implementation's {Observed(other, p, stepper)}");
                return ("(inside the call)", $"Monitor.Wait: the buffer holds {e.Value.Count}");
            }
            case Act.Send:
            {
                var e = stepper.Take(p, out var other, BufferAction.Send);
                var expected = new SpecItem(p.Name, p.Calls);
                if (e is null || !Equals(e.Value.Message, expected))
                    throw new DivergedException($"the spec's {p.Name} puts {expected}; the implementation's {Observed(e ?? other, p, stepper)}");
                fifo.Add(expected);
                return ("(inside the call)", $"Send event {expected}, count {e.Value.Count}");
            }
            case Act.Receive:
            {
                var expected = TakenItem(s);
                var e = stepper.Take(p, out var other, BufferAction.Receive);
                // A failed take may have logged its attempt (a Receive with no message: the empty take) before throwing.
                if ((e is null || e.Value.Message is null) && p.Phase == ThreadPhase.Failed)
                {
                    implFailure = $"{p.Name}'s Receive threw {p.Failure!.GetType().Name}: {p.Failure.Message}";
                    return ("(inside the call)", $"threw {p.Failure.GetType().Name}");
                }
                if (e?.Message is not SpecItem got)
                    throw new DivergedException($"the spec's {p.Name} takes {expected?.ToString() ?? "from an empty slot"}; the implementation's {Observed(other, p, stepper)}");
                if (expected is { } x && got != x)
                    throw new DivergedException($"the spec's {p.Name} takes {x}; the implementation's took {got}");
                string observed = $"Receive event {got}, count {e.Value.Count}";
                if (fifo.Count > 0 && fifo[0] != got)
                    implFailure = $"{p.Name} received {got} while {fifo[0]}, sent earlier, was still in the buffer (not FIFO)";
                fifo.Remove(got);
                return ("(inside the call)", observed);
            }
            case Act.Notify:
            {
                bool anyoneWaiting = WaitSetSize(s.Before) > 0;
                var e = stepper.Take(p, out var other, BufferAction.Signal, BufferAction.Broadcast);
                if (e is not null)
                {
                    // By now the buffer is quiet, so every thread the implementation notified has re-acquired the lock
                    // and is parked: each thread the spec wakes must be among them (with a Pulse, exactly that one).
                    var pc = s.Before.StringMap("pc");
                    var pc2 = s.After.StringMap("pc");
                    var woken = pc.Keys.Where(t => pc[t] == "waiting" && pc2[t] == "woken").ToList();
                    foreach (var w in woken)
                    {
                        if (stepper[w].Phase != ThreadPhase.Woken)
                        {
                            var implWoken = stepper.Procs.Where(q => q.Phase == ThreadPhase.Woken).Select(q => q.Name).ToList();
                            throw new DivergedException($"the spec's {s.NamedAs ?? "notify"} wakes {w}; the implementation's "
                                + $"{(e.Value.Action == BufferAction.Signal ? "Monitor.Pulse" : "Monitor.PulseAll")} woke "
                                + $"{(implWoken.Count > 0 ? string.Join(", ", implWoken) : "nobody")} ({w} is {stepper.Describe(stepper[w])})");
                        }
                    }
                    return ("(inside the call)", (e.Value.Action == BufferAction.Signal ? "Monitor.Pulse" : "Monitor.PulseAll")
                        + (woken.Count > 0 ? $": woke {string.Join(", ", woken)}" : ""));
                }
                if (anyoneWaiting)
                    throw new DivergedException($"the spec's {p.Name} notifies a waiting thread; the implementation's {Observed(other, p, stepper)}");
                return ("(inside the call)", "no notify (nobody waits)");
            }
            case Act.Release:
            {
                if (p.Phase != ThreadPhase.AtGate)
                    throw new DivergedException($"the spec's {p.Name} leaves the monitor; the implementation's {p.Name} is {stepper.Describe(p)}");
                var rest = stepper.Unmatched(p);
                if (rest.Count > 0)
                    throw new DivergedException($"the spec's {p.Name} leaves the monitor; the implementation's {p.Name} also did {string.Join(", ", rest.Select(r => r.Action))}");
                return ("(call returns)", p.Producer ? "Send returned" : $"Receive returned {p.LastReceived}");
            }
            default:
                return ("(none)", "stutter: nothing to do");
        }
    }

    private static string Observed(BufferEvent? e, MonitorStepper.Proc p, MonitorStepper stepper) =>
        e is { } x ? $"{p.Name} did {x.Action}{(x.Message is null ? "" : $" {x.Message}")}" : $"{p.Name} did nothing more ({stepper.Describe(p)})";

    private static int WaitSetSize(TraceState s) =>
        s.Get("waitSet", System.Text.Json.JsonValueKind.Object).EnumerateObject().Sum(c => c.Value.GetArrayLength());

    /// <summary>The item the spec's Receive takes: the producer whose <c>taken</c> count grew; null when none did
    /// (a broken monitor took from an empty slot).</summary>
    private static SpecItem? TakenItem(Step s)
    {
        var before = s.Before.IntMap("taken");
        foreach (var (p, n) in s.After.IntMap("taken"))
            if (before.TryGetValue(p, out int b) && n == b + 1) return new SpecItem(p, n);
        return null;
    }

    /// <summary>What the counterexample's last state (or a step on the way) breaks, from the states alone.</summary>
    private static string? SpecFailure(CheckerTrace trace, List<Step> steps, int capacity, HashSet<string> producers)
    {
        var last = trace.States[^1];
        int count = last.Int("count");
        if (count < 0 || count > capacity) return $"BoundsOK (count = {count} in state {last.Index})";
        foreach (var s in steps.Where(s => s.Act == Act.Receive))
        {
            var got = TakenItem(s);
            var oldest = Contents(s.Before, capacity).FirstOrDefault();
            if (got is { } g && oldest is { } o && g != o)
                return $"AbsSpec, the refinement of FifoChannel (state {s.Index + 1}: {s.Thread} took {g}, the oldest was {o})";
        }
        var pc = last.StringMap("pc");
        bool allStuck = pc.All(kv => kv.Value is "waiting" or "done");
        bool quiescent = pc.All(kv => producers.Contains(kv.Key) ? kv.Value == "done" : kv.Value == "waiting") && count == 0;
        if (allStuck && !quiescent) return $"deadlock (state {last.Index}: every thread waits or is done, and items remain to be put or taken)";
        return null;
    }

    private static List<SpecItem?> Contents(TraceState s, int capacity)
    {
        int head = s.Int("head"), count = s.Int("count");
        var slots = s.Map("slots", v => v);
        var result = new List<SpecItem?>();
        for (int i = 0; i < count; i++)
        {
            string key = ((head + i) % capacity).ToString(System.Globalization.CultureInfo.InvariantCulture);
            result.Add(slots.TryGetValue(key, out var v) ? SpecItem.From(v, s, "slots") : throw s.Misfit($"'slots' has no slot {key}"));
        }
        return result;
    }

    /// <summary>Each step's action and thread, from the change in <c>pc</c> (checked against the dump's action name).</summary>
    private static List<Step> Infer(CheckerTrace trace, HashSet<string> producers)
    {
        var steps = new List<Step>();
        for (int i = 0; i + 1 < trace.States.Count; i++)
        {
            var before = trace.States[i];
            var after = trace.States[i + 1];
            var pc = before.StringMap("pc");
            var pc2 = after.StringMap("pc");
            if (!pc.Keys.ToHashSet().SetEquals(pc2.Keys)) throw after.Misfit("'pc' has other threads than the state before");
            var changed = pc.Keys.Where(t => pc[t] != pc2[t]).ToList();
            Act act;
            string thread;
            if (changed.Count == 0)
            {
                act = Act.Stutter;
                thread = "-";
            }
            else
            {
                var notifier = changed.Where(t => pc[t] == "notify").ToList();
                thread = notifier.Count == 1 ? notifier[0] : changed.Count == 1 ? changed[0]
                    : throw after.Misfit($"{changed.Count} threads changed pc ({string.Join(", ", changed)}) and none is notifying");
                act = (pc[thread], pc2[thread]) switch
                {
                    ("acquire", "check") => Act.Acquire,
                    ("woken", "check" or "operate") => Act.Wake,
                    ("check", "waiting") => Act.Wait,
                    ("check" or "operate", "notify") => producers.Contains(thread) ? Act.Send : Act.Receive,
                    ("notify", "release") => Act.Notify,
                    ("release", "acquire" or "done") => Act.Release,
                    var (a, b) => throw after.Misfit($"{thread} goes from pc \"{a}\" to \"{b}\": no BoundedBuffer action does that"),
                };
                if (act != Act.Notify && changed.Count != 1) throw after.Misfit($"{changed.Count} threads changed pc in one {act} step");
            }
            var named = trace.Actions[i]?.Name;
            string? namedAs = act == Act.Notify ? named ?? "Notify" : null;
            if (named is { Length: > 0 } && act != Act.Notify && act != Act.Stutter && named != act.ToString())
                throw after.Misfit($"the dump names this step {named}, but the states show {act}({thread})");
            steps.Add(new Step(before.Index, act, thread, namedAs, before, after));
        }
        return steps;
    }
}

/// <summary>The BoundedBuffer constants a replay needs when the states do not show them (from <c>--config</c>).</summary>
internal sealed record BoundedBufferConfig(bool? SharedCondition, string? Wakeup)
{
    public static BoundedBufferConfig From(string? cfgText)
    {
        if (cfgText is null) return new BoundedBufferConfig(null, null);
        var shared = System.Text.RegularExpressions.Regex.Match(cfgText, @"SharedCondition\s*=\s*(TRUE|FALSE)");
        var wakeup = System.Text.RegularExpressions.Regex.Match(cfgText, "Wakeup\\s*=\\s*\"(\\w+)\"");
        return new BoundedBufferConfig(shared.Success ? shared.Groups[1].Value == "TRUE" : null, wakeup.Success ? wakeup.Groups[1].Value : null);
    }
}
