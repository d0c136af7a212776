namespace VerifiedIpc.Tla.Syntax;

/// <summary>Lexical categories of TLA+ tokens.</summary>
public enum TokenKind
{
    EndOfFile,
    Identifier,
    Number,
    String,

    /// <summary>A built-in or user-definable operator symbol (<c>+</c>, <c>\in</c>, <c>DOMAIN</c>, <c>~</c>, ...); Text is canonical.</summary>
    Operator,

    LParen,
    RParen,
    LBracket,
    RBracket,

    /// <summary><c>]_</c> closing <c>[A]_v</c>.</summary>
    RBracketUnderscore,
    LBrace,
    RBrace,
    LAngle,
    RAngle,

    /// <summary><c>&gt;&gt;_</c> closing <c>&lt;&lt;A&gt;&gt;_v</c>.</summary>
    RAngleUnderscore,
    Comma,
    Colon,
    ColonColon,
    DefEq,
    Bang,
    At,
    Dot,
    Arrow,
    MapsTo,
    LeftArrow,

    /// <summary><c>[]</c>: the "always" operator and the CASE arm separator.</summary>
    Box,

    /// <summary><c>&lt;&gt;</c>: "eventually".</summary>
    Diamond,
    Underscore,

    /// <summary>A line of four or more dashes.</summary>
    Separator,

    /// <summary>A line of four or more equals signs.</summary>
    ModuleEnd,
    WF,
    SF,

    Module,
    Extends,
    Constant,
    Variable,
    Assume,
    Theorem,
    Instance,
    With,
    Local,
    Let,
    In,
    If,
    Then,
    Else,
    Case,
    Other,
    Choose,
    Except,
    Lambda,
    Recursive,
    True,
    False,
    Forall,
    Exists,
    TemporalForall,
    TemporalExists,

    /// <summary>Proof keywords (PROOF, BY, OBVIOUS, ...): only skipped after a THEOREM.</summary>
    ProofKeyword,

    /// <summary>A character that starts no token (already reported).</summary>
    Error,
}

/// <summary>
/// One token: kind, text (canonical for operators, decoded for strings), 0-based offsets [Start, End) and the
/// 1-based line and column of its first character (the junction-list rule needs columns of every token).
/// </summary>
public readonly record struct Token(TokenKind Kind, string Text, int Start, int End, int Line, int Column)
{
    public override string ToString() => $"{Kind} '{Text}' at {Line}:{Column}";
}
