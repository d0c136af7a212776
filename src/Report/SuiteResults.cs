namespace VerifiedIpc.Report;

/// <summary>
/// Everything <c>vipc verify</c> checked, for one report: the models, the Coyote suite and trace validation. A part
/// that did not run is null (its section then says why, from <see cref="CoyoteSuiteReport.NotRun"/> or
/// <see cref="TraceValidationReport.NotRun"/>, or is left out).
/// </summary>
public sealed record VerificationReport
{
    /// <summary>The checked models.</summary>
    public IReadOnlyList<ReportModel> Models { get; init; } = [];

    /// <summary>The Coyote suite over the implementation, if it was asked for.</summary>
    public CoyoteSuiteReport? Coyote { get; init; }

    /// <summary>Trace validation of the implementation against the specs, if it was asked for.</summary>
    public TraceValidationReport? Validation { get; init; }
}

/// <summary>The Coyote suite's part of a report.</summary>
public sealed record CoyoteSuiteReport
{
    /// <summary>Iterations per correct scenario (seeded bugs run at least their own budget).</summary>
    public uint Budget { get; init; }

    /// <summary>One row per scenario.</summary>
    public IReadOnlyList<CoyoteScenarioResult> Scenarios { get; init; } = [];

    /// <summary>Why the suite did not run (e.g. not built); null when it ran.</summary>
    public string? NotRun { get; init; }

    /// <summary>Scenarios whose outcome was not the expected one.</summary>
    public int Unexpected => Scenarios.Count(s => !s.Passed) + (NotRun is null ? 0 : 1);
}

/// <summary>One scenario of the Coyote suite (the JSON of <c>SuiteRunner.VerifyWithResults</c>).</summary>
public sealed record CoyoteScenarioResult
{
    /// <summary>The scenario, e.g. <c>buffers.bounded.2p2c!IfInsteadOfWhile</c> (after <c>!</c>: the seeded bug).</summary>
    public required string Name { get; init; }

    /// <summary>Whether the scenario runs a seeded bug that exploration must find.</summary>
    public bool SeededBug { get; init; }

    /// <summary>The exploration strategy.</summary>
    public string Strategy { get; init; } = "";

    /// <summary>The iteration budget.</summary>
    public uint Budget { get; init; }

    /// <summary>Iterations run; for a found bug, the iteration that found it.</summary>
    public int Iterations { get; init; }

    /// <summary>Distinct schedules among the iterations.</summary>
    public int DistinctSchedules { get; init; }

    /// <summary>Wall-clock seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>The suite's verdict text (<c>ok</c>, <c>ok (seeded bug found)</c>, <c>FAIL (seeded bug missed)</c>, ...).</summary>
    public string Verdict { get; init; } = "";

    /// <summary>Whether the outcome is the expected one.</summary>
    public bool Passed { get; init; }

    /// <summary>The bug's message (first line), when one was found.</summary>
    public string? Bug { get; init; }

    /// <summary>The saved schedule of the bug, which <c>vipc replay</c> re-runs.</summary>
    public string? TraceFile { get; init; }
}

/// <summary>The trace-validation part of a report.</summary>
public sealed record TraceValidationReport
{
    /// <summary>Coyote iterations per workload (some workloads run more).</summary>
    public uint Budget { get; init; }

    /// <summary>One row per traced workload.</summary>
    public IReadOnlyList<TraceWorkloadResult> Workloads { get; init; } = [];

    /// <summary>Why validation did not run; null when it ran.</summary>
    public string? NotRun { get; init; }

    /// <summary>Workloads whose traces were not judged as expected.</summary>
    public int Unexpected => Workloads.Count(w => !w.Passed) + (NotRun is null ? 0 : 1);
}

/// <summary>One traced workload: its distinct traces validated against a spec's trace module.</summary>
public sealed record TraceWorkloadResult
{
    /// <summary>The workload, e.g. <c>traced.rendezvous.2p2c!SendReturnsBeforeTaken</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The trace module's file name, e.g. <c>RendezvousTrace.tla</c>.</summary>
    public required string Module { get; init; }

    /// <summary>Whether the workload runs a seeded bug whose traces must be rejected.</summary>
    public bool SeededBug { get; init; }

    /// <summary>Coyote iterations asked for.</summary>
    public uint Budget { get; init; }

    /// <summary>Iterations run (one trace each).</summary>
    public int Iterations { get; init; }

    /// <summary>Distinct traces, each validated once.</summary>
    public int Distinct { get; init; }

    /// <summary>Events validated over the distinct traces.</summary>
    public long Events { get; init; }

    /// <summary>Distinct traces the spec does not allow.</summary>
    public int Rejected { get; init; }

    /// <summary>Distinct traces in which the seeded bug shows, by an oracle independent of the spec.</summary>
    public int Showing { get; init; }

    /// <summary>The verdict text (<c>ok</c>, <c>ok (seeded bug rejected)</c>, <c>FAIL (correct code rejected)</c>, ...).</summary>
    public string Verdict { get; init; } = "";

    /// <summary>Whether the traces were judged as expected.</summary>
    public bool Passed { get; init; }

    /// <summary>The workload's own assertion that failed, if any.</summary>
    public string? OwnCheckFailure { get; init; }

    /// <summary>What the trace module read besides the trace (e.g. <c>VIPC_CAPACITY</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The rejected traces to show (the shortest of each workload).</summary>
    public IReadOnlyList<TraceRejection> Rejections { get; init; } = [];

    /// <summary>The spec the module judges by: the module's name without <c>Trace</c> (<c>Rendezvous</c>).</summary>
    public string Spec
    {
        get
        {
            var m = Path.GetFileNameWithoutExtension(Module);
            return m.EndsWith("Trace", StringComparison.Ordinal) && m.Length > 5 ? m[..^5] : m;
        }
    }

    /// <summary>Accepted distinct traces.</summary>
    public int Accepted => Distinct - Rejected;
}

/// <summary>One rejected implementation trace and the validator's verdict on it.</summary>
public sealed record TraceRejection
{
    /// <summary>The NDJSON lines of the trace.</summary>
    public IReadOnlyList<string> Trace { get; init; } = [];

    /// <summary>The first event no action of the spec explains (1-based).</summary>
    public int EventIndex { get; init; }

    /// <summary>The longest matched prefix: events 1..EventsMatched.</summary>
    public int EventsMatched { get; init; }

    /// <summary>The event an oracle independent of the spec names, for a seeded bug.</summary>
    public int? ExpectedIndex { get; init; }

    /// <summary>Spec states consistent with the matched prefix, as TLC prints states (<c>/\ var = value</c> lines).</summary>
    public IReadOnlyList<string> CandidateStates { get; init; } = [];

    /// <summary>How many candidate states there were in all.</summary>
    public int CandidateCount { get; init; }

    /// <summary>
    /// Rejected at its end: the trace was validated as a complete run, every event was explained, but no state
    /// consistent with all of it satisfies <see cref="CompletionPredicate"/>: the spec owes steps the run never took
    /// (a lost wake-up). <see cref="EventIndex"/> is then one past the last event.
    /// </summary>
    public bool IncompleteEnd { get; init; }

    /// <summary>The predicate the end of a complete run must satisfy (e.g. <c>TraceComplete</c>), if one was checked.</summary>
    public string? CompletionPredicate { get; init; }
}

/// <summary>
/// Reads the results the Coyote suite writes as JSON (<c>SuiteRunner.VerifyWithResults</c> and
/// <c>ValidateWithResults</c>, camel-case names of these records' properties). The suite runs in its own load context
/// in <c>vipc</c>, so it shares no types with the report, only this text.
/// </summary>
public static class SuiteResultsJson
{
    private static readonly System.Text.Json.JsonSerializerOptions Options = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase };

    /// <summary>The Coyote suite's rows. Malformed text is a <see cref="TraceFormatException"/> naming the JSON path.</summary>
    public static IReadOnlyList<CoyoteScenarioResult> ReadScenarios(string json) => Read<CoyoteScenarioResult>(json);

    /// <summary>The traced workloads' rows. Malformed text is a <see cref="TraceFormatException"/> naming the JSON path.</summary>
    public static IReadOnlyList<TraceWorkloadResult> ReadWorkloads(string json) => Read<TraceWorkloadResult>(json);

    private static List<T> Read<T>(string json)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<List<T>>(json, Options) ?? throw new TraceFormatException("$", "expected an array, got null");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new TraceFormatException(e.Path ?? "$", e.Message, e);
        }
    }
}
