using System.Text.Json;

namespace VerifiedIpc.Cli.Tests;

/// <summary><c>vipc check</c>: TLC's flags and exit codes on small specifications written to a temp folder.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vipc-check-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Counter = """
        ---- MODULE Counter ----
        EXTENDS Naturals
        VARIABLE x
        Init == x = 0
        Next == x < 3 /\ x' = x + 1
        LIMIT == 5
        Small == x < LIMIT
        ====
        """;

    private string Write(string module, string cfg, string name = "Counter")
    {
        File.WriteAllText(Path.Combine(_dir, name + ".tla"), module);
        File.WriteAllText(Path.Combine(_dir, name + ".cfg"), cfg);
        return Path.Combine(_dir, name + ".tla");
    }

    private static int Run(params string[] args) => Program.BuildRoot().Parse(args).Invoke();

    [Fact]
    public void A_model_without_errors_exits_0()
    {
        var spec = Write(Counter, "INIT Init\nNEXT Next\nINVARIANT Small\nCHECK_DEADLOCK FALSE\n");
        Assert.Equal(0, Run("check", spec));
    }

    [Fact]
    public void A_reachable_deadlock_exits_11_and_the_deadlock_flag_turns_the_check_off()
    {
        var spec = Write(Counter, "INIT Init\nNEXT Next\n");
        Assert.Equal(11, Run("check", spec));
        Assert.Equal(0, Run("check", spec, "-deadlock"));
    }

    [Fact]
    public void An_invariant_violation_exits_12_and_dumps_the_shortest_trace_as_json()
    {
        var spec = Write(Counter.Replace("LIMIT == 5", "LIMIT == 2"), "INIT Init\nNEXT Next\nINVARIANT Small\n");
        var json = Path.Combine(_dir, "trace.json");
        Assert.Equal(12, Run("check", spec, "-workers", "2", "-dumpTrace", "json", json));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var states = doc.RootElement.GetProperty("state");
        Assert.Equal(3, states.GetArrayLength());
        Assert.Equal(2, states[2][1].GetProperty("x").GetInt32());
        Assert.Equal("Next", doc.RootElement.GetProperty("action")[0][1].GetProperty("name").GetString());
    }

    [Fact]
    public void An_explicit_config_file_is_used()
    {
        var spec = Write(Counter, "INIT Init\nNEXT Next\n");
        var other = Path.Combine(_dir, "Other.cfg");
        File.WriteAllText(other, "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n");
        Assert.Equal(0, Run("check", spec, "-config", other));
    }

    [Fact]
    public void A_parse_error_exits_150()
    {
        var spec = Write("---- MODULE Counter ----\nVARIABLE x\nInit == x = (1 + )\n====\n", "INIT Init\nNEXT Init\n");
        Assert.Equal(150, Run("check", spec));
    }

    [Fact]
    public void A_missing_spec_file_is_a_clear_error_not_a_crash()
    {
        Assert.Equal(255, Run("check", Path.Combine(_dir, "Nope.tla")));
    }

    [Fact]
    public void A_config_naming_an_undefined_operator_is_reported()
    {
        var spec = Write(Counter, "INIT Init\nNEXT Nowhere\n");
        Assert.Equal(255, Run("check", spec));
    }
}
