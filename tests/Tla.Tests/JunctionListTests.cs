using VerifiedIpc.Tla.Syntax;
using static VerifiedIpc.Tla.Tests.ParserTestHelpers;

namespace VerifiedIpc.Tla.Tests;

public class JunctionListTests
{
    [Fact]
    public void AlignedBulletsFormOneList()
    {
        const string text = "/\\ a\n/\\ b\n/\\ c";
        Assert.Equal("(/\\ a\n /\\ b\n /\\ c)", Parenthesize(text));
    }

    [Fact]
    public void DeeperBulletsNestInsideTheItemTheyFollow()
    {
        const string text = "\\/ /\\ a\n   /\\ b\n\\/ c";
        Assert.Equal("(\\/ (/\\ a\n     /\\ b)\n \\/ c)", Parenthesize(text));
    }

    [Fact]
    public void ATokenLeftOfTheBulletEndsTheList()
    {
        // "\/ d" at column 1 ends the inner /\ list (column 4), then continues the outer \/ list.
        const string text = "\\/ /\\ a\n   /\\ b \\/ c\n\\/ d";
        var printed = Parenthesize(text);
        Assert.Equal("(\\/ (/\\ a\n     /\\ (b \\/ c))\n \\/ d)", printed);
    }

    [Fact]
    public void InfixJunctionAfterAnOperandIsNotABullet()
    {
        const string text = "a /\\ b\n  /\\ c";
        Assert.Equal("((a /\\ b) /\\ c)", Parenthesize(text));
    }

    [Fact]
    public void ItemExtendsOverContinuationLinesRightOfTheBullet()
    {
        const string text = "/\\ x = 1 +\n      2\n/\\ y";
        Assert.Equal("(/\\ (x = (1 + 2))\n /\\ y)", Parenthesize(text));
    }

    [Fact]
    public void QuantifierBodyListEndsAtOuterBullet()
    {
        const string text = "/\\ \\E i \\in S : /\\ p(i)\n                /\\ q(i)\n/\\ r";
        Assert.Equal("(/\\ (\\E i \\in S : (/\\ p(i)\n                   /\\ q(i)))\n /\\ r)", Parenthesize(text));
    }

    [Fact]
    public void ModuleDefinitionsEndListsAtColumnOne()
    {
        const string text = "---- MODULE M ----\nA == /\\ 1\n     /\\ 2\nB == 3\n====\n";
        var (module, diagnostics) = ParseModule(text);
        Assert.Equal(0, diagnostics.Count);
        Assert.NotNull(module);
        var a = Assert.IsType<OperatorDefinition>(module.Units[0]);
        var list = Assert.IsType<JunctionList>(a.Body);
        Assert.Equal(2, list.Items.Length);
        Assert.Equal(6, list.Column);
        Assert.Equal("B", Assert.IsType<OperatorDefinition>(module.Units[1]).Name);
    }

    [Fact]
    public void DisjunctionListKeepsKindAndBulletSpans()
    {
        var (module, _) = ParseModule("---- MODULE M ----\nN == \\/ x\n     \\/ y\n     \\/ z\n====\n");
        var list = Assert.IsType<JunctionList>(Assert.IsType<OperatorDefinition>(module!.Units[0]).Body);
        Assert.Equal(JunctionKind.Or, list.Kind);
        Assert.Equal([2, 3, 4], list.BulletSpans.Select(s => s.StartLine));
    }
}
