using System.Text.Json.Nodes;
using VerifiedIpc.Checker.Engine;
using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Output;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Liveness;

/// <summary>Turns a liveness counterexample (fingerprints) into states and actions, and prints it as TLC does.</summary>
public static class LassoBuilder
{
    internal static CheckResult Build(Explorer ex, CompiledModel model, LivenessCounterexample cex, long generated, long distinct, int depth)
    {
        var nvars = model.VarNames.Length;
        var eval = new Ctx(model.Runtime, nvars);
        var c = new Ctx(model.Runtime, nvars);
        var sink = new Finder(ex, eval);
        c.Sink = sink;
        sink.Target = cex.Nodes[0];
        model.RunInit(c);
        var state = sink.Found ?? throw new CheckerException("internal: the initial state of a liveness counterexample was not regenerated");
        var steps = new List<TraceStep> { new(state, null) };
        for (int i = 1; i < cex.Nodes.Length; i++)
        {
            var (next, action) = Step(model, c, sink, state, cex.Nodes[i]);
            steps.Add(new TraceStep(next, action));
            state = next;
        }
        ActionInfo? loopAction = null;
        if (!cex.Stuttering && cex.LoopBack > 0)
            loopAction = Step(model, c, sink, state, cex.Nodes[cex.LoopBack - 1]).Action;
        return new CheckResult
        {
            Verdict = Verdict.TemporalViolated,
            Violated = cex.Property,
            StatesGenerated = generated,
            DistinctStates = distinct,
            Depth = depth,
            Trace = steps,
            Stuttering = cex.Stuttering,
            LoopBackTo = cex.Stuttering || cex.LoopBack <= 0 ? null : cex.LoopBack,
            LoopAction = loopAction,
        };
    }

    private static (Value[] State, ActionInfo Action) Step(CompiledModel model, Ctx c, Finder sink, Value[] state, ulong target)
    {
        for (int a = 0; a < model.Actions.Length; a++)
        {
            sink.Target = target;
            sink.Found = null;
            c.Cur = state;
            Array.Clear(c.Nxt);
            c.Stop = false;
            model.RunAction(c, a);
            if (sink.Found is { } s) return (s, model.Actions[a]);
        }
        throw new CheckerException("internal: a step of a liveness counterexample was not regenerated");
    }

    private sealed class Finder(Explorer ex, Ctx eval) : ISuccessorSink
    {
        public ulong Target;
        public Value[]? Found;

        public void OnSuccessor(Ctx c, int actionIndex)
        {
            if (Found != null || c.Nxt.Any(v => v is null)) return;
            var s = new Value[c.Nxt.Length];
            Array.Copy(c.Nxt, s, s.Length);
            if (ex.Fingerprint(s, eval) == Target) { Found = s; c.Stop = true; }
        }
    }

    /// <summary>Prints a temporal violation in TLC's words ("Temporal properties were violated.", the behaviour, "Back to state k" or "Stuttering").</summary>
    public static void Write(CheckResult r, CompiledModel model, TextWriter w, bool markChanges = false)
    {
        w.WriteLine("Error: Temporal properties were violated.");
        w.WriteLine();
        if (r.Trace is { Count: > 0 } trace)
        {
            w.WriteLine("Error: The following behavior constitutes a counter-example:");
            w.WriteLine();
            IReadOnlyList<(string, Value?)>? prev = null;
            for (int i = 0; i < trace.Count; i++)
            {
                var shown = model.Render(trace, i);
                w.WriteLine($"State {i + 1}: <{(trace[i].Action is null ? "Initial predicate" : trace[i].Action!.Label)}>");
                // vipc's own mark (a TLA+ comment, so TLC-style parsers skip it): where the repeated part begins.
                if (markChanges && r.LoopBackTo == i + 1) w.WriteLine($"\\* the cycle starts here: states {i + 1} to {trace.Count} repeat forever");
                if (markChanges && r.Stuttering && i == trace.Count - 1) w.WriteLine("\\* the behaviour stutters in this state forever");
                w.WriteLine(TlcReport.FormatState(shown, prev, markChanges));
                prev = shown;
            }
            if (r.Stuttering) w.WriteLine($"State {trace.Count + 1}: Stuttering");
            else if (r.LoopBackTo is { } k) w.WriteLine($"Back to state {k}: <{r.LoopAction?.Label}>\n");
        }
        w.WriteLine($"{r.StatesGenerated} states generated, {r.DistinctStates} distinct states found, {r.StatesLeftOnQueue} states left on queue.");
        w.WriteLine($"The depth of the complete state graph search is {r.Depth}.");
    }

    /// <summary>
    /// The trace as TLC's <c>-dumpTrace json</c> writes a lasso: the last action leads back to the loop state, or
    /// (stuttering) from the last state to itself.
    /// </summary>
    public static string TraceJsonFor(CheckResult r, CompiledModel model)
    {
        var trace = r.Trace!;
        if (r.Verdict != Verdict.TemporalViolated) return TraceJson.Write(model, trace);
        int back = r.Stuttering ? trace.Count : r.LoopBackTo ?? trace.Count;
        var action = r.Stuttering ? trace[^1].Action ?? (model.Actions.Length > 0 ? model.Actions[0] : null) : r.LoopAction;
        var extended = trace.Append(new TraceStep(trace[back - 1].State, action)).ToList();
        var node = JsonNode.Parse(TraceJson.Write(model, extended))!;
        var states = node["state"]!.AsArray();
        states.RemoveAt(states.Count - 1);
        var actions = node["action"]!.AsArray();
        var last = actions[^1]!.AsArray();
        last[2]!.AsArray()[0] = back;
        return node.ToJsonString();
    }
}
