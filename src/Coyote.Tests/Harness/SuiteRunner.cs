using System.Text.Json;

namespace VerifiedIpc.Coyote.Tests.Harness;

/// <summary>
/// The suite as a command: what <c>vipc test</c> and <c>vipc replay</c> call. The CLI loads this (rewritten)
/// assembly in its own load context and calls these methods by reflection, so their signatures use only base
/// library types.
/// </summary>
public static class SuiteRunner
{
    /// <summary>Exit code: everything held and every seeded bug was found (or the trace reproduced).</summary>
    public const int Ok = 0;

    /// <summary>Exit code: a correct scenario failed, a seeded bug was missed, or a trace did not reproduce.</summary>
    public const int Failed = 1;

    /// <summary>Exit code: bad input (unknown strategy or scenario, unreadable trace file).</summary>
    public const int BadInput = 2;

    /// <summary>
    /// Runs every scenario whose name contains <paramref name="filter"/> (all when null), each with its own
    /// strategy and budget unless <paramref name="strategy"/> or <paramref name="budget"/> override them. Prints one
    /// line per scenario (iterations, distinct schedules, time) and, for each bug, the trace file it saved.
    /// </summary>
    public static int Test(string? filter, uint? budget, string? strategy, uint? seed, string traceDirectory, TextWriter output) =>
        Run(filter, budget, s => budget ?? s.Budget, strategy, seed, traceDirectory, output);

    /// <summary>
    /// What <c>vipc verify</c> runs: every correct scenario at <paramref name="budget"/> iterations, and every seeded-bug
    /// scenario at its own stated budget when that is larger (a seeded bug must be found within the budget it is known
    /// to need, docs/coyote.md; a small verify budget would turn a slow-to-find bug into a flaky failure).
    /// </summary>
    public static int Verify(uint budget, string traceDirectory, TextWriter output) =>
        Run(null, budget, s => s.IsMutant ? Math.Max(budget, s.Budget) : budget, null, null, traceDirectory, output);

    /// <summary>
    /// <see cref="Verify"/> over the scenarios whose name contains <paramref name="filter"/> (all when null), also writing
    /// one <see cref="ScenarioOutcome"/> per scenario as a JSON array to <paramref name="results"/>: what the HTML report
    /// of <c>vipc verify</c> shows. JSON, because the CLI loads this assembly in its own load context and shares no types with it.
    /// </summary>
    public static int VerifyWithResults(uint budget, string? filter, string traceDirectory, TextWriter output, TextWriter results)
    {
        var outcomes = new List<ScenarioOutcome>();
        var code = Run(filter, budget, s => s.IsMutant ? Math.Max(budget, s.Budget) : budget, null, null, traceDirectory, output, outcomes);
        results.Write(JsonSerializer.Serialize(outcomes, ResultJson));
        return code;
    }

    /// <summary>
    /// <see cref="Validate"/> over the traced workloads whose name contains <paramref name="filter"/> (all when null), also
    /// writing one <see cref="WorkloadOutcome"/> per workload as a JSON array to <paramref name="results"/>.
    /// </summary>
    public static int ValidateWithResults(uint budget, string? filter, TextWriter output, TextWriter results)
    {
        var outcomes = new List<WorkloadOutcome>();
        var code = ValidateCore(budget, output, filter, outcomes);
        results.Write(JsonSerializer.Serialize(outcomes, ResultJson));
        return code;
    }

    private static readonly JsonSerializerOptions ResultJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static int Run(string? filter, uint? budget, Func<Scenario, uint> budgetFor, string? strategy, uint? seed, string traceDirectory, TextWriter output,
        List<ScenarioOutcome>? outcomes = null)
    {
        if (strategy is not null && !Strategies.IsKnown(strategy))
        {
            output.WriteLine($"error: unknown strategy '{strategy}'; known: {string.Join(", ", Strategies.Names)}.");
            return BadInput;
        }

        if (budget == 0)
        {
            output.WriteLine("error: --budget must be at least 1.");
            return BadInput;
        }

        var selected = Catalog.All.Where(s => filter is null || s.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
        if (selected.Count == 0)
        {
            output.WriteLine($"error: no scenario matches '{filter}'; scenarios: {string.Join(", ", Catalog.All.Select(s => s.Name))}.");
            return BadInput;
        }

        try
        {
            Exploration.EnsureRewritten();
        }
        catch (InvalidOperationException e)
        {
            output.WriteLine("error: " + e.Message);
            return BadInput;
        }

        int failures = 0, schedules = 0, iterations = 0;
        foreach (var scenario in selected)
        {
            var result = Exploration.Run(scenario, new ExplorationOptions(strategy ?? scenario.Strategy, budgetFor(scenario), seed));
            iterations += result.Iterations;
            schedules += result.DistinctSchedules;
            var verdict = (scenario.IsMutant, result.FoundBug) switch
            {
                (false, false) => "ok",
                (false, true) => "FAIL (bug in correct code)",
                (true, true) when scenario.IsExpected(result.Bug!) => "ok (seeded bug found)",
                (true, true) => "FAIL (seeded bug found, but not the expected failure)",
                (true, false) => "FAIL (seeded bug missed)",
            };
            if (verdict.StartsWith("FAIL", StringComparison.Ordinal))
            {
                failures++;
            }

            output.WriteLine($"{verdict,-24} {result.Summary}");
            string? saved = null;
            if (result.FoundBug)
            {
                saved = Exploration.SaveTrace(result, traceDirectory);
                output.WriteLine($"{"",-24}   trace: {saved}");
            }

            outcomes?.Add(new ScenarioOutcome(
                scenario.Name, scenario.IsMutant, result.Strategy, result.Budget, result.Iterations, result.DistinctSchedules,
                result.Elapsed.TotalSeconds, verdict, !verdict.StartsWith("FAIL", StringComparison.Ordinal), result.Bug, saved));
        }

        output.WriteLine($"{selected.Count} scenarios, {iterations} iterations, {schedules} distinct schedules, {failures} failed.");
        return failures == 0 ? Ok : Failed;
    }

    /// <summary>
    /// Explores the traced buffer workloads at <paramref name="budget"/> iterations each and validates every distinct
    /// trace against the spec's trace module (<c>spec/*Trace.tla</c>): correct code accepted, seeded bugs rejected at
    /// the event an independent oracle names. What <c>vipc verify</c> runs after the Coyote suite.
    /// </summary>
    public static int Validate(uint budget, TextWriter output) => ValidateCore(budget, output, null, null);

    private static int ValidateCore(uint budget, TextWriter output, string? filter, List<WorkloadOutcome>? outcomes)
    {
        if (budget == 0)
        {
            output.WriteLine("error: the validation budget must be at least 1.");
            return BadInput;
        }

        try
        {
            Exploration.EnsureRewritten();
        }
        catch (InvalidOperationException e)
        {
            output.WriteLine("error: " + e.Message);
            return BadInput;
        }

        try
        {
            _ = Validation.SpecTraces.SpecDirectory;
        }
        catch (TypeInitializationException e) when (e.InnerException is InvalidOperationException inner)
        {
            output.WriteLine("error: " + inner.Message);
            return BadInput;
        }

        return Validation.ValidationRun.Run(budget, output, filter, outcomes);
    }

    /// <summary>Replays a saved trace file and says whether it reproduces the bug it recorded.</summary>
    public static int Replay(string traceFile, TextWriter output)
    {
        TraceFile trace;
        string? bug;
        try
        {
            (trace, bug) = Exploration.Replay(traceFile);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            output.WriteLine("error: " + e.Message);
            return BadInput;
        }

        output.WriteLine($"scenario: {trace.Scenario} (found by {trace.Strategy} at iteration {trace.Iteration})");
        output.WriteLine($"recorded: {trace.Bug}");
        output.WriteLine($"replayed: {bug ?? "(no bug: the schedule no longer fails)"}");
        var same = bug == trace.Bug;
        output.WriteLine(same ? "reproduced" : "NOT reproduced");
        return same ? Ok : Failed;
    }

    /// <summary>
    /// For every seeded-bug scenario matching <paramref name="filter"/>: runs each strategy (or only
    /// <paramref name="strategy"/>) with seeds 1..<paramref name="seeds"/> and prints a Markdown table of
    /// iterations-to-bug (median, min–max, and how many seeds found it within the budget).
    /// </summary>
    public static int Measure(string? filter, uint? budget, string? strategy, uint seeds, TextWriter output)
    {
        if (strategy is not null && !Strategies.IsKnown(strategy))
        {
            output.WriteLine($"error: unknown strategy '{strategy}'; known: {string.Join(", ", Strategies.Names)}.");
            return BadInput;
        }

        var mutants = Catalog.All.Where(s => s.IsMutant && (filter is null || s.Name.Contains(filter, StringComparison.OrdinalIgnoreCase))).ToList();
        if (mutants.Count == 0 || seeds == 0)
        {
            output.WriteLine("error: nothing to measure (no seeded-bug scenario matches, or --measure 0).");
            return BadInput;
        }

        var strategies = strategy is null ? Strategies.Names : [strategy];
        output.WriteLine($"| seeded bug | budget | {string.Join(" | ", strategies)} |");
        output.WriteLine($"|---|---:|{string.Concat(strategies.Select(_ => "---:|"))}");
        var missed = 0;
        foreach (var scenario in mutants)
        {
            var b = budget ?? scenario.Budget;
            var cells = new List<string>();
            foreach (var name in strategies)
            {
                var found = new List<int>();
                for (uint seed = 1; seed <= seeds; seed++)
                {
                    var r = Exploration.Run(scenario, new ExplorationOptions(name, b, seed));
                    if (r.FoundBug && scenario.IsExpected(r.Bug!))
                    {
                        found.Add(r.Iterations);
                    }
                }

                found.Sort();
                missed += found.Count < seeds ? 1 : 0;
                cells.Add(found.Count == 0 ? $"— (0/{seeds})" : $"{found[(found.Count - 1) / 2]} ({found[0]}–{found[^1]}, {found.Count}/{seeds})");
            }

            output.WriteLine($"| {scenario.Name} | {b} | {string.Join(" | ", cells)} |");
        }

        output.WriteLine();
        output.WriteLine("Cells: median iterations to the bug (min–max, seeds that found it within the budget / seeds run).");
        return missed == 0 ? Ok : Failed;
    }

    /// <summary>Names of all scenarios, with their default strategy and budget.</summary>
    public static IReadOnlyList<string> List() =>
        [.. Catalog.All.Select(s => $"{s.Name}  strategy={s.Strategy} budget={s.Budget}{(s.IsMutant ? " (seeded bug)" : "")}")];
}

/// <summary>How one scenario of the suite came out, for reports (see <see cref="SuiteRunner.VerifyWithResults"/>).</summary>
/// <param name="Name">The scenario (<c>buffers.bounded.2p2c!IfInsteadOfWhile</c>).</param>
/// <param name="SeededBug">Whether it runs a seeded bug that exploration must find.</param>
/// <param name="Strategy">The exploration strategy.</param>
/// <param name="Budget">The iteration budget it ran with.</param>
/// <param name="Iterations">Iterations run; for a found bug, the iteration that found it.</param>
/// <param name="DistinctSchedules">Distinct schedules among them.</param>
/// <param name="Seconds">Wall-clock time.</param>
/// <param name="Verdict">The console's verdict: <c>ok</c>, <c>ok (seeded bug found)</c>, <c>FAIL (...)</c>.</param>
/// <param name="Passed">Whether the outcome is the expected one.</param>
/// <param name="Bug">The first line of the bug report, when a bug was found.</param>
/// <param name="TraceFile">The saved trace of the bug (for <c>vipc replay</c>), when a bug was found.</param>
public sealed record ScenarioOutcome(
    string Name, bool SeededBug, string Strategy, uint Budget, int Iterations, int DistinctSchedules, double Seconds,
    string Verdict, bool Passed, string? Bug, string? TraceFile);

/// <summary>How one traced workload's traces were judged, for reports (see <see cref="SuiteRunner.ValidateWithResults"/>).</summary>
/// <param name="Name">The workload (<c>traced.rendezvous.2p2c!SendReturnsBeforeTaken</c>).</param>
/// <param name="Module">The trace module's file name (<c>RendezvousTrace.tla</c>).</param>
/// <param name="SeededBug">Whether it runs a seeded bug whose traces must be rejected.</param>
/// <param name="Budget">The iteration budget it ran with.</param>
/// <param name="Iterations">Iterations run (one trace each).</param>
/// <param name="Distinct">Distinct traces, each validated once.</param>
/// <param name="Events">Events validated over the distinct traces.</param>
/// <param name="Rejected">Distinct traces the spec does not allow.</param>
/// <param name="Showing">Distinct traces in which the seeded bug shows (by the independent oracle); 0 for correct code.</param>
/// <param name="Verdict">The console's verdict: <c>ok</c>, <c>ok (seeded bug rejected)</c>, <c>FAIL (...)</c>.</param>
/// <param name="Passed">Whether the outcome is the expected one.</param>
/// <param name="OwnCheckFailure">The workload's own assertion that failed, if one did.</param>
/// <param name="Environment">What the trace module read from IOEnv besides the trace (e.g. <c>VIPC_CAPACITY</c>).</param>
/// <param name="Rejections">The rejected traces shown in reports: the shortest one.</param>
public sealed record WorkloadOutcome(
    string Name, string Module, bool SeededBug, uint Budget, int Iterations, int Distinct, long Events, int Rejected, int Showing,
    string Verdict, bool Passed, string? OwnCheckFailure, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<RejectionOutcome> Rejections);

/// <summary>One rejected trace with the validator's verdict.</summary>
/// <param name="Trace">The NDJSON lines.</param>
/// <param name="EventIndex">The first event no action explains (1-based), or one past the last for <paramref name="IncompleteEnd"/>.</param>
/// <param name="EventsMatched">The longest matched prefix: events 1..EventsMatched.</param>
/// <param name="ExpectedIndex">The event the independent oracle names, for a seeded bug.</param>
/// <param name="CandidateStates">Spec states consistent with the matched prefix (TLC's <c>/\ var = value</c> lines), the first few.</param>
/// <param name="CandidateCount">How many candidate states there were in all.</param>
/// <param name="IncompleteEnd">Rejected at its end: every event explained, but the run stopped where the spec cannot
/// (<paramref name="EventIndex"/> is then one past the last event).</param>
/// <param name="CompletionPredicate">The predicate the end had to satisfy, for a trace validated as a complete run.</param>
public sealed record RejectionOutcome(
    IReadOnlyList<string> Trace, int EventIndex, int EventsMatched, int? ExpectedIndex, IReadOnlyList<string> CandidateStates, int CandidateCount,
    bool IncompleteEnd = false, string? CompletionPredicate = null);
