using System.Collections.Frozen;

namespace VerifiedIpc.Tla.Syntax;

/// <summary>Associativity of an infix operator in TLA+'s precedence table.</summary>
public enum Associativity
{
    /// <summary>Chaining two applications without parentheses is a precedence conflict.</summary>
    None,

    /// <summary><c>a op b op c</c> means <c>(a op b) op c</c>.</summary>
    Left,
}

/// <summary>
/// One row of TLA+'s operator table: canonical symbol, fixity and precedence range [Low, High]. Operator A binds
/// tighter than B when A.Low &gt; B.High; overlapping ranges conflict unless both are the same left-associative
/// operator (SANY's rule).
/// </summary>
public sealed record OperatorInfo(string Symbol, Fixity Fixity, int Low, int High, Associativity Associativity);

/// <summary>
/// Canonical names of TLA+'s built-in operator symbols and the precedence table. All synonyms are normalised here
/// so that the evaluator dispatches on one name per operator (e.g. <c>=&lt;</c>, <c>&lt;=</c>, <c>\leq</c> are all
/// <see cref="Leq"/>; <c>#</c> and <c>/=</c> are <see cref="NotEquals"/>; prefix minus is <see cref="Negate"/>).
/// </summary>
public static class Operators
{
    public const string And = "/\\";
    public const string Or = "\\/";
    public const string Not = "~";
    public const string Implies = "=>";
    public const string Equiv = "<=>";
    public const string Eq = "=";
    public const string NotEquals = "/=";
    public const string Less = "<";
    public const string Greater = ">";
    public const string Leq = "\\leq";
    public const string Geq = "\\geq";
    public const string In = "\\in";
    public const string NotIn = "\\notin";
    public const string Subseteq = "\\subseteq";
    public const string Subset = "\\subset";
    public const string Supseteq = "\\supseteq";
    public const string Supset = "\\supset";
    public const string Cup = "\\cup";
    public const string Cap = "\\cap";
    public const string SetMinus = "\\";
    public const string Times = "\\X";
    public const string Plus = "+";
    public const string Minus = "-";
    public const string Star = "*";
    public const string Slash = "/";
    public const string Div = "\\div";
    public const string Mod = "%";
    public const string Power = "^";
    public const string DotDot = "..";
    public const string Concat = "\\o";
    public const string ColonGt = ":>";
    public const string AtAt = "@@";
    public const string Oplus = "\\oplus";
    public const string Ominus = "\\ominus";
    public const string Odot = "\\odot";
    public const string Oslash = "\\oslash";
    public const string Otimes = "\\otimes";
    public const string Sqsubseteq = "\\sqsubseteq";
    public const string LeadsTo = "~>";
    public const string Plusarrow = "-+->";

    /// <summary>Prefix minus (SANY's name <c>-.</c>).</summary>
    public const string Negate = "-.";
    public const string Prime = "'";
    public const string Enabled = "ENABLED";
    public const string Unchanged = "UNCHANGED";
    public const string Always = "[]";
    public const string Eventually = "<>";
    public const string Domain = "DOMAIN";
    public const string PowerSet = "SUBSET";
    public const string BigUnion = "UNION";

    private static readonly OperatorInfo[] InfixRows =
    [
        new("!!", Fixity.Infix, 9, 13, Associativity.None),
        new("##", Fixity.Infix, 9, 13, Associativity.Left),
        new("$", Fixity.Infix, 9, 13, Associativity.Left),
        new("$$", Fixity.Infix, 9, 13, Associativity.Left),
        new("%", Fixity.Infix, 10, 11, Associativity.None),
        new("%%", Fixity.Infix, 10, 11, Associativity.Left),
        new("&", Fixity.Infix, 13, 13, Associativity.Left),
        new("&&", Fixity.Infix, 13, 13, Associativity.Left),
        new(Oplus, Fixity.Infix, 10, 10, Associativity.Left),
        new(Ominus, Fixity.Infix, 11, 11, Associativity.Left),
        new(Odot, Fixity.Infix, 13, 13, Associativity.Left),
        new(Oslash, Fixity.Infix, 13, 13, Associativity.None),
        new(Otimes, Fixity.Infix, 13, 13, Associativity.Left),
        new("*", Fixity.Infix, 13, 13, Associativity.Left),
        new("**", Fixity.Infix, 13, 13, Associativity.Left),
        new("+", Fixity.Infix, 10, 10, Associativity.Left),
        new("++", Fixity.Infix, 10, 10, Associativity.Left),
        new("-", Fixity.Infix, 11, 11, Associativity.Left),
        new("-+->", Fixity.Infix, 2, 2, Associativity.None),
        new("--", Fixity.Infix, 11, 11, Associativity.Left),
        new("-|", Fixity.Infix, 5, 5, Associativity.None),
        new("..", Fixity.Infix, 9, 9, Associativity.None),
        new("...", Fixity.Infix, 9, 9, Associativity.None),
        new("/", Fixity.Infix, 13, 13, Associativity.None),
        new("//", Fixity.Infix, 13, 13, Associativity.None),
        new(NotEquals, Fixity.Infix, 5, 5, Associativity.None),
        new(And, Fixity.Infix, 3, 3, Associativity.Left),
        new("::=", Fixity.Infix, 5, 5, Associativity.None),
        new(":=", Fixity.Infix, 5, 5, Associativity.None),
        new(":>", Fixity.Infix, 7, 7, Associativity.None),
        new("<", Fixity.Infix, 5, 5, Associativity.None),
        new("<:", Fixity.Infix, 7, 7, Associativity.None),
        new(Equiv, Fixity.Infix, 2, 2, Associativity.None),
        new("=", Fixity.Infix, 5, 5, Associativity.None),
        new(Implies, Fixity.Infix, 1, 1, Associativity.None),
        new("=|", Fixity.Infix, 5, 5, Associativity.None),
        new(">", Fixity.Infix, 5, 5, Associativity.None),
        new(Geq, Fixity.Infix, 5, 5, Associativity.None),
        new("??", Fixity.Infix, 9, 13, Associativity.Left),
        new("@@", Fixity.Infix, 6, 6, Associativity.Left),
        new(Or, Fixity.Infix, 3, 3, Associativity.Left),
        new("^", Fixity.Infix, 14, 14, Associativity.None),
        new("^^", Fixity.Infix, 14, 14, Associativity.None),
        new("|", Fixity.Infix, 10, 11, Associativity.Left),
        new("|-", Fixity.Infix, 5, 5, Associativity.None),
        new("|=", Fixity.Infix, 5, 5, Associativity.None),
        new("||", Fixity.Infix, 10, 11, Associativity.Left),
        new(LeadsTo, Fixity.Infix, 2, 2, Associativity.None),
        new("\\approx", Fixity.Infix, 5, 5, Associativity.None),
        new("\\asymp", Fixity.Infix, 5, 5, Associativity.None),
        new("\\bigcirc", Fixity.Infix, 13, 13, Associativity.Left),
        new("\\bullet", Fixity.Infix, 13, 13, Associativity.Left),
        new(Cap, Fixity.Infix, 8, 8, Associativity.Left),
        new("\\cdot", Fixity.Infix, 5, 14, Associativity.Left),
        new(Concat, Fixity.Infix, 13, 13, Associativity.Left),
        new("\\cong", Fixity.Infix, 5, 5, Associativity.None),
        new(Cup, Fixity.Infix, 8, 8, Associativity.Left),
        new(Div, Fixity.Infix, 13, 13, Associativity.None),
        new("\\doteq", Fixity.Infix, 5, 5, Associativity.None),
        new("\\gg", Fixity.Infix, 5, 5, Associativity.None),
        new(In, Fixity.Infix, 5, 5, Associativity.None),
        new(Leq, Fixity.Infix, 5, 5, Associativity.None),
        new("\\ll", Fixity.Infix, 5, 5, Associativity.None),
        new(NotIn, Fixity.Infix, 5, 5, Associativity.None),
        new("\\prec", Fixity.Infix, 5, 5, Associativity.None),
        new("\\preceq", Fixity.Infix, 5, 5, Associativity.None),
        new("\\propto", Fixity.Infix, 5, 5, Associativity.None),
        new("\\sim", Fixity.Infix, 5, 5, Associativity.None),
        new("\\simeq", Fixity.Infix, 5, 5, Associativity.None),
        new("\\sqcap", Fixity.Infix, 9, 13, Associativity.Left),
        new("\\sqcup", Fixity.Infix, 9, 13, Associativity.Left),
        new("\\sqsubset", Fixity.Infix, 5, 5, Associativity.None),
        new("\\sqsupset", Fixity.Infix, 5, 5, Associativity.None),
        new(Sqsubseteq, Fixity.Infix, 5, 5, Associativity.None),
        new("\\sqsupseteq", Fixity.Infix, 5, 5, Associativity.None),
        new("\\star", Fixity.Infix, 13, 13, Associativity.Left),
        new(Subset, Fixity.Infix, 5, 5, Associativity.None),
        new(Subseteq, Fixity.Infix, 5, 5, Associativity.None),
        new("\\succ", Fixity.Infix, 5, 5, Associativity.None),
        new("\\succeq", Fixity.Infix, 5, 5, Associativity.None),
        new(Supset, Fixity.Infix, 5, 5, Associativity.None),
        new(Supseteq, Fixity.Infix, 5, 5, Associativity.None),
        new("\\uplus", Fixity.Infix, 9, 13, Associativity.Left),
        new("\\wr", Fixity.Infix, 9, 14, Associativity.None),
        new(SetMinus, Fixity.Infix, 8, 8, Associativity.None),
        new(Times, Fixity.Infix, 10, 13, Associativity.Left),
    ];

    private static readonly OperatorInfo[] PrefixRows =
    [
        new(Not, Fixity.Prefix, 4, 4, Associativity.None),
        new(Enabled, Fixity.Prefix, 4, 15, Associativity.None),
        new(Unchanged, Fixity.Prefix, 4, 15, Associativity.None),
        new(Always, Fixity.Prefix, 4, 15, Associativity.None),
        new(Eventually, Fixity.Prefix, 4, 15, Associativity.None),
        new(PowerSet, Fixity.Prefix, 8, 8, Associativity.None),
        new(BigUnion, Fixity.Prefix, 8, 8, Associativity.None),
        new(Domain, Fixity.Prefix, 9, 9, Associativity.None),
        new(Negate, Fixity.Prefix, 12, 12, Associativity.None),
    ];

    private static readonly OperatorInfo[] PostfixRows =
    [
        new(Prime, Fixity.Postfix, 15, 15, Associativity.None),
        new("^+", Fixity.Postfix, 15, 15, Associativity.None),
        new("^*", Fixity.Postfix, 15, 15, Associativity.None),
        new("^#", Fixity.Postfix, 15, 15, Associativity.None),
    ];

    /// <summary>Spelling as written → canonical symbol, for every synonym TLA+ defines.</summary>
    public static readonly FrozenDictionary<string, string> Synonyms = new Dictionary<string, string>
    {
        ["#"] = NotEquals,
        ["=<"] = Leq,
        ["<="] = Leq,
        [">="] = Geq,
        ["\\land"] = And,
        ["\\lor"] = Or,
        ["\\lnot"] = Not,
        ["\\neg"] = Not,
        ["\\equiv"] = Equiv,
        ["\\union"] = Cup,
        ["\\intersect"] = Cap,
        ["\\times"] = Times,
        ["\\circ"] = Concat,
        ["(+)"] = Oplus,
        ["(-)"] = Ominus,
        ["(.)"] = Odot,
        ["(/)"] = Oslash,
        ["(\\X)"] = Otimes,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Infix operators by canonical symbol.</summary>
    public static readonly FrozenDictionary<string, OperatorInfo> Infix =
        InfixRows.ToFrozenDictionary(r => r.Symbol, StringComparer.Ordinal);

    /// <summary>Prefix operators by canonical symbol (prefix minus is <see cref="Negate"/>).</summary>
    public static readonly FrozenDictionary<string, OperatorInfo> Prefix =
        PrefixRows.ToFrozenDictionary(r => r.Symbol, StringComparer.Ordinal);

    /// <summary>Postfix operators by canonical symbol.</summary>
    public static readonly FrozenDictionary<string, OperatorInfo> Postfix =
        PostfixRows.ToFrozenDictionary(r => r.Symbol, StringComparer.Ordinal);

    /// <summary>The canonical symbol for a spelling (the spelling itself when it has no synonym).</summary>
    public static string Canonical(string spelling) =>
        Synonyms.TryGetValue(spelling, out var canonical) ? canonical : spelling;
}
