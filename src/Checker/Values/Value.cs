using System.Runtime.CompilerServices;
using System.Text;

namespace VerifiedIpc.Checker.Values;

/// <summary>The kinds of value, in the order TLC uses when it has to order values of different kinds.</summary>
public enum ValueKind
{
    /// <summary>FALSE and TRUE.</summary>
    Bool = 0,
    /// <summary>32-bit integers.</summary>
    Int = 1,
    /// <summary>Strings, ordered by intern rank.</summary>
    String = 2,
    /// <summary>Sets, concrete or lazy.</summary>
    Set = 3,
    /// <summary>Functions, tuples, sequences and records (one representation).</summary>
    Function = 4,
    /// <summary>Model values, ordered by creation in the cfg.</summary>
    Model = 5,
}

/// <summary>
/// An immutable TLA+ value in canonical form. Canonical means two values are equal exactly when their
/// canonical forms are structurally equal, which is what makes the 64-bit fingerprint (a hash of the
/// canonical form with a tag per kind) a sound key for the seen-state set.
/// </summary>
public abstract class Value : IEquatable<Value>, IComparable<Value>
{
    /// <summary>The kind, which decides cross-kind order and the fingerprint tag.</summary>
    public abstract ValueKind Kind { get; }

    /// <summary>64-bit fingerprint of the canonical form; equal values have equal fingerprints.</summary>
    public abstract ulong Fingerprint { get; }

    /// <summary>
    /// TLC's total order within a kind. Values of different kinds are incomparable in TLC (an evaluation error),
    /// except model values, which TLC orders after everything else.
    /// </summary>
    public int CompareTo(Value? other)
    {
        if (other is null) return 1;
        if (ReferenceEquals(this, other)) return 0;
        var k1 = Kind; var k2 = other.Kind;
        if (k1 != k2)
        {
            if (k1 == ValueKind.Model || k2 == ValueKind.Model) return k1.CompareTo(k2);
            throw new EvalException($"Attempted to compare {Describe(this)} with {Describe(other)}.");
        }
        return CompareSameKind(other);
    }

    /// <summary>Compares with a value of the same kind.</summary>
    protected abstract int CompareSameKind(Value other);

    /// <summary>Structural equality of canonical forms; different kinds are simply unequal.</summary>
    public abstract bool Equals(Value? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Value v && Equals(v);

    /// <inheritdoc />
    public override int GetHashCode() => (int)(Fingerprint ^ (Fingerprint >> 32));

    /// <summary>
    /// TLA+ equality as TLC evaluates <c>=</c>: comparing an integer with a string (or any two kinds that
    /// cannot be equal by type) is an evaluation error; a model value is just unequal to other values.
    /// </summary>
    public static bool EqualsChecked(Value a, Value b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Kind != b.Kind && a.Kind != ValueKind.Model && b.Kind != ValueKind.Model)
            throw new EvalException(a switch
            {
                // TLC's wording differs by the class of the left operand.
                BoolValue => $"Attempted to compare equality of boolean {a} with non-boolean:\n{b}",
                FcnValue { IsRecord: true } => $"Attempted to check equality of record:\n{a}\nwith non-record\n{b}",
                FcnBase => $"Attempted to check equality of the function {a} with the value:\n{b}",
                SetBase => $"Attempted to check equality of the set {a} with the value:\n{b}",
                _ => $"Attempted to check equality of {Describe(a)} with non-{KindName(a.Kind)}:\n{b}",
            });
        return a.Equals(b);
    }

    internal static string KindName(ValueKind k) => k switch
    {
        ValueKind.Bool => "boolean",
        ValueKind.Int => "integer",
        ValueKind.String => "string",
        ValueKind.Set => "set",
        ValueKind.Function => "function",
        _ => "model value",
    };

    /// <summary>How TLC describes the kind of a value in "non-boolean"/"non-function" errors ("an integer", "a tuple").</summary>
    public static string TlcKind(Value v) => v switch
    {
        IntValue => "an integer",
        StrValue => "a string",
        BoolValue => "a boolean",
        ModelValue => "a model value",
        FcnValue { IsTuple: true } or FcnValue { Count: 0 } => "a tuple",
        FcnValue { IsRecord: true } => "a record",
        FcnBase => "a function  of the form (d1 :> e1 @@ ... @@ dN :> eN)",
        SetValue => "a set of the form {e1, ... ,eN}",
        IntervalValue => "a set of the form i..j",
        SubsetValue => "a set of the form SUBSET S",
        FcnSetValue => "a set of the form [S -> T]",
        _ => "a set",
    };

    /// <summary>The class TLC represents a value with, for the Java cast errors it reports.</summary>
    public static string JavaClassName(Value v) => v switch
    {
        IntValue => "IntValue",
        StrValue => "StringValue",
        BoolValue => "BoolValue",
        ModelValue => "ModelValue",
        FcnValue { IsTuple: true } or FcnValue { Count: 0 } => "TupleValue",
        FcnValue { IsRecord: true } => "RecordValue",
        LazyFcnValue => "FcnLambdaValue",
        FcnBase => "FcnRcdValue",
        SetValue => "SetEnumValue",
        IntervalValue => "IntervalValue",
        SubsetValue => "SubsetValue",
        FcnSetValue => "SetOfFcnsValue",
        RecordSetValue => "SetOfRcdsValue",
        ProductSetValue => "SetOfTuplesValue",
        _ => "Value",
    };

    /// <summary>"integer 1", "string \"a\"": the way TLC names a value in its error messages.</summary>
    public static string Describe(Value v) => v.Kind switch
    {
        ValueKind.Int => "integer " + v,
        ValueKind.String => "string " + v,
        ValueKind.Bool => "boolean " + v,
        ValueKind.Set => "set " + v,
        ValueKind.Function => "function " + v,
        _ => "model value " + v,
    };

    /// <summary>Appends TLC's printed form.</summary>
    public abstract void Print(StringBuilder sb);

    /// <summary>TLC's printed form, as in error traces: <c>{1, 2}</c>, <c>&lt;&lt;1, 2&gt;&gt;</c>, <c>[a |-&gt; 1]</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Print(sb);
        return sb.ToString();
    }
}

/// <summary>Fingerprint arithmetic: a seeded 64-bit mix; the seed is fixed so fingerprints are stable across runs.</summary>
public static class Fp
{
    /// <summary>Starting point for a value of the given kind (the type tag of habit 9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Start(ValueKind kind) => 0x9E3779B97F4A7C15UL * ((ulong)kind + 1) ^ 0xC2B2AE3D27D4EB4FUL;

    /// <summary>Folds one 64-bit word into a running fingerprint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong h, ulong x)
    {
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        h ^= x;
        h = ulong.RotateLeft(h, 27) * 0x9E3779B97F4A7C15UL + 0x52DCE729UL;
        return h;
    }

    /// <summary>Final avalanche so nearby inputs give distant fingerprints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Finish(ulong h)
    {
        h ^= h >> 33; h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}
