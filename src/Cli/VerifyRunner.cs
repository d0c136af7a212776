using System.Diagnostics;
using VerifiedIpc.Checker;
using VerifiedIpc.Checker.Engine;

namespace VerifiedIpc.Cli;

/// <summary>How one manifest entry came out.</summary>
public enum VerifyStatus
{
    /// <summary>The checker reproduced TLC's verdict, violated property, state counts, depth and exit code.</summary>
    Ok,
    /// <summary>The checker disagrees with TLC on something it does check.</summary>
    Mismatch,
}

/// <summary>The result of checking one manifest entry.</summary>
public sealed record VerifyResult(
    ManifestEntry Entry, VerifyStatus Status, string Verdict, string? Violated,
    long? DistinctStates, long? StatesGenerated, int? Depth, int ExitCode, TimeSpan Elapsed,
    IReadOnlyList<string> Differences, string? CounterexampleJson, string? ErrorMessage)
{
    /// <summary>A one-line reason for a MISMATCH status; empty for OK.</summary>
    public string Note => Status == VerifyStatus.Mismatch ? string.Join("; ", Differences) : "";
}

/// <summary>Checks manifest entries with the checker and compares the outcome with TLC's numbers.</summary>
public static class VerifyRunner
{
    /// <summary>The manifest's word for a checker verdict.</summary>
    public static string VerdictWord(Verdict v) => v switch
    {
        Verdict.Success => "success",
        Verdict.InvariantViolated => "invariant",
        Verdict.Deadlock => "deadlock",
        Verdict.AssumptionFalse or Verdict.AssumptionError => "assume",
        Verdict.StateLimitReached => "state-limit",
        Verdict.TemporalViolated or Verdict.ActionPropertyViolated => "property",
        _ => "eval-error",
    };

    /// <summary>Checks <paramref name="entry"/>, whose paths are relative to <paramref name="specDir"/>.</summary>
    public static VerifyResult Run(ManifestEntry entry, string specDir, int workers = 1)
    {
        var spec = Path.Combine(specDir, entry.Spec);
        var cfg = Path.Combine(specDir, entry.Cfg);
        var sw = Stopwatch.StartNew();
        foreach (var f in new[] { spec, cfg })
            if (!File.Exists(f))
                return new VerifyResult(entry, VerifyStatus.Mismatch, "missing", null, null, null, null, 255, sw.Elapsed, [$"file {f} does not exist"], null, null);
        CheckOutcome outcome;
        using (var log = new StringWriter())
            outcome = ModelCheck.Run(new CheckRequest(spec, cfg, workers), log, (_, _, _, _) => { });
        sw.Stop();
        return Classify(entry, outcome, sw.Elapsed);
    }

    /// <summary>Compares a checker outcome with the manifest entry.</summary>
    public static VerifyResult Classify(ManifestEntry entry, CheckOutcome outcome, TimeSpan elapsed)
    {
        var r = outcome.Result;
        var verdict = outcome.LoadFailure ?? (r is null ? "eval-error" : VerdictWord(r.Verdict));
        // As TLC dumps a liveness counterexample: a lasso's last action leads back to its loop state, a stuttering one to itself.
        string? json = r?.Trace is { Count: > 0 } && outcome.Model is { } m ? VerifiedIpc.Checker.Liveness.LassoBuilder.TraceJsonFor(r, m) : null;
        var diffs = new List<string>();
        void Compare<T>(string what, T expected, T? actual)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual)) diffs.Add($"{what} {Show(actual)}, TLC {Show(expected)}");
        }
        Compare("verdict", entry.Result, verdict);
        if (entry.Violated is not null && entry.ViolatedNamedByTlc != false) Compare("violated", entry.Violated, r?.Violated);
        Compare("distinct", entry.DistinctStates, r?.DistinctStates);
        Compare("generated", entry.StatesGenerated, r?.StatesGenerated);
        Compare("depth", entry.Depth, r?.Depth);
        Compare("exit", entry.TlcExitCode, outcome.ExitCode);

        var status = diffs.Count == 0 ? VerifyStatus.Ok : VerifyStatus.Mismatch;
        return new VerifyResult(entry, status, verdict, r?.Violated, r?.DistinctStates, r?.StatesGenerated, r?.Depth,
            outcome.ExitCode, elapsed, diffs, json, outcome.ErrorMessage);
    }

    private static string Show<T>(T? v) => v is null ? "none" : v.ToString()!;
}
