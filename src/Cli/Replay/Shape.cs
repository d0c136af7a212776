using System.Text.Json;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// The JSON shape of one spec variable in a <c>-dumpTrace json</c> state, checked for every state before a replay
/// starts, so that everything after can read values without guarding each access, and a state that does not fit
/// is a typed error naming the state and the variable rather than a crash halfway through a run.
/// </summary>
internal abstract record Shape
{
    public static readonly Shape Int = new Leaf(JsonValueKind.Number, "an integer");
    public static readonly Shape Str = new Leaf(JsonValueKind.String, "a string (model value)");
    public static readonly Shape Bool = new BoolShape();

    /// <summary>A function with a fixed domain (a JSON object), every value of shape <paramref name="values"/>.</summary>
    public static Shape Fn(Shape values) => new FnShape(values);

    /// <summary>A set or sequence (a JSON array).</summary>
    public static Shape Seq(Shape items) => new SeqShape(items);

    /// <summary>A tuple <c>&lt;&lt;a, b&gt;&gt;</c> (a JSON array of fixed length).</summary>
    public static Shape Tuple(params Shape[] items) => new TupleShape(items);

    /// <summary>A record with exactly these fields.</summary>
    public static Shape Rec(params (string Field, Shape Shape)[] fields) => new RecShape(fields);

    /// <summary>Either shape.</summary>
    public static Shape Or(Shape a, Shape b) => new OrShape(a, b);

    /// <summary>Null when <paramref name="v"/> fits; else what was expected and what was found.</summary>
    public abstract string? Misfit(JsonElement v);

    public abstract string Describe();

    private static string Found(JsonElement v)
    {
        var raw = v.GetRawText();
        return raw.Length > 40 ? raw[..40] + "…" : raw;
    }

    private sealed record Leaf(JsonValueKind Kind, string Name) : Shape
    {
        public override string? Misfit(JsonElement v) =>
            v.ValueKind != Kind || (Kind == JsonValueKind.Number && !v.TryGetInt32(out _)) ? $"expected {Name}, found {Found(v)}" : null;

        public override string Describe() => Name;
    }

    private sealed record BoolShape : Shape
    {
        public override string? Misfit(JsonElement v) =>
            v.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : $"expected a boolean, found {Found(v)}";

        public override string Describe() => "a boolean";
    }

    private sealed record FnShape(Shape Values) : Shape
    {
        public override string? Misfit(JsonElement v)
        {
            if (v.ValueKind != JsonValueKind.Object) return $"expected {Describe()}, found {Found(v)}";
            foreach (var p in v.EnumerateObject())
                if (Values.Misfit(p.Value) is { } m) return $"at {p.Name}: {m}";
            return null;
        }

        public override string Describe() => $"a function to {Values.Describe()}";
    }

    private sealed record SeqShape(Shape Items) : Shape
    {
        public override string? Misfit(JsonElement v)
        {
            if (v.ValueKind != JsonValueKind.Array) return $"expected {Describe()}, found {Found(v)}";
            int i = 1;
            foreach (var e in v.EnumerateArray())
            {
                if (Items.Misfit(e) is { } m) return $"item {i}: {m}";
                i++;
            }
            return null;
        }

        public override string Describe() => $"a set or sequence of {Items.Describe()}";
    }

    private sealed record TupleShape(Shape[] Items) : Shape
    {
        public override string? Misfit(JsonElement v)
        {
            if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != Items.Length) return $"expected {Describe()}, found {Found(v)}";
            for (int i = 0; i < Items.Length; i++)
                if (Items[i].Misfit(v[i]) is { } m) return $"component {i + 1}: {m}";
            return null;
        }

        public override string Describe() => $"<<{string.Join(", ", Items.Select(i => i.Describe()))}>>";
    }

    private sealed record RecShape((string Field, Shape Shape)[] Fields) : Shape
    {
        public override string? Misfit(JsonElement v)
        {
            if (v.ValueKind != JsonValueKind.Object || v.EnumerateObject().Count() != Fields.Length) return $"expected {Describe()}, found {Found(v)}";
            foreach (var (f, s) in Fields)
            {
                if (!v.TryGetProperty(f, out var x)) return $"expected {Describe()}, found {Found(v)}";
                if (s.Misfit(x) is { } m) return $"field {f}: {m}";
            }
            return null;
        }

        public override string Describe() => $"[{string.Join(", ", Fields.Select(f => $"{f.Field} |-> {f.Shape.Describe()}"))}]";
    }

    private sealed record OrShape(Shape A, Shape B) : Shape
    {
        public override string? Misfit(JsonElement v) => A.Misfit(v) is null || B.Misfit(v) is null ? null : $"expected {Describe()}, found {Found(v)}";

        public override string Describe() => $"{A.Describe()} or {B.Describe()}";
    }
}
