using System.Collections.Immutable;
using System.Text.Json;

namespace VerifiedIpc.Report;

/// <summary>Reads counterexamples in TLC's <c>-dumpTrace json</c> format.</summary>
public static class TraceJson
{
    private const int MaxDepth = 256;

    /// <summary>
    /// Parses a trace. Throws <see cref="TraceFormatException"/> naming the JSON path of the first problem when
    /// the text is not a TLC JSON trace (malformed JSON, missing <c>state</c>, states out of order, an action
    /// whose states do not fit the sequence).
    /// </summary>
    public static Counterexample Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(
                $"line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}", "malformed JSON: " + e.Message, e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new TraceFormatException("$", $"expected an object with 'state' and 'action', found {root.ValueKind}");
            if (!root.TryGetProperty("state", out var stateArr) || stateArr.ValueKind != JsonValueKind.Array)
                throw new TraceFormatException("$.state", "missing or not an array");

            var states = ImmutableArray.CreateBuilder<TraceState>();
            var variables = ImmutableArray<string>.Empty;
            var i = 0;
            foreach (var entry in stateArr.EnumerateArray())
            {
                var path = $"$.state[{i}]";
                var (number, values, names) = ReadNumberedState(entry, path);
                if (number != i + 1)
                    throw new TraceFormatException(path, $"state number {number} where {i + 1} was expected");
                if (i == 0) variables = names;
                else if (!SameVariables(variables, values))
                    throw new TraceFormatException(path, "the state's variables differ from those of state 1");
                states.Add(new TraceState(number, values));
                i++;
            }
            if (states.Count == 0) throw new TraceFormatException("$.state", "a trace has at least one state");

            var steps = ImmutableArray.CreateBuilder<TraceStep>();
            if (root.TryGetProperty("action", out var actionArr))
            {
                if (actionArr.ValueKind != JsonValueKind.Array)
                    throw new TraceFormatException("$.action", "not an array");
                var n = states.Count;
                var k = 0;
                foreach (var entry in actionArr.EnumerateArray())
                {
                    var path = $"$.action[{k}]";
                    steps.Add(ReadStep(entry, path, k + 1, n, actionArr.GetArrayLength()));
                    k++;
                }
                if (k != n - 1 && k != n)
                    throw new TraceFormatException("$.action", $"{k} actions for {n} states (expected {n - 1}, or {n} for a lasso or stuttering trace)");
            }
            return new Counterexample(variables, states.ToImmutable(), steps.ToImmutable());
        }
    }

    private static bool SameVariables(ImmutableArray<string> variables, ImmutableDictionary<string, TraceValue> values)
    {
        if (values.Count != variables.Length) return false;
        foreach (var v in variables)
            if (!values.ContainsKey(v)) return false;
        return true;
    }

    private static (int Number, ImmutableDictionary<string, TraceValue> Values, ImmutableArray<string> Names) ReadNumberedState(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2)
            throw new TraceFormatException(path, "expected [number, {variable: value}]");
        var numEl = e[0];
        if (numEl.ValueKind != JsonValueKind.Number || !numEl.TryGetInt32(out var number) || number < 1)
            throw new TraceFormatException(path + "[0]", "expected a positive state number");
        var obj = e[1];
        if (obj.ValueKind != JsonValueKind.Object)
            throw new TraceFormatException(path + "[1]", "expected an object of variable values");
        var values = ImmutableDictionary.CreateBuilder<string, TraceValue>(StringComparer.Ordinal);
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var p in obj.EnumerateObject())
        {
            if (values.ContainsKey(p.Name))
                throw new TraceFormatException(path + "[1]", $"variable '{p.Name}' appears twice");
            values[p.Name] = ReadValue(p.Value, $"{path}[1].{p.Name}", 0);
            names.Add(p.Name);
        }
        return (number, values.ToImmutable(), names.ToImmutable());
    }

    private static TraceStep ReadStep(JsonElement e, string path, int number, int stateCount, int actionCount)
    {
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 3)
            throw new TraceFormatException(path, "expected [[from, state], {name, location}, [to, state]]");
        var (from, _, _) = ReadNumberedState(e[0], path + "[0]");
        var (to, _, _) = ReadNumberedState(e[2], path + "[2]");
        var isLast = number == actionCount;
        if (from != number)
            throw new TraceFormatException(path + "[0]", $"action {number} starts in state {from}, expected state {number}");
        if (from > stateCount || to > stateCount)
            throw new TraceFormatException(path, $"refers to state {Math.Max(from, to)} but the trace has {stateCount} states");
        if (!(to == from + 1 || (isLast && from == stateCount && to <= stateCount)))
            throw new TraceFormatException(path + "[2]", $"action {number} leads to state {to}; only the last action may lead back to an earlier state");

        var info = e[1];
        if (info.ValueKind != JsonValueKind.Object)
            throw new TraceFormatException(path + "[1]", "expected an object with the action's name");
        if (!info.TryGetProperty("name", out var nameEl) || nameEl.ValueKind != JsonValueKind.String)
            throw new TraceFormatException(path + "[1].name", "missing or not a string");
        SourceLocation? location = null;
        if (info.TryGetProperty("location", out var loc) && loc.ValueKind == JsonValueKind.Object)
        {
            location = new SourceLocation(
                loc.TryGetProperty("module", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "",
                IntOr(loc, "beginLine"), IntOr(loc, "beginColumn"), IntOr(loc, "endLine"), IntOr(loc, "endColumn"));
        }

        var parameters = ImmutableArray.CreateBuilder<KeyValuePair<string, TraceValue>>();
        if (info.TryGetProperty("context", out var ctx) && ctx.ValueKind == JsonValueKind.Object)
        {
            var order = new List<string>();
            if (info.TryGetProperty("parameters", out var ps) && ps.ValueKind == JsonValueKind.Array)
                foreach (var p in ps.EnumerateArray())
                    if (p.ValueKind == JsonValueKind.String) order.Add(p.GetString()!);
            foreach (var p in ctx.EnumerateObject())
                if (!order.Contains(p.Name)) order.Add(p.Name);
            foreach (var name in order)
                if (ctx.TryGetProperty(name, out var v))
                    parameters.Add(new(name, ReadValue(v, $"{path}[1].context.{name}", 0)));
        }
        return new TraceStep(number, from, to, nameEl.GetString()!, location, parameters.ToImmutable());
    }

    private static int IntOr(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : 0;

    /// <summary>Converts one JSON value of a trace into a <see cref="TraceValue"/>.</summary>
    internal static TraceValue ReadValue(JsonElement e, string path, int depth)
    {
        if (depth > MaxDepth) throw new TraceFormatException(path, "value nested too deeply");
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                if (e.TryGetInt64(out var l)) return new IntValue(l);
                throw new TraceFormatException(path, $"number {e.GetRawText()} is not an integer (TLA+ values in TLC traces are integers)");
            case JsonValueKind.True: return new BoolValue(true);
            case JsonValueKind.False: return new BoolValue(false);
            case JsonValueKind.String: return new StringValue(e.GetString()!);
            case JsonValueKind.Array:
            {
                var items = ImmutableArray.CreateBuilder<TraceValue>(e.GetArrayLength());
                var i = 0;
                foreach (var item in e.EnumerateArray()) items.Add(ReadValue(item, $"{path}[{i++}]", depth + 1));
                return new ArrayValue(items.MoveToImmutable());
            }
            case JsonValueKind.Object:
            {
                var fields = ImmutableArray.CreateBuilder<KeyValuePair<string, TraceValue>>();
                foreach (var p in e.EnumerateObject()) fields.Add(new(p.Name, ReadValue(p.Value, $"{path}.{p.Name}", depth + 1)));
                return new ObjectValue(fields.ToImmutable());
            }
            default:
                throw new TraceFormatException(path, $"unexpected JSON {e.ValueKind} (TLC writes numbers, Booleans, strings, arrays and objects)");
        }
    }
}
