using System.Diagnostics;
using VerifiedIpc.Checker.Engine;
using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Output;

namespace VerifiedIpc.Checker;

/// <summary>What <c>vipc check</c> was asked to do (TLC's flags).</summary>
public sealed record CheckRequest(string SpecPath, string? ConfigPath = null, int Workers = 1, bool DisableDeadlock = false, string? DumpTraceJsonPath = null, long StateLimit = 0);

/// <summary>The outcome of a whole run: the result (when the model could be checked) and TLC's exit code.</summary>
public sealed record CheckOutcome(int ExitCode, CheckResult? Result, CompiledModel? Model, string? ErrorMessage, TimeSpan Elapsed)
{
    /// <summary>"parse-error", "semantic-error" or "config-error" when the model could not be loaded.</summary>
    public string? LoadFailure { get; init; }

    /// <summary>Line and column of the error TLC would point at (parse, semantic or innermost evaluation error).</summary>
    public (int Line, int Column)? ErrorLocation { get; init; }
}

/// <summary>Loads, checks and reports a model in TLC's words; the one entry point the CLI and tests share.</summary>
public static class ModelCheck
{
    /// <summary>Runs the check, writing TLC-style output to <paramref name="output"/>.</summary>
    public static CheckOutcome Run(CheckRequest request, TextWriter output, Action<int, long, long, long>? progress = null)
    {
        // Deep but finite recursion in a specification needs more stack than a default thread has; the evaluator
        // checks the remaining stack before each recursive step, so running out is an evaluation error, not a crash.
        CheckOutcome? outcome = null;
        Exception? crash = null;
        var thread = new Thread(() =>
        {
            try { outcome = RunOnThisThread(request, output, progress); }
            catch (Exception e) { crash = e; }
        }, 32 * 1024 * 1024);
        thread.Start();
        thread.Join();
        if (crash != null)
        {
            output.WriteLine("Error: the checker failed unexpectedly (this is a bug in vipc, not in the specification):");
            output.WriteLine(crash.ToString());
            return new CheckOutcome(1, null, null, crash.Message, TimeSpan.Zero);
        }
        return outcome!;
    }

    private static CheckOutcome RunOnThisThread(CheckRequest request, TextWriter output, Action<int, long, long, long>? progress)
    {
        var sw = Stopwatch.StartNew();
        CompiledModel model;
        try
        {
            output.WriteLine($"vipc check: {Path.GetFileName(request.SpecPath)} with {request.Workers} worker{(request.Workers == 1 ? "" : "s")}");
            model = SpecLoader.Load(request.SpecPath, request.ConfigPath, output);
        }
        catch (SpecErrorException e)
        {
            output.WriteLine(e.IsParseError ? "***Parse Error***" : "Semantic errors:\n\n*** Errors: 1\n");
            output.WriteLine(e.Message);
            return new CheckOutcome(150, null, null, e.Message, sw.Elapsed)
            {
                LoadFailure = e.IsParseError ? "parse-error" : "semantic-error",
                ErrorLocation = e.Diagnostics.Count > 0 ? (e.Diagnostics[0].Line, e.Diagnostics[0].Column) : null,
            };
        }
        catch (SemanticException e)
        {
            output.WriteLine("Semantic errors:");
            output.WriteLine();
            output.WriteLine("*** Errors: 1");
            output.WriteLine();
            output.WriteLine(e.Span.ToTlcString());
            output.WriteLine();
            output.WriteLine(e.Message);
            return new CheckOutcome(150, null, null, e.Message, sw.Elapsed)
            {
                LoadFailure = "semantic-error",
                ErrorLocation = (e.Span.StartLine, e.Span.StartColumn),
            };
        }
        catch (CfgException e)
        {
            output.WriteLine($"Error: {e.Message}");
            return new CheckOutcome(e.ExitCode, null, null, e.Message, sw.Elapsed) { LoadFailure = "config-error" };
        }
        catch (StartupException e)
        {
            output.WriteLine($"Error: {e.Message}");
            return new CheckOutcome(e.ExitCode, null, null, e.Message, sw.Elapsed) { LoadFailure = "eval-error" };
        }
        catch (CheckerException e)
        {
            output.WriteLine($"Error: {e.Message}");
            return new CheckOutcome(150, null, null, e.Message, sw.Elapsed) { LoadFailure = "semantic-error" };
        }
        catch (IOException e)
        {
            output.WriteLine($"Error: {e.Message}");
            return new CheckOutcome(255, null, null, e.Message, sw.Elapsed) { LoadFailure = "config-error" };
        }

        output.WriteLine("Computing initial states...");
        CheckResult result;
        try
        {
            var options = new CheckOptions
            {
                Workers = Math.Max(1, request.Workers),
                DisableDeadlock = request.DisableDeadlock,
                StateLimit = request.StateLimit,
                Progress = progress ?? ((d, g, n, q) =>
                    output.WriteLine($"Progress({d}) at {DateTime.Now:yyyy-MM-dd HH:mm:ss}: {g} states generated, {n} distinct states found, {q} states left on queue.")),
            };
            result = new Explorer(model, options).Run();
        }
        catch (CheckerException e)
        {
            output.WriteLine($"Error: {e.Message}");
            return new CheckOutcome(150, null, model, e.Message, sw.Elapsed) { LoadFailure = "semantic-error" };
        }
        if (model.Temporal is { NeedsGraph: true } && result.Verdict is Verdict.Success or Verdict.TemporalViolated)
            output.WriteLine($"Checking temporal properties for the complete state space with {result.DistinctStates} total distinct states at ({DateTime.Now:yyyy-MM-dd HH:mm:ss})");
        if (result.Verdict == Verdict.TemporalViolated) Liveness.LassoBuilder.Write(result, model, output, markChanges: true);
        else if (result.Verdict == Verdict.ActionPropertyViolated && result.InInitialState)
        {
            // The initial predicate of a PROPERTY (e.g. a refined spec's Init) fails: reported like an invariant of the initial state.
            output.WriteLine($"Error: Property {result.Violated} is violated by the initial state:");
            if (result.Trace is { Count: > 0 } t0) output.WriteLine(TlcReport.FormatState(model.Render(t0, t0.Count - 1)));
        }
        else
        {
            if (result.Verdict == Verdict.ActionPropertyViolated) output.WriteLine($"Error: Action property {result.Violated} is violated.");
            TlcReport.Write(result, model, output, markChanges: true);
        }
        if (request.DumpTraceJsonPath is { } path && result.Trace is { Count: > 0 })
        {
            File.WriteAllText(path, Liveness.LassoBuilder.TraceJsonFor(result, model));
            output.WriteLine($"\"CounterExample written: {path}\"");
        }
        output.WriteLine($"Finished in {sw.ElapsedMilliseconds} ms.");
        return new CheckOutcome(result.ExitCode, result, model, result.Error?.Message, sw.Elapsed)
        {
            ErrorLocation = result.Error?.Span is { } span ? (span.StartLine, span.StartColumn)
                : result.PropertySpan is { } ps && result.Violated != null && result.Violated.StartsWith("line ", StringComparison.Ordinal) ? (ps.StartLine, ps.StartColumn) : null,
        };
    }
}
