using System.Collections.Immutable;
using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.Eval;

/// <summary>Compile-time context: scope for names, the frame receiving new locals, and evaluation mode.</summary>
internal readonly record struct CC(Scope S, FrameBuilder F, bool Primed, bool InitMode)
{
    public CC WithScope(Scope s) => this with { S = s };
}

/// <summary>
/// Compiles AST expressions once into closures over <see cref="Ctx"/>. Non-recursive operators are expanded at
/// their call sites with arguments passed by name (TLA+'s substitution semantics, which is also what lets an
/// argument like <c>x' = 1</c> act as an assignment); recursive operators and functions get frames.
/// Expressions that depend on neither state nor locals are folded into constants evaluated once.
/// </summary>
internal sealed partial class Compiler
{
    private readonly ModelRuntime _rt;
    private int _inlineDepth;
    private const int MaxInlineDepth = 200;

    public Compiler(ModelRuntime runtime) => _rt = runtime;

    public StringTable Strings => _rt.Strings;

    /// <summary>A compiled expression: the closure and whether it is constant (no state, no locals).</summary>
    internal readonly record struct C(Ev Ev, bool IsConst);

    public static EvalException Error(string msg, SourceSpan span)
    {
        var e = new EvalException(msg);
        e.Context.Add(Loc(span));
        return e;
    }

    public static string Loc(SourceSpan span) => span.ToTlcString();

    /// <summary>Runs <paramref name="ev"/> and records <paramref name="span"/> as the innermost location of any error.</summary>
    private static Ev Located(Ev ev, SourceSpan span) => c =>
    {
        try { return ev(c); }
        catch (EvalException e) when (e.Context.Count == 0)
        {
            e.Context.Add(Loc(span));
            e.Span = span;
            throw;
        }
    };

    private static C Const(Value v) => new(_ => v, true);

    /// <summary>Constant folding: evaluate once, on first use (errors still surface at run time, where TLC reports them).</summary>
    private static C Fold(C c)
    {
        if (!c.IsConst) return c;
        var cell = new ConstCell(c.Ev);
        return new C(cell.Get, true);
    }

    // ============================================================ expressions

    public C Compile(Expr e, CC cc)
    {
        switch (e)
        {
            case NumberLiteral n:
                if (n.Value > int.MaxValue) throw new StartupException($"TLC can't handle a number this big.\n{n.Value}", 255);
                return Const(IntValue.Of((int)n.Value));
            case StringLiteral s:
                return Const(Strings.Intern(s.Value));
            case BooleanLiteral b:
                return Const(BoolValue.Of(b.Value));
            case ValueExpr v:
                return Const(v.Value);
            case SlotRefExpr r:
                return LocalRead(r.Depth, r.Slot, cc);
            case OpApp app:
                return CompileOpApp(app, cc);
            case JunctionList jl:
                return CompileJunction(jl.Kind == JunctionKind.And, jl.Items, cc, jl.Span);
            case IfThenElse ite:
                {
                    var cond = Compile(ite.Condition, cc);
                    var th = Compile(ite.Then, cc);
                    var el = Compile(ite.Else, cc);
                    Ev cv = cond.Ev, tv = th.Ev, ev = el.Ev;
                    var ifSpan = ite.Span;
                    return Fold(new C(c => IfCondition(cv(c), ifSpan) ? tv(c) : ev(c), cond.IsConst && th.IsConst && el.IsConst));
                }
            case Case cs:
                return CompileCase(cs, cc);
            case Let let:
                {
                    var (inner, resets) = BindLet(let.Definitions, cc);
                    var body = Compile(let.Body, cc.WithScope(inner));
                    if (resets.Length == 0) return body;
                    var bev = body.Ev;
                    return new C(c =>
                    {
                        foreach (var (hops, slot) in resets) FrameAt(c, hops).S[slot] = null;
                        return bev(c);
                    }, false);
                }
            case Quantified q:
                return CompileQuantifier(q, cc);
            case Choose ch:
                return CompileChoose(ch, cc);
            case SetEnumeration se:
                {
                    var parts = se.Elements.Select(x => Compile(x, cc)).ToArray();
                    var evs = parts.Select(p => p.Ev).ToArray();
                    return Fold(new C(c =>
                    {
                        var arr = new Value[evs.Length];
                        for (int i = 0; i < evs.Length; i++) arr[i] = evs[i](c);
                        return SetValue.FromUnsorted(arr);
                    }, parts.All(p => p.IsConst)));
                }
            case SetFilter sf:
                return CompileSetFilter(sf, cc);
            case SetMap sm:
                return CompileSetMap(sm, cc);
            case FunctionApplication fa:
                return CompileFunctionApplication(fa, cc);
            case FunctionConstructor fc:
                return CompileFunctionConstructor(fc, cc);
            case FunctionSet fs:
                {
                    var d = Compile(fs.Domain, cc);
                    var r = Compile(fs.Range, cc);
                    Ev dv = d.Ev, rv = r.Ev;
                    return Fold(new C(c => new FcnSetValue(Stdlib.Set(dv(c), "[S -> T]"), Stdlib.Set(rv(c), "[S -> T]")), d.IsConst && r.IsConst));
                }
            case RecordConstructor rc:
                {
                    var names = rc.Fields.Select(f => Strings.Intern(f.Name.Text)).ToArray();
                    var parts = rc.Fields.Select(f => Compile(f.Value, cc)).ToArray();
                    var evs = parts.Select(p => p.Ev).ToArray();
                    return Fold(new C(c =>
                    {
                        var vals = new Value[evs.Length];
                        for (int i = 0; i < evs.Length; i++) vals[i] = evs[i](c);
                        return FcnValue.Record(names, vals);
                    }, parts.All(p => p.IsConst)));
                }
            case RecordSet rs:
                {
                    var names = rs.Fields.Select(f => Strings.Intern(f.Name.Text)).ToArray();
                    var parts = rs.Fields.Select(f => Compile(f.Value, cc)).ToArray();
                    var evs = parts.Select(p => p.Ev).ToArray();
                    return Fold(new C(c => new RecordSetValue(names, evs.Select(ev => Stdlib.Set(ev(c), "record set")).ToArray()), parts.All(p => p.IsConst)));
                }
            case FieldAccess fa:
                {
                    var rec = Compile(fa.Record, cc);
                    var name = Strings.Intern(fa.Field.Text);
                    var rv = rec.Ev;
                    var span = fa.Span;
                    return Fold(new C(Located(c =>
                    {
                        var r = rv(c);
                        if (r is FcnBase f)
                        {
                            if (f is FcnValue fv) { int i = fv.IndexOf(name); if (i >= 0) return fv.RawVals[i]; }
                            else if (f.InDomain(name)) return f.Apply(name);
                        }
                        throw new EvalException(r is FcnBase
                            ? $"Attempted to select nonexistent field \"{name.Value}\" from the record\n{r}\n{Loc(span)}"
                            : $"Attempted to select field \"{name.Value}\" from a non-record value {r}\n{Loc(span)}");
                    }, span), rec.IsConst));
                }
            case TupleExpr te:
                {
                    var parts = te.Elements.Select(x => Compile(x, cc)).ToArray();
                    var evs = parts.Select(p => p.Ev).ToArray();
                    if (evs.Length == 0) return Const(FcnValue.EmptyTuple);
                    return Fold(new C(c =>
                    {
                        var arr = new Value[evs.Length];
                        for (int i = 0; i < evs.Length; i++) arr[i] = evs[i](c);
                        return FcnValue.Tuple(arr);
                    }, parts.All(p => p.IsConst)));
                }
            case CartesianProduct cp:
                {
                    var parts = cp.Factors.Select(x => Compile(x, cc)).ToArray();
                    var evs = parts.Select(p => p.Ev).ToArray();
                    return Fold(new C(c => new ProductSetValue(evs.Select(ev => Stdlib.Set(ev(c), "\\X")).ToArray()), parts.All(p => p.IsConst)));
                }
            case Except ex:
                return CompileExcept(ex, cc);
            case ExceptAt at:
                {
                    var b = cc.S.Lookup("@") ?? throw new CheckerException($"{Loc(at.Span)}: @ used outside an EXCEPT clause.");
                    var lb = (LocalB)b;
                    return LocalRead(lb.Depth, lb.Slot, cc);
                }
            case ActionSubscript asub:
                {
                    // Value of [A]_v is A \/ v' = v; of <<A>>_v is A /\ v' # v.
                    var a = Compile(asub.Action, cc);
                    var v = Compile(asub.Subscript, cc);
                    var vp = Compile(asub.Subscript, cc with { Primed = true });
                    Ev av = a.Ev, vv = v.Ev, vpv = vp.Ev;
                    if (asub.IsAngle) return new C(c => BoolValue.Of(Stdlib.Bool(av(c), "") && !vv(c).Equals(vpv(c))), false);
                    return new C(c => BoolValue.Of(Stdlib.Bool(av(c), "") || vv(c).Equals(vpv(c))), false);
                }
            case Lambda lam:
                throw new CheckerException($"{Loc(lam.Span)}: LAMBDA may only appear as an operator argument.");
            case Fairness f:
                throw new CheckerException($"{Loc(f.Span)}: fairness formulas are temporal: they belong in SPECIFICATION or PROPERTY, not in a state or action formula.");
            case ErrorExpr err:
                throw new CheckerException($"{Loc(err.Span)}: the specification has a syntax error here.");
            default:
                throw new CheckerException($"{Loc(e.Span)}: unsupported expression {e.GetType().Name}.");
        }
    }

    private static Frame FrameAt(Ctx c, int hops)
    {
        var f = c.F;
        for (int i = 0; i < hops; i++) f = f.Up!;
        return f;
    }

    private C LocalRead(int depth, int slot, CC cc)
    {
        int hops = cc.F.Depth - depth;
        if (hops < 0) throw new CheckerException("internal: local read from an inner frame");
        return hops switch
        {
            0 => new C(c => c.F.S[slot]!, false),
            1 => new C(c => c.F.Up!.S[slot]!, false),
            _ => new C(c => FrameAt(c, hops).S[slot]!, false),
        };
    }

    private Action<Ctx, Value> LocalWrite(int depth, int slot, CC cc)
    {
        int hops = cc.F.Depth - depth;
        return hops == 0 ? (c, v) => c.F.S[slot] = v : (c, v) => FrameAt(c, hops).S[slot] = v;
    }

    /// <summary>The condition of an IF, or TLC's error naming the IF.</summary>
    internal static bool IfCondition(Value v, SourceSpan span) => v is BoolValue b ? b.Value
        : throw new EvalException($"A non-boolean expression ({Value.TlcKind(v)}) was used as the condition of an IF.\n{Loc(span)}");

    private C CompileJunction(bool isAnd, IReadOnlyList<Expr> items, CC cc, SourceSpan whole)
    {
        var parts = items.Select(x => Compile(x, cc)).ToArray();
        var evs = parts.Select(p => p.Ev).ToArray();
        bool isConst = parts.All(p => p.IsConst);
        if (isAnd)
            return Fold(new C(c =>
            {
                for (int i = 0; i < evs.Length; i++) if (!Junct(evs[i](c), "/\\", whole)) return BoolValue.False;
                return BoolValue.True;
            }, isConst));
        return Fold(new C(c =>
        {
            for (int i = 0; i < evs.Length; i++) if (Junct(evs[i](c), "\\/", whole)) return BoolValue.True;
            return BoolValue.False;
        }, isConst));
    }

    private static bool Junct(Value v, string op, SourceSpan span) => v is BoolValue b ? b.Value
        : throw new EvalException($"Attempted to evaluate an expression of form P {op} Q when P was\n{Value.TlcKind(v)}.\n{Loc(span)}");

    private C CompileCase(Case cs, CC cc)
    {
        var guards = cs.Arms.Select(a => Compile(a.Guard, cc).Ev).ToArray();
        var bodies = cs.Arms.Select(a => Compile(a.Body, cc).Ev).ToArray();
        var other = cs.Other is null ? null : Compile(cs.Other, cc).Ev;
        var span = cs.Span;
        return new C(Located(c =>
        {
            for (int i = 0; i < guards.Length; i++) if (Stdlib.Bool(guards[i](c), " in CASE")) return bodies[i](c);
            if (other != null) return other(c);
            throw new EvalException($"Attempted to evaluate a CASE with no conditions true.\n{Loc(span)}");
        }, span), false);
    }

    // ------------------------------------------------------------ LET

    /// <summary>Adds LET definitions to a new scope; zero-arity definitions without primes get a cache slot.</summary>
    private (Scope Scope, (int Hops, int Slot)[] Resets) BindLet(ImmutableArray<Unit> defs, CC cc)
    {
        var scope = cc.S.Child(cc.F.Depth);
        var resets = new List<(int, int)>();
        foreach (var d in defs)
        {
            switch (d)
            {
                case OperatorDefinition od when od.Parameters.Length == 0 && !od.IsRecursive && !cc.Primed && !MentionsPrime(od.Body, scope, 0):
                    {
                        int slot = cc.F.Alloc();
                        scope.Add(od.Name, new LetCacheB(cc.F.Depth, slot, od.Body, scope));
                        resets.Add((0, slot));
                        break;
                    }
                case OperatorDefinition od:
                    scope.Add(od.Name, new DefB(od, scope));
                    break;
                case FunctionDefinition fd:
                    scope.Add(fd.Name, new FcnDefB(fd, scope));
                    break;
                case InstanceDefinition id:
                    scope.Add(id.Name, new InstB(id, scope));
                    break;
                case RecursiveDeclaration:
                    break;
                default:
                    throw new CheckerException($"{Loc(d.Span)}: unsupported LET definition.");
            }
        }
        MarkRecursive(defs);
        return (scope, resets.ToArray());
    }

    /// <summary>Records the operators a RECURSIVE declaration among <paramref name="units"/> announces.</summary>
    internal void MarkRecursive(IEnumerable<Unit> units)
    {
        var list = units.ToList();
        var names = list.OfType<RecursiveDeclaration>().SelectMany(r => r.Operators.Select(o => o.Name)).ToHashSet();
        foreach (var od in list.OfType<OperatorDefinition>()) if (names.Contains(od.Name)) Recursive.Add(od);
    }

    /// <summary>Whether evaluating <paramref name="e"/> may read primed variables (then its value cannot be cached).</summary>
    private bool MentionsPrime(Expr e, Scope scope, int depth)
    {
        if (depth > 20) return true;
        bool found = false;
        void Visit(Node n)
        {
            if (found) return;
            switch (n)
            {
                case OpApp app:
                    if (app.Name is Operators.Prime or Operators.Unchanged or Operators.Enabled) { found = true; return; }
                    if (app.Prefix.IsEmpty && scope.Lookup(app.Name) is DefB db && MentionsPrime(db.Def.Body, db.Scope, depth + 1)) { found = true; return; }
                    if (app.Prefix.Length > 0) { found = true; return; }
                    if (scope.Lookup(app.Name) is NameArgB na && MentionsPrime(na.Expr, na.Scope, depth + 1)) { found = true; return; }
                    foreach (var a in app.Arguments) Visit(a);
                    return;
                default:
                    foreach (var child in Children(n)) Visit(child);
                    return;
            }
        }
        Visit(e);
        return found;
    }

    internal static IEnumerable<Node> Children(Node n)
    {
        switch (n)
        {
            case OpApp a: foreach (var x in a.Arguments) yield return x; break;
            case JunctionList j: foreach (var x in j.Items) yield return x; break;
            case IfThenElse i: yield return i.Condition; yield return i.Then; yield return i.Else; break;
            case Case c:
                foreach (var arm in c.Arms) { yield return arm.Guard; yield return arm.Body; }
                if (c.Other != null) yield return c.Other;
                break;
            case Let l:
                foreach (var d in l.Definitions)
                {
                    if (d is OperatorDefinition od) yield return od.Body;
                    else if (d is FunctionDefinition fd) { yield return fd.Body; foreach (var b in fd.Bounds) if (b.Domain != null) yield return b.Domain; }
                }
                yield return l.Body;
                break;
            case Quantified q:
                foreach (var b in q.Bounds) if (b.Domain != null) yield return b.Domain;
                yield return q.Body;
                break;
            case Choose ch: if (ch.Bound.Domain != null) yield return ch.Bound.Domain; yield return ch.Body; break;
            case SetEnumeration s: foreach (var x in s.Elements) yield return x; break;
            case SetFilter sf: if (sf.Bound.Domain != null) yield return sf.Bound.Domain; yield return sf.Predicate; break;
            case SetMap sm: foreach (var b in sm.Bounds) if (b.Domain != null) yield return b.Domain; yield return sm.Element; break;
            case FunctionApplication fa: yield return fa.Function; foreach (var x in fa.Arguments) yield return x; break;
            case FunctionConstructor fc: foreach (var b in fc.Bounds) if (b.Domain != null) yield return b.Domain; yield return fc.Body; break;
            case FunctionSet fs: yield return fs.Domain; yield return fs.Range; break;
            case RecordConstructor rc: foreach (var f in rc.Fields) yield return f.Value; break;
            case RecordSet rs: foreach (var f in rs.Fields) yield return f.Value; break;
            case FieldAccess fa: yield return fa.Record; break;
            case TupleExpr t: foreach (var x in t.Elements) yield return x; break;
            case CartesianProduct cp: foreach (var x in cp.Factors) yield return x; break;
            case Except ex:
                yield return ex.Function;
                foreach (var u in ex.Updates)
                {
                    foreach (var st in u.Path) if (st is ExceptIndex ei) foreach (var x in ei.Arguments) yield return x;
                    yield return u.Value;
                }
                break;
            case ActionSubscript asb: yield return asb.Action; yield return asb.Subscript; break;
            case Fairness f: yield return f.Subscript; yield return f.Action; break;
            case Lambda lam: yield return lam.Body; break;
        }
    }

    // ------------------------------------------------------------ bound variables

    /// <summary>Declares the names of quantifier bounds as locals; returns the scope and a binder per bound.</summary>
    internal (Scope Scope, Binder[] Binders) DeclareBounds(ImmutableArray<QuantifierBound> bounds, CC cc, CC domainCc)
    {
        var scope = cc.S.Child(cc.F.Depth);
        var binders = new List<Binder>();
        foreach (var b in bounds)
        {
            if (b.Domain is null) throw new CheckerException($"{Loc(b.Span)}: TLC cannot evaluate an unbounded quantifier.");
            var dom = Compile(b.Domain, domainCc);
            if (b.IsTuple)
            {
                var slots = b.Names.Select(n => { int s = cc.F.Alloc(); scope.Add(n.Name, new LocalB(cc.F.Depth, s)); return s; }).ToArray();
                binders.Add(new Binder(dom, slots, true, b.Span));
            }
            else
            {
                foreach (var n in b.Names)
                {
                    int s = cc.F.Alloc();
                    scope.Add(n.Name, new LocalB(cc.F.Depth, s));
                    binders.Add(new Binder(dom, [s], false, b.Span));
                }
            }
        }
        return (scope, binders.ToArray());
    }

    /// <summary>One bound variable (or tuple pattern) with its domain.</summary>
    internal sealed record Binder(C Domain, int[] Slots, bool IsTuple, SourceSpan Span)
    {
        /// <summary>Stores an element of the domain into the slots (destructuring tuples).</summary>
        public void Bind(Frame f, Value v)
        {
            if (!IsTuple) { f.S[Slots[0]] = v; return; }
            if (v is not FcnValue t || !t.IsTuple || t.Count != Slots.Length)
                throw new EvalException($"Attempted to bind a tuple pattern of {Slots.Length} names to the value:\n{v}");
            for (int i = 0; i < Slots.Length; i++) f.S[Slots[i]] = t.RawVals[i];
        }
    }

    internal static IReadOnlyList<Value> Elements(Value v, SourceSpan span)
    {
        if (v is SetBase s)
        {
            if (!s.IsFinite) throw Error($"Attempted to enumerate the infinite set {s}.", span);
            return s.Elements;
        }
        throw Error($"Attempted to enumerate a non-set value:\n{v}", span);
    }

    private C CompileQuantifier(Quantified q, CC cc)
    {
        if (q.Kind is QuantifierKind.TemporalExists or QuantifierKind.TemporalForall)
            throw new CheckerException($"{Loc(q.Span)}: temporal quantifiers are not supported.");
        var (scope, binders) = DeclareBounds(q.Bounds, cc, cc);
        var body = Compile(q.Body, cc.WithScope(scope)).Ev;
        bool exists = q.Kind == QuantifierKind.Exists;
        var span = q.Span;
        // Each bound's domain may mention earlier bound names only in TLA+ when nested; TLA+ forbids it in one
        // bound list, so domains are evaluated before any binding.
        return new C(c =>
        {
            var f = c.F;
            var doms = new IReadOnlyList<Value>[binders.Length];
            for (int i = 0; i < binders.Length; i++) doms[i] = Elements(binders[i].Domain.Ev(c), span);
            // As TLC's context enumerator: the first bound name varies fastest.
            bool Rec(int i)
            {
                if (i < 0) return Stdlib.Bool(body(c), exists ? " in \\E" : " in \\A");
                foreach (var v in doms[i])
                {
                    binders[i].Bind(f, v);
                    bool r = Rec(i - 1);
                    if (r == exists) return r;
                }
                return !exists;
            }
            return BoolValue.Of(Rec(binders.Length - 1));
        }, false);
    }

    private C CompileChoose(Choose ch, CC cc)
    {
        var (scope, binders) = DeclareBounds([ch.Bound], cc, cc);
        var body = Compile(ch.Body, cc.WithScope(scope)).Ev;
        var b = binders[0];
        var span = ch.Span;
        var text = ch.Span.Text;
        var r = new C(Located(c =>
        {
            var f = c.F;
            var dom = b.Domain.Ev(c);
            if (dom is not SetBase)
                throw new EvalException($"Attempted to compute the value of an expression of\nform CHOOSE x \\in S: P, but S was not enumerable.\n{Loc(span)}");
            foreach (var v in Elements(dom, span))
            {
                b.Bind(f, v);
                if (Stdlib.Bool(body(c), " in CHOOSE")) return v;
            }
            throw new EvalException($"Attempted to compute the value of an expression of form\nCHOOSE x \\in S: P, but no element of S satisfied P.\n{Loc(span)}");
        }, span), false);
        return r;
    }

    private C CompileSetFilter(SetFilter sf, CC cc)
    {
        var (scope, binders) = DeclareBounds([sf.Bound], cc, cc);
        var pred = Compile(sf.Predicate, cc.WithScope(scope)).Ev;
        var b = binders[0];
        var span = sf.Span;
        return new C(c =>
        {
            var f = c.F;
            var res = new List<Value>();
            foreach (var v in Elements(b.Domain.Ev(c), span))
            {
                b.Bind(f, v);
                if (Stdlib.Bool(pred(c), " in set filter")) res.Add(v);
            }
            return SetValue.FromSorted(res.ToArray());
        }, false);
    }

    private C CompileSetMap(SetMap sm, CC cc)
    {
        var (scope, binders) = DeclareBounds(sm.Bounds, cc, cc);
        var elem = Compile(sm.Element, cc.WithScope(scope)).Ev;
        var span = sm.Span;
        return new C(c =>
        {
            var f = c.F;
            var res = new List<Value>();
            var doms = binders.Select(b => Elements(b.Domain.Ev(c), span)).ToArray();
            void Rec(int i)
            {
                if (i == binders.Length) { res.Add(elem(c)); return; }
                foreach (var v in doms[i]) { binders[i].Bind(f, v); Rec(i + 1); }
            }
            Rec(0);
            return SetValue.FromUnsorted(res.ToArray());
        }, false);
    }

    // ------------------------------------------------------------ functions

    private C CompileFunctionApplication(FunctionApplication fa, CC cc)
    {
        var fn = Compile(fa.Function, cc);
        var args = fa.Arguments.Select(a => Compile(a, cc)).ToArray();
        var fev = fn.Ev;
        Ev arg;
        if (args.Length == 1) arg = args[0].Ev;
        else
        {
            var evs = args.Select(a => a.Ev).ToArray();
            arg = c => FcnValue.Tuple(evs.Select(ev => ev(c)).ToArray());
        }
        var span = fa.Span;
        return Fold(new C(Located(c =>
        {
            var f = fev(c);
            var a = arg(c);
            return Apply(f, a, span);
        }, span), fn.IsConst && args.All(a => a.IsConst)));
    }

    internal static Value Apply(Value f, Value a, SourceSpan span)
    {
        if (f is FcnValue fv)
        {
            int i = fv.IndexOf(a);
            if (i >= 0) return fv.RawVals[i];
            throw new EvalException($"Attempted to apply function:\n{f}\nto argument {a}, which is not in the domain of the function.");
        }
        if (f is FcnBase fb) return fb.Apply(a);
        throw new EvalException($"A non-function ({Value.TlcKind(f)}) was applied as a function.\n{Loc(span)}");
    }

    private C CompileFunctionConstructor(FunctionConstructor fc, CC cc)
    {
        var (scope, binders) = DeclareBounds(fc.Bounds, cc, cc);
        var body = Compile(fc.Body, cc.WithScope(scope)).Ev;
        var span = fc.Span;
        bool single = binders.Length == 1;
        return new C(c =>
        {
            var f = c.F;
            // A loop, not LINQ: this runs once per evaluation of the constructor, in the states' hot path.
            var domVals = new Value[binders.Length];
            for (int i = 0; i < domVals.Length; i++) domVals[i] = binders[i].Domain.Ev(c);
            if (single && domVals[0] is SetBase sb && !sb.IsFinite)
            {
                // [n \in Nat |-> e]: lazy; the body runs in a private copy of the frame.
                var b0 = binders[0];
                var snapshot = new Ctx(c.Runtime, 0) { Cur = c.Cur, Nxt = c.Nxt, F = CloneFrame(f) };
                return new LazyFcnValue(sb, x => { lock (snapshot) { b0.Bind(snapshot.F, x); return body(snapshot); } }, span.Text);
            }
            if (single)
            {
                var keys = Elements(domVals[0], span);
                var vals = new Value[keys.Count];
                var b0 = binders[0];
                for (int i = 0; i < keys.Count; i++) { b0.Bind(f, keys[i]); vals[i] = body(c); }
                return FcnValue.FromSorted(keys as Value[] ?? keys.ToArray(), vals);
            }
            var doms = domVals.Select(d => Elements(d, span)).ToArray();
            var ks = new List<Value>();
            var vs = new List<Value>();
            var cur = new Value[binders.Length];
            void Rec(int i)
            {
                if (i == binders.Length) { ks.Add(FcnValue.Tuple((Value[])cur.Clone())); vs.Add(body(c)); return; }
                foreach (var v in doms[i]) { binders[i].Bind(f, v); cur[i] = v; Rec(i + 1); }
            }
            Rec(0);
            return FcnValue.FromPairs(ks.ToArray(), vs.ToArray());
        }, false);
    }

    private static Frame CloneFrame(Frame f)
    {
        var n = new Frame(f.S.Length, f.Up);
        Array.Copy(f.S, n.S, f.S.Length);
        return n;
    }

    private C CompileExcept(Except ex, CC cc)
    {
        var fn = Compile(ex.Function, cc).Ev;
        var updates = new List<(Func<Ctx, Value>[] Path, Ev Val, int AtSlot, bool UsesAt)>();
        foreach (var u in ex.Updates)
        {
            var path = u.Path.Select<ExceptStep, Func<Ctx, Value>>(st => st switch
            {
                ExceptField ef => Strings.Intern(ef.Field.Text) is var name ? _ => name : null!,
                ExceptIndex ei when ei.Arguments.Length == 1 => Compile(ei.Arguments[0], cc).Ev.Invoke,
                ExceptIndex ei => ei.Arguments.Select(a => Compile(a, cc).Ev).ToArray() is var evs
                    ? c => FcnValue.Tuple(evs.Select(e => e(c)).ToArray()) : null!,
                _ => throw new CheckerException("internal: unknown EXCEPT step"),
            }).ToArray();
            int atSlot = cc.F.Alloc();
            var scope = cc.S.With("@", new LocalB(cc.F.Depth, atSlot), cc.F.Depth);
            var val = Compile(u.Value, cc.WithScope(scope)).Ev;
            updates.Add((path, val, atSlot, true));
        }
        var span = ex.Span;
        var arr = updates.ToArray();
        return new C(Located(c =>
        {
            var f = fn(c);
            foreach (var (path, val, atSlot, _) in arr)
            {
                var keys = new Value[path.Length];
                for (int i = 0; i < path.Length; i++) keys[i] = path[i](c);
                f = UpdatePath(c, f, keys, 0, val, atSlot);
            }
            return f;
        }, span), false);
    }

    private static Value UpdatePath(Ctx c, Value f, Value[] keys, int i, Ev val, int atSlot)
    {
        if (i == keys.Length)
        {
            c.F.S[atSlot] = f;
            return val(c);
        }
        FcnValue fv = f switch
        {
            FcnValue x => x,
            LazyFcnValue l => l.Materialize(),
            _ => throw new EvalException($"Attempted to apply EXCEPT construct to the value {f}."),
        };
        int idx = fv.IndexOf(keys[i]);
        if (idx < 0) return fv; // TLA+: updating outside the domain leaves the function unchanged.
        var inner = UpdatePath(c, fv.RawVals[idx], keys, i + 1, val, atSlot);
        return fv.Except(keys[i], inner);
    }
}
