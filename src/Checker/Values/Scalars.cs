using System.Collections.Concurrent;
using System.Text;

namespace VerifiedIpc.Checker.Values;

/// <summary>FALSE and TRUE; FALSE orders first.</summary>
public sealed class BoolValue : Value
{
    /// <summary>TRUE.</summary>
    public static readonly BoolValue True = new(true);
    /// <summary>FALSE.</summary>
    public static readonly BoolValue False = new(false);

    private readonly ulong _fp;
    private BoolValue(bool v) { Value = v; _fp = Fp.Finish(Fp.Mix(Fp.Start(ValueKind.Bool), v ? 1UL : 0UL)); }

    /// <summary>The boolean.</summary>
    public bool Value { get; }

    /// <summary>The canonical instance.</summary>
    public static BoolValue Of(bool b) => b ? True : False;

    /// <inheritdoc />
    public override ValueKind Kind => ValueKind.Bool;
    /// <inheritdoc />
    public override ulong Fingerprint => _fp;
    /// <inheritdoc />
    protected override int CompareSameKind(Value other) => Value.CompareTo(((BoolValue)other).Value);
    /// <inheritdoc />
    public override bool Equals(Value? other) => ReferenceEquals(this, other);
    /// <inheritdoc />
    public override void Print(StringBuilder sb) => sb.Append(Value ? "TRUE" : "FALSE");
}

/// <summary>A 32-bit integer, as TLC has them: arithmetic that leaves the range is an evaluation error.</summary>
public sealed class IntValue : Value
{
    private const int CacheLow = -256, CacheHigh = 4096;
    private static readonly IntValue[] Cache = Enumerable.Range(CacheLow, CacheHigh - CacheLow + 1).Select(i => new IntValue(i)).ToArray();

    private readonly ulong _fp;
    private IntValue(int v) { Value = v; _fp = Fp.Finish(Fp.Mix(Fp.Start(ValueKind.Int), (ulong)(long)v)); }

    /// <summary>The integer.</summary>
    public int Value { get; }

    /// <summary>The value for <paramref name="v"/> (small ones are shared).</summary>
    public static IntValue Of(int v) => v >= CacheLow && v <= CacheHigh ? Cache[v - CacheLow] : new IntValue(v);

    /// <summary>Checks a 64-bit intermediate result into TLC's 32-bit range.</summary>
    public static IntValue OfChecked(long v, string what)
    {
        if (v < int.MinValue || v > int.MaxValue)
            throw new EvalException($"Overflow when computing {what}", EvalErrorKind.Overflow);
        return Of((int)v);
    }

    /// <inheritdoc />
    public override ValueKind Kind => ValueKind.Int;
    /// <inheritdoc />
    public override ulong Fingerprint => _fp;
    /// <inheritdoc />
    protected override int CompareSameKind(Value other) => Value.CompareTo(((IntValue)other).Value);
    /// <inheritdoc />
    public override bool Equals(Value? other) => other is IntValue i && i.Value == Value;
    /// <inheritdoc />
    public override void Print(StringBuilder sb) => sb.Append(Value);
}

/// <summary>
/// A string. TLC orders strings by the order in which its parser interned them, not lexicographically, so every
/// string carries its intern rank from the model's <see cref="StringTable"/>.
/// </summary>
public sealed class StrValue : Value
{
    private readonly ulong _fp;

    internal StrValue(string s, int rank)
    {
        Value = s;
        Rank = rank;
        ulong h = Fp.Start(ValueKind.String);
        foreach (var c in s) h = Fp.Mix(h, c);
        _fp = Fp.Finish(Fp.Mix(h, (ulong)s.Length));
    }

    /// <summary>The characters.</summary>
    public string Value { get; }

    /// <summary>Position in the intern order; decides TLC's order of strings.</summary>
    public int Rank { get; }

    /// <inheritdoc />
    public override ValueKind Kind => ValueKind.String;
    /// <inheritdoc />
    public override ulong Fingerprint => _fp;
    /// <inheritdoc />
    protected override int CompareSameKind(Value other) => Rank.CompareTo(((StrValue)other).Rank);
    /// <inheritdoc />
    public override bool Equals(Value? other) => ReferenceEquals(this, other) || (other is StrValue s && s.Value == Value);

    /// <inheritdoc />
    public override void Print(StringBuilder sb)
    {
        sb.Append('"');
        foreach (var c in Value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }
}

/// <summary>
/// The intern table of one model: the first time a string (or identifier) is seen fixes its rank. The model
/// loader feeds it the standard modules' identifiers, then the user's modules in source order, as TLC's parser
/// does; strings built while checking (ToString, concatenation) are interned when created.
/// </summary>
public sealed class StringTable
{
    private readonly ConcurrentDictionary<string, StrValue> _table = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _next;

    /// <summary>The unique value for <paramref name="s"/>, interning it now if it is new.</summary>
    public StrValue Intern(string s)
    {
        if (_table.TryGetValue(s, out var v)) return v;
        lock (_lock)
        {
            if (_table.TryGetValue(s, out v)) return v;
            v = new StrValue(s, _next++);
            _table[s] = v;
            return v;
        }
    }

    /// <summary>Number of interned strings.</summary>
    public int Count => _table.Count;
}

/// <summary>A model value declared in the cfg (<c>Procs = {p1, p2}</c>); ordered by creation.</summary>
public sealed class ModelValue : Value
{
    private readonly ulong _fp;

    /// <summary>Creates the model value with its creation index.</summary>
    public ModelValue(string name, int index)
    {
        Name = name;
        Index = index;
        ulong h = Fp.Start(ValueKind.Model);
        foreach (var c in name) h = Fp.Mix(h, c);
        _fp = Fp.Finish(h);
    }

    /// <summary>The name as written in the cfg.</summary>
    public string Name { get; }
    /// <summary>Creation order.</summary>
    public int Index { get; }

    /// <inheritdoc />
    public override ValueKind Kind => ValueKind.Model;
    /// <inheritdoc />
    public override ulong Fingerprint => _fp;
    /// <inheritdoc />
    protected override int CompareSameKind(Value other) => Index.CompareTo(((ModelValue)other).Index);
    /// <inheritdoc />
    public override bool Equals(Value? other) => ReferenceEquals(this, other) || (other is ModelValue m && m.Name == Name);
    /// <inheritdoc />
    public override void Print(StringBuilder sb) => sb.Append(Name);
}
