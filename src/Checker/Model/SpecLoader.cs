using System.Collections.Immutable;
using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Config;
using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.Model;

/// <summary>The specification could not be parsed or is semantically wrong (TLC exits 150).</summary>
public sealed class SpecErrorException(string message, IReadOnlyList<Diagnostic> diagnostics, bool isParseError) : CheckerException(message)
{
    /// <summary>The diagnostics, in report order.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;

    /// <summary>True for syntax errors, false for semantic ones.</summary>
    public bool IsParseError { get; } = isParseError;
}

/// <summary>A compiled state-level formula with its name (an invariant, constraint, view).</summary>
public sealed class NamedFormula
{
    internal NamedFormula(string name, Ev ev, FrameBuilder frame, SourceSpan span)
    {
        Name = name;
        Ev = ev;
        Frame = frame;
        Span = span;
    }

    /// <summary>Name as written in the cfg.</summary>
    public string Name { get; }

    /// <summary>Location of the definition's body.</summary>
    public SourceSpan Span { get; }

    internal Ev Ev { get; }
    internal FrameBuilder Frame { get; }

    /// <summary>Evaluates in <paramref name="c"/> (a fresh frame each time).</summary>
    public Value Eval(Ctx c)
    {
        var saved = c.F;
        c.F = new Frame(Frame.Size, null);
        try { return Ev(c); }
        finally { c.F = saved; }
    }
}

/// <summary>An ASSUME with its compiled body.</summary>
public sealed class CompiledAssumption
{
    internal CompiledAssumption(Assumption a, NamedFormula f) { Assumption = a; Formula = f; }

    /// <summary>The source assumption.</summary>
    public Assumption Assumption { get; }

    /// <summary>Its compiled body.</summary>
    public NamedFormula Formula { get; }
}

/// <summary>A specification and model, compiled and ready for the explorer.</summary>
public sealed class CompiledModel
{
    internal CompiledModel() { }

    /// <summary>The root module's name.</summary>
    public string ModuleName { get; internal set; } = "";
    /// <summary>Variable names in slot order.</summary>
    public string[] VarNames { get; internal set; } = [];
    /// <summary>Model-wide services.</summary>
    public ModelRuntime Runtime { get; internal set; } = null!;
    /// <summary>The compiler that compiled the model, for formulas compiled after loading (trace-validation guards).</summary>
    internal Compiler Compiler { get; set; } = null!;
    /// <summary>Compiles a zero-argument definition of the root module by name, after loading (the completion predicate
    /// of trace validation); throws <see cref="CfgException"/> when there is none.</summary>
    internal Func<string, NamedFormula> DefinitionByName { get; set; } = null!;
    /// <summary>The initial predicate.</summary>
    internal Act Init { get; set; } = null!;
    internal FrameBuilder InitFrame { get; set; } = null!;
    /// <summary>Sub-actions of the next-state relation in TLC's order.</summary>
    public ActionInfo[] Actions { get; internal set; } = [];
    internal FrameBuilder[] ActionFrames { get; set; } = [];
    /// <summary>Invariants (and PROPERTY []P with P a state predicate), in check order.</summary>
    public NamedFormula[] Invariants { get; internal set; } = [];
    /// <summary>CONSTRAINTs.</summary>
    public NamedFormula[] Constraints { get; internal set; } = [];
    /// <summary>ACTION_CONSTRAINTs (evaluated with the successor as the primed state).</summary>
    public NamedFormula[] ActionConstraints { get; internal set; } = [];
    /// <summary>VIEW.</summary>
    public NamedFormula? View { get; internal set; }
    /// <summary>ALIAS.</summary>
    public NamedFormula? Alias { get; internal set; }
    /// <summary>SYMMETRY permutations (functions over model values), empty when none.</summary>
    public FcnValue[] Symmetry { get; internal set; } = [];
    /// <summary>ASSUMEs in source order.</summary>
    public CompiledAssumption[] Assumptions { get; internal set; } = [];
    /// <summary>Whether deadlock is checked according to the cfg (the -deadlock flag can still turn it off).</summary>
    public bool CheckDeadlock { get; internal set; } = true;
    /// <summary>Fairness of the SPECIFICATION and the temporal PROPERTYs (action properties, liveness), null when none.</summary>
    public Liveness.TemporalSpec? Temporal { get; internal set; }

    /// <summary>
    /// What a trace shows for state <paramref name="i"/>: the variables, or the ALIAS record evaluated with the
    /// next trace state as the primed state (the state itself for the last one), as TLC does.
    /// </summary>
    public IReadOnlyList<(string Name, Value? Value)> Render(IReadOnlyList<Engine.TraceStep> trace, int i)
    {
        var s = trace[i].State;
        if (Alias is null || s.Any(v => v is null))
            return VarNames.Select((n, j) => (n, s[j])).ToArray();
        var c = new Ctx(Runtime, VarNames.Length) { Cur = s.Select(v => v!).ToArray(), Nxt = (i + 1 < trace.Count ? trace[i + 1].State : s).ToArray() };
        try
        {
            if (Alias.Eval(c) is FcnValue rec && rec.IsRecord)
                return rec.Keys.Select((k, j) => (((StrValue)k).Value, (Value?)rec.Vals[j])).ToArray();
        }
        catch (EvalException)
        {
            // TLC falls back to the variables when the alias cannot be evaluated.
        }
        return VarNames.Select((n, j) => (n, s[j])).ToArray();
    }

    /// <summary>Runs <see cref="Init"/> with a fresh frame.</summary>
    public void RunInit(Ctx c)
    {
        c.F = new Frame(InitFrame.Size, null);
        Init(c);
    }

    /// <summary>Runs action <paramref name="i"/> on <see cref="Ctx.Cur"/>.</summary>
    public void RunAction(Ctx c, int i)
    {
        c.F = new Frame(ActionFrames[i].Size, null);
        Actions[i].Run(c);
    }
}

/// <summary>Loads a TLA+ specification with its cfg and compiles it.</summary>
public sealed class SpecLoader
{
    private readonly Dictionary<string, Module> _modules = new(StringComparer.Ordinal);
    private readonly List<IReadOnlyList<string>> _internOrders = [];
    private IReadOnlySet<string> _identifiers = new HashSet<string>();
    private Compiler _compiler = null!;
    private Liveness.TemporalBuilder? _temporal;
    private readonly Dictionary<(Instance, string), Scope> _instances = [];
    private readonly Dictionary<string, ModelValue> _modelValues = new(StringComparer.Ordinal);

    private SpecLoader()
    {
    }

    /// <summary>
    /// Single-letter identifiers of TLC's standard modules (parameters such as <c>a</c>, <c>b</c> of Naturals,
    /// <c>S</c>, <c>n</c>, <c>s</c> of Sequences), which TLC's parser interns after the user's modules and before
    /// any string literal. The order is the one TLC 2.20 shows for <c>EXTENDS Naturals, Sequences, TLC</c>
    /// (it shifts a little with the order of the EXTENDS list, which is not modelled); letters that occur in no
    /// standard module are not interned early: as strings they come in text order.
    /// </summary>
    private static readonly string[] StandardModuleLetters =
        ["a", "b", "n", "S", "s", "t", "i", "e", "m", "F", "v", "d", "x", "f", "g", "w", "p", "j", "T"];

    /// <summary>Parses <paramref name="tlaPath"/> and its user modules, reads the cfg and compiles the model.</summary>
    public static CompiledModel Load(string tlaPath, string? cfgPath, TextWriter output) => Load(tlaPath, cfgPath, output, null);

    /// <summary>As <see cref="Load(string, string?, TextWriter)"/>, with what the model reads from outside (IOEnv,
    /// ndJsonDeserialize) supplied by the caller; null means the process environment and the file system.</summary>
    public static CompiledModel Load(string tlaPath, string? cfgPath, TextWriter output, TraceValidation.ModelInputs? inputs)
    {
        var loader = new SpecLoader();
        // The front end parses every module reached through EXTENDS and INSTANCE and resolves names the way SANY
        // does; the checker compiles what it loaded.
        var loaded = Tla.Modules.SpecLoader.Load(Path.GetFullPath(tlaPath));
        if (loaded.HasErrors || loaded.Main is null)
        {
            var first = loaded.Diagnostics.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            throw new SpecErrorException(first?.ToString() ?? $"Could not parse {tlaPath}.", loaded.Diagnostics,
                first is null || (int)first.Code < 3000);
        }
        foreach (var m in loaded.Modules) loader._modules[m.Name.Text] = m;
        loader._internOrders.Add(loaded.InternOrder);
        loader._identifiers = loaded.Identifiers;
        var root = loaded.Main;
        cfgPath ??= Path.ChangeExtension(tlaPath, ".cfg");
        if (!File.Exists(cfgPath)) throw new CfgException($"The configuration file {cfgPath} does not exist.");
        var cfg = ModelConfig.Load(cfgPath);
        if (cfg.HasErrors) throw new CfgException(cfg.Diagnostics[0].ToString());
        return loader.Compile(root, cfg, output, inputs ?? TraceValidation.ModelInputs.Default);
    }

    private Module GetModule(Identifier name) =>
        _modules.TryGetValue(name.Text, out var m) ? m
        : throw new SpecErrorException($"{name.Span}: Cannot find module {name.Text}.", [], false);

    private CompiledModel Compile(Module root, ModelConfig cfg, TextWriter output, TraceValidation.ModelInputs inputs)
    {
        var strings = new StringTable();
        // TLC's string order: identifiers as its parser meets them (the user's modules, then the standard
        // modules'), then string literals as semantic analysis meets them.
        foreach (var order in _internOrders) foreach (var s in order) if (_identifiers.Contains(s)) strings.Intern(s);
        foreach (var s in StandardModuleLetters) strings.Intern(s);
        foreach (var order in _internOrders) foreach (var s in order) strings.Intern(s);
        var runtime = new ModelRuntime(strings, output) { Inputs = inputs };
        _compiler = new Compiler(runtime) { Instantiate = Instantiate };
        var model = new CompiledModel { ModuleName = root.Name.Text, Runtime = runtime, Compiler = _compiler };

        // Variables and constants of the root module and everything it extends.
        var vars = new List<VariableDecl>();
        var consts = new List<ConstantDecl>();
        foreach (var m in ExtensionClosure(root))
        {
            foreach (var u in m.Units)
            {
                if (u is VariableDeclaration vd) vars.AddRange(vd.Variables);
                else if (u is ConstantDeclaration cd) consts.AddRange(cd.Constants);
            }
        }
        model.VarNames = vars.Select(v => v.Name).ToArray();

        var scope = new Scope(null, moduleName: root.Name.Text, depth: 0) { IsRootModule = true };
        for (int i = 0; i < vars.Count; i++) scope.Add(vars[i].Name, new VarB(i, vars[i].Name));
        AddDefinitions(root, scope, []);

        // Constants: values from the cfg (model values created in cfg order), or overrides.
        foreach (var o in cfg.Overrides)
            if (o.Module is { } m)
                throw new CfgException($"{cfg.File.Path}: the override {o.Target} <- [{m}] {o.Replacement} of an instantiated module's definition is not supported.");
        var assigned = new Dictionary<string, CfgValue>(StringComparer.Ordinal);
        foreach (var a in cfg.Constants) assigned[a.Constant.Name] = a.Value;
        foreach (var c in consts)
        {
            if (assigned.TryGetValue(c.Name, out var v)) scope.Add(c.Name, new ValB(ToValue(v, strings)));
            else if (cfg.Overrides.FirstOrDefault(o => o.Target.Name == c.Name) is { } over)
                scope.Add(c.Name, Lookup(scope, over.Replacement.Name, "override target"));
            else
                throw new CfgException($"The constant parameter {c.Name} is not assigned a value by the configuration file.");
        }
        // Values for constants are created in cfg order (model value order), including ones assigned to definitions.
        foreach (var (name, v) in cfg.Constants.Select(a => (a.Constant.Name, a.Value)))
        {
            if (consts.Any(c => c.Name == name)) continue;
            if (scope.Lookup(name) is null) throw new CfgException($"The configuration assigns {name}, which the specification does not declare.");
            scope.Add(name, new ValB(ToValue(v, strings)));
        }
        foreach (var (name, target) in cfg.Overrides.Select(o => (o.Target.Name, o.Replacement.Name)))
        {
            if (consts.Any(c => c.Name == name)) continue;
            if (scope.Lookup(name) is null) throw new CfgException($"The configuration overrides {name}, which the specification does not define.");
            scope.Add(name, Lookup(scope, target, "override target"));
        }

        // ASSUME.
        var assumptions = new List<CompiledAssumption>();
        foreach (var m in ExtensionClosure(root))
            foreach (var a in m.Units.OfType<Assumption>())
            {
                // SANY: an assumption may only mention constants.
                var level = new VerifiedIpc.Tla.Semantics.LevelAnalysis().Of(a.Body);
                if (level > VerifiedIpc.Tla.Semantics.Level.Constant)
                    throw new SemanticException($"Level error: assumptions must be level 0 (Constant), \nbut this one has level {(int)level}.", a.Span);
                assumptions.Add(new CompiledAssumption(a, Formula("ASSUME", a.Body, scope, a.Body.Span)));
            }
        model.Assumptions = assumptions.ToArray();

        _temporal = new Liveness.TemporalBuilder(_compiler, runtime, vars.Count);
        // Init and Next, directly or from SPECIFICATION.
        Expr? init = null, next = null;
        Scope initScope = scope, nextScope = scope;
        string nextName = cfg.Next?.Name ?? "Next";
        if (cfg.Specification?.Name is { } specName)
        {
            var (spec, sscope) = DefinitionBody(scope, specName);
            DecomposeSpec(spec, sscope, ref init, ref initScope, ref next, ref nextScope, ref nextName, model);
            if (init is null) throw new CfgException($"The specification {specName} has no initial predicate.");
        }
        if (cfg.Init?.Name is { } initName) (init, initScope) = DefinitionBody(scope, initName);
        if (cfg.Next?.Name is { } nn) (next, nextScope) = DefinitionBody(scope, nn);
        if (init is null) throw new CfgException("The configuration file specifies neither INIT nor SPECIFICATION.");

        var initFrame = new FrameBuilder(0);
        model.Init = _compiler.CompileAction(init, new CC(initScope, initFrame, false, true), c => c.Sink!.OnSuccessor(c, -1));
        model.InitFrame = initFrame;

        var actions = new List<ActionInfo>();
        var frames = new List<FrameBuilder>();
        if (next != null)
        {
            var parts = new List<Compiler.ActionPart>();
            var splitFrame = new FrameBuilder(0);
            var nextDef = nextScope.Lookup(nextName) as DefB;
            _compiler.Split(next, new CC(nextScope, splitFrame, false, false), nextName, nextDef?.Def.Body.Span ?? next.Span, parts);
            for (int i = 0; i < parts.Count; i++)
            {
                var p = parts[i];
                var fb = new FrameBuilder(0);
                int idx = i;
                var act = _compiler.CompileAction(p.Expr, p.Cc with { F = fb }, c => c.Sink!.OnSuccessor(c, idx));
                actions.Add(new ActionInfo(p.Name, p.BaseName, p.Context, p.Span, act) { Part = p });
                frames.Add(fb);
            }
        }
        model.Actions = actions.ToArray();
        model.ActionFrames = frames.ToArray();

        var invariants = new List<NamedFormula>();
        foreach (var name in cfg.Invariants.Select(n => n.Name))
        {
            var (body, bscope) = DefinitionBody(scope, name);
            var f = Formula(name, body, bscope, body.Span, out bool isConst);
            // TLC rejects a constant invariant that is FALSE before checking anything.
            if (isConst && SafeEval(f, vars.Count, runtime) is BoolValue { Value: false })
                throw new CfgException($"The invariant of {name} is equal to FALSE", 151);
            invariants.Add(f);
        }
        foreach (var name in cfg.Properties.Select(n => n.Name))
        {
            var (body, bscope) = DefinitionBody(scope, name);
            if (AsAlwaysStatePredicate(body, bscope) is { } p) invariants.Add(Formula(name, p.Body, p.Scope, body.Span));
            else _temporal.AddProperty(name, body, bscope);
        }
        if (!_temporal.Spec.IsEmpty) model.Temporal = _temporal.Spec;
        model.Invariants = invariants.ToArray();
        model.DefinitionByName = name => NamedFormulaOf(scope, name);
        model.Constraints = cfg.Constraints.Select(n => NamedFormulaOf(scope, n.Name)).ToArray();
        model.ActionConstraints = cfg.ActionConstraints.Select(n => NamedFormulaOf(scope, n.Name)).ToArray();
        if (cfg.View?.Name is { } view) { var (b, s) = DefinitionBody(scope, view); model.View = Formula(view, b, s, b.Span); }
        if (cfg.Alias?.Name is { } alias) { var (b, s) = DefinitionBody(scope, alias); model.Alias = Formula(alias, b, s, b.Span); }
        // TLC uses one SYMMETRY; as with the other single-valued sections, the last one named wins.
        if (cfg.Symmetry.LastOrDefault()?.Name is { } sym)
        {
            var (b, s) = DefinitionBody(scope, sym);
            var f = Formula(sym, b, s, b.Span);
            var v = f.Eval(new Ctx(runtime, vars.Count));
            if (v is not SetBase perms) throw new CfgException($"The symmetry {sym} is not a set of permutations.");
            model.Symmetry = perms.Elements.Select(p => p as FcnValue ?? throw new CfgException($"The symmetry {sym} contains a non-function {p}."))
                .Where(p => !IsIdentity(p)).ToArray();
        }
        model.CheckDeadlock = cfg.CheckDeadlock ?? true;
        return model;
    }

    private static bool IsIdentity(FcnValue p)
    {
        for (int i = 0; i < p.Count; i++) if (!p.Keys[i].Equals(p.Vals[i])) return false;
        return true;
    }

    private NamedFormula Formula(string name, Expr body, Scope scope, SourceSpan span) => Formula(name, body, scope, span, out _);

    private NamedFormula Formula(string name, Expr body, Scope scope, SourceSpan span, out bool isConst)
    {
        var fb = new FrameBuilder(0);
        var c = _compiler.Compile(body, new CC(scope, fb, false, false));
        isConst = c.IsConst;
        return new NamedFormula(name, c.Ev, fb, span);
    }

    private static Value? SafeEval(NamedFormula f, int nvars, ModelRuntime runtime)
    {
        try { return f.Eval(new Ctx(runtime, nvars)); }
        catch (EvalException) { return null; }
    }

    /// <summary>PROPERTY []P with P free of temporal operators and primes is checked like an invariant (TLC does the same).</summary>
    private (Expr Body, Scope Scope)? AsAlwaysStatePredicate(Expr e, Scope scope)
    {
        if (e is OpApp { Name: Operators.Always, Arguments.Length: 1 } app && app.Prefix.IsEmpty && scope.Lookup(Operators.Always) is null)
        {
            var p = app.Arguments[0];
            if (p is ActionSubscript) return null;
            return IsStateLevel(p, scope, 0) ? (p, scope) : null;
        }
        if (e is OpApp { Prefix.IsEmpty: true, Arguments.IsEmpty: true } r && scope.Lookup(r.Name) is DefB d && d.Def.Arity == 0)
            return AsAlwaysStatePredicate(d.Def.Body, d.Scope);
        return null;
    }

    private bool IsStateLevel(Expr e, Scope scope, int depth)
    {
        if (depth > 30) return false;
        bool ok = true;
        void Visit(Node n)
        {
            if (!ok) return;
            if (n is OpApp app)
            {
                if (app.Name is Operators.Prime or Operators.Always or Operators.Eventually or Operators.LeadsTo or Operators.Enabled or Operators.Unchanged or Operators.Plusarrow)
                { ok = false; return; }
                if (app.Prefix.IsEmpty && scope.Lookup(app.Name) is DefB d && !IsStateLevel(d.Def.Body, d.Scope, depth + 1)) { ok = false; return; }
            }
            if (n is ActionSubscript or Fairness) { ok = false; return; }
            foreach (var c in Compiler.Children(n)) Visit(c);
        }
        Visit(e);
        return ok;
    }

    private void DecomposeSpec(Expr e, Scope scope, ref Expr? init, ref Scope initScope, ref Expr? next, ref Scope nextScope, ref string nextName, CompiledModel model)
    {
        switch (e)
        {
            case JunctionList { Kind: JunctionKind.And } jl:
                foreach (var item in jl.Items) DecomposeSpec(item, scope, ref init, ref initScope, ref next, ref nextScope, ref nextName, model);
                return;
            case OpApp { Name: Operators.And, Prefix.IsEmpty: true, Arguments.Length: 2 } and:
                foreach (var item in and.Arguments) DecomposeSpec(item, scope, ref init, ref initScope, ref next, ref nextScope, ref nextName, model);
                return;
            case OpApp { Name: Operators.Always, Arguments.Length: 1 } box when box.Arguments[0] is ActionSubscript { IsAngle: false } sub:
                next = sub.Action;
                nextScope = scope;
                if (sub.Action is OpApp { Prefix.IsEmpty: true, Arguments.IsEmpty: true } na) nextName = na.Name;
                return;
            case Fairness:
            case Quantified { Kind: QuantifierKind.Forall } when ContainsFairness(e):
                _temporal?.AddSpecFairness(e, scope);
                return;
            case OpApp { Prefix.IsEmpty: true, Arguments.IsEmpty: true } r when scope.Lookup(r.Name) is DefB d && d.Def.Arity == 0:
                {
                    var body = d.Def.Body;
                    if (IsStateLevel(body, d.Scope, 0))
                    {
                        init ??= r;
                        if (ReferenceEquals(init, r)) initScope = scope;
                        return;
                    }
                    DecomposeSpec(body, d.Scope, ref init, ref initScope, ref next, ref nextScope, ref nextName, model);
                    return;
                }
            default:
                if (IsStateLevel(e, scope, 0)) { if (init is null) { init = e; initScope = scope; } }
                else if (ContainsTemporal(e, scope, 0)) _temporal?.AddSpecFairness(e, scope);
                return;
        }
    }

    /// <summary>Whether fairness or a temporal operator hides in <paramref name="e"/>, following definitions (e.g. \A p : Fair(p)).</summary>
    private bool ContainsTemporal(Expr e, Scope scope, int depth)
    {
        if (depth > 30) return false;
        bool found = false;
        void Visit(Node n)
        {
            if (found) return;
            if (n is Fairness) { found = true; return; }
            if (n is OpApp app && app.Prefix.IsEmpty)
            {
                if (scope.Lookup(app.Name) is null && app.Name is Operators.Always or Operators.Eventually or Operators.LeadsTo) { found = true; return; }
                if (scope.Lookup(app.Name) is DefB d && ContainsTemporal(d.Def.Body, d.Scope, depth + 1)) { found = true; return; }
            }
            foreach (var c in Compiler.Children(n)) Visit(c);
        }
        Visit(e);
        return found;
    }

    private static bool ContainsFairness(Node n) => n is Fairness || Compiler.Children(n).Any(ContainsFairness);

    private static Binding Lookup(Scope scope, string name, string what) =>
        scope.Lookup(name) ?? throw new CfgException($"The {what} {name} is not defined in the specification.");

    private static (Expr Body, Scope Scope) DefinitionBody(Scope scope, string name)
    {
        var b = scope.Lookup(name);
        return b switch
        {
            DefB d when d.Def.Arity == 0 => (d.Def.Body, d.Scope),
            DefB d => throw new CfgException($"The operator {name} used in the configuration takes {d.Def.Arity} arguments."),
            null => throw new CfgException($"The operator {name} used in the configuration is not defined in the specification."),
            _ => throw new CfgException($"{name} used in the configuration is not an operator definition."),
        };
    }

    private NamedFormula NamedFormulaOf(Scope scope, string name)
    {
        var (b, s) = DefinitionBody(scope, name);
        return Formula(name, b, s, b.Span);
    }

    private Value ToValue(CfgValue v, StringTable strings) => v switch
    {
        CfgNumber i when i.Value >= int.MinValue && i.Value <= int.MaxValue => IntValue.Of((int)i.Value),
        CfgNumber i => throw new CfgException($"{i.Span.File.Path}:{i.Span.StartLine}:{i.Span.StartColumn}: the number {i.Value} is out of range"),
        CfgString s => strings.Intern(s.Value),
        CfgBoolean b => BoolValue.Of(b.Value),
        CfgModelValue n => ModelValueFor(n.Name),
        CfgSet s => SetValue.Of(s.Elements.Select(e => ToValue(e, strings)).ToArray()),
        CfgTuple t => FcnValue.Tuple(t.Elements.Select(e => ToValue(e, strings)).ToArray()),
        _ => throw new CfgException("unsupported value in the configuration"),
    };

    private ModelValue ModelValueFor(string name)
    {
        if (!_modelValues.TryGetValue(name, out var mv))
        {
            mv = new ModelValue(name, _modelValues.Count);
            _modelValues[name] = mv;
        }
        return mv;
    }

    /// <summary>The module and every user module it EXTENDS, dependencies first, each once.</summary>
    private List<Module> ExtensionClosure(Module m)
    {
        var order = new List<Module>();
        var seen = new HashSet<string>();
        void Visit(Module x)
        {
            if (!seen.Add(x.Name.Text)) return;
            foreach (var e in x.Extends)
                if (!StandardModules.TryGet(e.Text, out _)) Visit(GetModule(e));
            order.Add(x);
        }
        Visit(m);
        return order;
    }

    /// <summary>Adds the definitions of <paramref name="m"/> and the modules it extends to <paramref name="scope"/>.</summary>
    private void AddDefinitions(Module m, Scope scope, HashSet<string> unused)
    {
        foreach (var mod in ExtensionClosure(m))
        {
            _compiler.MarkRecursive(mod.Units);
            foreach (var u in mod.Units)
            {
                switch (u)
                {
                    case OperatorDefinition od: scope.Add(od.Name, new DefB(od, scope)); break;
                    case FunctionDefinition fd: scope.Add(fd.Name, new FcnDefB(fd, scope)); break;
                    case InstanceDefinition id: scope.Add(id.Name, new InstB(id, scope)); break;
                    case InstanceUnit iu:
                        {
                            var inner = Instantiate(iu.Instance, scope, [], []);
                            foreach (var (name, b) in inner.Own)
                                if (b is DefB or FcnDefB or InstB) scope.Add(name, b);
                            break;
                        }
                }
            }
        }
    }

    /// <summary>The scope of <c>INSTANCE M WITH ...</c> seen from <paramref name="from"/>.</summary>
    private Scope Instantiate(Instance inst, Scope from, ImmutableArray<FormalParameter> ps, IReadOnlyList<Binding> args)
    {
        var key = (inst, string.Join(",", args.Select(a => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(a))));
        if (_instances.TryGetValue(key, out var cached)) return cached;
        var target = GetModule(inst.ModuleName);
        var subScope = from;
        if (ps.Length > 0)
        {
            subScope = from.Child(from.Depth);
            for (int i = 0; i < ps.Length; i++) subScope.Add(ps[i].Name, args[i]);
        }
        var scope = new Scope(null, moduleName: target.Name.Text, depth: 0);
        var explicitSubs = inst.Substitutions.ToDictionary(s => s.Parameter.Text, s => s.Value, StringComparer.Ordinal);
        foreach (var mod in ExtensionClosure(target))
        {
            foreach (var u in mod.Units)
            {
                IEnumerable<(string Name, int Arity)> parms = u switch
                {
                    ConstantDeclaration cd => cd.Constants.Select(c => (c.Name, c.Arity)),
                    VariableDeclaration vd => vd.Variables.Select(v => (v.Name, 0)),
                    _ => [],
                };
                foreach (var (name, arity) in parms)
                {
                    if (explicitSubs.TryGetValue(name, out var e))
                        scope.Add(name, arity > 0 || e is Lambda ? OpArg(e, subScope) : new NameArgB(e, subScope));
                    else
                        scope.Add(name, new AliasB(name, subScope));
                }
            }
        }
        _instances[key] = scope;
        AddDefinitions(target, scope, []);
        return scope;
    }

    private static Binding OpArg(Expr e, Scope s) => e switch
    {
        Lambda lam => new LambdaB(lam, s),
        OpApp { Arguments.IsEmpty: true, Prefix.IsEmpty: true } app => s.Lookup(app.Name) ?? new BuiltinB(app.Name),
        _ => new NameArgB(e, s),
    };
}
