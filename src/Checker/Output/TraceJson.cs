using System.Text;
using System.Text.Json;
using VerifiedIpc.Checker.Engine;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Output;

/// <summary>Writes a counterexample in the JSON layout of TLC's <c>-dumpTrace json</c>.</summary>
public static class TraceJson
{
    /// <summary>The JSON text for <paramref name="trace"/>.</summary>
    public static string Write(CompiledModel model, IReadOnlyList<TraceStep> trace)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartArray("action");
            for (int i = 1; i < trace.Count; i++)
            {
                w.WriteStartArray();
                WriteIndexedState(w, i, model.Render(trace, i - 1));
                w.WriteStartObject();
                var a = trace[i].Action;
                w.WriteString("name", a?.BaseName ?? "");
                w.WriteStartObject("location");
                if (a != null)
                {
                    w.WriteNumber("beginLine", a.Span.StartLine);
                    w.WriteNumber("beginColumn", a.Span.StartColumn);
                    w.WriteNumber("endLine", a.Span.EndLine);
                    w.WriteNumber("endColumn", a.Span.EndColumn);
                    w.WriteString("module", a.Span.ModuleName);
                }
                w.WriteEndObject();
                if (a is { Context.Count: > 0 })
                {
                    w.WriteStartObject("context");
                    foreach (var (p, v) in a.Context) { w.WritePropertyName(p); WriteValue(w, v); }
                    w.WriteEndObject();
                    w.WriteStartArray("parameters");
                    foreach (var (p, _) in a.Context) w.WriteStringValue(p);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
                WriteIndexedState(w, i + 1, model.Render(trace, i));
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteStartArray("state");
            for (int i = 0; i < trace.Count; i++) WriteIndexedState(w, i + 1, model.Render(trace, i));
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteIndexedState(Utf8JsonWriter w, int index, IReadOnlyList<(string Name, Value? Value)> state)
    {
        w.WriteStartArray();
        w.WriteNumberValue(index);
        w.WriteStartObject();
        foreach (var (name, value) in state)
        {
            w.WritePropertyName(name);
            if (value is { } v) WriteValue(w, v); else w.WriteNullValue();
        }
        w.WriteEndObject();
        w.WriteEndArray();
    }

    /// <summary>Writes one value: sets and sequences as arrays, other functions and records as objects.</summary>
    public static void WriteValue(Utf8JsonWriter w, Value v)
    {
        switch (v)
        {
            case IntValue i: w.WriteNumberValue(i.Value); break;
            case BoolValue b: w.WriteBooleanValue(b.Value); break;
            case StrValue s: w.WriteStringValue(s.Value); break;
            case ModelValue m: w.WriteStringValue(m.Name); break;
            case SetBase set when set.IsFinite:
                w.WriteStartArray();
                foreach (var e in set.Elements) WriteValue(w, e);
                w.WriteEndArray();
                break;
            case FcnValue f when f.IsTuple || f.Count == 0:
                w.WriteStartArray();
                foreach (var e in f.Vals) WriteValue(w, e);
                w.WriteEndArray();
                break;
            case FcnValue f:
                w.WriteStartObject();
                for (int i = 0; i < f.Count; i++)
                {
                    w.WritePropertyName(f.Keys[i] is StrValue ks ? ks.Value : f.Keys[i].ToString());
                    WriteValue(w, f.Vals[i]);
                }
                w.WriteEndObject();
                break;
            case LazyFcnValue l: WriteValue(w, l.Materialize()); break;
            default: w.WriteStringValue(v.ToString()); break;
        }
    }
}
