using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

/// <summary>Print → parse → print is a fixed point, so the printer shows exactly the tree the parser built.</summary>
public class RoundTripTests
{
    public static TheoryData<string> Modules()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Corpus.Cases)
        {
            foreach (var file in Directory.GetFiles(dir, "*.tla").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(Corpus.Root, file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Modules))]
    public void PrintedModuleReparsesToTheSameTree(string relative)
    {
        var path = Path.Combine(Corpus.Root, relative);
        var bag = new DiagnosticBag();
        var module = Parser.ParseFile(new SourceFile(path, File.ReadAllText(path)), bag).Module;
        if (bag.HasErrors)
        {
            Assert.StartsWith("5", relative, StringComparison.Ordinal); // only the deliberate parse-error cases
            return;
        }

        var printed = Printer.Print(module!);
        var again = new DiagnosticBag();
        var reparsed = Parser.ParseFile(new SourceFile(module!.Name.Text + ".tla", printed), again).Module;
        Assert.True(again.Count == 0, printed + "\n" + string.Join("\n", again.Items));
        Assert.Equal(printed, Printer.Print(reparsed!));
        Assert.Equal(module.Units.Length, reparsed!.Units.Length);
    }

    [Fact]
    public void DeclarationsRoundTrip()
    {
        const string text = "---- MODULE M ----\nCONSTANTS a, F(_, _), _ \\prec _, - _\nVARIABLES x, y\nRECURSIVE G(_)\nG(n) == G(n)\n"
            + "LOCAL f[i \\in a] == i\nI(p) == INSTANCE N WITH q <- p\nLOCAL INSTANCE N\nASSUME Named == TRUE\n====\n";
        var bag = new DiagnosticBag();
        var printed = Printer.Print(Parser.ParseFile(new SourceFile("M.tla", text), bag).Module!);
        Assert.Empty(bag.Items);
        var again = new DiagnosticBag();
        Assert.Equal(printed, Printer.Print(Parser.ParseFile(new SourceFile("M.tla", printed), again).Module!));
        Assert.Empty(again.Items);
        Assert.Contains("CONSTANTS a, F(_, _), _ \\prec _, - _", printed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[a |-> 1, b |-> {x \\in S : x > 0}]")]
    [InlineData("[f EXCEPT ![1].a[2] = @ + 1, !.b = {}]")]
    [InlineData("<<A>>_<<x, y>> /\\ [B]_v /\\ WF_v(A) /\\ SF_<<x>>(B)")]
    [InlineData("CASE p -> 1 [] q -> 2 [] OTHER -> 3")]
    [InlineData("LET F(x, G(_)) == G(x) IN F(1, LAMBDA y : y)")]
    [InlineData("{<<a, b>> : <<a, b>> \\in S \\X T, c \\in U}")]
    [InlineData("\\A <<a, b>> \\in S, c, d \\in T : CHOOSE e \\in U : e")]
    [InlineData("I!J(1)!Op(2) + P(x)!Q")]
    [InlineData("\"a\\\"b\\\\c\\n\"")]
    [InlineData("[S -> T] \\cup [x \\in S, y \\in T |-> x]")]
    public void ExpressionsRoundTrip(string text)
    {
        var bag = new DiagnosticBag();
        var printed = Printer.Print(Parser.ParseExpressionText(text, bag));
        Assert.True(bag.Count == 0, string.Join("\n", bag.Items));
        var again = new DiagnosticBag();
        Assert.Equal(printed, Printer.Print(Parser.ParseExpressionText(printed, again)));
        Assert.True(again.Count == 0, printed + "\n" + string.Join("\n", again.Items));
    }
}
