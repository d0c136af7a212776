using System.Text;

namespace VerifiedIpc.Checker.Values;

/// <summary>
/// A set, concrete or intensional. Intensional forms (SUBSET S, [S -> T], Nat, Seq(S), record sets, a..b)
/// answer membership without enumerating and are normalised only when enumerated, compared or fingerprinted.
/// </summary>
public abstract class SetBase : Value
{
    /// <inheritdoc />
    public sealed override ValueKind Kind => ValueKind.Set;

    /// <summary>Membership, as TLC evaluates <c>\in</c>.</summary>
    public abstract bool Contains(Value v);

    /// <summary>Whether the set is finite (Nat, Int, STRING, Seq(S) are not).</summary>
    public virtual bool IsFinite => true;

    /// <summary>The canonical enumerated form, elements in TLC's order.</summary>
    public abstract SetValue Normalize();

    /// <summary>Cardinality.</summary>
    public virtual int Count => Normalize().Count;

    /// <summary>Elements in TLC's order (what \E, CHOOSE and Init enumeration visit).</summary>
    public virtual IReadOnlyList<Value> Elements => Normalize().Items;

    /// <summary>Name used in "cannot enumerate" messages.</summary>
    protected virtual string Describe() => ToString();

    /// <summary>The enumerated form, or an evaluation error for an infinite set.</summary>
    protected SetValue RequireFinite()
    {
        if (!IsFinite) throw new EvalException($"Attempted to enumerate an infinite set: {Describe()}");
        return Normalize();
    }

    /// <inheritdoc />
    public override ulong Fingerprint => RequireFinite().Fingerprint;

    /// <inheritdoc />
    public override bool Equals(Value? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is not SetBase s) return false;
        if (!IsFinite || !s.IsFinite) return InfiniteEquals(s);
        return Normalize().Equals(s.Normalize());
    }

    /// <summary>Equality when one side is infinite: only the same intensional form is equal.</summary>
    protected virtual bool InfiniteEquals(SetBase other) =>
        !IsFinite && !other.IsFinite && GetType() == other.GetType() && ToString() == other.ToString();

    /// <inheritdoc />
    protected override int CompareSameKind(Value other) => RequireFinite().CompareCanonical(((SetBase)other).RequireFinite());
}

/// <summary>A finite set in canonical form: elements sorted in TLC's order, no duplicates.</summary>
public sealed class SetValue : SetBase
{
    /// <summary>{}.</summary>
    public static readonly SetValue Empty = new([], true);

    private readonly Value[] _items;
    private ulong _fp;
    private bool _fpDone;

    private SetValue(Value[] sortedDistinct, bool _) => _items = sortedDistinct;

    /// <summary>Builds a set from any elements: sorts them in TLC's order and removes duplicates.</summary>
    public static SetValue Of(IEnumerable<Value> elements) => FromUnsorted(elements.ToArray());

    /// <summary>Builds a set from elements already known to be sorted and distinct (not re-checked).</summary>
    public static SetValue FromSorted(Value[] sortedDistinct) => sortedDistinct.Length == 0 ? Empty : new SetValue(sortedDistinct, true);

    /// <summary>Builds a set taking ownership of <paramref name="items"/>, which is sorted in place.</summary>
    public static SetValue FromUnsorted(Value[] items)
    {
        if (items.Length == 0) return Empty;
        if (items.Length == 1) return new SetValue(items, true);
        bool sorted = true;
        for (int i = 1; i < items.Length; i++)
        {
            if (items[i - 1].CompareTo(items[i]) >= 0) { sorted = false; break; }
        }
        if (sorted) return new SetValue(items, true);
        Array.Sort(items, static (a, b) => a.CompareTo(b));
        int n = 1;
        for (int i = 1; i < items.Length; i++)
        {
            if (!items[i].Equals(items[n - 1])) items[n++] = items[i];
        }
        if (n != items.Length) Array.Resize(ref items, n);
        return new SetValue(items, true);
    }

    /// <summary>The elements in order.</summary>
    public IReadOnlyList<Value> Items => _items;

    internal Value[] Raw => _items;

    /// <inheritdoc />
    public override int Count => _items.Length;
    /// <inheritdoc />
    public override IReadOnlyList<Value> Elements => _items;
    /// <inheritdoc />
    public override SetValue Normalize() => this;

    /// <inheritdoc />
    public override bool Contains(Value v)
    {
        // Binary search in TLC's order; comparing across kinds raises TLC's error, as TLC's membership does.
        int lo = 0, hi = _items.Length - 1;
        if (_items.Length > 0 && v.Kind != _items[0].Kind && v.Kind != ValueKind.Model && _items[0].Kind != ValueKind.Model)
            _ = Value.EqualsChecked(_items[0], v);
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = _items[mid].CompareTo(v);
            if (c == 0) return true;
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return false;
    }

    /// <inheritdoc />
    public override ulong Fingerprint
    {
        get
        {
            if (_fpDone) return _fp;
            ulong h = Fp.Start(ValueKind.Set);
            h = Fp.Mix(h, (ulong)_items.Length);
            foreach (var e in _items) h = Fp.Mix(h, e.Fingerprint);
            _fp = Fp.Finish(h);
            _fpDone = true;
            return _fp;
        }
    }

    /// <inheritdoc />
    public override bool Equals(Value? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is SetValue s)
        {
            if (s._items.Length != _items.Length || s.Fingerprint != Fingerprint) return false;
            for (int i = 0; i < _items.Length; i++) if (!_items[i].Equals(s._items[i])) return false;
            return true;
        }
        return base.Equals(other);
    }

    /// <summary>TLC's set order: by cardinality, then element-wise.</summary>
    internal int CompareCanonical(SetValue other)
    {
        int c = _items.Length.CompareTo(other._items.Length);
        if (c != 0) return c;
        for (int i = 0; i < _items.Length; i++)
        {
            c = _items[i].CompareTo(other._items[i]);
            if (c != 0) return c;
        }
        return 0;
    }

    /// <inheritdoc />
    public override void Print(StringBuilder sb)
    {
        sb.Append('{');
        for (int i = 0; i < _items.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            _items[i].Print(sb);
        }
        sb.Append('}');
    }
}

/// <summary>The interval a..b (empty when b &lt; a).</summary>
public sealed class IntervalValue : SetBase
{
    private SetValue? _norm;

    /// <summary>Creates a..b.</summary>
    public IntervalValue(int low, int high) { Low = low; High = high; }

    /// <summary>Lower bound.</summary>
    public int Low { get; }
    /// <summary>Upper bound.</summary>
    public int High { get; }

    /// <inheritdoc />
    public override int Count => High < Low ? 0 : checked(High - Low + 1);

    /// <inheritdoc />
    public override bool Contains(Value v)
    {
        if (v is IntValue i) return i.Value >= Low && i.Value <= High;
        if (v.Kind == ValueKind.Model) return false;
        throw new EvalException($"Attempted to check if the value:\n{v}\nis in the interval {this}, but it is not an integer.");
    }

    /// <inheritdoc />
    public override SetValue Normalize()
    {
        if (_norm != null) return _norm;
        if (High < Low) return _norm = SetValue.Empty;
        var arr = new Value[(long)High - Low + 1];
        for (long k = Low; k <= High; k++) arr[k - Low] = IntValue.Of((int)k);
        return _norm = SetValue.FromSorted(arr);
    }

    /// <inheritdoc />
    public override void Print(StringBuilder sb)
    {
        if (High < Low) { sb.Append("{}"); return; }
        sb.Append(Low).Append("..").Append(High);
    }
}

/// <summary>Nat, Int or STRING: infinite, membership only.</summary>
public sealed class InfiniteSetValue : SetBase
{
    private readonly Func<Value, bool> _member;
    private readonly string _name;

    private InfiniteSetValue(string name, Func<Value, bool> member) { _name = name; _member = member; }

    /// <summary>Nat.</summary>
    public static readonly InfiniteSetValue Nat = new("Nat", v => v is IntValue i ? i.Value >= 0 : v.Kind == ValueKind.Model ? false : throw NotInt(v, "Nat"));
    /// <summary>Int.</summary>
    public static readonly InfiniteSetValue Int = new("Int", v => v is IntValue || (v.Kind == ValueKind.Model ? false : throw NotInt(v, "Int")));
    /// <summary>STRING.</summary>
    public static readonly InfiniteSetValue String = new("STRING", v => v is StrValue);

    private static EvalException NotInt(Value v, string set) => new($"Attempted to check if the value:\n{v}\nis in {set}, but it is not an integer.");

    /// <inheritdoc />
    public override bool IsFinite => false;
    /// <inheritdoc />
    public override bool Contains(Value v) => _member(v);
    /// <inheritdoc />
    public override SetValue Normalize() => throw new EvalException($"Attempted to enumerate {_name}.");
    /// <inheritdoc />
    public override int Count => throw new EvalException($"Attempted to compute the cardinality of the infinite set {_name}.");
    /// <inheritdoc />
    public override void Print(StringBuilder sb) => sb.Append(_name);
}

/// <summary>SUBSET S.</summary>
public sealed class SubsetValue : SetBase
{
    private SetValue? _norm;

    /// <summary>Creates SUBSET <paramref name="baseSet"/>.</summary>
    public SubsetValue(SetBase baseSet) => Base = baseSet;

    /// <summary>S.</summary>
    public SetBase Base { get; }

    /// <inheritdoc />
    public override bool IsFinite => Base.IsFinite;

    /// <inheritdoc />
    public override bool Contains(Value v)
    {
        if (v is not SetBase s) return false;
        if (!s.IsFinite) return false;
        foreach (var e in s.Elements) if (!Base.Contains(e)) return false;
        return true;
    }

    /// <inheritdoc />
    public override int Count
    {
        get
        {
            int n = Base.Count;
            if (n >= 31) throw new EvalException($"Attempted to compute the cardinality of a too large SUBSET of a set with {n} elements.");
            return 1 << n;
        }
    }

    /// <inheritdoc />
    public override SetValue Normalize()
    {
        if (_norm != null) return _norm;
        var b = Base.Normalize().Raw;
        if (b.Length >= 25) throw new EvalException($"Attempted to enumerate SUBSET of a set with {b.Length} elements.");
        var all = new Value[1 << b.Length];
        for (int mask = 0; mask < all.Length; mask++)
        {
            var sub = new Value[System.Numerics.BitOperations.PopCount((uint)mask)];
            int k = 0;
            for (int i = 0; i < b.Length; i++) if ((mask & (1 << i)) != 0) sub[k++] = b[i];
            all[mask] = SetValue.FromSorted(sub);
        }
        return _norm = SetValue.FromUnsorted(all);
    }

    /// <inheritdoc />
    public override void Print(StringBuilder sb) { sb.Append("SUBSET "); Base.Print(sb); }
}

/// <summary>[D -> R], the set of functions from D to R.</summary>
public sealed class FcnSetValue : SetBase
{
    private SetValue? _norm;

    /// <summary>Creates [<paramref name="domain"/> -> <paramref name="range"/>].</summary>
    public FcnSetValue(SetBase domain, SetBase range) { Domain = domain; Range = range; }

    /// <summary>D.</summary>
    public SetBase Domain { get; }
    /// <summary>R.</summary>
    public SetBase Range { get; }

    /// <inheritdoc />
    public override bool IsFinite => Domain.IsFinite && Range.IsFinite;

    /// <inheritdoc />
    public override bool Contains(Value v)
    {
        if (v is not FcnValue f) return false;
        var dom = Domain.Normalize();
        if (f.Count != dom.Count) return false;
        for (int i = 0; i < f.Count; i++)
        {
            if (!f.Keys[i].Equals(dom.Raw[i])) return false;
            if (!Range.Contains(f.Vals[i])) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override SetValue Normalize()
    {
        if (_norm != null) return _norm;
        var dom = Domain.Normalize().Raw;
        var rng = Range.Normalize().Raw;
        double total = Math.Pow(rng.Length, dom.Length);
        if (total > 50_000_000) throw new EvalException($"Attempted to enumerate a function set with {total} elements.");
        var res = new List<Value>((int)total);
        var idx = new int[dom.Length];
        if (dom.Length > 0 && rng.Length == 0) return _norm = SetValue.Empty;
        while (true)
        {
            var vals = new Value[dom.Length];
            for (int i = 0; i < dom.Length; i++) vals[i] = rng[idx[i]];
            res.Add(FcnValue.FromSorted(dom, vals));
            int p = dom.Length - 1;
            while (p >= 0 && ++idx[p] == rng.Length) { idx[p] = 0; p--; }
            if (p < 0) break;
        }
        return _norm = SetValue.FromUnsorted(res.ToArray());
    }

    /// <inheritdoc />
    public override void Print(StringBuilder sb) { sb.Append('['); Domain.Print(sb); sb.Append(" -> "); Range.Print(sb); sb.Append(']'); }
}

/// <summary>[a : S, b : T], the set of records.</summary>
public sealed class RecordSetValue : SetBase
{
    private readonly StrValue[] _names;
    private readonly SetBase[] _sets;
    private SetValue? _norm;

    /// <summary>Creates the record set; fields are put in canonical (intern) order.</summary>
    public RecordSetValue(IReadOnlyList<StrValue> names, IReadOnlyList<SetBase> sets)
    {
        var order = Enumerable.Range(0, names.Count).OrderBy(i => names[i].Rank).ToArray();
        _names = order.Select(i => names[i]).ToArray();
        _sets = order.Select(i => sets[i]).ToArray();
    }

    /// <inheritdoc />
    public override bool IsFinite => _sets.All(s => s.IsFinite);

    /// <inheritdoc />
    public override bool Contains(Value v)
    {
        if (v is not FcnValue f || f.Count != _names.Length) return false;
        for (int i = 0; i < _names.Length; i++)
        {
            if (!f.Keys[i].Equals(_names[i])) return false;
            if (!_sets[i].Contains(f.Vals[i])) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override SetValue Normalize()
    {
        if (_norm != null) return _norm;
        var res = new List<Value>();
        var parts = _sets.Select(s => s.Normalize().Raw).ToArray();
        if (parts.Any(p => p.Length == 0)) return _norm = SetValue.Empty;
        var idx = new int[parts.Length];
        while (true)
        {
            var vals = new Value[parts.Length];
            for (int i = 0; i < parts.Length; i++) vals[i] = parts[i][idx[i]];
            res.Add(FcnValue.FromSorted(_names, vals));
            int p = parts.Length - 1;
            while (p >= 0 && ++idx[p] == parts[p].Length) { idx[p] = 0; p--; }
            if (p < 0) break;
        }
        return _norm = SetValue.FromUnsorted(res.ToArray());
    }

    /// <inheritdoc />
    public override void Print(StringBuilder sb)
    {
        sb.Append('[');
        for (int i = 0; i < _names.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(_names[i].Value).Append(" : ");
            _sets[i].Print(sb);
        }
        sb.Append(']');
    }
}

/// <summary>S1 \X S2 \X ..., the set of tuples.</summary>
public sealed class ProductSetValue : SetBase
{
    private readonly SetBase[] _sets;
    private SetValue? _norm;

    /// <summary>Creates the product of <paramref name="sets"/>.</summary>
    public ProductSetValue(IReadOnlyList<SetBase> sets) => _sets = sets.ToArray();

    /// <inheritdoc />
    public override bool IsFinite => _sets.All(s => s.IsFinite);

    /// <inheritdoc />
    public override bool Contains(Value v)
    {
        if (v is not FcnValue f || !f.IsTuple || f.Count != _sets.Length) return false;
        for (int i = 0; i < _sets.Length; i++) if (!_sets[i].Contains(f.Vals[i])) return false;
        return true;
    }

    /// <inheritdoc />
    public override SetValue Normalize()
    {
        if (_norm != null) return _norm;
        var parts = _sets.Select(s => s.Normalize().Raw).ToArray();
        if (parts.Any(p => p.Length == 0)) return _norm = SetValue.Empty;
        var res = new List<Value>();
        var idx = new int[parts.Length];
        while (true)
        {
            var vals = new Value[parts.Length];
            for (int i = 0; i < parts.Length; i++) vals[i] = parts[i][idx[i]];
            res.Add(FcnValue.Tuple(vals));
            int p = parts.Length - 1;
            while (p >= 0 && ++idx[p] == parts[p].Length) { idx[p] = 0; p--; }
            if (p < 0) break;
        }
        return _norm = SetValue.FromUnsorted(res.ToArray());
    }

    /// <inheritdoc />
    public override void Print(StringBuilder sb)
    {
        for (int i = 0; i < _sets.Length; i++)
        {
            if (i > 0) sb.Append(" \\X ");
            _sets[i].Print(sb);
        }
    }
}

/// <summary>Seq(S): infinite, membership only.</summary>
public sealed class SeqSetValue : SetBase
{
    /// <summary>Creates Seq(<paramref name="elements"/>).</summary>
    public SeqSetValue(SetBase elements) => ElementSet = elements;

    /// <summary>S.</summary>
    public SetBase ElementSet { get; }

    /// <inheritdoc />
    public override bool IsFinite => false;
    /// <inheritdoc />
    public override bool Contains(Value v)
    {
        if (v is not FcnValue f || !f.IsTuple) return false;
        foreach (var e in f.Vals) if (!ElementSet.Contains(e)) return false;
        return true;
    }
    /// <inheritdoc />
    public override SetValue Normalize() => throw new EvalException($"Attempted to enumerate Seq({ElementSet}).");
    /// <inheritdoc />
    public override void Print(StringBuilder sb) { sb.Append("Seq("); ElementSet.Print(sb); sb.Append(')'); }
}
