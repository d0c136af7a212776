using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

public class LexerTests
{
    private static (IReadOnlyList<Token> Tokens, Lexer Lexer, DiagnosticBag Bag) Lex(string body)
    {
        var bag = new DiagnosticBag();
        var lexer = Lexer.Tokenize(new SourceFile("M.tla", "---- MODULE M ----\n" + body + "\n====\n"), bag);
        // Drop the header (separator, MODULE, name, separator) and the end line and EOF.
        return (lexer.Tokens.Skip(4).SkipLast(2).ToList(), lexer, bag);
    }

    private static string Kinds(string body) => string.Join(" ", Lex(body).Tokens.Select(t => t.Kind == TokenKind.Operator ? t.Text : t.Kind.ToString()));

    [Fact]
    public void NestedBlockCommentsAndLineCommentsAreSkipped()
    {
        var (tokens, _, bag) = Lex("a (* outer (* inner *) still comment *) b \\* rest of line\nc");
        Assert.Empty(bag.Items);
        Assert.Equal(["a", "b", "c"], tokens.Select(t => t.Text));
    }

    [Fact]
    public void TextOutsideTheModuleIsIgnored()
    {
        var bag = new DiagnosticBag();
        var lexer = Lexer.Tokenize(new SourceFile("M.tla", "\"unterminated ; prose\n---- MODULE M ----\nx\n==== ; more \"prose"), bag);
        Assert.Empty(bag.Items);
        Assert.Equal("x", lexer.Tokens[4].Text);
        Assert.Equal(TokenKind.ModuleEnd, lexer.Tokens[5].Kind);
    }

    [Theory]
    [InlineData("x =< y", "Identifier \\leq Identifier")]
    [InlineData("x # y", "Identifier /= Identifier")]
    [InlineData("\\lnot \\neg ~", "~ ~ ~")]
    [InlineData("s \\o t \\circ u \\odot v", "Identifier \\o Identifier \\o Identifier \\odot Identifier")]
    [InlineData("<<>>", "LAngle RAngle")]
    [InlineData("[A]_v <<A>>_v", "LBracket Identifier RBracketUnderscore Identifier LAngle Identifier RAngleUnderscore Identifier")]
    [InlineData("WF_vars(A) SF_<<x>>(A)", "WF Identifier LParen Identifier RParen SF LAngle Identifier RAngle LParen Identifier RParen")]
    [InlineData("[][Next]_v", "Box LBracket Identifier RBracketUnderscore Identifier")]
    [InlineData("a (+) b (-) c", "Identifier \\oplus Identifier \\ominus Identifier")]
    [InlineData("1..3 x' f @@ g :> h", "Number .. Number Identifier ' Identifier @@ Identifier :> Identifier")]
    [InlineData("S \\ T \\X U \\times V", "Identifier \\ Identifier \\X Identifier \\X Identifier")]
    [InlineData("F(_, _) == LAMBDA x : x", "Identifier LParen Underscore Comma Underscore RParen DefEq Lambda Identifier Colon Identifier")]
    [InlineData("x ---------- y", "Identifier Separator Identifier")]
    public void TokensAndCanonicalSpellings(string text, string expected) => Assert.Equal(expected, Kinds(text));

    [Theory]
    [InlineData("42", "42")]
    [InlineData("\\b101", "5")]
    [InlineData("\\o17", "15")]
    [InlineData("\\h1F", "31")]
    [InlineData("\\H1f", "31")]
    public void Numbers(string text, string value)
    {
        var token = Assert.Single(Lex(text).Tokens);
        Assert.Equal((TokenKind.Number, value), (token.Kind, token.Text));
    }

    [Fact]
    public void StringEscapesAreDecoded()
    {
        var token = Assert.Single(Lex("\"a\\\"b\\\\c\\nd\\te\"").Tokens);
        Assert.Equal("a\"b\\c\nd\te", token.Text);
    }

    [Fact]
    public void TokensCarryLinesAndColumns()
    {
        var tokens = Lex("A ==\n  /\\ x").Tokens;
        Assert.Equal([(2, 1), (2, 3), (3, 3), (3, 6)], tokens.Select(t => (t.Line, t.Column)));
    }

    [Fact]
    public void InternOrderIsFirstOccurrenceOfIdentifiersAndStrings()
    {
        var (_, lexer, _) = Lex("b == \"zeta\" \\cup {\"alpha\", b, \"zeta\", a}");
        Assert.Equal(["M", "b", "zeta", "alpha", "a"], lexer.InternOrder);
    }
}

public class UnicodeNotationTests
{
    [Fact]
    public void UnicodeSpecParsesLikeItsAsciiSpelling()
    {
        const string unicode = """
            ──── MODULE M ────
            EXTENDS Naturals
            VARIABLE x
            Init ≜ x ∈ 0 ‥ 3 ∧ x ≠ 2
            Next ≜ ∨ ∃ n ∈ ℕ : x' = n ∧ n ≤ 3
                   ∨ x' ≥ x ⇒ ¬(x ∉ {1} ∪ ({2} ∩ {3}))
            Spec ≜ □[Next]_⟨x⟩ ∧ ◇(x = 1) ↝ (x = 2)
            F ≜ [i ∈ 1 ‥ 2 ↦ i] ∘ ⟨⟩
            ════
            """;
        const string ascii = """
            ---- MODULE M ----
            EXTENDS Naturals
            VARIABLE x
            Init == x \in 0 .. 3 /\ x /= 2
            Next == \/ \E n \in Nat : x' = n /\ n =< 3
                    \/ x' >= x => ~(x \notin {1} \cup ({2} \cap {3}))
            Spec == [][Next]_<<x>> /\ <>(x = 1) ~> (x = 2)
            F == [i \in 1 .. 2 |-> i] \o <<>>
            ====
            """;
        var (u, uBag) = ParserTestHelpers.ParseModule(unicode);
        var (a, aBag) = ParserTestHelpers.ParseModule(ascii);
        Assert.True(uBag.Count == 0, string.Join("\n", uBag.Items));
        Assert.True(aBag.Count == 0, string.Join("\n", aBag.Items));
        Assert.Equal(VerifiedIpc.Tla.Syntax.Printer.Print(a!), VerifiedIpc.Tla.Syntax.Printer.Print(u!));
    }
}
