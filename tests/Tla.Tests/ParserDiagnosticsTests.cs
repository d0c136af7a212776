using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;
using static VerifiedIpc.Tla.Tests.ParserTestHelpers;

namespace VerifiedIpc.Tla.Tests;

public class ParserDiagnosticsTests
{
    private static Diagnostic Single(string body)
    {
        var (_, bag) = ParseModule("---- MODULE M ----\n" + body + "\n====\n");
        // An unterminated comment also hides the module end; every other case yields exactly one diagnostic.
        return body.Contains("(*", StringComparison.Ordinal) ? bag.Items[0] : Assert.Single(bag.Items);
    }

    [Theory]
    [InlineData("Op == (1 + ) * 2", DiagnosticCode.UnexpectedToken, "Encountered \")\" at line 2, column 12 and token \"+\"", 2, 12)]
    [InlineData("Op == [x \\in S |-> ]", DiagnosticCode.UnexpectedToken, "Encountered \"]\" at line 2, column 20 and token \"|->\"", 2, 20)]
    [InlineData("Op == IF a THEN b", DiagnosticCode.ExpectedToken, "Expected ELSE but encountered \"====\".", 3, 1)]
    [InlineData("Op == {1, 2", DiagnosticCode.ExpectedToken, "Expected '}' but encountered \"====\".", 3, 1)]
    [InlineData("Op == \"abc", DiagnosticCode.UnterminatedString, "Unterminated string literal.", 2, 7)]
    [InlineData("Op == \"a\\qb\"", DiagnosticCode.InvalidEscape, "Invalid escape sequence '\\q' in string literal.", 2, 9)]
    [InlineData("Op == 1 ; 2", DiagnosticCode.UnexpectedCharacter, "Unexpected character ';'.", 2, 9)]
    [InlineData("Op == 1.5", DiagnosticCode.UnsupportedConstruct, "A decimal number is not supported.", 2, 7)]
    [InlineData("Op == \\b102", DiagnosticCode.InvalidNumber, "Invalid number literal '\\b102'.", 2, 7)]
    [InlineData("Op == 1 (* never closed", DiagnosticCode.UnterminatedComment, "Unterminated comment: '(*' without a matching '*)'.", 2, 9)]
    [InlineData("Op == x \\div -2", DiagnosticCode.PrecedenceConflict, "Precedence conflict between ops \\div in block line 2, col 9 to line 2, col 12 of module M and -..", 2, 9)]
    [InlineData("Op == [f EXCEPT !x = 1]", DiagnosticCode.ExpectedToken, "Expected '[' or '.' after '!' but encountered \"x\".", 2, 18)]
    [InlineData("VARIABLE", DiagnosticCode.ExpectedToken, "Expected a variable name but encountered \"====\".", 3, 1)]
    [InlineData("Op == 1\n 2", DiagnosticCode.UnexpectedToken, "Encountered \"2\" at line 3, column 2 and token \"1\"", 3, 2)]
    public void MessagesAndPositionsAreExact(string body, DiagnosticCode code, string message, int line, int column)
    {
        var diagnostic = Single(body);
        Assert.Equal(code, diagnostic.Code);
        Assert.Equal(message, diagnostic.Message);
        Assert.Equal((line, column), (diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void RecoversAtDefinitionsAndReportsEveryBrokenOne()
    {
        var (module, bag) = ParseModule("""
            ---- MODULE M ----
            A == (1 + )
            B == 2
            C == [x \in S |-> ]
            D == 3
            E == {1,, 2}
            ====
            """);
        Assert.Equal([2, 4, 6], bag.Items.Select(d => d.Line));
        Assert.Equal(["Encountered \")\" at line 2, column 11 and token \"+\"", "Encountered \"]\" at line 4, column 19 and token \"|->\"", "Encountered \",\" at line 6, column 9 and token \",\""],
            bag.Items.Select(d => d.Message));
        Assert.NotNull(module);
        var names = module.Units.OfType<OperatorDefinition>().Select(d => d.Name).ToList();
        Assert.Contains("B", names);
        Assert.Contains("D", names);
    }

    [Fact]
    public void MissingHeaderAndEndAreReported()
    {
        var (module, bag) = ParseModule("Op == 1\n");
        Assert.Null(module);
        Assert.Equal(DiagnosticCode.MissingModuleHeader, Assert.Single(bag.Items).Code);

        (module, bag) = ParseModule("---- MODULE M ----\nOp == 1\n");
        Assert.NotNull(module);
        var end = Assert.Single(bag.Items);
        Assert.Equal(DiagnosticCode.MissingModuleEnd, end.Code);
        Assert.Equal("Module M has no end line '===='.", end.Message);
    }

    [Fact]
    public void ModuleNameMustMatchFileName()
    {
        var spec = VerifiedIpc.Tla.Modules.SpecLoader.Load(new SourceFile("Other.tla", "---- MODULE M ----\n====\n"),
            new VerifiedIpc.Tla.Modules.InMemoryModuleSource(new Dictionary<string, string>()));
        var diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal(DiagnosticCode.ModuleNameMismatch, diagnostic.Code);
        Assert.Equal((1, 13), (diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void MissingFilesAreDiagnostics()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "Spec.tla");
        var spec = VerifiedIpc.Tla.Modules.SpecLoader.Load(missing);
        Assert.Equal(DiagnosticCode.FileNotReadable, Assert.Single(spec.Diagnostics).Code);
        Assert.Null(spec.Main);
        var config = VerifiedIpc.Tla.Config.ModelConfig.Load(Path.ChangeExtension(missing, ".cfg"));
        Assert.Equal(DiagnosticCode.FileNotReadable, Assert.Single(config.Diagnostics).Code);
        Assert.StartsWith("Cannot read file ", config.Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DiagnosticTextHasFileLineColumnCodeAndCaret()
    {
        var diagnostic = Single("Op == (1 + ) * 2");
        var lines = diagnostic.ToString().Split(Environment.NewLine);
        Assert.Equal("M.tla:2:12: error TLA2003: Encountered \")\" at line 2, column 12 and token \"+\"", lines[0]);
        Assert.Equal("Op == (1 + ) * 2", lines[1]);
        Assert.Equal("           ^", lines[2]);
    }

    [Fact]
    public void EveryCodeHasAMessageAndNumbersAreUnique()
    {
        var codes = Enum.GetValues<DiagnosticCode>();
        Assert.All(codes, c => Assert.True(DiagnosticMessages.HasMessage(c), c.ToString()));
        Assert.Equal(codes.Length, codes.Select(c => (int)c).Distinct().Count());
    }

    [Fact]
    public void ParsesTheConstructsOfRealSpecs()
    {
        var (module, bag) = ParseModule("""
            Text before the module is ignored.
            ----------------------------- MODULE M -----------------------------
            EXTENDS Naturals, Sequences
            CONSTANTS N, F(_, _)
            VARIABLES x, y
            LOCAL Helper == 1
            a (+) b == a + b
            RECURSIVE Sum(_)
            Sum(s) == IF s = <<>> THEN 0 ELSE Head(s) + Sum(Tail(s))
            f[n \in Nat] == IF n = 0 THEN 1 ELSE n * f[n - 1]
            I == INSTANCE Other WITH p <- x, q <- LAMBDA u : u
            ASSUME Named == N > 0
            THEOREM T == x = x
            PROOF OBVIOUS
            LEMMA L == ASSUME NEW n \in Nat PROVE n + 0 = n
              <1>1. QED BY DEF Helper
            USE DEF Helper
            -----------------------------------------------------------------------
            Spec == /\ x = 0 /\ y = \b101 + \o17 + \h1F
                    /\ [][x' = x + 1]_<<x, y>>
                    /\ WF_x(x' = x) /\ SF_<<x>>(TRUE)
            Label == lbl :: x = 1
            =============================================================================
            Trailing text is ignored too.
            """);
        Assert.True(bag.Count == 0, string.Join("\n", bag.Items));
        Assert.NotNull(module);
        Assert.Equal(["Naturals", "Sequences"], module.Extends.Select(e => e.Text));
        Assert.Equal(2, module.Units.OfType<ConstantDeclaration>().Single().Constants[1].Arity);
        var plus = module.Units.OfType<OperatorDefinition>().Single(d => d.Fixity == Fixity.Infix);
        Assert.Equal(Operators.Oplus, plus.Name);
        Assert.True(module.Units.OfType<OperatorDefinition>().Single(d => d.Name == "Helper").IsLocal);
        Assert.Equal(3, module.Units.OfType<Theorem>().Count());
        Assert.Equal("Named", module.Units.OfType<Assumption>().Single().Name!.Text);
        var spec = module.Units.OfType<OperatorDefinition>().Single(d => d.Name == "Spec");
        Assert.Contains("(5 + 15) + 31", Printer.Print(spec.Body), StringComparison.Ordinal);
    }
}
