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

    private static int Run(string? filter, uint? budget, Func<Scenario, uint> budgetFor, string? strategy, uint? seed, string traceDirectory, TextWriter output)
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
            if (result.FoundBug)
            {
                output.WriteLine($"{"",-24}   trace: {Exploration.SaveTrace(result, traceDirectory)}");
            }
        }

        output.WriteLine($"{selected.Count} scenarios, {iterations} iterations, {schedules} distinct schedules, {failures} failed.");
        return failures == 0 ? Ok : Failed;
    }

    /// <summary>
    /// Explores the traced buffer workloads at <paramref name="budget"/> iterations each and validates every distinct
    /// trace against the spec's trace module (<c>spec/*Trace.tla</c>): correct code accepted, seeded bugs rejected at
    /// the event an independent oracle names. What <c>vipc verify</c> runs after the Coyote suite.
    /// </summary>
    public static int Validate(uint budget, TextWriter output)
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

        return Validation.ValidationRun.Run(budget, output);
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
