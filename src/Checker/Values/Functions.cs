using System.Text;

namespace VerifiedIpc.Checker.Values;

/// <summary>A function value: concrete (<see cref="FcnValue"/>) or defined over an infinite domain.</summary>
public abstract class FcnBase : Value
{
    /// <inheritdoc />
    public sealed override ValueKind Kind => ValueKind.Function;

    /// <summary>f[x]; an argument outside the domain is an evaluation error.</summary>
    public abstract Value Apply(Value arg);

    /// <summary>DOMAIN f.</summary>
    public abstract SetBase Domain { get; }

    /// <summary>Whether <paramref name="arg"/> is in the domain.</summary>
    public abstract bool InDomain(Value arg);
}

/// <summary>
/// A finite function in canonical form: keys sorted in TLC's order with their values. Tuples and sequences
/// (domain 1..n) and records (domain a set of strings) share this one representation, which is what makes
/// <c>[i \in 1..2 |-> i] = &lt;&lt;1, 2&gt;&gt;</c> and <c>r["a"] = r.a</c> hold without conversion.
/// </summary>
public sealed class FcnValue : FcnBase
{
    private static readonly Value[][] TupleKeys = Enumerable.Range(0, 64).Select(MakeKeys).ToArray();

    /// <summary>&lt;&lt;&gt;&gt;, which is also the empty function and the empty record.</summary>
    public static readonly FcnValue EmptyTuple = new([], [], true);

    private readonly Value[] _keys;
    private readonly Value[] _vals;
    private ulong _fp;
    private bool _fpDone;

    private FcnValue(Value[] keys, Value[] vals, bool isTuple)
    {
        _keys = keys;
        _vals = vals;
        IsTuple = isTuple;
    }

    private static Value[] MakeKeys(int n)
    {
        var k = new Value[n];
        for (int i = 0; i < n; i++) k[i] = IntValue.Of(i + 1);
        return k;
    }

    private static Value[] KeysFor(int n) => n < TupleKeys.Length ? TupleKeys[n] : MakeKeys(n);

    /// <summary>The tuple (or sequence) &lt;&lt;v1, ..., vn&gt;&gt;; takes ownership of the array.</summary>
    public static FcnValue Tuple(Value[] vals) => vals.Length == 0 ? EmptyTuple : new FcnValue(KeysFor(vals.Length), vals, true);

    /// <summary>A function from keys already in TLC's order (and distinct) to values.</summary>
    public static FcnValue FromSorted(Value[] keys, Value[] vals)
    {
        if (keys.Length == 0) return EmptyTuple;
        bool tuple = keys[0] is IntValue { Value: 1 } && keys[^1] is IntValue last && last.Value == keys.Length;
        return new FcnValue(tuple ? KeysFor(keys.Length) : keys, vals, tuple);
    }

    /// <summary>A function from arbitrary distinct keys to values; sorts them into canonical order.</summary>
    public static FcnValue FromPairs(Value[] keys, Value[] vals)
    {
        bool sorted = true;
        for (int i = 1; i < keys.Length && sorted; i++) sorted = keys[i - 1].CompareTo(keys[i]) < 0;
        if (!sorted)
        {
            keys = (Value[])keys.Clone();
            vals = (Value[])vals.Clone();
            Array.Sort(keys, vals, Comparer<Value>.Create(static (a, b) => a.CompareTo(b)));
            for (int i = 1; i < keys.Length; i++)
                if (keys[i - 1].Equals(keys[i])) throw new EvalException($"Duplicate key {keys[i]} in function construction.");
        }
        return FromSorted(keys, vals);
    }

    /// <summary>A record [f1 |-> v1, ...]; fields put in canonical order.</summary>
    public static FcnValue Record(StrValue[] names, Value[] vals) => FromPairs(names, vals);

    /// <summary>Whether the domain is 1..n (so the value prints as a tuple).</summary>
    public bool IsTuple { get; }

    /// <summary>Number of domain elements (Len for sequences).</summary>
    public int Count => _keys.Length;

    /// <summary>The domain in order.</summary>
    public IReadOnlyList<Value> Keys => _keys;

    /// <summary>The values, aligned with <see cref="Keys"/>.</summary>
    public IReadOnlyList<Value> Vals => _vals;

    internal Value[] RawVals => _vals;
    internal Value[] RawKeys => _keys;

    /// <inheritdoc />
    public override SetBase Domain => IsTuple ? new IntervalValue(1, _keys.Length) : SetValue.FromSorted(_keys);

    /// <summary>Position of <paramref name="arg"/> in the domain, or -1.</summary>
    public int IndexOf(Value arg)
    {
        if (IsTuple)
        {
            if (arg is IntValue i) return i.Value >= 1 && i.Value <= _keys.Length ? i.Value - 1 : -1;
            return -1;
        }
        if (_keys.Length <= 8)
        {
            for (int i = 0; i < _keys.Length; i++) if (_keys[i].Equals(arg)) return i;
            return -1;
        }
        int lo = 0, hi = _keys.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c;
            try { c = _keys[mid].CompareTo(arg); }
            catch (EvalException) { return -1; }
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    /// <inheritdoc />
    public override bool InDomain(Value arg) => IndexOf(arg) >= 0;

    /// <inheritdoc />
    public override Value Apply(Value arg)
    {
        int i = IndexOf(arg);
        if (i < 0)
            throw new EvalException($"Attempted to apply function:\n{this}\nto argument {arg}, which is not in the domain of the function.");
        return _vals[i];
    }

    /// <summary>The same function (same domain) with other values; takes ownership of <paramref name="vals"/>.</summary>
    internal FcnValue WithValues(Value[] vals) => new(_keys, vals, IsTuple);

    /// <summary>[f EXCEPT ![arg] = v]; an argument outside the domain leaves f unchanged, as in TLA+.</summary>
    public FcnValue Except(Value arg, Value v)
    {
        int i = IndexOf(arg);
        if (i < 0) return this;
        if (ReferenceEquals(_vals[i], v)) return this;
        var nv = (Value[])_vals.Clone();
        nv[i] = v;
        return new FcnValue(_keys, nv, IsTuple);
    }

    /// <summary>Append(s, e) for a sequence.</summary>
    public FcnValue Append(Value e)
    {
        var nv = new Value[_vals.Length + 1];
        Array.Copy(_vals, nv, _vals.Length);
        nv[^1] = e;
        return Tuple(nv);
    }

    /// <inheritdoc />
    public override ulong Fingerprint
    {
        get
        {
            if (_fpDone) return _fp;
            ulong h = Fp.Start(ValueKind.Function);
            h = Fp.Mix(h, (ulong)_keys.Length);
            for (int i = 0; i < _keys.Length; i++)
            {
                h = Fp.Mix(h, _keys[i].Fingerprint);
                h = Fp.Mix(h, _vals[i].Fingerprint);
            }
            _fp = Fp.Finish(h);
            _fpDone = true;
            return _fp;
        }
    }

    /// <inheritdoc />
    public override bool Equals(Value? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is LazyFcnValue lz) return lz.Domain.IsFinite && Equals(lz.Materialize());
        if (other is not FcnValue f || f._keys.Length != _keys.Length || f.Fingerprint != Fingerprint) return false;
        if (!ReferenceEquals(_keys, f._keys))
            for (int i = 0; i < _keys.Length; i++) if (!_keys[i].Equals(f._keys[i])) return false;
        for (int i = 0; i < _vals.Length; i++) if (!_vals[i].Equals(f._vals[i])) return false;
        return true;
    }

    /// <summary>TLC's order for functions: by size, then the domains element-wise, then the values element-wise.</summary>
    protected override int CompareSameKind(Value other)
    {
        if (other is not FcnValue f) throw new EvalException($"Attempted to compare {this} with a function over an infinite domain.");
        int c = _keys.Length.CompareTo(f._keys.Length);
        if (c != 0) return c;
        if (!ReferenceEquals(_keys, f._keys))
            for (int i = 0; i < _keys.Length; i++) { c = _keys[i].CompareTo(f._keys[i]); if (c != 0) return c; }
        for (int i = 0; i < _vals.Length; i++) { c = _vals[i].CompareTo(f._vals[i]); if (c != 0) return c; }
        return 0;
    }

    /// <summary>Whether every key is a string, so TLC prints the value as a record.</summary>
    public bool IsRecord => _keys.Length > 0 && !IsTuple && Array.TrueForAll(_keys, k => k is StrValue);

    /// <inheritdoc />
    public override void Print(StringBuilder sb)
    {
        if (_keys.Length == 0 || IsTuple)
        {
            sb.Append("<<");
            for (int i = 0; i < _vals.Length; i++) { if (i > 0) sb.Append(", "); _vals[i].Print(sb); }
            sb.Append(">>");
        }
        else if (IsRecord)
        {
            sb.Append('[');
            for (int i = 0; i < _vals.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(((StrValue)_keys[i]).Value).Append(" |-> ");
                _vals[i].Print(sb);
            }
            sb.Append(']');
        }
        else
        {
            sb.Append('(');
            for (int i = 0; i < _vals.Length; i++)
            {
                if (i > 0) sb.Append(" @@ ");
                _keys[i].Print(sb);
                sb.Append(" :> ");
                _vals[i].Print(sb);
            }
            sb.Append(')');
        }
    }
}

/// <summary>A function over an infinite (or not yet enumerated) domain, such as <c>f[n \in Nat] == ...</c>; values are computed on demand and memoised.</summary>
public sealed class LazyFcnValue : FcnBase
{
    private readonly Func<Value, Value> _body;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Value, Value> _memo = new();
    private readonly string _text;

    /// <summary>Creates the function with its domain and a body evaluated per argument.</summary>
    public LazyFcnValue(SetBase domain, Func<Value, Value> body, string text)
    {
        Domain = domain;
        _body = body;
        _text = text;
    }

    /// <inheritdoc />
    public override SetBase Domain { get; }

    /// <inheritdoc />
    public override bool InDomain(Value arg) => Domain.Contains(arg);

    /// <inheritdoc />
    public override Value Apply(Value arg)
    {
        if (_memo.TryGetValue(arg, out var v)) return v;
        if (!Domain.Contains(arg))
            throw new EvalException($"Attempted to apply function:\n{_text}\nto argument {arg}, which is not in the domain of the function.");
        v = _body(arg);
        _memo.TryAdd(arg, v);
        return v;
    }

    /// <summary>The enumerated function (only for finite domains).</summary>
    public FcnValue Materialize()
    {
        if (!Domain.IsFinite) throw new EvalException($"Attempted to enumerate a function over the infinite set {Domain}.");
        var keys = Domain.Normalize().Raw;
        var vals = new Value[keys.Length];
        for (int i = 0; i < keys.Length; i++) vals[i] = Apply(keys[i]);
        return FcnValue.FromSorted(keys, vals);
    }

    /// <inheritdoc />
    public override ulong Fingerprint => Materialize().Fingerprint;
    /// <inheritdoc />
    public override bool Equals(Value? other) => ReferenceEquals(this, other) || (Domain.IsFinite && Materialize().Equals(other));
    /// <inheritdoc />
    protected override int CompareSameKind(Value other) =>
        Materialize().CompareTo(other is LazyFcnValue l ? l.Materialize() : other);
    /// <inheritdoc />
    public override void Print(StringBuilder sb)
    {
        if (Domain.IsFinite) Materialize().Print(sb); else sb.Append(_text);
    }
}
