using VerifiedIpc.Tla.Config;
using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

public class ConfigTests
{
    private static ModelConfig Parse(string text) => ModelConfig.Parse(new SourceFile("M.cfg", text));

    public static TheoryData<string> Cases() => Corpus.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryCorpusConfigParses(string caseName)
    {
        var cfgName = Corpus.Expected(caseName).GetProperty("cfg").GetString()!;
        var config = ModelConfig.Load(Path.Combine(Corpus.CaseDir(caseName), cfgName));
        Assert.True(config.Diagnostics.Count == 0, string.Join("\n", config.Diagnostics));
        Assert.True(config.Specification is not null || (config.Init is not null && config.Next is not null));
    }

    [Fact]
    public void ConstantsOfEveryKind()
    {
        var config = Parse("""
            CONSTANTS
              N = 3
              Neg = -2
              Weights = {1, 5, 9}
              Procs = {p1, p2, p3}
              Leader = p1
              Names = {"x", "y"}
              Verbose = TRUE
              Greeting = "hello"
              c = c
              Nested = {{}, {a}}
              Pair = <<1, "s", b>>
            """);
        Assert.Empty(config.Diagnostics);
        var byName = config.Constants.ToDictionary(c => c.Constant.Name, c => c.Value);
        Assert.Equal(3, ((CfgNumber)byName["N"]).Value);
        Assert.Equal(-2, ((CfgNumber)byName["Neg"]).Value);
        Assert.Equal([1, 5, 9], ((CfgSet)byName["Weights"]).Elements.Select(e => (int)((CfgNumber)e).Value));
        Assert.Equal("p1", ((CfgModelValue)byName["Leader"]).Name);
        Assert.Equal(["x", "y"], ((CfgSet)byName["Names"]).Elements.Select(e => ((CfgString)e).Value));
        Assert.True(((CfgBoolean)byName["Verbose"]).Value);
        Assert.Equal("hello", ((CfgString)byName["Greeting"]).Value);
        Assert.Equal("c", ((CfgModelValue)byName["c"]).Name);
        Assert.Equal(2, ((CfgSet)byName["Nested"]).Elements.Length);
        Assert.Equal(3, ((CfgTuple)byName["Pair"]).Elements.Length);
        Assert.Equal(["p1", "p2", "p3", "c", "a", "b"], config.ModelValues);
    }

    [Fact]
    public void OverridesAndSections()
    {
        var config = Parse("""
            \* a comment
            CONSTANT Weight <- Double
            CONSTANT Limit <- [Other] SmallLimit (* block (* nested *) comment *)
            SPECIFICATION Spec
            INVARIANT A
            INVARIANTS B C
            PROPERTY P
            PROPERTIES Q R
            CONSTRAINT K1
            CONSTRAINTS K2
            ACTION_CONSTRAINT AC
            SYMMETRY Perms
            VIEW V
            ALIAS Al
            CHECK_DEADLOCK FALSE
            POSTCONDITION Post
            """);
        Assert.Empty(config.Diagnostics);
        Assert.Equal(2, config.Overrides.Count);
        Assert.Equal(("Weight", "Double", (string?)null), (config.Overrides[0].Target.Name, config.Overrides[0].Replacement.Name, config.Overrides[0].Module?.Name));
        Assert.Equal("Other", config.Overrides[1].Module!.Name);
        Assert.Equal("Spec", config.Specification!.Name);
        Assert.Equal(["A", "B", "C"], config.Invariants.Select(n => n.Name));
        Assert.Equal(["P", "Q", "R"], config.Properties.Select(n => n.Name));
        Assert.Equal(["K1", "K2"], config.Constraints.Select(n => n.Name));
        Assert.Equal(["AC"], config.ActionConstraints.Select(n => n.Name));
        Assert.Equal("Perms", config.Symmetry.Single().Name);
        Assert.Equal("V", config.View!.Name);
        Assert.Equal("Al", config.Alias!.Name);
        Assert.False(config.CheckDeadlock);
        Assert.Equal("Post", config.Postconditions.Single().Name);
    }

    [Fact]
    public void DeadlockDefaultIsUnset()
    {
        Assert.Null(Parse("INIT Init NEXT Next").CheckDeadlock);
        Assert.True(Parse("INIT Init NEXT Next CHECK_DEADLOCK TRUE").CheckDeadlock);
    }

    [Theory]
    [InlineData("INIT Init\nNEXT Next\nCONSTANT N = \n", DiagnosticCode.CfgExpectedValue, 4, 1, "Expected a value (number, string, TRUE/FALSE, set or model value) but encountered \"<EOF>\".")]
    [InlineData("Init\n", DiagnosticCode.CfgUnexpectedToken, 1, 1, "Unexpected \"Init\" in configuration file; expected a keyword such as INIT, NEXT, SPECIFICATION or CONSTANTS.")]
    [InlineData("CONSTANT N = {1, 2\nINIT Init", DiagnosticCode.CfgUnexpectedToken, 2, 1, "Unexpected \"INIT\" in configuration file; expected ',' or '}'.")]
    [InlineData("CONSTANT S = \"abc\nINIT I", DiagnosticCode.CfgUnterminatedString, 1, 14, "Unterminated string in configuration file.")]
    [InlineData("INIT Init ; NEXT Next", DiagnosticCode.CfgUnexpectedCharacter, 1, 11, "Unexpected character ';' in configuration file.")]
    [InlineData("CONSTANT N = 3000000000", DiagnosticCode.CfgInvalidNumber, 1, 14, "Number 3000000000 is out of range.")]
    [InlineData("CHECK_DEADLOCK maybe", DiagnosticCode.CfgUnexpectedToken, 1, 16, "Unexpected \"maybe\" in configuration file; expected TRUE or FALSE after CHECK_DEADLOCK.")]
    [InlineData("INVARIANT \"x\"", DiagnosticCode.CfgExpectedName, 1, 11, "Expected a name after INVARIANTS but encountered \"x\".")]
    public void ErrorsAreTypedAndLocated(string text, DiagnosticCode code, int line, int column, string? message)
    {
        var config = Parse(text);
        var first = config.Diagnostics.First();
        Assert.Equal(code, first.Code);
        Assert.Equal((line, column), (first.Line, first.Column));
        if (message is not null)
        {
            Assert.Equal(message, first.Message);
        }
    }
}

/// <summary>The cfg and the spec agree: every name a corpus cfg mentions resolves in the main module.</summary>
public class ConfigAgainstSpecTests
{
    /// <summary>Cases whose spec TLC accepts (50-53 are rejected by SANY and asserted by CorpusTests).</summary>
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Corpus.Cases)
        {
            var name = Path.GetFileName(dir);
            if (Corpus.Expected(name).GetProperty("result").GetString() is not ("parse-error" or "semantic-error"))
            {
                data.Add(name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryCfgNameResolvesInTheMainModule(string caseName)
    {
        var expected = Corpus.Expected(caseName);
        var dir = Corpus.CaseDir(caseName);
        var spec = VerifiedIpc.Tla.Modules.SpecLoader.Load(Path.Combine(dir, expected.GetProperty("tla").GetString()!));
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        var config = ModelConfig.Load(Path.Combine(dir, expected.GetProperty("cfg").GetString()!));
        var context = spec.MainContext!;
        var names = new[] { config.Init, config.Next, config.Specification, config.View, config.Alias }
            .Concat(config.Invariants).Concat(config.Properties).Concat(config.Constraints)
            .Concat(config.ActionConstraints).Concat(config.Symmetry).Concat(config.Overrides.Select(o => o.Replacement))
            .OfType<CfgName>();
        foreach (var name in names)
        {
            Assert.True(context.TryLookup(name.Name, out var resolution), $"{name} is not defined");
            Assert.IsNotType<VerifiedIpc.Tla.Syntax.BuiltinOperator>(resolution.Target);
        }

        // Every declared constant is given a value or an override, and the cfg sets nothing undeclared
        // (except TLC's "Big = 7" style replacement of a defined operator by a value).
        var assigned = config.Constants.Select(c => c.Constant.Name).Concat(config.Overrides.Select(o => o.Target.Name)).ToHashSet();
        Assert.All(context.Constants, c => Assert.Contains(c.Name, assigned));
        Assert.All(assigned, a => Assert.True(context.TryLookup(a, out _), $"cfg sets unknown {a}"));
    }
}
