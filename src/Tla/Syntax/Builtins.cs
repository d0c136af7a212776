using System.Collections.Frozen;
using System.Collections.Immutable;

namespace VerifiedIpc.Tla.Syntax;

/// <summary>
/// An operator the checker implements natively: a language built-in (<see cref="Module"/> is
/// <see cref="StandardModules.Language"/>) or an export of a standard module. Resolved names point to the single
/// shared instance per (module, name), so the checker may dispatch on <see cref="Name"/> (unique across
/// standard modules) or on reference identity.
/// </summary>
public sealed class BuiltinOperator(string module, string name, int arity, Fixity fixity) : IDeclaration
{
    /// <summary>The standard module that exports it, or <see cref="StandardModules.Language"/>.</summary>
    public string Module { get; } = module;

    /// <summary>Canonical name (see <see cref="Operators"/>).</summary>
    public string Name { get; } = name;

    public int Arity { get; } = arity;

    public Fixity Fixity { get; } = fixity;

    public DeclarationKind Kind => DeclarationKind.Builtin;

    public override string ToString() => $"{Module}!{Name}/{Arity}";
}

/// <summary>A standard module known to the front end without a file.</summary>
public sealed class StandardModule(string name, ImmutableArray<BuiltinOperator> exports)
{
    public string Name { get; } = name;

    /// <summary>Everything a module that EXTENDS or INSTANCEs this one sees (LOCAL helpers excluded).</summary>
    public ImmutableArray<BuiltinOperator> Exports { get; } = exports;
}

/// <summary>
/// The standard modules Naturals, Integers, Reals, Sequences, FiniteSets, Bags, TLC, TLCExt with the names and
/// arities they export (following the real modules: e.g. Sequences instantiates Naturals LOCALly, so
/// <c>EXTENDS Sequences</c> alone does not export <c>+</c>), and the operators built into the language itself.
/// </summary>
public static class StandardModules
{
    /// <summary>Pseudo-module name of operators built into TLA+ itself (<c>\in</c>, <c>BOOLEAN</c>, <c>'</c>...).</summary>
    public const string Language = "";

    private static readonly FrozenDictionary<string, StandardModule> Modules = Build();

    /// <summary>The language built-ins, visible in every module.</summary>
    public static ImmutableArray<BuiltinOperator> LanguageOperators { get; } = Modules[Language].Exports;

    /// <summary>Names of the standard modules (excluding the language pseudo-module).</summary>
    public static IEnumerable<string> Names => Modules.Keys.Where(k => k.Length > 0);

    /// <summary>Finds a standard module by name.</summary>
    public static bool TryGet(string name, out StandardModule module)
    {
        if (name.Length > 0 && Modules.TryGetValue(name, out var found))
        {
            module = found;
            return true;
        }

        module = null!;
        return false;
    }

    private static FrozenDictionary<string, StandardModule> Build()
    {
        var modules = new Dictionary<string, StandardModule>(StringComparer.Ordinal);

        StandardModule Define(string name, IEnumerable<BuiltinOperator> inherited, params (string Name, int Arity, Fixity Fixity)[] own)
        {
            var exports = inherited.Concat(own.Select(o => new BuiltinOperator(name, o.Name, o.Arity, o.Fixity)))
                .ToImmutableArray();
            var module = new StandardModule(name, exports);
            modules[name] = module;
            return module;
        }

        const Fixity N = Fixity.Name, I = Fixity.Infix, P = Fixity.Prefix, X = Fixity.Postfix;

        Define(Language, [],
            ("BOOLEAN", 0, N), ("STRING", 0, N),
            (Operators.And, 2, I), (Operators.Or, 2, I), (Operators.Not, 1, P), (Operators.Implies, 2, I),
            (Operators.Equiv, 2, I), (Operators.Eq, 2, I), (Operators.NotEquals, 2, I),
            (Operators.In, 2, I), (Operators.NotIn, 2, I), (Operators.Subseteq, 2, I),
            (Operators.Cup, 2, I), (Operators.Cap, 2, I), (Operators.SetMinus, 2, I),
            (Operators.PowerSet, 1, P), (Operators.BigUnion, 1, P), (Operators.Domain, 1, P),
            (Operators.Prime, 1, X), (Operators.Enabled, 1, P), (Operators.Unchanged, 1, P),
            (Operators.Always, 1, P), (Operators.Eventually, 1, P), (Operators.LeadsTo, 2, I),
            (Operators.Plusarrow, 2, I), ("\\cdot", 2, I));

        var naturals = Define("Naturals", [],
            ("Nat", 0, N), ("+", 2, I), ("-", 2, I), ("*", 2, I), ("^", 2, I), ("<", 2, I), (">", 2, I),
            (Operators.Leq, 2, I), (Operators.Geq, 2, I), ("%", 2, I), (Operators.Div, 2, I), ("..", 2, I));
        var integers = Define("Integers", naturals.Exports, ("Int", 0, N), (Operators.Negate, 1, P));
        Define("Reals", integers.Exports, ("Real", 0, N), ("/", 2, I), ("Infinity", 0, N));
        Define("Sequences", [],
            ("Seq", 1, N), ("Len", 1, N), (Operators.Concat, 2, I), ("Append", 2, N), ("Head", 1, N),
            ("Tail", 1, N), ("SubSeq", 3, N), ("SelectSeq", 2, N));
        Define("FiniteSets", [], ("IsFiniteSet", 1, N), ("Cardinality", 1, N));
        var tlc = Define("TLC", [],
            ("Print", 2, N), ("PrintT", 1, N), ("Assert", 2, N), ("JavaTime", 0, N), ("TLCGet", 1, N),
            ("TLCSet", 2, N), (Operators.ColonGt, 2, I), (Operators.AtAt, 2, I), ("Permutations", 1, N),
            ("SortSeq", 2, N), ("RandomElement", 1, N), ("Any", 0, N), ("ToString", 1, N), ("TLCEval", 1, N));
        // TLC 2.20's Bags makes TLC's operators visible to modules that extend it (the reference run of corpus
        // case 10 uses :> and @@ with EXTENDS Naturals, FiniteSets, Bags only, and SANY processes TLC before Bags).
        Define("Bags", tlc.Exports,
            ("IsABag", 1, N), ("BagToSet", 1, N), ("SetToBag", 1, N), ("BagIn", 2, N), ("EmptyBag", 0, N),
            (Operators.Oplus, 2, I), (Operators.Ominus, 2, I), ("BagUnion", 1, N), (Operators.Sqsubseteq, 2, I),
            ("SubBag", 1, N), ("BagOfAll", 2, N), ("BagCardinality", 1, N), ("CopiesIn", 2, N));
        Define("TLCExt", [],
            ("AssertEq", 2, N), ("AssertError", 2, N), ("TLCModelValue", 1, N), ("Trace", 0, N));
        // The CommunityModules' trace-validation vocabulary (Json, IOUtils): enough to read an NDJSON trace named by
        // an environment variable, so a trace module beside a spec runs unchanged under TLC and under vipc validate.
        Define("Json", [], ("ndJsonDeserialize", 1, N), ("JsonDeserialize", 1, N));
        Define("IOUtils", [], ("IOEnv", 0, N), ("atoi", 1, N));

        return modules.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
