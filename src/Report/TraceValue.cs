using System.Collections.Immutable;

namespace VerifiedIpc.Report;

/// <summary>
/// A value as TLC's JSON trace writes it. The JSON is lossy: sets, sequences and tuples are all arrays, records
/// and functions are all objects, strings and model values are all strings. <see cref="TlaFormatter"/> recovers
/// TLA+ syntax from the value plus optional hints (<see cref="ValueShape"/>, model-value names).
/// Values compare structurally, so message instances can be matched across states.
/// </summary>
public abstract class TraceValue : IEquatable<TraceValue>
{
    private protected TraceValue() { }

    /// <inheritdoc />
    public abstract bool Equals(TraceValue? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TraceValue v && Equals(v);

    /// <inheritdoc />
    public abstract override int GetHashCode();

    /// <inheritdoc />
    public override string ToString() => TlaFormatter.Default.Format(this);
}

/// <summary>An integer.</summary>
public sealed class IntValue(long value) : TraceValue
{
    /// <summary>The integer.</summary>
    public long Value { get; } = value;

    /// <inheritdoc />
    public override bool Equals(TraceValue? other) => other is IntValue i && i.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();
}

/// <summary>A Boolean.</summary>
public sealed class BoolValue(bool value) : TraceValue
{
    /// <summary>The Boolean.</summary>
    public bool Value { get; } = value;

    /// <inheritdoc />
    public override bool Equals(TraceValue? other) => other is BoolValue b && b.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => Value ? 1 : 2;
}

/// <summary>A string or a model value (the JSON does not tell them apart).</summary>
public sealed class StringValue(string value) : TraceValue
{
    /// <summary>The text.</summary>
    public string Value { get; } = value;

    /// <inheritdoc />
    public override bool Equals(TraceValue? other) => other is StringValue s && s.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);
}

/// <summary>A JSON array: a sequence, tuple or set (in TLC's value order).</summary>
public sealed class ArrayValue(ImmutableArray<TraceValue> items) : TraceValue
{
    /// <summary>The elements in JSON order.</summary>
    public ImmutableArray<TraceValue> Items { get; } = items;

    /// <inheritdoc />
    public override bool Equals(TraceValue? other)
    {
        if (other is not ArrayValue a || a.Items.Length != Items.Length) return false;
        for (var i = 0; i < Items.Length; i++)
            if (!Items[i].Equals(a.Items[i])) return false;
        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(3);
        foreach (var item in Items) h.Add(item);
        return h.ToHashCode();
    }
}

/// <summary>A JSON object: a record or a function (keys are the printed domain values).</summary>
public sealed class ObjectValue(ImmutableArray<KeyValuePair<string, TraceValue>> fields) : TraceValue
{
    /// <summary>The fields in JSON order.</summary>
    public ImmutableArray<KeyValuePair<string, TraceValue>> Fields { get; } = fields;

    /// <summary>The value of a field, or null.</summary>
    public TraceValue? this[string key]
    {
        get
        {
            foreach (var f in Fields)
                if (f.Key == key) return f.Value;
            return null;
        }
    }

    /// <inheritdoc />
    public override bool Equals(TraceValue? other)
    {
        if (other is not ObjectValue o || o.Fields.Length != Fields.Length) return false;
        // Key order is TLC's domain order, which is canonical, but compare by key to be safe.
        foreach (var f in Fields)
        {
            var v = o[f.Key];
            if (v is null || !v.Equals(f.Value)) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var sum = 4;
        foreach (var f in Fields) sum += HashCode.Combine(StringComparer.Ordinal.GetHashCode(f.Key), f.Value);
        return sum;
    }
}
