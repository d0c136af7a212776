using System.Text.Json;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// Bad replay input: not JSON, not a trace, a spec replay does not know, or a state that does not fit the spec's
/// variables. <see cref="StateIndex"/> is TLC's 1-based state number when the problem is in one state.
/// </summary>
public sealed class ReplayInputException(string file, int? stateIndex, string reason)
    : Exception(stateIndex is { } i ? $"{file}: state {i}: {reason}" : $"{file}: {reason}")
{
    /// <summary>The trace file.</summary>
    public string File { get; } = file;

    /// <summary>1-based state number (as in TLC's dump), or null when the problem is not in one state.</summary>
    public int? StateIndex { get; } = stateIndex;

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; } = reason;
}

/// <summary>What a trace file holds, decided from its content (never from its name).</summary>
public enum TraceFileKind
{
    /// <summary>A Coyote schedule written by <c>vipc test</c> (<c>"format": "vipc-coyote-trace/…"</c>).</summary>
    Coyote,
    /// <summary>A checker counterexample in the layout of TLC's <c>-dumpTrace json</c> (a <c>"state"</c> array).</summary>
    Checker,
}

/// <summary>One state of a counterexample: TLC's 1-based number and the variables as JSON values.</summary>
public sealed class TraceState(string file, int index, IReadOnlyDictionary<string, JsonElement> variables)
{
    /// <summary>1-based, as in TLC's dump and output.</summary>
    public int Index { get; } = index;

    /// <summary>Variable name → value.</summary>
    public IReadOnlyDictionary<string, JsonElement> Variables { get; } = variables;

    /// <summary>The value of <paramref name="name"/>, of the JSON kind <paramref name="kind"/>; a typed error naming
    /// the file and state when it is missing or of another kind.</summary>
    public JsonElement Get(string name, JsonValueKind kind)
    {
        if (!Variables.TryGetValue(name, out var v)) throw Misfit($"no variable '{name}' (the spec's states have it)");
        if (v.ValueKind != kind && !(kind == JsonValueKind.True && v.ValueKind == JsonValueKind.False))
            throw Misfit($"variable '{name}' is {v.ValueKind}, expected {kind}");
        return v;
    }

    /// <summary>An integer variable.</summary>
    public int Int(string name)
    {
        var v = Get(name, JsonValueKind.Number);
        return v.TryGetInt32(out int i) ? i : throw Misfit($"variable '{name}' is not an integer");
    }

    /// <summary>A boolean variable.</summary>
    public bool Bool(string name) => Get(name, JsonValueKind.True).GetBoolean();

    /// <summary>A function from model values or numbers to strings (an object in the dump).</summary>
    public IReadOnlyDictionary<string, string> StringMap(string name) =>
        Map(name, v => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Misfit($"'{name}' maps to {v.ValueKind}, expected a string"));

    /// <summary>A function to integers.</summary>
    public IReadOnlyDictionary<string, int> IntMap(string name) =>
        Map(name, v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Misfit($"'{name}' maps to {v.ValueKind}, expected an integer"));

    /// <summary>A function, each value converted by <paramref name="convert"/>.</summary>
    public IReadOnlyDictionary<string, T> Map<T>(string name, Func<JsonElement, T> convert)
    {
        var v = Get(name, JsonValueKind.Object);
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject()) result[p.Name] = convert(p.Value);
        return result;
    }

    /// <summary>A set or sequence of strings (an array in the dump).</summary>
    public IReadOnlyList<string> Strings(string name) =>
        Get(name, JsonValueKind.Array).EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Misfit($"'{name}' holds {e.ValueKind}, expected strings"))
            .ToList();

    /// <summary>A typed error about this state.</summary>
    public ReplayInputException Misfit(string reason) => new(_file, Index, reason);

    private readonly string _file = file;
}

/// <summary>The action TLC names for a step (absent from hand-written or older dumps: then it is inferred).</summary>
public sealed record TraceAction(string Name, IReadOnlyDictionary<string, string> Parameters, string? Module);

/// <summary>
/// A checker counterexample as <c>vipc check -dumpTrace json</c> (and TLC) write it: <c>"state"</c> lists every
/// state as <c>[index, {variable: value}]</c>; <c>"action"</c>, when present, lists each step as
/// <c>[[i, before], {name, location: {module}, context}, [i+1, after]]</c>.
/// </summary>
public sealed class CheckerTrace
{
    private CheckerTrace(string file, IReadOnlyList<TraceState> states, IReadOnlyList<TraceAction?> actions)
    {
        File = file;
        States = states;
        Actions = actions;
        Module = actions.FirstOrDefault(a => a?.Module is not null)?.Module;
    }

    /// <summary>The file it was read from.</summary>
    public string File { get; }

    /// <summary>The states, first to last.</summary>
    public IReadOnlyList<TraceState> States { get; }

    /// <summary><c>Actions[i]</c> leads from <c>States[i]</c> to <c>States[i + 1]</c>; null where the dump does not name it.</summary>
    public IReadOnlyList<TraceAction?> Actions { get; }

    /// <summary>For a liveness counterexample: the state the last one leads back to (the last state itself when the
    /// behaviour stutters there forever); null for a finite counterexample.</summary>
    public int? LoopBackTo { get; private init; }

    /// <summary>How a liveness counterexample ends, in words; null for a finite one.</summary>
    public string? LivenessEnding => LoopBackTo is not { } k ? null
        : k == States.Count ? $"the behaviour stutters in state {k} forever"
        : $"the behaviour loops from state {States.Count} back to state {k} forever";

    /// <summary>The module the dump names for its actions (the spec or mutant that produced it), if any.</summary>
    public string? Module { get; }

    /// <summary>
    /// Checks that every state has exactly the spec's <paramref name="variables"/>, each of its shape, and that a
    /// function keeps the domain it has in the first state; a typed error names the first state that does not.
    /// </summary>
    internal void RequireVariables(string spec, params (string Name, Shape Shape)[] variables)
    {
        var names = variables.Select(v => v.Name).ToList();
        foreach (var s in States)
        {
            foreach (var (v, shape) in variables)
            {
                if (!s.Variables.TryGetValue(v, out var value))
                    throw s.Misfit($"no variable '{v}' ({spec}'s variables are {string.Join(", ", names)})");
                if (shape.Misfit(value) is { } why)
                    throw s.Misfit($"variable '{v}' does not fit {spec}: {why}");
                if (value.ValueKind == JsonValueKind.Object && shape.Describe().StartsWith("a function", StringComparison.Ordinal))
                {
                    var domain = value.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                    var first = States[0].Variables[v].EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                    if (!domain.SetEquals(first))
                        throw s.Misfit($"variable '{v}' is a function of {{{string.Join(", ", domain)}}}, in state 1 of {{{string.Join(", ", first)}}}");
                }
            }
            foreach (var v in s.Variables.Keys)
                if (!names.Contains(v))
                    throw s.Misfit($"variable '{v}' is not one of {spec}'s ({string.Join(", ", names)})");
        }
    }

    /// <summary>Decides what <paramref name="path"/> holds; a typed error when it is neither kind.</summary>
    public static TraceFileKind Sniff(string path)
    {
        using var doc = Parse(path);
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object)
        {
            if (root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String
                && f.GetString()!.StartsWith("vipc-coyote-trace/", StringComparison.Ordinal))
                return TraceFileKind.Coyote;
            if (root.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.Array) return TraceFileKind.Checker;
        }
        throw new ReplayInputException(path, null,
            "neither a checker counterexample (an object with a \"state\" array, as -dumpTrace json writes) nor a Coyote trace (\"format\": \"vipc-coyote-trace/1\")");
    }

    /// <summary>Reads a counterexample; typed errors name the file and the state.</summary>
    public static CheckerTrace Load(string path)
    {
        using var doc = Parse(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("state", out var stateArray) || stateArray.ValueKind != JsonValueKind.Array)
            throw new ReplayInputException(path, null, "no \"state\" array: not a -dumpTrace json counterexample");
        var states = new List<TraceState>();
        foreach (var entry in stateArray.EnumerateArray())
        {
            int position = states.Count + 1;
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2
                || entry[0].ValueKind != JsonValueKind.Number || entry[1].ValueKind != JsonValueKind.Object)
                throw new ReplayInputException(path, position, "a state must be [index, {variable: value, ...}]");
            if (!entry[0].TryGetInt32(out int index) || index != position)
                throw new ReplayInputException(path, position, $"state numbered {entry[0]} where {position} was expected");
            var vars = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var p in entry[1].EnumerateObject()) vars[p.Name] = p.Value.Clone();
            states.Add(new TraceState(path, index, vars));
        }
        if (states.Count < 2) throw new ReplayInputException(path, null, $"{states.Count} state(s): a counterexample to replay needs at least one step");

        var actions = new TraceAction?[states.Count - 1];
        int? loopBackTo = null;
        if (root.TryGetProperty("action", out var actionArray) && actionArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var step in actionArray.EnumerateArray())
            {
                if (step.ValueKind != JsonValueKind.Array || step.GetArrayLength() != 3 || step[1].ValueKind != JsonValueKind.Object
                    || step[0].ValueKind != JsonValueKind.Array || step[0].GetArrayLength() < 1 || !step[0][0].TryGetInt32(out int from))
                    throw new ReplayInputException(path, null, "an \"action\" entry must be [[i, state], {name, ...}, [i+1, state]]");
                int to = step[2].ValueKind == JsonValueKind.Array && step[2].GetArrayLength() >= 1 && step[2][0].TryGetInt32(out int t) ? t : -1;
                if (from == states.Count && to >= 1 && to <= from)
                {
                    // The closing edge of a liveness counterexample: back to an earlier state (a lasso) or to the
                    // last state itself (stuttering forever).
                    loopBackTo = to;
                    continue;
                }
                if (from < 1 || from >= states.Count) throw new ReplayInputException(path, from, "an action starts at a state the trace does not have");
                if (to != from + 1) throw new ReplayInputException(path, from, $"an action leads from state {from} to state {to}; only the last state may lead back");
                var a = step[1];
                string name = a.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
                string? module = a.TryGetProperty("location", out var loc) && loc.ValueKind == JsonValueKind.Object
                    && loc.TryGetProperty("module", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                if (a.TryGetProperty("context", out var ctx) && ctx.ValueKind == JsonValueKind.Object)
                    foreach (var p in ctx.EnumerateObject()) parameters[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                actions[from - 1] = name.Length == 0 && module is null ? null : new TraceAction(name, parameters, module);
            }
        }
        return new CheckerTrace(path, states, actions) { LoopBackTo = loopBackTo };
    }

    private static JsonDocument Parse(string path)
    {
        string text;
        try
        {
            text = System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReplayInputException(path, null, $"cannot read the file ({e.Message})");
        }
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ReplayInputException(path, null, $"not JSON (line {(e.LineNumber ?? 0) + 1}: {e.Message})");
        }
    }
}
