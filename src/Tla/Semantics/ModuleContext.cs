using System.Collections.Immutable;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Semantics;

/// <summary>
/// The names visible at the end of a module (after its EXTENDS, INSTANCEs and all its units), with what they
/// resolve to, plus the module's state variables, constants and assumptions including those it EXTENDS.
/// </summary>
public sealed class ModuleContext
{
    private readonly Dictionary<string, Entry> _names = new(StringComparer.Ordinal);
    private readonly List<VariableDecl> _variables = [];
    private readonly List<ConstantDecl> _constants = [];
    private readonly List<Assumption> _assumptions = [];

    internal ModuleContext(Module module) => Module = module;

    /// <summary>The module this context belongs to.</summary>
    public Module Module { get; }

    /// <summary>State variables visible in the module (extended modules' first, then in declaration order).</summary>
    public IReadOnlyList<VariableDecl> Variables => _variables;

    /// <summary>Constants visible in the module (extended modules' first, then in declaration order).</summary>
    public IReadOnlyList<ConstantDecl> Constants => _constants;

    /// <summary>ASSUMEs of extended modules (in EXTENDS order, depth first) followed by the module's own.</summary>
    public IReadOnlyList<Assumption> Assumptions => _assumptions;

    /// <summary>Every visible name (LOCAL ones included).</summary>
    public IEnumerable<string> Names => _names.Keys;

    /// <summary>Looks a name up as the end of the module sees it (cfg names: Init, Next, invariants, constants).</summary>
    public bool TryLookup(string name, out Resolution resolution)
    {
        if (_names.TryGetValue(name, out var entry))
        {
            resolution = entry.Resolution;
            return true;
        }

        resolution = null!;
        return false;
    }

    /// <summary>Looks up a name that the module exports (not LOCAL), as <c>I!name</c> sees it.</summary>
    public bool TryLookupExported(string name, out Resolution resolution)
    {
        if (_names.TryGetValue(name, out var entry) && !entry.IsLocal)
        {
            resolution = entry.Resolution;
            return true;
        }

        resolution = null!;
        return false;
    }

    internal IEnumerable<KeyValuePair<string, Entry>> Entries => _names;

    internal bool TryGet(string name, out Entry entry) => _names.TryGetValue(name, out entry);

    internal void Set(string name, Entry entry) => _names[name] = entry;

    internal void AddVariable(VariableDecl variable)
    {
        if (!_variables.Contains(variable))
        {
            _variables.Add(variable);
        }
    }

    internal void AddConstant(ConstantDecl constant)
    {
        if (!_constants.Contains(constant))
        {
            _constants.Add(constant);
        }
    }

    internal void AddAssumption(Assumption assumption)
    {
        if (!_assumptions.Contains(assumption))
        {
            _assumptions.Add(assumption);
        }
    }

    /// <summary>A visible name: its resolution and whether it is LOCAL (not exported).</summary>
    internal readonly record struct Entry(Resolution Resolution, bool IsLocal);

    internal static Resolution Direct(IDeclaration target) => new(target, ImmutableArray<Instance>.Empty);
}
