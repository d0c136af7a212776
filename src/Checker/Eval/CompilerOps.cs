using System.Collections.Immutable;
using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.Eval;

internal sealed partial class Compiler
{
    private readonly Dictionary<(DefB, FrameBuilder, bool, bool), C> _zeroArityMemo = [];
    private readonly Dictionary<string, RecUnit> _recUnits = [];
    private readonly HashSet<OperatorDefinition> _inlining = [];
    private int _stateCacheIds;

    /// <summary>Operators announced by RECURSIVE (compiled with frames, never expanded).</summary>
    public HashSet<OperatorDefinition> Recursive { get; } = [];

    /// <summary>Builds the scope of an instantiated module; supplied by the model loader.</summary>
    public Func<Instance, Scope, ImmutableArray<FormalParameter>, IReadOnlyList<Binding>, Scope>? Instantiate { get; set; }

    /// <summary>A recursive operator compiled once (per operator-argument binding) into its own frame.</summary>
    private sealed class RecUnit
    {
        public Ev? Body;
        public FrameBuilder Frame = null!;
        public int[] ParamSlots = [];
        public int DefDepth;
    }

    private C CompileOpApp(OpApp app, CC cc)
    {
        if (!app.Prefix.IsEmpty) return CompileInstanceApp(app, cc);
        var b = cc.S.Lookup(app.Name);
        if (b != null) return CompileBound(b, app, app.Arguments, cc.S, cc);
        return CompileBuiltin(app.Name, app.Arguments, app, cc);
    }

    /// <summary>Compiles an application of a bound name to arguments written in <paramref name="argScope"/>.</summary>
    private C CompileBound(Binding b, OpApp app, IReadOnlyList<Expr> args, Scope argScope, CC cc)
    {
        switch (b)
        {
            case VarB v:
                {
                    if (args.Count > 0) throw new CheckerException($"{Loc(app.Span)}: variable {v.Name} applied to arguments.");
                    int slot = v.Slot;
                    var name = v.Name;
                    if (cc.Primed || cc.InitMode)
                    {
                        var span = app.Span;
                        
                        // TLC names the variable without its prime, and where it is.
                        return new C(c => c.Nxt[slot] ?? throw Error($"In evaluation, the identifier {name} is either undefined or not an operator.\n{Loc(span)}", span), false);
                    }
                    return new C(c => c.Cur[slot], false);
                }
            case ValB val:
                return Const(val.Value);
            case LocalB l:
                return LocalRead(l.Depth, l.Slot, cc);
            case LetCacheB lc:
                {
                    var body = Compile(lc.Body, cc.WithScope(lc.Scope)).Ev;
                    int hops = cc.F.Depth - lc.Depth, slot = lc.Slot;
                    return new C(c =>
                    {
                        var f = FrameAt(c, hops);
                        return f.S[slot] ??= body(c);
                    }, false);
                }
            case NameArgB na:
                if (args.Count > 0) throw new CheckerException($"{Loc(app.Span)}: {app.Name} takes no arguments.");
                return Compile(na.Expr, cc.WithScope(na.Scope));
            case AliasB al:
                {
                    var target = al.Scope.Lookup(al.Name) ?? throw new CheckerException($"{Loc(app.Span)}: {al.Name} is not defined in the instantiating module.");
                    return CompileBound(target, app, args, argScope, cc.WithScope(al.Scope));
                }
            case DefB d:
                return ApplyDef(d, args, argScope, app, cc);
            case LambdaB lam:
                return ApplyLambda(lam, args, argScope, app, cc);
            case FcnDefB fd:
                if (args.Count > 0) throw new CheckerException($"{Loc(app.Span)}: {fd.Def.Name} is a function: apply it with [].");
                return CompileFunctionDef(fd, cc);
            case BuiltinB bi:
                return CompileBuiltin(bi.Name, args, app, cc.WithScope(argScope));
            case InstB:
                throw new CheckerException($"{Loc(app.Span)}: {app.Name} is an instance; use {app.Name}!Op.");
            default:
                throw new CheckerException($"{Loc(app.Span)}: unsupported binding for {app.Name}.");
        }
    }

    /// <summary>SANY's arity error, located (as SANY does) on the argument list after the operator's name.</summary>
    private static SemanticException ArityError(OpApp app, string name, int n)
    {
        var span = app.NameSpan.End < app.Span.End ? new SourceSpan(app.Span.File, app.NameSpan.End, app.Span.End) : app.Span;
        return new SemanticException($"The operator {name} requires {n} argument{(n == 1 ? "" : "s")}.", span);
    }

    /// <summary>Resolves an expression passed for an operator parameter <c>F(_)</c>.</summary>
    private Binding ResolveOpArg(Expr arg, Scope scope)
    {
        switch (arg)
        {
            case Lambda lam:
                return new LambdaB(lam, scope);
            case OpApp app when app.Arguments.IsEmpty && app.Prefix.IsEmpty:
                {
                    var b = scope.Lookup(app.Name);
                    return b switch
                    {
                        null => new BuiltinB(app.Name),
                        AliasB al => ResolveOpArg(arg, al.Scope),
                        _ => b,
                    };
                }
            default:
                throw new CheckerException($"{Loc(arg.Span)}: an operator argument must be an operator name or a LAMBDA.");
        }
    }

    private Scope BindParams(ImmutableArray<FormalParameter> ps, IReadOnlyList<Expr> args, Scope argScope, Scope bodyScope, OpApp app, int depth, string name)
    {
        if (ps.Length != args.Count) throw ArityError(app, name, ps.Length);
        var scope = bodyScope.Child(depth);
        for (int i = 0; i < ps.Length; i++)
            scope.Add(ps[i].Name, ps[i].Arity > 0 ? ResolveOpArg(args[i], argScope) : new NameArgB(args[i], argScope));
        return scope;
    }

    private C ApplyDef(DefB d, IReadOnlyList<Expr> args, Scope argScope, OpApp app, CC cc)
    {
        var def = d.Def;
        if (def.IsRecursive || Recursive.Contains(def) || _inlining.Contains(def)) return ApplyRecursive(d, args, argScope, app, cc);
        if (_inlineDepth > MaxInlineDepth)
            throw new CheckerException($"{Loc(app.Span)}: {def.Name} expands too deeply; declare it RECURSIVE.");
        _inlineDepth++;
        try
        {
            if (def.Arity == 0)
            {
                var key = (d, cc.F, cc.Primed, cc.InitMode);
                if (_zeroArityMemo.TryGetValue(key, out var memo)) return memo;
                var body = Compile(def.Body, cc.WithScope(d.Scope));
                if (body.IsConst)
                {
                    d.Const ??= new ConstCell(body.Ev);
                    body = new C(d.Const.Get, true);
                }
                else if (!cc.Primed && IsConstantLevel(def.Body, d.Scope, 0))
                {
                    // A constant-level definition with bound variables (TraceSenders == {Trace[i].proc : i \in ...})
                    // is not folded by the expression compiler; TLC evaluates such definitions once, at start-up,
                    // and so do we: compiled into a frame of its own, evaluated on first use, shared by all sites.
                    var fb = new FrameBuilder(0);
                    var ev = Compile(def.Body, new CC(d.Scope, fb, false, false)).Ev;
                    d.Const ??= new ConstCell(c => ev(new Ctx(c.Runtime, 0) { F = new Frame(fb.Size, null) }));
                    body = new C(d.Const.Get, true);
                }
                else if (!cc.Primed && !cc.InitMode && d.Scope.IsRootModule && !MentionsPrime(def.Body, d.Scope, 0))
                {
                    // A state-level definition (Blank == CHOOSE i : board[i] = 0) is computed once per state.
                    int id = _stateCacheIds++;
                    var ev = body.Ev;
                    body = new C(c =>
                    {
                        var v = c.Cached(id);
                        if (v is null) { v = ev(c); c.Cache(id, v); }
                        return v;
                    }, false);
                }
                _zeroArityMemo[key] = body;
                return body;
            }
            var scope = BindParams(def.Parameters, args, argScope, d.Scope, app, cc.F.Depth, def.Name);
            _inlining.Add(def);
            try { return Compile(def.Body, cc.WithScope(scope)); }
            finally { _inlining.Remove(def); }
        }
        finally { _inlineDepth--; }
    }

    /// <summary>Whether <paramref name="e"/> reads no variable, primed or not, and no run-time state: then its value is
    /// the same in every state. Conservative: anything it does not recognise counts as not constant.</summary>
    private static bool IsConstantLevel(Expr e, Scope scope, int depth) => ReadsAtMost(e, scope, -1, depth);

    /// <summary>
    /// Whether <paramref name="e"/> reads no run-time state and no variable except, unprimed, the one in slot
    /// <paramref name="allowedSlot"/> (-1: none, i.e. constant level). Conservative: anything it does not recognise
    /// counts as reading state. With a slot allowed (trace validation's cursor guards, evaluated in one reused frame),
    /// LET, EXCEPT and recursive definitions count as reading state too.
    /// </summary>
    internal static bool ReadsAtMost(Expr e, Scope scope, int allowedSlot, int depth)
    {
        if (depth > 20) return false;
        bool constantLevel = allowedSlot < 0;
        bool ok = true;
        void Visit(Node n)
        {
            if (!ok) return;
            switch (n)
            {
                case OpApp app:
                    if (app.Prefix.Length > 0
                        || app.Name is Operators.Prime or Operators.Unchanged or Operators.Enabled or Operators.Always
                            or Operators.Eventually or Operators.LeadsTo or Operators.Plusarrow or "\\cdot" or "TLCGet" or "TLCSet")
                    { ok = false; return; }
                    switch (scope.Lookup(app.Name))
                    {
                        case null or ValB or BuiltinB: break;
                        case VarB v when v.Slot == allowedSlot: break;
                        case DefB d when (constantLevel || !d.Def.IsRecursive) && ReadsAtMost(d.Def.Body, d.Scope, allowedSlot, depth + 1): break;
                        default: ok = false; return;
                    }
                    break;
                case NumberLiteral or StringLiteral or BooleanLiteral:
                    return;
                case ExceptAt when constantLevel:
                    return;
                case Let or Except when !constantLevel:
                    ok = false;
                    return;
                case JunctionList or IfThenElse or Case or Let or Quantified or Choose or SetEnumeration or SetFilter or SetMap
                    or FunctionApplication or FunctionConstructor or FunctionSet or RecordConstructor or RecordSet or FieldAccess
                    or TupleExpr or CartesianProduct or Except:
                    break;
                default:
                    ok = false;
                    return;
            }
            foreach (var child in Children(n)) Visit(child);
        }
        Visit(e);
        return ok;
    }

    private C ApplyLambda(LambdaB lam, IReadOnlyList<Expr> args, Scope argScope, OpApp app, CC cc)
    {
        var scope = BindParams(lam.Lambda.Parameters, args, argScope, lam.Scope, app, cc.F.Depth, "LAMBDA");
        _inlineDepth++;
        try { return Compile(lam.Lambda.Body, cc.WithScope(scope)); }
        finally { _inlineDepth--; }
    }

    /// <summary>A recursive operator: arguments by value into a fresh frame linked to the definition's frame.</summary>
    private C ApplyRecursive(DefB d, IReadOnlyList<Expr> args, Scope argScope, OpApp app, CC cc)
    {
        var def = d.Def;
        if (def.Parameters.Length != args.Count) throw ArityError(app, def.Name, def.Parameters.Length);
        var opArgs = new Binding?[args.Count];
        for (int i = 0; i < args.Count; i++)
            if (def.Parameters[i].Arity > 0) opArgs[i] = ResolveOpArg(args[i], argScope);
        var key = $"{System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(d)}|{cc.Primed}|{cc.InitMode}|" +
                  string.Join(",", opArgs.Select(o => o is null ? "-" : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(o).ToString()));
        if (!_recUnits.TryGetValue(key, out var unit))
        {
            unit = new RecUnit { DefDepth = d.Scope.Depth, Frame = new FrameBuilder(d.Scope.Depth + 1) };
            _recUnits[key] = unit;
            var scope = d.Scope.Child(unit.Frame.Depth);
            var slots = new List<int>();
            for (int i = 0; i < args.Count; i++)
            {
                var p = def.Parameters[i];
                if (opArgs[i] != null) { scope.Add(p.Name, opArgs[i]!); slots.Add(-1); }
                else { int s = unit.Frame.Alloc(); scope.Add(p.Name, new LocalB(unit.Frame.Depth, s)); slots.Add(s); }
            }
            unit.ParamSlots = slots.ToArray();
            unit.Body = Compile(def.Body, new CC(scope, unit.Frame, cc.Primed, cc.InitMode)).Ev;
        }
        var argEvs = args.Select((a, i) => opArgs[i] is null ? Compile(a, cc).Ev : null).ToArray();
        int hops = cc.F.Depth - unit.DefDepth;
        if (hops < 0) throw new CheckerException($"{Loc(app.Span)}: internal: recursive call from outside the definition's scope.");
        var u = unit;
        var name = def.Name;
        return new C(c =>
        {
            if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
                throw new EvalException($"The recursion of {name} is too deep (is a base case missing?).");
            var frame = new Frame(u.Frame.Size, FrameAt(c, hops));
            for (int i = 0; i < argEvs.Length; i++)
                if (argEvs[i] != null) frame.S[u.ParamSlots[i]] = argEvs[i]!(c);
            var saved = c.F;
            c.F = frame;
            try { return u.Body!(c); }
            finally { c.F = saved; }
        }, false);
    }

    /// <summary><c>f[x \in S] == e</c>: a function value whose body may apply f itself.</summary>
    private C CompileFunctionDef(FcnDefB fd, CC cc)
    {
        var def = fd.Def;
        var frame = new FrameBuilder(fd.Scope.Depth + 1);
        var scope = fd.Scope.Child(frame.Depth);
        int selfSlot = frame.Alloc();
        scope.Add(def.Name, new LocalB(frame.Depth, selfSlot));
        var innerCc = new CC(scope, frame, cc.Primed, cc.InitMode);
        var (bscope, binders) = DeclareBounds(def.Bounds, innerCc, cc with { S = fd.Scope });
        var body = Compile(def.Body, innerCc.WithScope(bscope));
        // Domains are compiled in the definition's scope but evaluated in the caller's frame.
        var domains = binders.Select(b => b.Domain.Ev).ToArray();
        bool isConst = binders.All(b => b.Domain.IsConst) && body.IsConst;
        int hops = cc.F.Depth - fd.Scope.Depth;
        var span = def.Span;
        Ev make = c =>
        {
            var domVals = domains.Select(dv => Stdlib.Set(dv(c), "function definition")).ToArray();
            SetBase dom = domVals.Length == 1 ? domVals[0] : new ProductSetValue(domVals);
            var up = FrameAt(c, hops);
            var snapshot = new Ctx(c.Runtime, 0) { Cur = c.Cur, Nxt = c.Nxt };
            LazyFcnValue? self = null;
            self = new LazyFcnValue(dom, x =>
            {
                if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
                    throw new EvalException($"The recursion of the function {def.Name} is too deep (is a base case missing?).");
                var f = new Frame(frame.Size, up);
                f.S[selfSlot] = self;
                if (binders.Length == 1) binders[0].Bind(f, x);
                else
                {
                    var t = (FcnValue)x;
                    for (int i = 0; i < binders.Length; i++) binders[i].Bind(f, t.RawVals[i]);
                }
                var ctx = new Ctx(snapshot.Runtime, 0) { Cur = snapshot.Cur, Nxt = snapshot.Nxt, F = f };
                return body.Ev(ctx);
            }, def.Name);
            return dom.IsFinite ? self.Materialize() : self;
        };
        if (isConst && hops >= 0)
        {
            fd.Const ??= new ConstCell(make);
            return new C(fd.Const.Get, true);
        }
        return new C(make, false);
    }

    // ------------------------------------------------------------ instances

    private C CompileInstanceApp(OpApp app, CC cc)
    {
        if (Instantiate is null) throw new CheckerException($"{Loc(app.Span)}: instances are not available.");
        Scope scope = cc.S;
        foreach (var seg in app.Prefix)
        {
            var b = scope.Lookup(seg.Name.Text);
            while (b is AliasB al) b = al.Scope.Lookup(al.Name);
            if (b is not InstB inst) throw new CheckerException($"{Loc(seg.Span)}: {seg.Name.Text} is not an instance.");
            var argBindings = new List<Binding>();
            for (int i = 0; i < seg.Arguments.Length; i++)
            {
                var p = inst.Def.Parameters[i];
                argBindings.Add(p.Arity > 0 ? ResolveOpArg(seg.Arguments[i], cc.S) : new NameArgB(seg.Arguments[i], cc.S));
            }
            scope = Instantiate(inst.Def.Instance, inst.Scope, inst.Def.Parameters, argBindings);
        }
        var target = scope.Lookup(app.Name) ?? throw new CheckerException($"{Loc(app.Span)}: {app.Name} is not defined in the instance.");
        return CompileBound(target, app, app.Arguments, cc.S, cc.WithScope(scope));
    }

    /// <summary>Looks up an operator of a named instance for action splitting and PROPERTY handling.</summary>
    internal (Binding Target, Scope Scope)? ResolveInstanceTarget(OpApp app, Scope from)
    {
        if (Instantiate is null) return null;
        Scope scope = from;
        foreach (var seg in app.Prefix)
        {
            var b = scope.Lookup(seg.Name.Text);
            while (b is AliasB al) b = al.Scope.Lookup(al.Name);
            if (b is not InstB inst) return null;
            var argBindings = new List<Binding>();
            for (int i = 0; i < seg.Arguments.Length; i++)
                argBindings.Add(new NameArgB(seg.Arguments[i], from));
            scope = Instantiate(inst.Def.Instance, inst.Scope, inst.Def.Parameters, argBindings);
        }
        var target = scope.Lookup(app.Name);
        return target is null ? null : (target, scope);
    }

    // ------------------------------------------------------------ operator arguments as callables

    /// <summary>Compiles an operator binding into a callable over values (for SelectSeq, SortSeq, BagOfAll).</summary>
    internal Func<Ctx, Value[], Value> Callable(Binding op, int arity, OpApp site, CC cc)
    {
        var slots = new int[arity];
        var args = new Expr[arity];
        for (int i = 0; i < arity; i++)
        {
            slots[i] = cc.F.Alloc();
            args[i] = new SlotRefExpr(site.Span, cc.F.Depth, slots[i]);
        }
        var ev = CompileBound(op, site, args, cc.S, cc).Ev;
        return (c, vals) =>
        {
            for (int i = 0; i < slots.Length; i++) c.F.S[slots[i]] = vals[i];
            return ev(c);
        };
    }

    // ------------------------------------------------------------ built-in operators

    private C Unary(Expr a, CC cc, Func<Value, Value> f, SourceSpan span, bool foldable = true)
    {
        var x = Compile(a, cc);
        var xe = x.Ev;
        return Fold(new C(c =>
        {
            try { return f(xe(c)); }
            catch (EvalException e) when (e.Context.Count == 0) { throw At(e, span); }
        }, foldable && x.IsConst));
    }

    private C Binary(Expr a, Expr b, CC cc, Func<Value, Value, Value> f, SourceSpan span)
    {
        var x = Compile(a, cc);
        var y = Compile(b, cc);
        Ev xe = x.Ev, ye = y.Ev;
        return Fold(new C(c =>
        {
            var l = xe(c);
            var r = ye(c);
            try { return f(l, r); }
            catch (EvalException e) when (e.Context.Count == 0) { throw At(e, span); }
        }, x.IsConst && y.IsConst));
    }

    private static EvalException At(EvalException e, SourceSpan span)
    {
        e.Context.Add(Loc(span));
        e.Span = span;
        return e;
    }

    private C CompileBuiltin(string name, IReadOnlyList<Expr> args, OpApp app, CC cc)
    {
        var span = app.Span;
        void Arity(int n)
        {
            if (args.Count != n) throw ArityError(app, name, n);
        }
        switch (name)
        {
            case "TRUE": Arity(0); return Const(BoolValue.True);
            case "FALSE": Arity(0); return Const(BoolValue.False);
            case "BOOLEAN": Arity(0); return Const(SetValue.Of([BoolValue.False, BoolValue.True]));
            case "STRING": Arity(0); return Const(InfiniteSetValue.String);
            case "Nat": Arity(0); return Const(InfiniteSetValue.Nat);
            case "Int": Arity(0); return Const(InfiniteSetValue.Int);
            case "EmptyBag": Arity(0); return Const(Stdlib.EmptyBag);
            case Operators.And: Arity(2); return CompileJunction(true, args, cc, span);
            case Operators.Or: Arity(2); return CompileJunction(false, args, cc, span);
            case Operators.Not:
                Arity(1);
                return Unary(args[0], cc, v => v is BoolValue b ? BoolValue.Of(!b.Value)
                    : throw new EvalException($"Attempted to apply the operator ~ to a non-boolean\n({Value.TlcKind(v)})\n{Loc(span)}"), span);
            case Operators.Implies:
                {
                    Arity(2);
                    var x = Compile(args[0], cc); var y = Compile(args[1], cc);
                    Ev xe = x.Ev, ye = y.Ev;
                    return Fold(new C(c => BoolValue.Of(!Stdlib.Bool(xe(c), " in =>") || Stdlib.Bool(ye(c), " in =>")), x.IsConst && y.IsConst));
                }
            case Operators.Equiv:
                Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Stdlib.Bool(a, " in <=>") == Stdlib.Bool(b, " in <=>")), span);
            case Operators.Eq: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Value.EqualsChecked(a, b)), span);
            case Operators.NotEquals: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(!Value.EqualsChecked(a, b)), span);
            case Operators.In: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Stdlib.In(a, b)), span);
            case Operators.NotIn: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(!Stdlib.In(a, b)), span);
            case Operators.Subseteq: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Stdlib.Subseteq(a, b)), span);
            case Operators.Supseteq: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Stdlib.Subseteq(b, a)), span);
            case Operators.Subset: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Stdlib.Subseteq(a, b) && !a.Equals(b)), span);
            case Operators.Supset: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Stdlib.Subseteq(b, a) && !a.Equals(b)), span);
            case Operators.Cup: Arity(2); return Binary(args[0], args[1], cc, Stdlib.Union, span);
            case Operators.Cap: Arity(2); return Binary(args[0], args[1], cc, Stdlib.Intersect, span);
            case Operators.SetMinus: Arity(2); return Binary(args[0], args[1], cc, Stdlib.Difference, span);
            case Operators.PowerSet: Arity(1); return Unary(args[0], cc, v => new SubsetValue(Stdlib.Set(v, "SUBSET")), span);
            case Operators.BigUnion: Arity(1); return Unary(args[0], cc, Stdlib.BigUnion, span);
            case Operators.Domain: Arity(1); return Unary(args[0], cc, Stdlib.Domain, span);
            case Operators.Prime:
                Arity(1);
                if (cc.Primed) throw new CheckerException($"{Loc(span)}: a primed expression is primed again.");
                return Compile(args[0], cc with { Primed = true });
            case Operators.Unchanged:
                {
                    Arity(1);
                    var now = Compile(args[0], cc).Ev;
                    var next = Compile(args[0], cc with { Primed = true }).Ev;
                    return new C(c => BoolValue.Of(now(c).Equals(next(c))), false);
                }
            case Operators.Enabled:
                {
                    Arity(1);
                    var probe = new EnabledProbe();
                    var act = CompileAction(args[0], cc with { Primed = false, InitMode = false }, probe.Hit);
                    return new C(c => BoolValue.Of(probe.Run(c, act)), false);
                }
            case Operators.Always:
            case Operators.Eventually:
            case Operators.LeadsTo:
            case Operators.Plusarrow:
                throw new TemporalFormulaException($"{Loc(span)}: temporal operator {name} cannot be evaluated on a state or a step; temporal formulas belong in SPECIFICATION (fairness) or PROPERTY.");
            case "+": Arity(2); return Binary(args[0], args[1], cc, Stdlib.Plus, span);
            case "-": Arity(2); return Binary(args[0], args[1], cc, Stdlib.Minus, span);
            case "*": Arity(2); return Binary(args[0], args[1], cc, Stdlib.Times, span);
            case Operators.Div: Arity(2); return Binary(args[0], args[1], cc, Stdlib.Div, span);
            case "%": Arity(2); return Binary(args[0], args[1], cc, Stdlib.Mod, span);
            case "^": Arity(2); return Binary(args[0], args[1], cc, Stdlib.Power, span);
            case "<": case ">": case Operators.Leq: case Operators.Geq:
                Arity(2); return Binary(args[0], args[1], cc, (a, b) => Stdlib.Less(a, b, name), span);
            case "..": Arity(2); return Binary(args[0], args[1], cc, Stdlib.Range, span);
            case Operators.Negate: Arity(1); return Unary(args[0], cc, Stdlib.Negate, span);
            case "Seq": Arity(1); return Unary(args[0], cc, v => new SeqSetValue(Stdlib.Set(v, "Seq")), span);
            case "Len": Arity(1); return Unary(args[0], cc, Stdlib.Len, span);
            case Operators.Concat: Arity(2); return Binary(args[0], args[1], cc, (a, b) => Stdlib.Concat(a, b, Strings), span);
            case "Append": Arity(2); return Binary(args[0], args[1], cc, Stdlib.Append, span);
            case "Head": Arity(1); return Unary(args[0], cc, Stdlib.Head, span);
            case "Tail": Arity(1); return Unary(args[0], cc, Stdlib.Tail, span);
            case "SubSeq":
                {
                    Arity(3);
                    var a = Compile(args[0], cc); var m = Compile(args[1], cc); var n = Compile(args[2], cc);
                    Ev ae = a.Ev, me = m.Ev, ne = n.Ev;
                    return Fold(new C(Located(c => Stdlib.SubSeq(ae(c), me(c), ne(c)), span), a.IsConst && m.IsConst && n.IsConst));
                }
            case "SelectSeq":
                {
                    Arity(2);
                    var s = Compile(args[0], cc).Ev;
                    var test = Callable(ResolveOpArg(args[1], cc.S), 1, app, cc);
                    return new C(Located(c => Stdlib.SelectSeq(s(c), v => Stdlib.Bool(test(c, [v]), " in SelectSeq")), span), false);
                }
            case "IsFiniteSet": Arity(1); return Unary(args[0], cc, v => BoolValue.Of(Stdlib.Set(v, "IsFiniteSet").IsFinite), span);
            case "Cardinality": Arity(1); return Unary(args[0], cc, Stdlib.Cardinality, span);
            case "IsABag": Arity(1); return Unary(args[0], cc, v => BoolValue.Of(Stdlib.IsABag(v)), span);
            case "BagToSet": Arity(1); return Unary(args[0], cc, Stdlib.BagToSet, span);
            case "SetToBag": Arity(1); return Unary(args[0], cc, Stdlib.SetToBag, span);
            case "BagIn": Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Stdlib.BagIn(a, b)), span);
            case "CopiesIn": Arity(2); return Binary(args[0], args[1], cc, Stdlib.CopiesIn, span);
            case Operators.Oplus: Arity(2); return Binary(args[0], args[1], cc, Stdlib.BagPlus, span);
            case Operators.Ominus: Arity(2); return Binary(args[0], args[1], cc, Stdlib.BagMinus, span);
            case "BagUnion": Arity(1); return Unary(args[0], cc, Stdlib.BagUnionOf, span);
            case Operators.Sqsubseteq: Arity(2); return Binary(args[0], args[1], cc, (a, b) => BoolValue.Of(Stdlib.SqSubseteq(a, b)), span);
            case "BagCardinality": Arity(1); return Unary(args[0], cc, Stdlib.BagCardinality, span);
            case "SubBag":
                Arity(1);
                return Unary(args[0], cc, b =>
                {
                    var bag = Stdlib.Fcn(b, "SubBag") as FcnValue ?? throw new EvalException("SubBag of a non-bag");
                    var res = new List<Value>();
                    var keys = bag.RawKeys; var counts = bag.RawVals.Select(v => Stdlib.Int(v, "SubBag", 1)).ToArray();
                    var cur = new int[keys.Length];
                    while (true)
                    {
                        var ks = new List<Value>(); var vs = new List<Value>();
                        for (int i = 0; i < keys.Length; i++) if (cur[i] > 0) { ks.Add(keys[i]); vs.Add(IntValue.Of(cur[i])); }
                        res.Add(FcnValue.FromSorted(ks.ToArray(), vs.ToArray()));
                        int p = keys.Length - 1;
                        while (p >= 0 && ++cur[p] > counts[p]) { cur[p] = 0; p--; }
                        if (p < 0) break;
                    }
                    return SetValue.FromUnsorted(res.ToArray());
                }, span);
            case "BagOfAll":
                {
                    Arity(2);
                    var fn = Callable(ResolveOpArg(args[0], cc.S), 1, app, cc);
                    var bag = Compile(args[1], cc).Ev;
                    return new C(Located(c =>
                    {
                        var b = Stdlib.Fcn(bag(c), "BagOfAll") as FcnValue ?? throw new EvalException("BagOfAll of a non-bag");
                        Value acc = Stdlib.EmptyBag;
                        for (int i = 0; i < b.Count; i++)
                            acc = Stdlib.BagPlus(acc, FcnValue.FromSorted([fn(c, [b.RawKeys[i]])], [b.RawVals[i]]));
                        return acc;
                    }, span), false);
                }
            case Operators.ColonGt: Arity(2); return Binary(args[0], args[1], cc, Stdlib.ColonGt, span);
            case Operators.AtAt: Arity(2); return Binary(args[0], args[1], cc, Stdlib.AtAt, span);
            case "Permutations": Arity(1); return Unary(args[0], cc, Stdlib.Permutations, span);
            case "SortSeq":
                {
                    Arity(2);
                    var s = Compile(args[0], cc).Ev;
                    var less = Callable(ResolveOpArg(args[1], cc.S), 2, app, cc);
                    return new C(Located(c => Stdlib.SortSeq(s(c), (x, y) => Stdlib.Bool(less(c, [x, y]), " in SortSeq")), span), false);
                }
            case "ToString": Arity(1); return Unary(args[0], cc, v => Strings.Intern(v.ToString()), span);
            case "TLCEval": Arity(1); return Compile(args[0], cc);
            case "Print":
                {
                    Arity(2);
                    var o = Compile(args[0], cc).Ev; var v = Compile(args[1], cc).Ev;
                    var rt = _rt;
                    return new C(c =>
                    {
                        var val = v(c);
                        rt.PrintLine(o(c) + "  " + val);
                        return val;
                    }, false);
                }
            case "PrintT":
                {
                    Arity(1);
                    var o = Compile(args[0], cc).Ev;
                    var rt = _rt;
                    return new C(c => { rt.PrintLine(o(c).ToString()); return BoolValue.True; }, false);
                }
            case "Assert":
                {
                    Arity(2);
                    var v = Compile(args[0], cc).Ev; var o = Compile(args[1], cc).Ev;
                    return new C(Located(c =>
                    {
                        if (Stdlib.Bool(v(c), " in Assert")) return BoolValue.True;
                        throw new EvalException($"The first argument of Assert evaluated to FALSE; the second argument was:\n{o(c)}", EvalErrorKind.Assert);
                    }, span), false);
                }
            case "JavaTime": Arity(0); return new C(_ => IntValue.Of((int)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() & int.MaxValue)), false);
            case "RandomElement":
                // Deterministic: the first element in TLC's order (TLC's choice is random; any element is allowed).
                Arity(1); return Unary(args[0], cc, v => Elements(v, span) is { Count: > 0 } es ? es[0] : throw new EvalException("RandomElement of the empty set"), span, foldable: false);
            case "Any": Arity(0); return Const(InfiniteSetValue.String);
            case "ndJsonDeserialize": Arity(1); return Unary(args[0], cc, v => _rt.Inputs.NdJson(TraceValidation.ModelInputs.StringArg(v, "ndJsonDeserialize"), Strings), span);
            case "JsonDeserialize": Arity(1); return Unary(args[0], cc, v => _rt.Inputs.Json(TraceValidation.ModelInputs.StringArg(v, "JsonDeserialize"), Strings), span);
            case "IOEnv": Arity(0); { var rt = _rt; return Fold(new C(_ => rt.Inputs.Environment(Strings), true)); }
            case "atoi": Arity(1); return Unary(args[0], cc, v => TraceValidation.ModelInputs.Atoi(TraceValidation.ModelInputs.StringArg(v, "atoi")), span);
            case "TLCGet":
            case "TLCSet":
            case "AssertEq":
            case "AssertError":
            case "TLCModelValue":
            case "Trace":
            case "Real":
            case "Infinity":
            case "/":
                throw new SemanticException($"The operator {name} of the standard modules is not supported by vipc check.", span);
            default:
                throw new UndefinedOperatorException(name, span);
        }
    }
}

/// <summary>A temporal formula where a state or action formula was needed.</summary>
public sealed class TemporalFormulaException(string message) : CheckerException(message);

/// <summary>A semantic error found while compiling (TLC/SANY exit 150), with the span SANY reports.</summary>
public class SemanticException(string message, SourceSpan span) : CheckerException(message)
{
    /// <summary>Where SANY reports the error.</summary>
    public SourceSpan Span { get; } = span;
}

/// <summary>A name that is neither defined in the specification nor a standard-module operator.</summary>
public sealed class UndefinedOperatorException(string name, SourceSpan span) : SemanticException($"Unknown operator: `{name}'.", span);

/// <summary>Evaluates ENABLED A: runs A's successor generation and stops at the first successor.</summary>
internal sealed class EnabledProbe
{
    private readonly ThreadLocal<bool> _hit = new();

    public void Hit(Ctx c) { _hit.Value = true; c.Stop = true; }

    public bool Run(Ctx c, Act act)
    {
        var saved = (c.Nxt, c.Stop);
        c.Nxt = new Value?[c.Nxt.Length];
        c.Stop = false;
        _hit.Value = false;
        try { act(c); return _hit.Value; }
        finally { (c.Nxt, c.Stop) = saved; }
    }
}
