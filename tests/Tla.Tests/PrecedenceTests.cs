using VerifiedIpc.Tla.Diagnostics;
using static VerifiedIpc.Tla.Tests.ParserTestHelpers;

namespace VerifiedIpc.Tla.Tests;

public class PrecedenceTests
{
    [Theory]
    [InlineData("1 + 2 * 3", "(1 + (2 * 3))")]
    [InlineData("10 - 4 - 3", "((10 - 4) - 3)")]
    [InlineData("2 * 3 % 4", "((2 * 3) % 4)")]
    [InlineData("-7 \\div 2", "(-(7 \\div 2))")]
    [InlineData("-7 % 2", "((-7) % 2)")]
    [InlineData("-2 ^ 2", "(-(2 ^ 2))")]
    [InlineData("(-7) \\div 2", "((-7) \\div 2)")]
    [InlineData("a + -b", "(a + (-b))")]
    [InlineData("x = ~y /\\ z", "((x = (~y)) /\\ z)")]
    [InlineData("~x \\in S", "(~(x \\in S))")]
    [InlineData("a => b => c", null)]
    [InlineData("a /\\ b \\/ c", null)]
    [InlineData("a /\\ b /\\ c", "((a /\\ b) /\\ c)")]
    [InlineData("a \\/ b => c /\\ d", "((a \\/ b) => (c /\\ d))")]
    [InlineData("p <=> q \\equiv r", null)]
    [InlineData("x \\in 1..3 \\cup 5..6", "(x \\in ((1 .. 3) \\cup (5 .. 6)))")]
    [InlineData("S \\cup T \\cap U", null)]
    [InlineData("S \\cup T \\cup U", "((S \\cup T) \\cup U)")]
    [InlineData("1 :> 2 @@ 3 :> 4", "((1 :> 2) @@ (3 :> 4))")]
    [InlineData("DOMAIN f \\cup S", "((DOMAIN f) \\cup S)")]
    [InlineData("SUBSET S \\cap T", null)]
    [InlineData("UNION {S} \\ T", null)]
    [InlineData("x' = x + 1", "((x') = (x + 1))")]
    [InlineData("f[x]' = f'[x]", "((f[x]') = (f')[x])")]
    [InlineData("r.a.b + 1", "(r.a.b + 1)")]
    [InlineData("A \\X B \\X C", "(A \\X B \\X C)")]
    [InlineData("A \\X (B \\X C)", "(A \\X (B \\X C))")]
    [InlineData("x \\in A \\X B", "(x \\in (A \\X B))")]
    [InlineData("a < b = c", null)]
    [InlineData("s \\o t \\o u", "((s \\o t) \\o u)")]
    [InlineData("a =< b", "(a \\leq b)")]
    [InlineData("a <= b", "(a \\leq b)")]
    [InlineData("a # b", "(a /= b)")]
    [InlineData("a (+) b (+) c", "((a \\oplus b) \\oplus c)")]
    [InlineData("\\lnot a \\land b \\lor c", null)]
    [InlineData("[]P => <>Q", "(([]P) => (<>Q))")]
    [InlineData("[](x > 0)", "([](x > 0))")]
    [InlineData("UNCHANGED x /\\ y", "((UNCHANGED x) /\\ y)")]
    [InlineData("ENABLED A \\/ B", "((ENABLED A) \\/ B)")]
    [InlineData("p ~> q", "(p ~> q)")]
    [InlineData("\\A x \\in S : P /\\ Q", "(\\A x \\in S : (P /\\ Q))")]
    [InlineData("a /\\ \\E x : P \\/ Q", "(a /\\ (\\E x : (P \\/ Q)))")]
    [InlineData("IF a THEN b ELSE c + 1", "(IF a THEN b ELSE (c + 1))")]
    [InlineData("2 ^ 3 ^ 2", null)]
    public void ParsesAsTlcDoes(string text, string? expected)
    {
        if (expected is null)
        {
            var diagnostics = ExpressionDiagnostics(text);
            Assert.Contains(diagnostics, d => d.Code == DiagnosticCode.PrecedenceConflict);
        }
        else
        {
            Assert.Equal(expected, Parenthesize(text));
        }
    }

    [Theory]
    [InlineData("n \\div 2 * 2", "\\div", "*")]
    [InlineData("x \\div -2", "\\div", "-.")]
    [InlineData("x * -2", "*", "-.")]
    [InlineData("a = b = c", "=", "=")]
    [InlineData("[]x = 1", "[]", "=")]
    [InlineData("a /\\ b \\/ c", "\\land", "\\lor")]
    public void ConflictsNameBothOperatorsAtTheLeftOne(string text, string left, string right)
    {
        var diagnostic = Assert.Single(ExpressionDiagnostics(text));
        Assert.Equal(DiagnosticCode.PrecedenceConflict, diagnostic.Code);
        Assert.Matches($"^Precedence conflict between ops {System.Text.RegularExpressions.Regex.Escape(left)} in block line 1, col \\d+ to line 1, col \\d+ of module <expr> and {System.Text.RegularExpressions.Regex.Escape(right)}\\.$", diagnostic.Message);
        var symbol = left switch { "\\land" => "/\\", _ => left };
        Assert.Equal(text.IndexOf(symbol, StringComparison.Ordinal) + 1, diagnostic.Column);
    }
}
