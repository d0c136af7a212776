using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace VerifiedIpc.Coyote.Tests.Harness;

/// <summary>How one exploration runs: strategy by name, iteration budget, and an optional seed for the strategy's randomness.</summary>
/// <param name="Strategy">Strategy name (see <see cref="Strategies"/>).</param>
/// <param name="Budget">Iteration budget.</param>
/// <param name="Seed">Seed of the strategy's randomness, when fixed.</param>
/// <param name="ImmediatePulses">Turns off Coyote's lock-access race checking, whose model delays a
/// <c>Monitor.Pulse</c>/<c>PulseAll</c> until after the pulser releases the lock and then wakes whoever is waiting
/// at that later moment — including threads that began waiting after the pulse, which .NET's Monitor never does.
/// Trace validation needs this: a trace logs each PulseAll where it is called, and the spec (like the real Monitor)
/// wakes only the threads already waiting. The price is the scheduling point Coyote adds before acquiring a free lock.</param>
public sealed record ExplorationOptions(string Strategy, uint Budget, uint? Seed = null, bool ImmediatePulses = false);

/// <summary>What one exploration did.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Budget">Iteration budget.</param>
/// <param name="Seed">Seed of the strategy's randomness, when fixed.</param>
/// <param name="Elapsed">Wall-clock time of the exploration.</param>
/// <param name="Iterations">Iterations (schedules) run; for a mutant, the iteration that found the bug.</param>
/// <param name="DistinctSchedules">Distinct schedules among them, as Coyote's schedule coverage counts them.</param>
/// <param name="Bug">First line of the bug report, or null when no bug was found.</param>
/// <param name="Trace">The reproducible trace of the bug (opaque text), or null.</param>
public sealed record ExplorationResult(
    string Scenario, string Strategy, uint Budget, uint? Seed, int Iterations, int DistinctSchedules, TimeSpan Elapsed,
    string? Bug, string? Trace)
{
    public bool FoundBug => Bug is not null;

    /// <summary>One line for logs and the CLI.</summary>
    public string Summary =>
        $"{Scenario}: strategy={Strategy} budget={Budget}{(Seed is { } s ? $" seed={s}" : "")} iterations={Iterations} " +
        $"distinct-schedules={DistinctSchedules} time={Elapsed.TotalSeconds:F2}s " +
        (Bug is null ? "no bug" : $"BUG at iteration {Iterations}: {Bug}");
}

/// <summary>A bug trace on disk: enough to re-run the exact schedule with <see cref="Exploration.Replay(string)"/>.</summary>
public sealed record TraceFile(string Format, string Scenario, string Strategy, uint? Seed, int Iteration, string Bug, string Schedule)
{
    public const string CurrentFormat = "vipc-coyote-trace/1";

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));
    }

    /// <summary>Reads a trace file; a missing, malformed or foreign file is an <see cref="InvalidDataException"/> naming the path.</summary>
    public static TraceFile Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Trace file '{path}' does not exist.", path);
        }

        TraceFile? trace;
        try
        {
            trace = JsonSerializer.Deserialize<TraceFile>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a vipc trace file: {e.Message}", e);
        }

        if (trace is null || trace.Format != CurrentFormat || string.IsNullOrEmpty(trace.Schedule) || string.IsNullOrEmpty(trace.Scenario))
        {
            throw new InvalidDataException($"'{path}' is not a vipc trace file (expected format '{CurrentFormat}' with a scenario and a schedule).");
        }

        return trace;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>
/// Runs scenarios under Coyote's systematic scheduler. This class and <see cref="Strategies"/> are the only
/// Coyote-specific code of the suite: replacing the scheduler means replacing these two.
/// </summary>
public static class Exploration
{
    /// <summary>Assemblies whose synchronisation must be under the scheduler's control: the scenarios and the library.</summary>
    public static IReadOnlyList<Assembly> ControlledAssemblies { get; } =
        [typeof(Exploration).Assembly, typeof(VerifiedIpc.Reference.ProcessId).Assembly];

    /// <summary>
    /// Throws unless every controlled assembly carries Coyote's rewriting signature. Without rewriting, Coyote
    /// reports a false deadlock in the first iteration even on correct code, so a test expecting a bug would pass
    /// for the wrong reason.
    /// </summary>
    public static void EnsureRewritten()
    {
        var missing = ControlledAssemblies
            .Where(a => !a.GetCustomAttributes().Any(x => x.GetType().FullName == "Microsoft.Coyote.Rewriting.RewritingSignatureAttribute"))
            .Select(a => $"{a.GetName().Name} ({a.Location})")
            .ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                "Not rewritten by Coyote: " + string.Join(", ", missing) +
                ". Build the project VerifiedIpc.Coyote.Tests (its build runs `dotnet coyote rewrite`).");
        }
    }

    /// <summary>Explores <paramref name="scenario"/> with the given options; stops at the first bug.</summary>
    public static ExplorationResult Run(Scenario scenario, ExplorationOptions options)
    {
        EnsureRewritten();
        var configuration = Strategies.Apply(Base().WithTestingIterations(options.Budget), options.Strategy);
        if (options.Seed is { } seed)
        {
            configuration = configuration.WithRandomGeneratorSeed(seed);
        }

        if (options.ImmediatePulses)
        {
            configuration = configuration.WithLockAccessRaceCheckingEnabled(false);
        }

        var clock = Stopwatch.StartNew();
        using var engine = TestingEngine.Create(configuration, WithMonitors(scenario.Body));
        Quiet(engine);
        engine.Run();
        clock.Stop();
        var report = engine.TestReport;
        var bug = report.NumOfFoundBugs > 0 ? FirstLine(report.BugReports.First()) : null;
        return new ExplorationResult(
            scenario.Name, options.Strategy, options.Budget, options.Seed,
            report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths,
            report.CoverageInfo?.ExploredPaths?.Count ?? 0,
            clock.Elapsed, bug, bug is null ? null : engine.ReproducibleTrace);
    }

    /// <summary>Re-runs exactly the schedule of <paramref name="trace"/>; returns the bug it reproduces, or null.</summary>
    public static string? Replay(Scenario scenario, string trace)
    {
        EnsureRewritten();
        var configuration = Base().WithReproducibleTrace(trace);
        using var engine = TestingEngine.Create(configuration, WithMonitors(scenario.Body));
        Quiet(engine);
        engine.Run();
        var report = engine.TestReport;
        return report.NumOfFoundBugs > 0 ? FirstLine(report.BugReports.First()) : null;
    }

    /// <summary>Replays a saved trace file against the scenario it names.</summary>
    public static (TraceFile Trace, string? Bug) Replay(string traceFile)
    {
        var trace = TraceFile.Load(traceFile);
        var scenario = Catalog.Find(trace.Scenario)
            ?? throw new InvalidDataException($"'{traceFile}' names scenario '{trace.Scenario}', which this build does not have.");
        return (trace, Replay(scenario, trace.Schedule));
    }

    /// <summary>Saves the bug of <paramref name="result"/> as a trace file in <paramref name="directory"/>; returns its path.</summary>
    public static string SaveTrace(ExplorationResult result, string directory)
    {
        if (result.Bug is null || result.Trace is null)
        {
            throw new InvalidOperationException($"{result.Scenario}: no bug, so no trace to save.");
        }

        var path = Path.Combine(directory, $"{result.Scenario}.{result.Strategy}{(result.Seed is { } s ? $".s{s}" : "")}.trace.json");
        new TraceFile(TraceFile.CurrentFormat, result.Scenario, result.Strategy, result.Seed, result.Iterations, result.Bug, result.Trace).Save(path);
        return path;
    }

    // VIPC_COYOTE_VERBOSE=1 shows Coyote's own log (every scheduling decision on replay): the way to read a trace.
    private static bool Verbose => Environment.GetEnvironmentVariable("VIPC_COYOTE_VERBOSE") == "1";

    private static Func<Task> WithMonitors(Func<Task> body) => () =>
    {
        Eventually.Register();
        return body();
    };

    private static Configuration Base() => Configuration.Create()
        .WithTelemetryEnabled(false)
        .WithScheduleCoverageReported(true)
        .WithVerbosityEnabled(Verbose ? Microsoft.Coyote.Logging.VerbosityLevel.Exhaustive : Microsoft.Coyote.Logging.VerbosityLevel.None)
        .WithConsoleLoggingEnabled(Verbose);

    private static void Quiet(TestingEngine engine)
    {
        if (!Verbose)
        {
            engine.SetLogger(new Microsoft.Coyote.Logging.TextWriterLogger(TextWriter.Null, Microsoft.Coyote.Logging.VerbosityLevel.None));
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.AsSpan().TrimStart();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end]).ToString();
    }
}
