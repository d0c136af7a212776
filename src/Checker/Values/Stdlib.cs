namespace VerifiedIpc.Checker.Values;

/// <summary>
/// The standard modules' operators over values (Naturals, Integers, Sequences, FiniteSets, Bags, TLC), with
/// TLC's meaning and TLC's error messages. Operators that take operator arguments receive them as delegates.
/// </summary>
public static class Stdlib
{
    // Errors raised by the standard modules' operators are reported by TLC as plain errors (exit 255); errors of
    // the core language (sets, functions, equality) as "unexpected exceptions" (exit 75).
    private static EvalException Module(string message) => new(message, EvalErrorKind.Module);

    private static EvalException Core(string message) => new(message);

    // ---------------------------------------------------------------- coercions

    /// <summary>The integer, or TLC's error naming the operator.</summary>
    public static int Int(Value v, string op, int argNo)
    {
        if (v is IntValue i) return i.Value;
        throw Module($"The {Ordinal(argNo)} argument of {op} should be an integer, but instead it is:\n{v}");
    }

    /// <summary>The boolean, or an error.</summary>
    public static bool Bool(Value v, string what)
    {
        if (v is BoolValue b) return b.Value;
        throw Core($"A non-boolean expression ({KindName(v)}) was used as a condition{what}:\n{v}");
    }

    /// <summary>The set, or an error.</summary>
    public static SetBase Set(Value v, string op)
    {
        if (v is SetBase s) return s;
        throw Core($"Attempted to apply {op} to a non-set value:\n{v}");
    }

    /// <summary>A function, or an error.</summary>
    public static FcnBase Fcn(Value v, string op)
    {
        if (v is FcnBase f) return f;
        throw Core($"Attempted to apply {op} to a non-function value:\n{v}");
    }

    /// <summary>A sequence (a function over 1..n, or a string), or an error.</summary>
    public static FcnValue Seq(Value v, string op, int argNo = 1)
    {
        if (v is FcnValue f && (f.IsTuple || f.Count == 0)) return f;
        if (v is LazyFcnValue l && l.Domain.IsFinite) { var m = l.Materialize(); if (m.IsTuple || m.Count == 0) return m; }
        throw Module(op switch
        {
            // TLC's wording: one-argument operators say "The argument of", Append and \o have their own.
            "Len" or "Head" or "Tail" => $"The argument of {op} should be a sequence, but instead it is:\n{v}",
            "Append" => $"Evaluating an expression of the form Append(s, v) when s is not a sequence:\n{v}",
            "\\o" => $"Evaluating an expression of the form s \\o t when {(argNo == 1 ? "s" : "t")} is not a sequence:\n{v}",
            _ => $"The {Ordinal(argNo)} argument of {op} should be a sequence, but instead it is:\n{v}",
        });
    }

    private static string KindName(Value v) => Value.KindName(v.Kind);

    private static string Ordinal(int n) => n switch { 1 => "first", 2 => "second", 3 => "third", _ => n + "th" };

    // ---------------------------------------------------------------- Naturals / Integers

    /// <summary>
    /// TLC implements these operators by Java methods typed on integers: a non-integer argument fails the cast and
    /// TLC reports it as an unexpected exception naming the method (exit 75).
    /// </summary>
    private static int JavaInt(Value v, string method, int arity, string result = "IntValue")
    {
        if (v is IntValue i) return i.Value;
        var sig = string.Join(",", Enumerable.Repeat("tlc2.value.impl.IntValue", arity));
        throw Core($"Attempted to apply the operator overridden by the Java method\npublic static tlc2.value.impl.{result} tlc2.module.Integers.{method}({sig}),\nbut it produced the following error:\nCannot cast tlc2.value.impl.{Value.JavaClassName(v)} to tlc2.value.impl.IntValue");
    }

    /// <summary>a + b.</summary>
    public static Value Plus(Value a, Value b)
    {
        int x = JavaInt(a, "Plus", 2), y = JavaInt(b, "Plus", 2);
        return IntValue.OfChecked((long)x + y, $"{x}+{y}");
    }

    /// <summary>a - b.</summary>
    public static Value Minus(Value a, Value b)
    {
        int x = JavaInt(a, "Minus", 2), y = JavaInt(b, "Minus", 2);
        return IntValue.OfChecked((long)x - y, $"{x}-{y}");
    }

    /// <summary>a * b.</summary>
    public static Value Times(Value a, Value b)
    {
        int x = JavaInt(a, "Times", 2), y = JavaInt(b, "Times", 2);
        return IntValue.OfChecked((long)x * y, $"{x}*{y}");
    }

    /// <summary>-a.</summary>
    public static Value Negate(Value a)
    {
        int x = JavaInt(a, "Neg", 1);
        return IntValue.OfChecked(-(long)x, $"-{x}");
    }

    /// <summary>a \div b, flooring as TLC does.</summary>
    public static Value Div(Value a, Value b)
    {
        int x = JavaInt(a, "Divide", 2), y = JavaInt(b, "Divide", 2);
        if (y == 0) throw Module("The second argument of \\div is 0.");
        return IntValue.OfChecked(Math.DivRem((long)x, y) is var (q, r) && r != 0 && ((r < 0) != (y < 0)) ? q - 1 : q, $"{x} \\div {y}");
    }

    /// <summary>a % b, never negative; b must be positive.</summary>
    public static Value Mod(Value a, Value b)
    {
        int x = JavaInt(a, "Mod", 2), y = JavaInt(b, "Mod", 2);
        if (y <= 0) throw Module($"The second argument of % should be a positive number, but instead it is:\n{y}");
        long r = (long)x % y;
        if (r < 0) r += y;
        return IntValue.Of((int)r);
    }

    /// <summary>a ^ b.</summary>
    public static Value Power(Value a, Value b)
    {
        int x = JavaInt(a, "Expt", 2), y = JavaInt(b, "Expt", 2);
        if (y < 0) throw Module($"The second argument of ^ should be a natural number, but instead it is:\n{y}");
        if (x == 0 && y == 0) throw Module("0^0 is undefined.");
        long r = 1;
        for (int i = 0; i < y; i++)
        {
            r *= x;
            if (r > int.MaxValue || r < int.MinValue) throw new EvalException($"Overflow when computing {x}^{y}", EvalErrorKind.Overflow);
        }
        return IntValue.Of((int)r);
    }

    /// <summary>a &lt; b and friends.</summary>
    public static Value Less(Value a, Value b, string op) =>
        BoolValue.Of(op switch
        {
            "<" => Int(a, op, 1) < Int(b, op, 2),
            ">" => Int(a, op, 1) > Int(b, op, 2),
            "\\leq" => Int(a, "<=", 1) <= Int(b, "<=", 2),
            _ => Int(a, ">=", 1) >= Int(b, ">=", 2),
        });

    /// <summary>a..b.</summary>
    public static Value Range(Value a, Value b) => new IntervalValue(JavaInt(a, "DotDot", 2, "IntervalValue"), JavaInt(b, "DotDot", 2, "IntervalValue"));

    // ---------------------------------------------------------------- sets

    /// <summary>S \cup T.</summary>
    public static Value Union(Value a, Value b)
    {
        var s = Set(a, "\\cup").Normalize().Raw;
        var t = Set(b, "\\cup").Normalize().Raw;
        if (s.Length == 0) return b;
        if (t.Length == 0) return a;
        // Merge of two sorted arrays.
        var all = new Value[s.Length + t.Length];
        int i = 0, j = 0, n = 0;
        while (i < s.Length && j < t.Length)
        {
            int c = s[i].CompareTo(t[j]);
            if (c < 0) all[n++] = s[i++];
            else if (c > 0) all[n++] = t[j++];
            else { all[n++] = s[i++]; j++; }
        }
        while (i < s.Length) all[n++] = s[i++];
        while (j < t.Length) all[n++] = t[j++];
        if (n != all.Length) Array.Resize(ref all, n);
        return SetValue.FromSorted(all);
    }

    /// <summary>S \cap T.</summary>
    public static Value Intersect(Value a, Value b)
    {
        var s = Set(a, "\\cap");
        var t = Set(b, "\\cap");
        if (!s.IsFinite) (s, t) = (t, s);
        var raw = s.Normalize().Raw;
        var keep = new Value[raw.Length];
        int n = 0;
        foreach (var e in raw) if (t.Contains(e)) keep[n++] = e;
        if (n == 0) return SetValue.Empty;
        if (n == raw.Length) return s;
        Array.Resize(ref keep, n);
        return SetValue.FromSorted(keep);
    }

    /// <summary>S \ T.</summary>
    public static Value Difference(Value a, Value b)
    {
        var s = Set(a, "\\").Normalize();
        var t = Set(b, "\\");
        if (s.Count == 0) return s;
        var raw = s.Raw;
        var keep = new Value[raw.Length];
        int n = 0;
        foreach (var e in raw) if (!t.Contains(e)) keep[n++] = e;
        if (n == raw.Length) return s;
        Array.Resize(ref keep, n);
        return SetValue.FromSorted(keep);
    }

    /// <summary>S \subseteq T.</summary>
    public static bool Subseteq(Value a, Value b)
    {
        var s = Set(a, "\\subseteq");
        var t = Set(b, "\\subseteq");
        foreach (var e in s.Elements) if (!t.Contains(e)) return false;
        return true;
    }

    /// <summary>UNION S.</summary>
    public static Value BigUnion(Value a)
    {
        var all = new List<Value>();
        foreach (var e in Set(a, "UNION").Elements) all.AddRange(Set(e, "UNION").Elements);
        return SetValue.FromUnsorted(all.ToArray());
    }

    /// <summary>x \in S.</summary>
    public static bool In(Value x, Value s)
    {
        if (s is SetBase set) return set.Contains(x);
        throw Core($"Attempted to check if the value:\n{x}\nis an element of the non-set value:\n{s}");
    }

    /// <summary>Cardinality(S).</summary>
    public static Value Cardinality(Value a)
    {
        if (a is not SetBase s || !s.IsFinite) throw Module($"Attempted to compute cardinality of the value\n{a}");
        return IntValue.Of(s.Count);
    }

    /// <summary>DOMAIN f.</summary>
    public static Value Domain(Value f)
    {
        if (f is FcnBase fn) return fn.Domain;
        if (f is StrValue s) return new IntervalValue(1, s.Value.Length);
        throw Core($"Attempted to apply the operator DOMAIN to a non-function\n({Value.TlcKind(f)})");
    }

    // ---------------------------------------------------------------- Sequences

    /// <summary>Len(s) (strings are sequences of characters).</summary>
    public static Value Len(Value s) => s is StrValue str ? IntValue.Of(str.Value.Length) : IntValue.Of(Seq(s, "Len").Count);

    /// <summary>Append(s, e).</summary>
    public static Value Append(Value s, Value e) => Seq(s, "Append").Append(e);

    /// <summary>Head(s).</summary>
    public static Value Head(Value s)
    {
        var q = Seq(s, "Head");
        if (q.Count == 0) throw Module("Attempted to apply Head to the empty sequence.");
        return q.RawVals[0];
    }

    /// <summary>Tail(s).</summary>
    public static Value Tail(Value s)
    {
        var q = Seq(s, "Tail");
        if (q.Count == 0) throw Module("Attempted to apply Tail to the empty sequence.");
        return FcnValue.Tuple(q.RawVals[1..]);
    }

    /// <summary>s \o t (also string concatenation).</summary>
    public static Value Concat(Value a, Value b, StringTable strings)
    {
        if (a is StrValue x && b is StrValue y) return strings.Intern(x.Value + y.Value);
        var s = Seq(a, "\\o", 1);
        var t = Seq(b, "\\o", 2);
        if (t.Count == 0) return s;
        if (s.Count == 0) return t;
        var all = new Value[s.Count + t.Count];
        s.RawVals.CopyTo(all, 0);
        t.RawVals.CopyTo(all, s.Count);
        return FcnValue.Tuple(all);
    }

    /// <summary>SubSeq(s, m, n).</summary>
    public static Value SubSeq(Value s, Value m, Value n)
    {
        int lo = Int(m, "SubSeq", 2), hi = Int(n, "SubSeq", 3);
        if (hi < lo) return FcnValue.EmptyTuple;
        int len = s is StrValue sv ? sv.Value.Length : Seq(s, "SubSeq").Count;
        // As TLC: the second argument is checked first, then the third.
        if (lo < 1 || lo > len)
            throw Module($"The second argument of SubSeq must be in the domain of its first argument:\n{s}\n, but instead it is\n{lo}");
        if (hi < 1 || hi > len)
            throw Module($"The third argument of SubSeq must be in the domain of its first argument:\n{s}\n, but instead it is\n{hi}");
        if (s is StrValue str)
            return FcnValue.Tuple(str.Value[(lo - 1)..hi].Select(ch => (Value)IntValue.Of(ch)).ToArray());
        return FcnValue.Tuple(Seq(s, "SubSeq").RawVals[(lo - 1)..hi]);
    }

    /// <summary>SelectSeq(s, Test).</summary>
    public static Value SelectSeq(Value s, Func<Value, bool> test) =>
        FcnValue.Tuple(Seq(s, "SelectSeq").RawVals.Where(test).ToArray());

    // ---------------------------------------------------------------- TLC

    /// <summary>a :> b.</summary>
    public static Value ColonGt(Value a, Value b) => FcnValue.FromSorted([a], [b]);

    /// <summary>f @@ g: f where defined, g elsewhere.</summary>
    public static Value AtAt(Value a, Value b)
    {
        var f = AsFinite(a, "@@");
        var g = AsFinite(b, "@@");
        var keys = new List<Value>(f.Keys);
        var vals = new List<Value>(f.Vals);
        for (int i = 0; i < g.Count; i++)
        {
            if (f.IndexOf(g.Keys[i]) < 0) { keys.Add(g.Keys[i]); vals.Add(g.Vals[i]); }
        }
        return FcnValue.FromPairs(keys.ToArray(), vals.ToArray());
    }

    private static FcnValue AsFinite(Value v, string op) => v switch
    {
        FcnValue f => f,
        LazyFcnValue l => l.Materialize(),
        _ => throw Module($"The argument of {op} should be a function, but instead it is:\n{v}"),
    };

    /// <summary>Permutations(S): every bijection of S onto itself.</summary>
    public static Value Permutations(Value s)
    {
        var elems = Set(s, "Permutations").Normalize().Raw;
        var res = new List<Value>();
        var perm = new Value[elems.Length];
        var used = new bool[elems.Length];
        void Rec(int i)
        {
            if (i == elems.Length) { res.Add(FcnValue.FromSorted(elems, (Value[])perm.Clone())); return; }
            for (int j = 0; j < elems.Length; j++)
            {
                if (used[j]) continue;
                used[j] = true; perm[i] = elems[j];
                Rec(i + 1);
                used[j] = false;
            }
        }
        Rec(0);
        return SetValue.FromUnsorted(res.ToArray());
    }

    /// <summary>SortSeq(s, Op), a stable sort with Op as "less than".</summary>
    public static Value SortSeq(Value s, Func<Value, Value, bool> less)
    {
        var vals = Seq(s, "SortSeq").RawVals.ToList();
        // Insertion sort: stable and needs only the user's strict order.
        for (int i = 1; i < vals.Count; i++)
        {
            var x = vals[i];
            int j = i - 1;
            while (j >= 0 && less(x, vals[j])) { vals[j + 1] = vals[j]; j--; }
            vals[j + 1] = x;
        }
        return FcnValue.Tuple(vals.ToArray());
    }

    // ---------------------------------------------------------------- Bags

    /// <summary>EmptyBag.</summary>
    public static Value EmptyBag => FcnValue.EmptyTuple;

    private static FcnValue Bag(Value v, string op) => AsFinite(v, op);

    /// <summary>IsABag(B).</summary>
    public static bool IsABag(Value b) =>
        b is FcnValue f && f.Vals.All(v => v is IntValue i && i.Value > 0);

    /// <summary>BagToSet(B).</summary>
    public static Value BagToSet(Value b) => SetValue.FromSorted(Bag(b, "BagToSet").RawKeys);

    /// <summary>SetToBag(S).</summary>
    public static Value SetToBag(Value s)
    {
        var keys = Set(s, "SetToBag").Normalize().Raw;
        return FcnValue.FromSorted(keys, keys.Select(_ => (Value)IntValue.Of(1)).ToArray());
    }

    /// <summary>CopiesIn(e, B).</summary>
    public static Value CopiesIn(Value e, Value b)
    {
        var f = Bag(b, "CopiesIn");
        int i = f.IndexOf(e);
        return i < 0 ? IntValue.Of(0) : f.RawVals[i];
    }

    /// <summary>BagIn(e, B).</summary>
    public static bool BagIn(Value e, Value b) => Bag(b, "BagIn").IndexOf(e) >= 0;

    /// <summary>B1 (+) B2.</summary>
    public static Value BagPlus(Value a, Value b) => BagCombine(a, b, +1, "(+)");

    /// <summary>B1 (-) B2.</summary>
    public static Value BagMinus(Value a, Value b) => BagCombine(a, b, -1, "(-)");

    private static Value BagCombine(Value a, Value b, int sign, string op)
    {
        var f = Bag(a, op);
        var g = Bag(b, op);
        var counts = new Dictionary<Value, long>();
        var order = new List<Value>();
        foreach (var (k, v) in f.Keys.Zip(f.Vals)) { counts[k] = Int(v, op, 1); order.Add(k); }
        foreach (var (k, v) in g.Keys.Zip(g.Vals))
        {
            if (!counts.ContainsKey(k)) { counts[k] = 0; order.Add(k); }
            counts[k] += sign * Int(v, op, 2);
        }
        var keep = order.Where(k => counts[k] > 0).ToArray();
        return FcnValue.FromPairs(keep, keep.Select(k => (Value)IntValue.OfChecked(counts[k], op)).ToArray());
    }

    /// <summary>BagCardinality(B).</summary>
    public static Value BagCardinality(Value b)
    {
        long n = 0;
        foreach (var v in Bag(b, "BagCardinality").Vals) n += Int(v, "BagCardinality", 1);
        return IntValue.OfChecked(n, "BagCardinality");
    }

    /// <summary>B1 \sqsubseteq B2.</summary>
    public static bool SqSubseteq(Value a, Value b)
    {
        var f = Bag(a, "\\sqsubseteq");
        var g = Bag(b, "\\sqsubseteq");
        for (int i = 0; i < f.Count; i++)
        {
            int j = g.IndexOf(f.Keys[i]);
            int have = j < 0 ? 0 : Int(g.Vals[j], "\\sqsubseteq", 2);
            if (Int(f.Vals[i], "\\sqsubseteq", 1) > have) return false;
        }
        return true;
    }

    /// <summary>BagUnion(S).</summary>
    public static Value BagUnionOf(Value s)
    {
        Value acc = EmptyBag;
        foreach (var b in Set(s, "BagUnion").Elements) acc = BagPlus(acc, b);
        return acc;
    }
}
