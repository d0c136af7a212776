using System.Collections.Immutable;
using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Semantics;

/// <summary>
/// Name resolution for one module whose dependencies are already resolved: builds its <see cref="ModuleContext"/>,
/// fills <see cref="OpApp.Resolution"/>, <see cref="PrefixSegment.Resolution"/>, <see cref="ExceptAt.Update"/>,
/// <see cref="Instance.ResolvedSubstitutions"/> and <see cref="OperatorDefinition.IsRecursive"/>, and reports
/// unknown names and arity mismatches where SANY does (at the operator's name).
/// </summary>
internal sealed class Resolver
{
    private readonly DiagnosticBag _diagnostics;
    private readonly Func<Instance, ModuleContext?> _instanceContext;
    private readonly Stack<ExceptUpdate> _excepts = new();

    private Resolver(DiagnosticBag diagnostics, Func<Instance, ModuleContext?> instanceContext)
    {
        _diagnostics = diagnostics;
        _instanceContext = instanceContext;
    }

    /// <summary>Resolves <paramref name="module"/>.</summary>
    /// <param name="module">The module.</param>
    /// <param name="extended">For each EXTENDS entry: the user module's context, or a standard module, or neither when missing.</param>
    /// <param name="instanceContext">The resolved context of an INSTANCE's target module (null when it failed to load).</param>
    /// <param name="diagnostics">Where problems go.</param>
    public static ModuleContext Resolve(
        Module module,
        IReadOnlyList<(ModuleContext? User, StandardModule? Standard)> extended,
        Func<Instance, ModuleContext?> instanceContext,
        DiagnosticBag diagnostics)
    {
        var resolver = new Resolver(diagnostics, instanceContext);
        var context = new ModuleContext(module);
        foreach (var builtin in StandardModules.LanguageOperators)
        {
            context.Set(builtin.Name, new ModuleContext.Entry(ModuleContext.Direct(builtin), IsLocal: false));
        }

        foreach (var (user, standard) in extended)
        {
            if (standard is not null)
            {
                foreach (var op in standard.Exports)
                {
                    resolver.Define(context, op.Name, ModuleContext.Direct(op), isLocal: false, default);
                }
            }
            else if (user is not null)
            {
                foreach (var (name, entry) in user.Entries)
                {
                    if (!entry.IsLocal)
                    {
                        resolver.Define(context, name, entry.Resolution, isLocal: false, default);
                    }
                }

                foreach (var v in user.Variables)
                {
                    context.AddVariable(v);
                }

                foreach (var c in user.Constants)
                {
                    context.AddConstant(c);
                }

                foreach (var a in user.Assumptions)
                {
                    context.AddAssumption(a);
                }
            }
        }

        var scope = new Scope(context);
        resolver.ResolveUnits(module.Units, scope, context);
        return context;
    }

    // ------------------------------------------------------------------------------------------ scopes

    /// <summary>A lexical scope: either the module context or a map chained to a parent.</summary>
    private sealed class Scope
    {
        private readonly ModuleContext? _module;
        private readonly Dictionary<string, Resolution>? _map;

        public Scope(ModuleContext module) => _module = module;

        public Scope(Scope parent)
        {
            Parent = parent;
            _map = new Dictionary<string, Resolution>(StringComparer.Ordinal);
        }

        public Scope? Parent { get; }

        public ModuleContext? Module => _module ?? Parent?.Module;

        public void Add(string name, Resolution resolution)
        {
            if (_map is not null)
            {
                _map[name] = resolution;
            }
        }

        public bool ContainsHere(string name, out Resolution resolution)
        {
            if (_map is not null)
            {
                return _map.TryGetValue(name, out resolution!);
            }

            if (_module!.TryGet(name, out var entry))
            {
                resolution = entry.Resolution;
                return true;
            }

            resolution = null!;
            return false;
        }

        public bool TryLookup(string name, out Resolution resolution)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.ContainsHere(name, out resolution))
                {
                    return true;
                }
            }

            resolution = null!;
            return false;
        }
    }

    private void Define(ModuleContext context, string name, Resolution resolution, bool isLocal, SourceSpan at)
    {
        if (context.TryGet(name, out var existing)
            && !MayDeclare(name, resolution.Target, at.File is null ? context.Module.Name.Span : at, existing.Resolution, sameFileIsError: true))
        {
            return;
        }

        context.Set(name, new ModuleContext.Entry(resolution, isLocal));
    }

    /// <summary>SANY's symbol kinds, which decide whether a name may be declared again.</summary>
    private enum SymbolKind
    {
        Constant,
        Variable,
        Bound,
        Formal,
        UserDefined,
        Instance,
        Builtin,
    }

    private static SymbolKind KindOf(IDeclaration declaration) => declaration switch
    {
        ConstantDecl => SymbolKind.Constant,
        VariableDecl => SymbolKind.Variable,
        BoundName => SymbolKind.Bound,
        FormalParameter => SymbolKind.Formal,
        InstanceDefinition => SymbolKind.Instance,
        BuiltinOperator { Module.Length: 0 } => SymbolKind.Builtin,
        _ => SymbolKind.UserDefined,
    };

    /// <summary>
    /// SANY's rule for declaring a name that is already visible: a bound variable or parameter may never reuse a
    /// visible name, nor may a declaration of another kind or arity ("Multiply-defined symbol"; language
    /// built-ins are a kind of their own, so they can never be redefined); a definition of the same kind and
    /// arity from another module replaces the old one (SANY only warns). Two definitions of one name in one
    /// module are an error.
    /// </summary>
    private bool MayDeclare(string name, IDeclaration declaration, SourceSpan at, Resolution existing, bool sameFileIsError)
    {
        var old = existing.Target;
        if (ReferenceEquals(old, declaration))
        {
            return true;
        }

        var kind = KindOf(declaration);
        var oldKind = KindOf(old);
        if (kind is SymbolKind.Bound or SymbolKind.Formal || kind != oldKind || declaration.Arity != old.Arity)
        {
            _diagnostics.Add(DiagnosticCode.MultiplyDefined, at, name, Where(old));
            return false;
        }

        if (sameFileIsError && old is Node oldNode && declaration is Node newNode && oldNode.Span.File == newNode.Span.File)
        {
            _diagnostics.Add(DiagnosticCode.MultiplyDefined, at, name, Where(old));
            return false;
        }

        return true;
    }

    /// <summary>Binds a parameter, bound variable or LET definition in a nested scope, checking SANY's rule.</summary>
    private void Declare(Scope scope, string name, IDeclaration declaration, SourceSpan at)
    {
        if (scope.TryLookup(name, out var existing) && !MayDeclare(name, declaration, at, existing, sameFileIsError: false))
        {
            return;
        }

        scope.Add(name, ModuleContext.Direct(declaration));
    }

    private static string Where(IDeclaration declaration) => declaration switch
    {
        Node node => node.Span.ToTlcString(),
        BuiltinOperator b => b.Module.Length == 0 ? "a built-in operator" : "module " + b.Module,
        _ => "elsewhere",
    };

    private void AddToScope(Scope scope, ModuleContext? moduleLevel, string name, IDeclaration declaration, bool isLocal, SourceSpan at)
    {
        var resolution = ModuleContext.Direct(declaration);
        if (moduleLevel is not null)
        {
            Define(moduleLevel, name, resolution, isLocal, at);
        }
        else
        {
            Declare(scope, name, declaration, at);
        }
    }

    // ------------------------------------------------------------------------------------------ units

    /// <summary>Resolves units in order; <paramref name="moduleLevel"/> is null inside LET.</summary>
    private void ResolveUnits(ImmutableArray<Unit> units, Scope scope, ModuleContext? moduleLevel)
    {
        foreach (var unit in units)
        {
            switch (unit)
            {
                case ConstantDeclaration c:
                    foreach (var constant in c.Constants)
                    {
                        AddToScope(scope, moduleLevel, constant.Name, constant, isLocal: false, constant.Span);
                        moduleLevel?.AddConstant(constant);
                    }

                    break;
                case VariableDeclaration v:
                    foreach (var variable in v.Variables)
                    {
                        AddToScope(scope, moduleLevel, variable.Name, variable, isLocal: false, variable.Span);
                        moduleLevel?.AddVariable(variable);
                    }

                    break;
                case RecursiveDeclaration r:
                    foreach (var announced in r.Operators)
                    {
                        var definition = units.OfType<OperatorDefinition>()
                            .FirstOrDefault(d => d.Name == announced.Name && d.Span.Start > r.Span.Start);
                        if (definition is null)
                        {
                            _diagnostics.Add(DiagnosticCode.RecursiveNotDefined, announced.Span, announced.Name);
                            continue;
                        }

                        definition.IsRecursive = true;
                        AddToScope(scope, moduleLevel, definition.Name, definition, definition.IsLocal, definition.NameIdentifier.Span);
                    }

                    break;
                case OperatorDefinition d:
                {
                    var inner = new Scope(scope);
                    foreach (var p in d.Parameters)
                    {
                        Declare(inner, p.Name, p, p.Span);
                    }

                    Expr(d.Body, inner, asArgument: false);
                    if (!d.IsRecursive)
                    {
                        AddToScope(scope, moduleLevel, d.Name, d, d.IsLocal, d.NameIdentifier.Span);
                    }

                    break;
                }

                case FunctionDefinition f:
                {
                    var inner = new Scope(scope);
                    inner.Add(f.Name, ModuleContext.Direct(f));
                    Bounds(f.Bounds, inner);
                    Expr(f.Body, inner, asArgument: false);
                    AddToScope(scope, moduleLevel, f.Name, f, f.IsLocal, f.NameIdentifier.Span);
                    break;
                }

                case InstanceDefinition i:
                {
                    var inner = new Scope(scope);
                    foreach (var p in i.Parameters)
                    {
                        Declare(inner, p.Name, p, p.Span);
                    }

                    Instance(i.Instance, inner);
                    AddToScope(scope, moduleLevel, i.Name, i, i.IsLocal, i.NameIdentifier.Span);
                    break;
                }

                case InstanceUnit u:
                {
                    var target = Instance(u.Instance, scope);
                    if (target is null)
                    {
                        break;
                    }

                    foreach (var (name, entry) in target.Entries)
                    {
                        if (entry.IsLocal || entry.Resolution.Target.Kind is DeclarationKind.Constant or DeclarationKind.Variable)
                        {
                            continue;
                        }

                        var resolution = entry.Resolution.Target is BuiltinOperator
                            ? entry.Resolution
                            : new Resolution(entry.Resolution.Target, entry.Resolution.Via.Insert(0, u.Instance));
                        if (moduleLevel is not null)
                        {
                            if (!moduleLevel.TryGet(name, out var existing) || !ReferenceEquals(existing.Resolution.Target, resolution.Target))
                            {
                                Define(moduleLevel, name, resolution, u.IsLocal, u.Instance.ModuleName.Span);
                            }
                        }
                        else
                        {
                            scope.Add(name, resolution);
                        }
                    }

                    break;
                }

                case Assumption a:
                    Expr(a.Body, scope, asArgument: false);
                    moduleLevel?.AddAssumption(a);
                    break;
            }
        }
    }

    /// <summary>Resolves an INSTANCE's substitutions; returns the target's context (null when it did not load).</summary>
    private ModuleContext? Instance(Instance instance, Scope scope)
    {
        var target = _instanceContext(instance);
        foreach (var s in instance.Substitutions)
        {
            Expr(s.Value, scope, asArgument: true);
        }

        if (target is null)
        {
            instance.ResolvedSubstitutions = [];
            return null;
        }

        var resolved = ImmutableArray.CreateBuilder<ResolvedSubstitution>();
        var parameters = target.Constants.Cast<IDeclaration>().Concat(target.Variables).ToList();
        foreach (var s in instance.Substitutions)
        {
            if (!parameters.Any(p => p.Name == s.Parameter.Text))
            {
                _diagnostics.Add(DiagnosticCode.NotAnInstanceParameter, s.Parameter.Span, s.Parameter.Text, target.Module.Name.Text);
            }
        }

        foreach (var parameter in parameters)
        {
            var explicitSubstitution = instance.Substitutions.FirstOrDefault(s => s.Parameter.Text == parameter.Name);
            if (explicitSubstitution is not null)
            {
                resolved.Add(new ResolvedSubstitution(parameter, explicitSubstitution.Value, isImplicit: false));
                continue;
            }

            var implicitValue = new OpApp(instance.ModuleName.Span, parameter.Name, instance.ModuleName.Span, Fixity.Name, [], []);
            if (scope.TryLookup(parameter.Name, out var resolution))
            {
                implicitValue.Resolution = resolution;
            }
            else
            {
                _diagnostics.Add(DiagnosticCode.MissingSubstitution, instance.ModuleName.Span, parameter.Name, target.Module.Name.Text);
            }

            resolved.Add(new ResolvedSubstitution(parameter, implicitValue, isImplicit: true));
        }

        instance.ResolvedSubstitutions = resolved.ToImmutable();
        return target;
    }

    // ------------------------------------------------------------------------------------------ expressions

    private void Bounds(ImmutableArray<QuantifierBound> bounds, Scope scope)
    {
        // Domains see the names bound by earlier groups (\A x \in S, y \in f(x) : ...).
        foreach (var bound in bounds)
        {
            if (bound.Domain is not null)
            {
                Expr(bound.Domain, scope, asArgument: false);
            }

            foreach (var name in bound.Names)
            {
                Declare(scope, name.Name, name, name.Span);
            }
        }
    }

    private void Expr(Expr expr, Scope scope, bool asArgument)
    {
        switch (expr)
        {
            case NumberLiteral or StringLiteral or BooleanLiteral or ErrorExpr:
                return;
            case OpApp op:
                OpApp(op, scope, asArgument);
                return;
            case ExceptAt at:
                if (_excepts.Count == 0)
                {
                    _diagnostics.Add(DiagnosticCode.AtOutsideExcept, at.Span);
                }
                else
                {
                    at.Update = _excepts.Peek();
                }

                return;
            case Quantified q:
            {
                var inner = new Scope(scope);
                Bounds(q.Bounds, inner);
                Expr(q.Body, inner, asArgument: false);
                return;
            }

            case Choose c:
            {
                var inner = new Scope(scope);
                Bounds([c.Bound], inner);
                Expr(c.Body, inner, asArgument: false);
                return;
            }

            case SetEnumeration s:
                Each(s.Elements, scope);
                return;
            case SetFilter f:
            {
                var inner = new Scope(scope);
                Bounds([f.Bound], inner);
                Expr(f.Predicate, inner, asArgument: false);
                return;
            }

            case SetMap m:
            {
                var inner = new Scope(scope);
                Bounds(m.Bounds, inner);
                Expr(m.Element, inner, asArgument: false);
                return;
            }

            case FunctionApplication a:
                Expr(a.Function, scope, asArgument: false);
                Each(a.Arguments, scope);
                return;
            case FunctionConstructor f:
            {
                var inner = new Scope(scope);
                Bounds(f.Bounds, inner);
                Expr(f.Body, inner, asArgument: false);
                return;
            }

            case FunctionSet f:
                Expr(f.Domain, scope, asArgument: false);
                Expr(f.Range, scope, asArgument: false);
                return;
            case RecordConstructor r:
                foreach (var field in r.Fields)
                {
                    Expr(field.Value, scope, asArgument: false);
                }

                return;
            case RecordSet r:
                foreach (var field in r.Fields)
                {
                    Expr(field.Value, scope, asArgument: false);
                }

                return;
            case FieldAccess f:
                Expr(f.Record, scope, asArgument: false);
                return;
            case TupleExpr t:
                Each(t.Elements, scope);
                return;
            case CartesianProduct c:
                Each(c.Factors, scope);
                return;
            case Except e:
                Expr(e.Function, scope, asArgument: false);
                foreach (var update in e.Updates)
                {
                    foreach (var step in update.Path)
                    {
                        if (step is ExceptIndex index)
                        {
                            Each(index.Arguments, scope);
                        }
                    }

                    _excepts.Push(update);
                    Expr(update.Value, scope, asArgument: false);
                    _excepts.Pop();
                }

                return;
            case IfThenElse i:
                Expr(i.Condition, scope, asArgument: false);
                Expr(i.Then, scope, asArgument: false);
                Expr(i.Else, scope, asArgument: false);
                return;
            case Case c:
                foreach (var arm in c.Arms)
                {
                    Expr(arm.Guard, scope, asArgument: false);
                    Expr(arm.Body, scope, asArgument: false);
                }

                if (c.Other is not null)
                {
                    Expr(c.Other, scope, asArgument: false);
                }

                return;
            case Let l:
            {
                var inner = new Scope(scope);
                ResolveUnits(l.Definitions, inner, moduleLevel: null);
                Expr(l.Body, inner, asArgument: false);
                return;
            }

            case Lambda l:
            {
                var inner = new Scope(scope);
                foreach (var p in l.Parameters)
                {
                    Declare(inner, p.Name, p, p.Span);
                }

                Expr(l.Body, inner, asArgument: false);
                return;
            }

            case JunctionList j:
                Each(j.Items, scope);
                return;
            case ActionSubscript a:
                Expr(a.Action, scope, asArgument: false);
                Expr(a.Subscript, scope, asArgument: false);
                return;
            case Fairness f:
                Expr(f.Subscript, scope, asArgument: false);
                Expr(f.Action, scope, asArgument: false);
                return;
        }
    }

    private void Each(ImmutableArray<Expr> items, Scope scope)
    {
        foreach (var item in items)
        {
            Expr(item, scope, asArgument: false);
        }
    }

    private void OpApp(OpApp op, Scope scope, bool asArgument)
    {
        foreach (var argument in op.Arguments)
        {
            Expr(argument, scope, asArgument: op.Fixity == Fixity.Name);
        }

        foreach (var segment in op.Prefix)
        {
            foreach (var argument in segment.Arguments)
            {
                Expr(argument, scope, asArgument: true);
            }
        }

        Resolution? resolution;
        if (op.Prefix.IsEmpty)
        {
            if (!scope.TryLookup(op.Name, out resolution!))
            {
                _diagnostics.Add(DiagnosticCode.UnknownOperator, op.NameSpan, op.Name);
                return;
            }
        }
        else
        {
            resolution = ResolvePrefixed(op, scope);
            if (resolution is null)
            {
                return;
            }
        }

        op.Resolution = resolution;
        var arity = resolution.Target.Arity;
        if (arity == op.Arguments.Length)
        {
            return;
        }

        // An operator named without arguments may be passed to a higher-order operator: F(Add), SortSeq(s, <).
        if (asArgument && op.Arguments.IsEmpty)
        {
            return;
        }

        _diagnostics.Add(DiagnosticCode.ArityMismatch, ArgumentListSpan(op), op.Name, arity);
    }

    /// <summary>SANY locates an arity error at the parenthesised argument list ("(x)" in "Add(x)").</summary>
    private static SourceSpan ArgumentListSpan(OpApp op)
    {
        if (op.Fixity != Fixity.Name || op.Arguments.IsEmpty)
        {
            return op.NameSpan;
        }

        var text = op.Span.File.Text;
        var open = op.NameSpan.End;
        while (open < op.Span.End && text[open] != '(')
        {
            open++;
        }

        return open < op.Span.End ? new SourceSpan(op.Span.File, open, op.Span.End) : op.NameSpan;
    }

    private Resolution? ResolvePrefixed(OpApp op, Scope scope)
    {
        // I!J!Op: the first segment is looked up here; each later name in the module the previous one instantiates
        // (LOCAL definitions are not visible through "!"; a parameter I!x denotes its substitution).
        ModuleContext? current = null;
        foreach (var segment in op.Prefix)
        {
            Resolution found;
            if (current is null)
            {
                if (!scope.TryLookup(segment.Name.Text, out found!))
                {
                    _diagnostics.Add(DiagnosticCode.UnknownOperator, segment.Name.Span, segment.Name.Text);
                    return null;
                }
            }
            else if (!current.TryLookupExported(segment.Name.Text, out found!))
            {
                _diagnostics.Add(DiagnosticCode.UnknownOperator, segment.Name.Span, segment.Name.Text);
                return null;
            }

            if (found.Target is not InstanceDefinition definition)
            {
                _diagnostics.Add(DiagnosticCode.NotAnInstance, segment.Name.Span, segment.Name.Text);
                return null;
            }

            segment.Resolution = found;
            if (definition.Arity != segment.Arguments.Length)
            {
                _diagnostics.Add(DiagnosticCode.ArityMismatch, segment.Name.Span, segment.Name.Text, definition.Arity);
            }

            current = _instanceContext(definition.Instance);
            if (current is null)
            {
                return null;
            }
        }

        if (current is null || !current.TryLookupExported(op.Name, out var target))
        {
            _diagnostics.Add(DiagnosticCode.UnknownOperator, op.NameSpan, string.Join("!", op.Prefix.Select(p => p.Name.Text).Append(op.Name)));
            return null;
        }

        return target;
    }
}
