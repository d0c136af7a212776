using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests.Harness;

/// <summary>
/// Base of the xunit classes: runs a catalogued scenario with its stated strategy and budget, prints what was
/// explored to the test output and the console, and for a seeded bug saves the trace and replays it.
/// </summary>
public abstract class CoyoteTest(ITestOutputHelper output)
{
    /// <summary>Where bug traces are saved (under the test output folder).</summary>
    public static string TraceDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "coyote-traces");

    /// <summary>Explores a correct scenario for its whole budget and asserts that no schedule violates an invariant.</summary>
    protected ExplorationResult AssertNoBug(string scenarioName, string? strategy = null, uint? budget = null)
    {
        var scenario = Catalog.Get(scenarioName);
        Assert.False(scenario.IsMutant, $"{scenario.Name} is a seeded bug; use AssertFindsAndReplays.");
        var result = Report(Exploration.Run(scenario, new ExplorationOptions(strategy ?? scenario.Strategy, budget ?? scenario.Budget)));
        Assert.True(result.Bug is null, $"{result.Summary}\n{TraceNote(result)}");
        Assert.True(result.Iterations > 0, "nothing was explored");
        return result;
    }

    /// <summary>
    /// Explores a seeded-bug scenario: the bug must be found within the budget, its report must name the expected
    /// failure, and the saved trace file must replay to the same failure.
    /// </summary>
    protected ExplorationResult AssertFindsAndReplays(string scenarioName, string? strategy = null, uint? budget = null, uint? seed = null)
    {
        var scenario = Catalog.Get(scenarioName);
        Assert.True(scenario.IsMutant, $"{scenario.Name} has no seeded bug.");
        var result = Report(Exploration.Run(scenario, new ExplorationOptions(strategy ?? scenario.Strategy, budget ?? scenario.Budget, seed)));
        Assert.True(result.Bug is not null, $"seeded bug not found within the budget: {result.Summary}");
        Assert.True(scenario.IsExpected(result.Bug), $"found a bug, but not the seeded one (expected '{scenario.ExpectedBug}'): {result.Bug}");

        var path = Exploration.SaveTrace(result, TraceDirectory);
        var (trace, replayed) = Exploration.Replay(path);
        Log($"  trace {path} replays to: {replayed ?? "(no bug)"}");
        Assert.Equal(scenario.Name, trace.Scenario);
        Assert.Equal(result.Bug, replayed);
        return result;
    }

    /// <summary>Writes a line to the xunit output and the console (CI logs show both).</summary>
    protected void Log(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private ExplorationResult Report(ExplorationResult result)
    {
        Log("[coyote] " + result.Summary);
        return result;
    }

    private static string TraceNote(ExplorationResult result) =>
        result.Trace is null ? "" : "trace saved to " + Exploration.SaveTrace(result, TraceDirectory);
}
