using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.Liveness;

/// <summary>Which liveness form a property conjunct has (each is checked by a fair-cycle search on the behaviour graph).</summary>
public enum LiveForm
{
    /// <summary><c>&lt;&gt;P</c>: violated by a fair behaviour where P never holds.</summary>
    Eventually,
    /// <summary><c>[]&lt;&gt;P</c>: violated by a fair behaviour that ends in a cycle of ~P states.</summary>
    InfinitelyOften,
    /// <summary><c>&lt;&gt;[]P</c>: violated by a fair cycle that contains a ~P state.</summary>
    EventuallyAlways,
    /// <summary><c>P ~&gt; Q</c>: violated by a fair behaviour that reaches P and then avoids Q forever.</summary>
    LeadsTo,
    /// <summary><c>[]P</c> inside a larger temporal formula: violated by any reachable ~P state.</summary>
    Always,
    /// <summary><c>WF_v(A)</c> as a property (e.g. the fairness of a refined spec).</summary>
    WeakFair,
    /// <summary><c>SF_v(A)</c> as a property.</summary>
    StrongFair,
}

/// <summary>A liveness obligation: indices into the node predicates (P, Q) or the edge predicates (fairness steps).</summary>
public sealed record LiveObligation(string Property, LiveForm Form, int P, int Q, int Edge);

/// <summary>An action property <c>[][A]_v</c>, checked on every transition during the search.</summary>
public sealed record ActionProperty(string Property, string DisplayName, SourceSpan Span, NamedFormula Formula);

/// <summary>A state predicate that must hold in every initial state (the Init part of a refined spec).</summary>
public sealed record InitProperty(string Property, string DisplayName, SourceSpan Span, NamedFormula Formula);

/// <summary>A fairness condition of the SPECIFICATION: <see cref="Edge"/> indexes the edge predicate <c>&lt;&lt;A&gt;&gt;_v</c>.</summary>
public sealed record SpecFairness(bool Strong, int Edge, string Text);

/// <summary>
/// The temporal part of a model: the SPECIFICATION's fairness, and its PROPERTYs split into initial-state
/// predicates, action properties and liveness obligations over compiled state and action predicates.
/// </summary>
public sealed class TemporalSpec
{
    /// <summary>State predicates evaluated on every distinct state (bit i of a node's label).</summary>
    public List<NamedFormula> NodePredicates { get; } = [];
    /// <summary>Action predicates evaluated on every transition (bit i of an edge's label).</summary>
    public List<NamedFormula> EdgePredicates { get; } = [];
    /// <summary>WF/SF conjuncts of the SPECIFICATION.</summary>
    public List<SpecFairness> Fairness { get; } = [];
    /// <summary>Action properties in cfg order.</summary>
    public List<ActionProperty> ActionProperties { get; } = [];
    /// <summary>Initial-state predicates of properties.</summary>
    public List<InitProperty> InitProperties { get; } = [];
    /// <summary>Liveness obligations in cfg order.</summary>
    public List<LiveObligation> Obligations { get; } = [];

    /// <summary>True when the behaviour graph must be recorded.</summary>
    public bool NeedsGraph => Obligations.Count > 0;

    /// <summary>True when anything here must be checked.</summary>
    public bool IsEmpty => Obligations.Count == 0 && ActionProperties.Count == 0 && InitProperties.Count == 0;
}

/// <summary>Splits fairness and PROPERTY formulas into the forms <see cref="TemporalSpec"/> holds.</summary>
internal sealed class TemporalBuilder(Compiler compiler, ModelRuntime runtime, int nvars)
{
    private readonly TemporalSpec _spec = new();

    public TemporalSpec Spec => _spec;

    /// <summary>Adds a WF/SF conjunct (possibly under <c>\A x \in S</c>) of the SPECIFICATION.</summary>
    public void AddSpecFairness(Expr e, Scope scope)
    {
        var parts = new List<(Expr, Scope)>();
        Flatten(e, scope, parts, "SPECIFICATION");
        foreach (var (p, s) in parts)
        {
            if (p is not Fairness f) throw new CheckerException($"{Compiler.Loc(p.Span)}: this temporal conjunct of the SPECIFICATION is not supported (only Init, [][Next]_v, WF and SF).");
            _spec.Fairness.Add(new SpecFairness(f.Kind == FairnessKind.Strong, Edge(f, s), f.Span.ToTlcString()));
        }
    }

    /// <summary>Adds a PROPERTY whose definition body is <paramref name="body"/>.</summary>
    public void AddProperty(string name, Expr body, Scope scope)
    {
        var parts = new List<(Expr, Scope)>();
        Flatten(body, scope, parts, name);
        bool direct = parts.Count == 1;
        foreach (var (p, s) in parts) AddConjunct(name, p, s, direct);
    }

    private void AddConjunct(string name, Expr e, Scope s, bool direct)
    {
        string Unsupported() =>
            $"{Compiler.Loc(e.Span)}: the temporal formula in PROPERTY {name} has a form this checker does not handle (supported: []P, <>P, []<>P, <>[]P, P ~> Q, [][A]_v, WF/SF, conjunctions, \\A over constant sets and INSTANCE specs).";
        switch (e)
        {
            case Fairness f:
                _spec.Obligations.Add(new LiveObligation(name, f.Kind == FairnessKind.Strong ? LiveForm.StrongFair : LiveForm.WeakFair, -1, -1, Edge(f, s)));
                return;
            case OpApp { Name: Operators.Always, Arguments.Length: 1 } box when IsBuiltin(box, s):
                {
                    var a = box.Arguments[0];
                    if (a is ActionSubscript { IsAngle: false } sub)
                    {
                        _spec.ActionProperties.Add(new ActionProperty(name, direct ? name : box.Span.ToTlcString(), box.Span, Compile(name, sub, s)));
                        return;
                    }
                    var (ai, aScope) = Resolve(a, s);
                    if (ai is OpApp { Name: Operators.Eventually, Arguments.Length: 1 } ev && IsBuiltin(ev, aScope) && !IsTemporal(ev.Arguments[0], aScope, 0))
                    {
                        _spec.Obligations.Add(new LiveObligation(name, LiveForm.InfinitelyOften, Node(name, ev.Arguments[0], aScope), -1, -1));
                        return;
                    }
                    if (ai is OpApp { Name: Operators.Implies, Arguments.Length: 2 } imp && IsBuiltin(imp, aScope) && !IsTemporal(imp.Arguments[0], aScope, 0)
                        && Resolve(imp.Arguments[1], aScope) is (OpApp { Name: Operators.Eventually, Arguments.Length: 1 } ev2, var s2) && IsBuiltin(ev2, s2) && !IsTemporal(ev2.Arguments[0], s2, 0))
                    {
                        _spec.Obligations.Add(new LiveObligation(name, LiveForm.LeadsTo, Node(name, imp.Arguments[0], aScope), Node(name, ev2.Arguments[0], s2), -1));
                        return;
                    }
                    if (!IsTemporal(a, s, 0))
                    {
                        _spec.Obligations.Add(new LiveObligation(name, LiveForm.Always, Node(name, a, s), -1, -1));
                        return;
                    }
                    throw new CheckerException(Unsupported());
                }
            case OpApp { Name: Operators.Eventually, Arguments.Length: 1 } dia when IsBuiltin(dia, s):
                {
                    var (ai, aScope) = Resolve(dia.Arguments[0], s);
                    if (ai is OpApp { Name: Operators.Always, Arguments.Length: 1 } bx && IsBuiltin(bx, aScope) && !IsTemporal(bx.Arguments[0], aScope, 0))
                    {
                        _spec.Obligations.Add(new LiveObligation(name, LiveForm.EventuallyAlways, Node(name, bx.Arguments[0], aScope), -1, -1));
                        return;
                    }
                    if (!IsTemporal(ai, aScope, 0))
                    {
                        _spec.Obligations.Add(new LiveObligation(name, LiveForm.Eventually, Node(name, ai, aScope), -1, -1));
                        return;
                    }
                    throw new CheckerException(Unsupported());
                }
            case OpApp { Name: Operators.LeadsTo, Arguments.Length: 2 } lt when IsBuiltin(lt, s):
                if (IsTemporal(lt.Arguments[0], s, 0) || IsTemporal(lt.Arguments[1], s, 0)) throw new CheckerException(Unsupported());
                _spec.Obligations.Add(new LiveObligation(name, LiveForm.LeadsTo, Node(name, lt.Arguments[0], s), Node(name, lt.Arguments[1], s), -1));
                return;
            default:
                if (IsTemporal(e, s, 0) || MentionsPrime(e, s, 0)) throw new CheckerException(Unsupported());
                _spec.InitProperties.Add(new InitProperty(name, direct ? name : e.Span.ToTlcString(), e.Span, Compile(name, e, s)));
                return;
        }
    }

    private static bool IsBuiltin(OpApp app, Scope s) => app.Prefix.IsEmpty && s.Lookup(app.Name) is null;

    /// <summary>Follows zero-arity definitions and instance references to the formula they stand for.</summary>
    private (Expr, Scope) Resolve(Expr e, Scope s)
    {
        for (int i = 0; i < 100; i++)
        {
            if (e is OpApp { Arguments.IsEmpty: true } app)
            {
                if (app.Prefix.IsEmpty && s.Lookup(app.Name) is DefB d && d.Def.Arity == 0) { e = d.Def.Body; s = d.Scope; continue; }
                if (!app.Prefix.IsEmpty && compiler.ResolveInstanceTarget(app, s) is ({ } t, _) && t is DefB td && td.Def.Arity == 0) { e = td.Def.Body; s = td.Scope; continue; }
            }
            else if (e is OpApp { Prefix.IsEmpty: true } call && s.Lookup(call.Name) is DefB pd && !pd.Def.IsRecursive
                && pd.Def.Arity == call.Arguments.Length && pd.Def.Parameters.All(p => p.Arity == 0))
            {
                // A parameterised temporal operator (e.g. Fair(p) == WF_vars(A(p))): arguments are passed by name.
                var bound = pd.Scope.Child(pd.Scope.Depth);
                for (int k = 0; k < call.Arguments.Length; k++) bound.Add(pd.Def.Parameters[k].Name, new NameArgB(call.Arguments[k], s));
                e = pd.Def.Body;
                s = bound;
                continue;
            }
            return (e, s);
        }
        return (e, s);
    }

    /// <summary>Splits a formula into its conjuncts, expanding definitions and \A over constant sets where they hide temporal parts.</summary>
    private void Flatten(Expr e, Scope s, List<(Expr, Scope)> into, string what)
    {
        if (!IsTemporal(e, s, 0))
        {
            into.Add((e, s));
            return;
        }
        switch (e)
        {
            case JunctionList { Kind: JunctionKind.And } jl:
                foreach (var item in jl.Items) Flatten(item, s, into, what);
                return;
            case OpApp { Name: Operators.And, Arguments.Length: 2 } conj when IsBuiltin(conj, s):
                foreach (var item in conj.Arguments) Flatten(item, s, into, what);
                return;
            case Quantified { Kind: QuantifierKind.Forall } q:
                {
                    var scopes = new List<Scope> { s };
                    foreach (var b in q.Bounds)
                    {
                        if (b.Domain is null || b.IsTuple) throw new CheckerException($"{Compiler.Loc(q.Span)}: a temporal \\A needs a bound set of single names (in {what}).");
                        var next = new List<Scope>();
                        foreach (var sc in scopes)
                        {
                            Value dom;
                            try { dom = Compile(what, b.Domain, sc).Eval(new Ctx(runtime, nvars)); }
                            catch (EvalException ex)
                            {
                                throw new CheckerException($"{Compiler.Loc(b.Domain.Span)}: the bound set of a temporal \\A in {what} must be a constant set: {ex.Message}");
                            }
                            if (dom is not SetBase set) throw new CheckerException($"{Compiler.Loc(b.Domain.Span)}: the bound of a temporal \\A is not a set.");
                            next.AddRange(ExpandMulti(sc, b, set));
                        }
                        scopes = next;
                    }
                    foreach (var sc in scopes) Flatten(q.Body, sc, into, what);
                    return;
                }
            case OpApp app:
                {
                    var (r, rs) = Resolve(app, s);
                    if (!ReferenceEquals(r, app)) { Flatten(r, rs, into, what); return; }
                    into.Add((e, s));
                    return;
                }
            default:
                into.Add((e, s));
                return;
        }
    }

    private static List<Scope> ExpandMulti(Scope sc, QuantifierBound b, SetBase set)
    {
        var cur = new List<Scope> { sc };
        foreach (var n in b.Names)
        {
            var more = new List<Scope>();
            foreach (var c in cur)
                foreach (var v in set.Elements) more.Add(c.With(n.Name, new ValB(v), c.Depth));
            cur = more;
        }
        return cur;
    }

    private int Node(string name, Expr e, Scope s)
    {
        _spec.NodePredicates.Add(Compile(name, e, s));
        if (_spec.NodePredicates.Count > 64) throw new CheckerException($"PROPERTY {name}: more than 64 state predicates in the temporal properties; this checker labels states with at most 64.");
        return _spec.NodePredicates.Count - 1;
    }

    private int Edge(Fairness f, Scope s)
    {
        _spec.EdgePredicates.Add(Compile(f.Span.ToTlcString(), new ActionSubscript(f.Span, true, f.Action, f.Subscript), s));
        if (_spec.EdgePredicates.Count > 64) throw new CheckerException("More than 64 fairness conditions; this checker labels transitions with at most 64.");
        return _spec.EdgePredicates.Count - 1;
    }

    private NamedFormula Compile(string name, Expr e, Scope s)
    {
        var fb = new FrameBuilder(0);
        var c = compiler.Compile(e, new CC(s, fb, false, false));
        return new NamedFormula(name, c.Ev, fb, e.Span);
    }

    /// <summary>Whether the formula contains a temporal operator, following definitions.</summary>
    private bool IsTemporal(Expr e, Scope s, int depth)
    {
        if (depth > 40) return false;
        bool found = false;
        void Visit(Node n)
        {
            if (found) return;
            switch (n)
            {
                case Fairness: found = true; return;
                case OpApp app:
                    if (app.Prefix.IsEmpty && s.Lookup(app.Name) is null && app.Name is Operators.Always or Operators.Eventually or Operators.LeadsTo or Operators.Plusarrow)
                    { found = true; return; }
                    if (app.Prefix.IsEmpty && s.Lookup(app.Name) is DefB d && IsTemporal(d.Def.Body, d.Scope, depth + 1)) { found = true; return; }
                    if (!app.Prefix.IsEmpty && compiler.ResolveInstanceTarget(app, s) is ({ } t, _) && t is DefB td && IsTemporal(td.Def.Body, td.Scope, depth + 1)) { found = true; return; }
                    break;
            }
            foreach (var c in Compiler.Children(n)) Visit(c);
        }
        Visit(e);
        return found;
    }

    private bool MentionsPrime(Expr e, Scope s, int depth)
    {
        if (depth > 40) return false;
        bool found = false;
        void Visit(Node n)
        {
            if (found) return;
            if (n is OpApp app)
            {
                if (app.Prefix.IsEmpty && s.Lookup(app.Name) is null && app.Name is Operators.Prime or Operators.Unchanged) { found = true; return; }
                if (app.Prefix.IsEmpty && s.Lookup(app.Name) is DefB d && MentionsPrime(d.Def.Body, d.Scope, depth + 1)) { found = true; return; }
            }
            if (n is ActionSubscript) { found = true; return; }
            foreach (var c in Compiler.Children(n)) Visit(c);
        }
        Visit(e);
        return found;
    }
}
