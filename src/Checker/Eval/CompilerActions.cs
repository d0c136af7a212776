using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.Eval;

/// <summary>One sub-action of the next-state relation, as TLC splits it (it labels the steps of traces).</summary>
public sealed class ActionInfo
{
    internal ActionInfo(string name, string baseName, IReadOnlyList<(string Param, Value Value)> context, SourceSpan span, Act act)
    {
        Name = name;
        BaseName = baseName;
        Context = context;
        Span = span;
        Run = act;
    }

    /// <summary>Name as TLC prints it, e.g. <c>Acquire(c1)</c> or <c>Next</c>.</summary>
    public string Name { get; }

    /// <summary>The definition's name without arguments (<c>Acquire</c>).</summary>
    public string BaseName { get; }

    /// <summary>The definition's parameters and the constant values they are bound to in this sub-action.</summary>
    public IReadOnlyList<(string Param, Value Value)> Context { get; }

    /// <summary>Source span TLC prints after the name.</summary>
    public SourceSpan Span { get; }

    /// <summary>TLC's label: <c>Name line L, col C to line L2, col C2 of module M</c>.</summary>
    public string Label => $"{Name} {Span.ToTlcString()}";

    /// <summary>Generates this action's successors of <see cref="Ctx.Cur"/> into the context's sink.</summary>
    public Act Run { get; }

    /// <summary>The formula and compile context this action was compiled from (trace validation reads its leading
    /// conjuncts to find guards that depend on the trace cursor alone).</summary>
    internal Compiler.ActionPart? Part { get; init; }
}

internal sealed partial class Compiler
{
    /// <summary>
    /// Compiles an action (or, in init mode, an initial predicate) in continuation-passing style, with TLC's
    /// reading of conjunctions left to right: <c>x' = e</c> assigns an unassigned variable and compares an
    /// assigned one, <c>x' \in S</c> enumerates, <c>\E</c> and <c>\/</c> branch, anything else is a guard.
    /// </summary>
    public Act CompileAction(Expr e, CC cc, Act k)
    {
        switch (e)
        {
            case JunctionList jl when jl.Kind == JunctionKind.And:
                {
                    var next = k;
                    for (int i = jl.Items.Length - 1; i >= 0; i--) next = i == 0 ? CompileAction(jl.Items[i], cc, next) : Conjunct(jl.Items[i], cc, next);
                    return next;
                }
            case JunctionList jl:
                return Branches(jl.Items.Select(item => CompileAction(item, cc, k)).ToArray());
            case BooleanLiteral b:
                return b.Value ? k : static _ => { };
            case OpApp app:
                return CompileActionApp(app, cc, k);
            case Quantified q when q.Kind == QuantifierKind.Exists:
                {
                    var (scope, binders) = DeclareBounds(q.Bounds, cc, cc);
                    var body = CompileAction(q.Body, cc.WithScope(scope), k);
                    var span = q.Span;
                    return c =>
                    {
                        var f = c.F;
                        var doms = new IReadOnlyList<Value>[binders.Length];
                        for (int i = 0; i < binders.Length; i++) doms[i] = Elements(binders[i].Domain.Ev(c), span);
                        // As TLC's context enumerator: the first bound name varies fastest.
                        void Rec(int i)
                        {
                            if (i < 0) { body(c); return; }
                            foreach (var v in doms[i])
                            {
                                if (c.Stop) return;
                                binders[i].Bind(f, v);
                                Rec(i - 1);
                            }
                        }
                        Rec(binders.Length - 1);
                    };
                }
            case Quantified q when q.Kind == QuantifierKind.Forall:
                return CompileForallAction(q, cc, k);
            case IfThenElse ite:
                {
                    var cond = Compile(ite.Condition, cc).Ev;
                    var th = CompileAction(ite.Then, cc, k);
                    var el = CompileAction(ite.Else, cc, k);
                    var ifSpan = ite.Span;
                    return c => { if (IfCondition(cond(c), ifSpan)) th(c); else el(c); };
                }
            case Case cs:
                {
                    var guards = cs.Arms.Select(a => Compile(a.Guard, cc).Ev).ToArray();
                    var bodies = cs.Arms.Select(a => CompileAction(a.Body, cc, k)).ToArray();
                    var other = cs.Other is null ? null : CompileAction(cs.Other, cc, k);
                    var span = cs.Span;
                    return c =>
                    {
                        for (int i = 0; i < guards.Length; i++)
                            if (Stdlib.Bool(guards[i](c), " in CASE")) { bodies[i](c); return; }
                        if (other != null) { other(c); return; }
                        throw Error($"Attempted to evaluate a CASE with no conditions true.\n{Loc(span)}", span);
                    };
                }
            case Let let:
                {
                    var (inner, resets) = BindLet(let.Definitions, cc);
                    var body = CompileAction(let.Body, cc.WithScope(inner), k);
                    if (resets.Length == 0) return body;
                    return c =>
                    {
                        foreach (var (hops, slot) in resets) FrameAt(c, hops).S[slot] = null;
                        body(c);
                    };
                }
            case ActionSubscript asub:
                {
                    if (asub.IsAngle)
                    {
                        var changed = Compile(asub.Subscript, cc).Ev;
                        var changedP = Compile(asub.Subscript, cc with { Primed = true }).Ev;
                        Act tail = c => { if (!changed(c).Equals(changedP(c))) k(c); };
                        return CompileAction(asub.Action, cc, tail);
                    }
                    var a = CompileAction(asub.Action, cc, k);
                    var u = CompileUnchanged(asub.Subscript, cc, k);
                    return Branches([a, u]);
                }
            default:
                return Guard(e, cc, k);
        }
    }

    /// <summary>
    /// <c>\A x \in S : A</c> in an action, as TLC reads it: the conjunction of A for every element (TLC pushes
    /// the instances on its action item list, so the last element acts first), each instance reached like a
    /// conjunct (once every variable has its next value, the rest are only tested).
    /// </summary>
    private Act CompileForallAction(Quantified q, CC cc, Act k)
    {
        var (scope, binders) = DeclareBounds(q.Bounds, cc, cc);
        var inner = cc.WithScope(scope);
        int listSlot = cc.F.Alloc(), idxSlot = cc.F.Alloc();
        var span = q.Span;
        Act step = null!;
        var body = CompileAction(q.Body, inner, c => step(c));
        Ev? test;
        try { test = Compile(q.Body, inner).Ev; }
        catch (CheckerException) { test = null; }
        var slots = binders.SelectMany(b => b.Slots).ToArray();

        void Bind(Frame f, Value inst)
        {
            var vals = ((FcnValue)inst).RawVals;
            for (int b = 0; b < binders.Length; b++) binders[b].Bind(f, vals[b]);
        }

        step = c =>
        {
            var f = c.F;
            var list = ((FcnValue)f.S[listSlot]!).RawVals;
            var savedIdx = f.S[idxSlot]!;
            var saved = new Value?[slots.Length];
            for (int i = 0; i < slots.Length; i++) saved[i] = f.S[slots[i]];
            try
            {
                int idx = ((IntValue)savedIdx).Value - 1;
                if (idx < 0) { k(c); return; }
                bool allAssigned = test != null && Array.TrueForAll(c.Nxt, v => v is not null);
                if (allAssigned)
                {
                    for (int j = idx; j >= 0; j--)
                    {
                        Bind(f, list[j]);
                        if (!Stdlib.Bool(test!(c), "")) return;
                    }
                    k(c);
                    return;
                }
                f.S[idxSlot] = IntValue.Of(idx);
                Bind(f, list[idx]);
                body(c);
            }
            finally
            {
                f.S[idxSlot] = savedIdx;
                for (int i = 0; i < slots.Length; i++) f.S[slots[i]] = saved[i];
            }
        };
        return c =>
        {
            var f = c.F;
            var doms = new IReadOnlyList<Value>[binders.Length];
            for (int i = 0; i < binders.Length; i++) doms[i] = Elements(binders[i].Domain.Ev(c), span);
            var instances = new List<Value>();
            var cur = new Value[binders.Length];
            void Rec(int i)
            {
                if (i < 0) { instances.Add(FcnValue.Tuple((Value[])cur.Clone())); return; }
                foreach (var v in doms[i]) { cur[i] = v; Rec(i - 1); }
            }
            Rec(binders.Length - 1);
            var savedList = f.S[listSlot];
            var savedIdx = f.S[idxSlot];
            f.S[listSlot] = FcnValue.Tuple(instances.ToArray());
            f.S[idxSlot] = IntValue.Of(instances.Count);
            try { step(c); }
            finally { f.S[listSlot] = savedList; f.S[idxSlot] = savedIdx; }
        };
    }

    /// <summary>
    /// A conjunct after the first, reached once the conjuncts before it have acted. As TLC (its action item
    /// list): when every variable already has its next value, the remaining conjuncts are only evaluated as
    /// booleans, so a disjunction or an existential there no longer branches (no duplicate successors) and
    /// short-circuits like an expression.
    /// </summary>
    private Act Conjunct(Expr e, CC cc, Act k)
    {
        var act = CompileAction(e, cc, k);
        Ev test;
        try { test = Compile(e, cc).Ev; }
        catch (CheckerException) { return act; }
        return c =>
        {
            var nxt = c.Nxt;
            for (int i = 0; i < nxt.Length; i++)
                if (nxt[i] is null) { act(c); return; }
            if (Stdlib.Bool(test(c), "")) k(c);
        };
    }

    private static Act Branches(Act[] branches) => branches.Length switch
    {
        1 => branches[0],
        2 => c => { branches[0](c); if (!c.Stop) branches[1](c); },
        _ => c =>
        {
            foreach (var b in branches)
            {
                if (c.Stop) return;
                b(c);
            }
        },
    };

    private Act Guard(Expr e, CC cc, Act k)
    {
        var ev = Compile(e, cc).Ev;
        return c => { if (Stdlib.Bool(ev(c), "")) k(c); };
    }

    private Act CompileActionApp(OpApp app, CC cc, Act k)
    {
        var args = app.Arguments;
        if (app.Prefix.IsEmpty)
        {
            var b = cc.S.Lookup(app.Name);
            switch (b)
            {
                case DefB d when !d.Def.IsRecursive && !Recursive.Contains(d.Def):
                    {
                        var def = d.Def;
                        var scope = def.Arity == 0 ? d.Scope : BindParams(def.Parameters, args, cc.S, d.Scope, app, cc.F.Depth, def.Name);
                        if (_inlineDepth > MaxInlineDepth) throw new CheckerException($"{Loc(app.Span)}: {def.Name} expands too deeply.");
                        _inlineDepth++;
                        try { return CompileAction(def.Body, cc.WithScope(scope), k); }
                        finally { _inlineDepth--; }
                    }
                case LambdaB lam:
                    {
                        var scope = BindParams(lam.Lambda.Parameters, args, cc.S, lam.Scope, app, cc.F.Depth, "LAMBDA");
                        return CompileAction(lam.Lambda.Body, cc.WithScope(scope), k);
                    }
                case NameArgB na when args.IsEmpty:
                    return CompileAction(na.Expr, cc.WithScope(na.Scope), k);
                case AliasB al when args.IsEmpty && al.Scope.Lookup(al.Name) is { } target and not VarB:
                    return CompileAction(new OpApp(app.Span, al.Name, app.NameSpan, app.Fixity, [], []), cc.WithScope(al.Scope), k);
                case null:
                    break;
                default:
                    return Guard(app, cc, k);
            }
        }
        else if (ResolveInstanceTarget(app, cc.S) is ({ } target, { } iscope) && target is DefB idef && !idef.Def.IsRecursive)
        {
            var def = idef.Def;
            var scope = def.Arity == 0 ? idef.Scope : BindParams(def.Parameters, args, cc.S, idef.Scope, app, cc.F.Depth, def.Name);
            return CompileAction(def.Body, cc.WithScope(scope), k);
        }
        else
        {
            return Guard(app, cc, k);
        }

        switch (app.Name)
        {
            case Operators.And when args.Length == 2:
                return CompileAction(args[0], cc, Conjunct(args[1], cc, k));
            case Operators.Implies when args.Length == 2:
                {
                    // As TLC: the antecedent is evaluated; if it holds, the consequent acts.
                    var lhs = Compile(args[0], cc).Ev;
                    var rhs = CompileAction(args[1], cc, k);
                    return c => { if (!Stdlib.Bool(lhs(c), " in =>")) k(c); else rhs(c); };
                }
            case Operators.Or when args.Length == 2:
                return Branches([CompileAction(args[0], cc, k), CompileAction(args[1], cc, k)]);
            case Operators.Eq when args.Length == 2 && AssignTarget(args[0], cc) is int slot:
                {
                    var rhs = Compile(args[1], cc).Ev;
                    return c =>
                    {
                        var cur = c.Nxt[slot];
                        if (cur is null)
                        {
                            c.Nxt[slot] = Canonical(rhs(c));
                            k(c);
                            c.Nxt[slot] = null;
                        }
                        else if (Value.EqualsChecked(cur, rhs(c))) k(c);
                    };
                }
            case Operators.In when args.Length == 2 && AssignTarget(args[0], cc) is int slot:
                {
                    var rhs = Compile(args[1], cc).Ev;
                    var span = app.Span;
                    return c =>
                    {
                        var cur = c.Nxt[slot];
                        var set = rhs(c);
                        if (cur is null)
                        {
                            foreach (var v in Elements(set, span))
                            {
                                if (c.Stop) break;
                                c.Nxt[slot] = Canonical(v);
                                k(c);
                            }
                            c.Nxt[slot] = null;
                        }
                        else if (Stdlib.In(cur, set)) k(c);
                    };
                }
            case Operators.Unchanged when args.Length == 1 && !cc.InitMode:
                return CompileUnchanged(args[0], cc, k);
            case Operators.Prime when args.Length == 1 && !cc.Primed:
                return CompileAction(args[0], cc with { Primed = true }, k);
            default:
                return Guard(app, cc, k);
        }
    }

    /// <summary>Values stored in states are fully enumerated so fingerprints and printing see canonical forms.</summary>
    /// <remarks>
    /// As TLC, a set built lazily (SUBSET S, [S -> T], [a : S], S \X T, a filter) is enumerated when it becomes
    /// part of a state, also inside a tuple, record, function or set, so that traces print its elements; an
    /// interval i..j stays an interval.
    /// </remarks>
    internal static Value Canonical(Value v)
    {
        switch (v)
        {
            case IntValue or StrValue or BoolValue or ModelValue or IntervalValue:
                return v;
            case LazyFcnValue l:
                return Canonical(l.Materialize());
            case FcnValue f:
                {
                    var vals = f.RawVals;
                    Value[]? copy = null;
                    for (int i = 0; i < vals.Length; i++)
                    {
                        var c = Canonical(vals[i]);
                        if (!ReferenceEquals(c, vals[i])) (copy ??= (Value[])vals.Clone())[i] = c;
                    }
                    return copy is null ? f : f.WithValues(copy);
                }
            case SetValue s:
                {
                    var items = s.Items;
                    Value[]? copy = null;
                    for (int i = 0; i < items.Count; i++)
                    {
                        var c = Canonical(items[i]);
                        if (!ReferenceEquals(c, items[i])) (copy ??= items.ToArray())[i] = c;
                    }
                    // Equal values keep their order, so the elements stay sorted and distinct.
                    return copy is null ? s : SetValue.FromSorted(copy);
                }
            case SetBase sb when sb.IsFinite:
                return Canonical(sb.Normalize());
            default:
                return v;
        }
    }

    /// <summary>The variable slot that <c>x' = e</c> (or, in init mode, <c>x = e</c>) may assign, if <paramref name="lhs"/> is one.</summary>
    private int? AssignTarget(Expr lhs, CC cc)
    {
        if (lhs is not OpApp app || !app.Prefix.IsEmpty) return null;
        if (cc.InitMode && !cc.Primed)
        {
            if (!app.Arguments.IsEmpty) return null;
            return ResolveVar(app.Name, cc.S);
        }
        if (cc.Primed)
        {
            if (!app.Arguments.IsEmpty) return null;
            return ResolveVar(app.Name, cc.S);
        }
        if (app.Name == Operators.Prime && app.Arguments.Length == 1)
            return AssignTarget(app.Arguments[0], cc with { Primed = true });
        if (app.Arguments.IsEmpty && cc.S.Lookup(app.Name) is NameArgB na)
            return AssignTarget(na.Expr, cc.WithScope(na.Scope));
        return null;
    }

    private static int? ResolveVar(string name, Scope s)
    {
        var b = s.Lookup(name);
        for (int guard = 0; guard < 50; guard++)
        {
            switch (b)
            {
                case VarB v: return v.Slot;
                case AliasB al: b = al.Scope.Lookup(al.Name); s = al.Scope; continue;
                case NameArgB { Expr: OpApp { Prefix.IsEmpty: true, Arguments.IsEmpty: true } inner } na:
                    s = na.Scope; b = s.Lookup(inner.Name); continue;
                default: return null;
            }
        }
        return null;
    }

    /// <summary>The variable slots an UNCHANGED subscript names, or null if it is not a tuple of variables.</summary>
    private List<int>? VarsOf(Expr e, Scope s, int depth = 0)
    {
        if (depth > 50) return null;
        switch (e)
        {
            case TupleExpr t:
                {
                    var all = new List<int>();
                    foreach (var x in t.Elements)
                    {
                        var v = VarsOf(x, s, depth + 1);
                        if (v is null) return null;
                        all.AddRange(v);
                    }
                    return all;
                }
            case OpApp { Prefix.IsEmpty: true, Arguments.IsEmpty: true } app:
                switch (s.Lookup(app.Name))
                {
                    case VarB v: return [v.Slot];
                    case DefB d when d.Def.Arity == 0: return VarsOf(d.Def.Body, d.Scope, depth + 1);
                    case NameArgB na: return VarsOf(na.Expr, na.Scope, depth + 1);
                    case AliasB al: return VarsOf(e, al.Scope, depth + 1);
                    default: return null;
                }
            default:
                return null;
        }
    }

    private Act CompileUnchanged(Expr sub, CC cc, Act k)
    {
        var slots = VarsOf(sub, cc.S);
        if (slots is null)
        {
            var now = Compile(sub, cc).Ev;
            var next = Compile(sub, cc with { Primed = true }).Ev;
            return c => { if (now(c).Equals(next(c))) k(c); };
        }
        var arr = slots.ToArray();
        return c =>
        {
            // Assign the unassigned ones, compare the rest; undo only what this step assigned.
            Span<bool> assigned = stackalloc bool[arr.Length];
            bool ok = true;
            for (int i = 0; i < arr.Length; i++)
            {
                int s = arr[i];
                var cur = c.Nxt[s];
                if (cur is null) { c.Nxt[s] = c.Cur[s]; assigned[i] = true; }
                else if (!cur.Equals(c.Cur[s])) { ok = false; }
                if (!ok) break;
            }
            if (ok) k(c);
            for (int i = 0; i < arr.Length; i++) if (assigned[i]) c.Nxt[arr[i]] = null;
        };
    }

    // ============================================================ action splitting (TLC's sub-actions)

    internal sealed record ActionPart(string Name, string BaseName, IReadOnlyList<(string Param, Value Value)> Context, SourceSpan Span, Expr Expr, CC Cc);

    /// <summary>
    /// Splits the next-state relation as TLC does: disjunctions split, definitions are entered (their name and
    /// body span become the label), <c>\E</c> over a constant set is split per element (the element shows in the
    /// label's arguments); anything else is one sub-action labelled with the enclosing definition's name.
    /// </summary>
    internal void Split(Expr e, CC cc, string name, SourceSpan span, List<ActionPart> parts, int depth = 0,
        string? baseName = null, IReadOnlyList<(string, Value)>? context = null)
    {
        baseName ??= name;
        context ??= [];
        if (depth > 100) { parts.Add(new ActionPart(name, baseName, context, span, e, cc)); return; }
        switch (e)
        {
            case JunctionList { Kind: JunctionKind.Or } jl:
                foreach (var item in jl.Items) Split(item, cc, name, item.Span, parts, depth + 1, baseName, context);
                return;
            case OpApp { Name: Operators.Or, Prefix.IsEmpty: true } orApp when orApp.Arguments.Length == 2 && cc.S.Lookup(Operators.Or) is null:
                foreach (var item in orApp.Arguments) Split(item, cc, name, item.Span, parts, depth + 1, baseName, context);
                return;
            case OpApp app when app.Prefix.IsEmpty && cc.S.Lookup(app.Name) is DefB d && !d.Def.IsRecursive && !Recursive.Contains(d.Def):
                {
                    var def = d.Def;
                    var scope = def.Arity == 0 ? d.Scope : BindParams(def.Parameters, app.Arguments, cc.S, d.Scope, app, cc.F.Depth, def.Name);
                    var label = def.Name;
                    var ctx = new List<(string, Value)>();
                    if (def.Arity > 0)
                    {
                        var vals = new List<Value>();
                        foreach (var a in app.Arguments)
                        {
                            var cv = TryConstant(a, cc);
                            if (cv is null) { vals = null; break; }
                            vals.Add(cv);
                        }
                        if (vals != null)
                        {
                            label += "(" + string.Join(",", vals) + ")";
                            for (int i = 0; i < vals.Count; i++) ctx.Add((def.Parameters[i].Name, vals[i]));
                        }
                    }
                    Split(def.Body, cc.WithScope(scope), label, def.Body.Span, parts, depth + 1, def.Name, ctx);
                    return;
                }
            case OpApp app when app.Prefix.IsEmpty && app.Arguments.IsEmpty && cc.S.Lookup(app.Name) is NameArgB na:
                Split(na.Expr, cc.WithScope(na.Scope), name, span, parts, depth + 1, baseName, context);
                return;
            case Quantified { Kind: QuantifierKind.Exists } q when q.Bounds.All(b => b.Domain != null && !b.IsTuple && TryConstant(b.Domain!, cc) is SetBase { IsFinite: true }):
                {
                    var names = q.Bounds.SelectMany(b => b.Names.Select(n => (n.Name, Dom: (SetBase)TryConstant(b.Domain!, cc)!))).ToArray();
                    // As TLC's context enumerator: the first bound name varies fastest.
                    void Rec(int i, Scope scope)
                    {
                        // TLC labels such a sub-action with the span of the quantifier's body.
                        if (i < 0) { Split(q.Body, cc.WithScope(scope), name, q.Body.Span, parts, depth + 1, baseName, context); return; }
                        foreach (var v in names[i].Dom.Elements) Rec(i - 1, scope.With(names[i].Name, new ValB(v), scope.Depth));
                    }
                    Rec(names.Length - 1, cc.S);
                    return;
                }
            case Let let:
                // TLC labels an action whose body is a LET with the span of the LET's body.
                parts.Add(new ActionPart(name, baseName, context, let.Body.Span, e, cc));
                return;
            default:
                parts.Add(new ActionPart(name, baseName, context, span, e, cc));
                return;
        }
    }

    /// <summary>The value of <paramref name="e"/> if it is constant (no state, no locals), else null.</summary>
    internal Value? TryConstant(Expr e, CC cc)
    {
        try
        {
            var probe = new FrameBuilder(cc.F.Depth);
            var c = Compile(e, cc with { F = probe });
            if (!c.IsConst) return null;
            return c.Ev(new Ctx(_rt, 0));
        }
        catch (CheckerException)
        {
            return null;
        }
    }
}
