using System.Text;
using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Tests;

/// <summary>
/// Random behaviours of a spec, run on the checker's compiled actions, and their projection onto the events the
/// reference bounded buffer logs: a source of traces the spec allows by construction (and, from a mutant spec,
/// traces it does not).
/// </summary>
internal sealed class BoundedBufferSimulation
{
    private readonly CompiledModel _model;
    private readonly Dictionary<string, int> _var;

    public BoundedBufferSimulation(string tlaPath, string cfgPath)
    {
        _model = SpecLoader.Load(tlaPath, cfgPath, TextWriter.Null);
        _var = _model.VarNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
    }

    public string[] VarNames => _model.VarNames;

    public static string SimCfg => Path.Combine(SpecManifest.SpecDir, "..", "tests", "Checker.Tests", "TraceValidation", "SimBoundedBuffer.cfg");

    /// <summary>One random behaviour of at most <paramref name="maxSteps"/> steps, as (action, before, after) triples.</summary>
    public List<(ActionInfo Action, Value[] Before, Value[] After)> Walk(int seed, int maxSteps)
    {
        var rng = new Random(seed);
        var sink = new Collect();
        var c = new Ctx(_model.Runtime, _model.VarNames.Length) { Sink = sink };
        _model.RunInit(c);
        var s = sink.Take().Single().State;
        var steps = new List<(ActionInfo, Value[], Value[])>();
        for (int i = 0; i < maxSteps; i++)
        {
            c.Cur = s;
            for (int a = 0; a < _model.Actions.Length; a++)
            {
                Array.Clear(c.Nxt);
                c.Stop = false;
                _model.RunAction(c, a);
            }
            var succ = sink.Take().Where(x => !x.State.SequenceEqual(s)).ToList();
            if (succ.Count == 0) break;
            var (next, action) = succ[rng.Next(succ.Count)];
            steps.Add((_model.Actions[action], s, next));
            s = next;
        }
        return steps;
    }

    /// <summary>The NDJSON lines the implementation would log for <paramref name="steps"/>: Acquire, Release and the
    /// spec's Broadcast are not logged; a Send or Receive that finds someone blocked is preceded by a Broadcast.</summary>
    public List<string> Project(IEnumerable<(ActionInfo Action, Value[] Before, Value[] After)> steps)
    {
        var lines = new List<string>();
        int clock = 0;
        foreach (var (action, before, after) in steps)
        {
            var t = action.Context.Count > 0 ? action.Context[0].Value.ToString() : "";
            bool producer = Get(before, "sent") is FcnValue sent && sent.Keys.Any(k => k.ToString() == t);
            string role = producer ? "sender" : "receiver";
            bool someoneBlocked = ((FcnValue)Get(before, "pc")).Vals.Any(v => v.ToString() is "\"waiting\"" or "\"woken\"");
            int countAfter = ((IntValue)Get(after, "count")).Value;
            switch (action.BaseName)
            {
                case "Send":
                    {
                        if (someoneBlocked) lines.Add(Line(t, ++clock, "Broadcast", "buffer", countAfter - 1, null));
                        int n = ((IntValue)Apply(Get(after, "sent"), t)).Value;
                        lines.Add(Line(t, ++clock, "Send", role, countAfter, $"[\"{t}\",{n}]"));
                        break;
                    }
                case "Receive":
                    {
                        if (someoneBlocked) lines.Add(Line(t, ++clock, "Broadcast", "buffer", countAfter + 1, null));
                        var head = ((IntValue)Get(before, "head")).Value;
                        var m = (FcnValue)((FcnValue)Get(before, "slots")).Apply(IntValue.Of(head));
                        lines.Add(Line(t, ++clock, "Receive", role, countAfter, $"[\"{m.Vals[0]}\",{m.Vals[1]}]"));
                        break;
                    }
                case "Wait": lines.Add(Line(t, ++clock, "Wait", role, countAfter, null)); break;
                case "Wake": lines.Add(Line(t, ++clock, "Wake", role, countAfter, null)); break;
                case "Signal": lines.Add(Line(t, ++clock, "Signal", "buffer", countAfter, null)); break;
            }
        }
        return lines;
    }

    private Value Get(Value[] s, string name) => s[_var[name]];

    private static Value Apply(Value f, string key) => ((FcnValue)f).Vals[((FcnValue)f).Keys.Select(k => k.ToString()).ToList().IndexOf(key)];

    private static string Line(string proc, int clock, string kind, string role, int count, string? msg)
    {
        var sb = new StringBuilder();
        sb.Append($"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"buffer\",\"role\":\"{role}\"");
        if (msg != null) sb.Append($",\"msg\":{msg}");
        sb.Append($",\"count\":{count}}}");
        return sb.ToString();
    }

    private sealed class Collect : ISuccessorSink
    {
        private List<(Value[] State, int Action)> _states = [];

        public void OnSuccessor(Ctx c, int actionIndex) => _states.Add((c.Nxt.Select(v => v!).ToArray(), actionIndex));

        public List<(Value[] State, int Action)> Take()
        {
            var r = _states;
            _states = [];
            return r;
        }
    }
}
