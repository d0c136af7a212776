namespace VerifiedIpc.Checker.Tests;

/// <summary>
/// The checker loads specifications through the front end (parser, module loader, name resolution), so the
/// semantic errors SANY reports stop a run before any state is explored, with the file, line and column: also in
/// operators the model never evaluates, and in .cfg files.
/// </summary>
public sealed class SemanticErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vipc-semantic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (CheckOutcome Outcome, string Output) Check(string body, string cfg = "INIT Init\nNEXT Next\n")
    {
        var tla = Path.Combine(_dir, "M.tla");
        File.WriteAllText(tla, $"---- MODULE M ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\n{body}\n====\n");
        var cfgPath = Path.Combine(_dir, "M.cfg");
        File.WriteAllText(cfgPath, cfg);
        var sw = new StringWriter();
        var o = ModelCheck.Run(new CheckRequest(tla, cfgPath), sw, (_, _, _, _) => { });
        return (o, sw.ToString());
    }

    [Fact]
    public void A_correct_spec_checks()
    {
        var (o, output) = Check("Next == x' = 1 - x");
        Assert.True(o.ExitCode == 0, output);
        Assert.Equal(2, o.Result!.DistinctStates);
    }

    [Fact]
    public void An_undefined_name_in_an_operator_the_model_never_uses_is_a_semantic_error()
    {
        var (o, output) = Check("Unused == y + 1\nNext == x' = x");
        Assert.Equal(150, o.ExitCode);
        Assert.Null(o.Result);
        Assert.Equal("semantic-error", o.LoadFailure);
        Assert.Equal((5, 11), o.ErrorLocation);
        Assert.Contains("Unknown operator: `y'.", output);
    }

    [Fact]
    public void A_bound_variable_that_shadows_a_declared_one_is_a_multiply_defined_symbol()
    {
        var (o, output) = Check("Next == \\E x \\in 1..2 : x' = x");
        Assert.Equal(150, o.ExitCode);
        Assert.Equal("semantic-error", o.LoadFailure);
        Assert.Equal((5, 12), o.ErrorLocation);
        Assert.Contains("Multiply-defined symbol 'x'", output);
    }

    [Fact]
    public void A_syntax_error_is_a_parse_error_with_its_location()
    {
        var (o, output) = Check("Next == x' = = x");
        Assert.Equal(150, o.ExitCode);
        Assert.Equal("parse-error", o.LoadFailure);
        Assert.Contains("***Parse Error***", output);
        Assert.Equal(5, o.ErrorLocation!.Value.Line);
    }

    [Fact]
    public void A_cfg_syntax_error_names_the_file_line_and_column()
    {
        var (o, output) = Check("Next == x' = x", "INIT Init\nNEXT Next\nINVARIANT = 3\n");
        Assert.Equal(255, o.ExitCode);
        Assert.Contains("M.cfg:3:11:", output);
        Assert.Contains("INVARIANT = 3", output);
    }

    [Fact]
    public void An_assumption_that_mentions_a_variable_is_a_level_error()
    {
        // TLC 2.20 run locally: "Semantic errors:" at line 5, col 1 to line 5, col 16, exit 150.
        var (o, output) = Check("ASSUME x + 1 > 0\nNext == x' = x");
        Assert.Equal(150, o.ExitCode);
        Assert.Equal("semantic-error", o.LoadFailure);
        Assert.Equal((5, 1), o.ErrorLocation);
        Assert.Contains("line 5, col 1 to line 5, col 16 of module M", output);
        Assert.Contains("Level error: assumptions must be level 0 (Constant), \nbut this one has level 1.", output.ReplaceLineEndings("\n"));
    }
}
