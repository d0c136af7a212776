using VerifiedIpc.Tla.Config;
using VerifiedIpc.Tla.Modules;
using VerifiedIpc.Tla.Semantics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

public class LevelTests
{
    public static TheoryData<string> Cases() => ConfigAgainstSpecTests.Cases();

    private static Level LevelOf(LoadedSpec spec, LevelAnalysis levels, CfgName name)
    {
        Assert.True(spec.MainContext!.TryLookup(name.Name, out var resolution), name.Name);
        return levels.Of(resolution.Target);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CfgEntriesHaveTheLevelsTlcRequires(string caseName)
    {
        var expected = Corpus.Expected(caseName);
        var dir = Corpus.CaseDir(caseName);
        var spec = SpecLoader.Load(Path.Combine(dir, expected.GetProperty("tla").GetString()!));
        var config = ModelConfig.Load(Path.Combine(dir, expected.GetProperty("cfg").GetString()!));
        var levels = new LevelAnalysis();

        if (config.Init is not null)
        {
            Assert.Equal(Level.State, LevelOf(spec, levels, config.Init));
        }

        if (config.Next is not null)
        {
            Assert.Equal(Level.Action, LevelOf(spec, levels, config.Next));
        }

        if (config.Specification is not null)
        {
            Assert.Equal(Level.Temporal, LevelOf(spec, levels, config.Specification));
        }

        Assert.All(config.Invariants.Concat(config.Constraints), n => Assert.True(LevelOf(spec, levels, n) <= Level.State, n.Name));
        Assert.All(config.ActionConstraints, n => Assert.Equal(Level.Action, LevelOf(spec, levels, n)));
        Assert.All(config.Properties, n => Assert.Equal(Level.Temporal, LevelOf(spec, levels, n)));
    }

    [Theory]
    [InlineData("1 + 2", Level.Constant)]
    [InlineData("x + 1", Level.State)]
    [InlineData("x' = x + 1", Level.Action)]
    [InlineData("UNCHANGED x", Level.Action)]
    [InlineData("ENABLED (x' = 1)", Level.State)]
    [InlineData("[Act]_x", Level.Action)]
    [InlineData("[][Act]_x", Level.Temporal)]
    [InlineData("WF_x(Act)", Level.Temporal)]
    [InlineData("(x = 1) ~> (x = 2)", Level.Temporal)]
    [InlineData("Inc(x)", Level.State)]
    [InlineData("Inc(1)", Level.Constant)]
    [InlineData("\\E i \\in {x} : i > 0", Level.State)]
    [InlineData("LET y == x' IN y", Level.Action)]
    [InlineData("Rec(3)", Level.State)]
    public void ExpressionLevels(string text, Level level)
    {
        var spec = SpecLoader.Load(new SourceFile("Main.tla",
            "---- MODULE Main ----\nEXTENDS Naturals\nVARIABLE x\nAct == x' = x + 1\nInc(n) == n + 1\n"
            + "RECURSIVE Rec(_)\nRec(n) == IF n = 0 THEN x ELSE Rec(n - 1)\nE == " + text + "\n====\n"),
            new InMemoryModuleSource(new Dictionary<string, string>()));
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        Assert.True(spec.MainContext!.TryLookup("E", out var e));
        Assert.Equal(level, new LevelAnalysis().Of(e.Target));
    }
}
