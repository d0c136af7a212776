using System.CommandLine;

namespace VerifiedIpc.Cli;

/// <summary>
/// <c>vipc test [--budget N] [--strategy S] [--scenario TEXT] [--seed N] [--traces DIR] [--suite DLL] [--measure SEEDS]</c>: runs the
/// Coyote suite (the same scenarios as the xunit tests) and prints, per scenario, the iterations run, the distinct
/// schedules explored, the time, and each bug with the trace file it saved.
/// Exit codes: 0 all held and every seeded bug was found; 1 a check failed; 2 bad input or suite not built.
/// </summary>
public static class TestCommand
{
    /// <summary>Builds the <c>test</c> sub-command.</summary>
    public static Command Create()
    {
        var budget = new Option<uint?>("--budget") { Description = "Iterations per scenario (default: each scenario's own budget)." };
        var strategy = new Option<string?>("--strategy") { Description = "random, probabilistic, pct, fair-pct, delay-bounding, qlearning or dfs (default: each scenario's own)." };
        var scenario = new Option<string?>("--scenario") { Description = "Run only scenarios whose name contains this text." };
        var seed = new Option<uint?>("--seed") { Description = "Seed for the strategy's randomness (default: fresh each run)." };
        var traces = new Option<string>("--traces") { Description = "Folder for bug traces.", DefaultValueFactory = _ => "coyote-traces" };
        var suite = new Option<string?>("--suite") { Description = "Path of VerifiedIpc.Coyote.Tests.dll (default: found under src/Coyote.Tests/bin)." };
        var measure = new Option<uint?>("--measure") { Description = "Instead of testing: run every seeded bug with every strategy (or --strategy) for seeds 1..N and print iterations-to-bug as a Markdown table." };
        var command = new Command("test", "Run the Coyote systematic concurrency suite over the reference implementation.")
        {
            budget, strategy, scenario, seed, traces, suite, measure,
        };
        command.SetAction(parse =>
        {
            var path = TestSuiteLoader.Locate(parse.GetValue(suite));
            var output = parse.InvocationConfiguration.Output;
            if (path is null)
            {
                output.WriteLine(TestSuiteLoader.NotFoundMessage(parse.GetValue(suite)));
                return 2;
            }

            if (parse.GetValue(measure) is { } seeds)
            {
                return TestSuiteLoader.Invoke(path, "Measure", parse.GetValue(scenario), parse.GetValue(budget), parse.GetValue(strategy), seeds, output);
            }

            return TestSuiteLoader.Invoke(path, "Test",
                parse.GetValue(scenario), parse.GetValue(budget), parse.GetValue(strategy), parse.GetValue(seed),
                Path.GetFullPath(parse.GetValue(traces)!), output);
        });
        return command;
    }
}
