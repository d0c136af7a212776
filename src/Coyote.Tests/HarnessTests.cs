using VerifiedIpc.Coyote.Tests.Harness;
using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>The harness itself: rewriting is active, exploration interleaves, traces replay.</summary>
public sealed class HarnessTests(ITestOutputHelper output) : CoyoteTest(output)
{
    [Fact]
    public void Scenarios_and_library_are_rewritten() => Exploration.EnsureRewritten();

    [Fact]
    public void Locked_counter_has_no_lost_update() => AssertNoBug("selfcheck.counter");

    [Fact]
    public void Racy_counter_loses_an_update_and_the_trace_replays() => AssertFindsAndReplays("selfcheck.counter!lost-update");

    [Fact]
    public void Every_strategy_is_usable()
    {
        foreach (var strategy in Strategies.Names)
        {
            AssertFindsAndReplays("selfcheck.counter!lost-update", strategy, budget: 200, seed: 1);
        }
    }

    [Fact]
    public void A_trace_file_that_is_not_a_trace_is_a_clear_error()
    {
        var path = Path.Combine(TraceDirectory, "not-a-trace.json");
        Directory.CreateDirectory(TraceDirectory);
        File.WriteAllText(path, "{\"hello\": 1}");
        var error = Assert.Throws<InvalidDataException>(() => Exploration.Replay(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Every_scenario_names_a_known_strategy_and_a_budget()
    {
        Assert.All(Catalog.All, s =>
        {
            Assert.True(Strategies.IsKnown(s.Strategy), $"{s.Name}: unknown strategy {s.Strategy}");
            Assert.True(s.Budget > 0, $"{s.Name}: no budget");
        });
    }
}

/// <summary>The entry points <c>vipc test</c> and <c>vipc replay</c> call.</summary>
public sealed class SuiteRunnerTests
{
    [Fact]
    public void Test_then_replay_round_trips_through_a_trace_file()
    {
        var dir = Path.Combine(CoyoteTest.TraceDirectory, "suite-runner");
        var output = new StringWriter();
        Assert.Equal(SuiteRunner.Ok, SuiteRunner.Test("selfcheck.counter", budget: 50, strategy: "random", seed: 7, dir, output));
        var text = output.ToString();
        Assert.Contains("ok (seeded bug found)", text);
        var trace = Directory.GetFiles(dir, "selfcheck.counter!lost-update.random.s7.trace.json").Single();

        var replay = new StringWriter();
        Assert.Equal(SuiteRunner.Ok, SuiteRunner.Replay(trace, replay));
        Assert.Contains("reproduced", replay.ToString());
    }

    [Fact]
    public void Bad_input_is_reported_not_thrown()
    {
        var output = new StringWriter();
        Assert.Equal(SuiteRunner.BadInput, SuiteRunner.Test(null, null, "no-such-strategy", null, CoyoteTest.TraceDirectory, output));
        Assert.Equal(SuiteRunner.BadInput, SuiteRunner.Test("no-such-scenario", null, null, null, CoyoteTest.TraceDirectory, output));
        Assert.Equal(SuiteRunner.BadInput, SuiteRunner.Replay(Path.Combine(CoyoteTest.TraceDirectory, "missing.trace.json"), output));
        Assert.Contains("unknown strategy 'no-such-strategy'", output.ToString());
    }
}
