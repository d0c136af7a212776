using VerifiedIpc.Coyote.Tests.Harness;
using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests.Validation;

/// <summary>
/// Base of the trace-validation test classes: the budget they share (<c>VIPC_TRACE_BUDGET</c>, default
/// <see cref="DefaultBudget"/>), and a traced exploration — random strategy, seed 7, every iteration's NDJSON trace
/// captured — that prints what it explored.
/// </summary>
public abstract class TracedCoyoteTest(ITestOutputHelper output) : CoyoteTest(output)
{
    /// <summary>Iterations per exploration when <c>VIPC_TRACE_BUDGET</c> is not set (what CI runs).</summary>
    public const uint DefaultBudget = 100;

    /// <summary>Iterations per exploration: <c>VIPC_TRACE_BUDGET</c> when set to a positive number, else <see cref="DefaultBudget"/>.</summary>
    protected static uint Budget =>
        uint.TryParse(Environment.GetEnvironmentVariable("VIPC_TRACE_BUDGET"), out var b) && b > 0 ? b : DefaultBudget;

    /// <summary>Explores with pulses delivered when they are called (see <see cref="ExplorationOptions.ImmediatePulses"/>),
    /// so each trace shows the wake-ups the real Monitor would give.</summary>
    internal static (ExplorationResult Result, TraceSink Sink) ExploreTraced(string name, Func<TraceSink, Func<Task>> body, uint budget)
    {
        var sink = new TraceSink();
        var scenario = new Scenario(name, body(sink), null, "random", budget);
        var result = Exploration.Run(scenario, new ExplorationOptions("random", budget, Seed: 7, ImmediatePulses: true));
        return (result, sink);
    }

    /// <summary><see cref="ExploreTraced"/> at <paramref name="budget"/> (default <see cref="Budget"/>), logged.</summary>
    protected (ExplorationResult Result, TraceSink Sink) Explore(string name, Func<TraceSink, Func<Task>> body, uint? budget = null)
    {
        var (result, sink) = ExploreTraced(name, body, budget ?? Budget);
        Log("[coyote] " + result.Summary);
        return (result, sink);
    }
}
