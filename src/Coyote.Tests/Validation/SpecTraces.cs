using VerifiedIpc.Checker.TraceValidation;

namespace VerifiedIpc.Coyote.Tests.Validation;

/// <summary>The verdicts on a batch of traces: how many were captured, how many distinct, and the rejections.</summary>
/// <param name="Module">The trace module's file name.</param>
/// <param name="Traces">Traces captured (one per iteration).</param>
/// <param name="Distinct">Distinct traces among them; each was validated once (identical traces get identical verdicts).</param>
/// <param name="Events">Events validated, over the distinct traces.</param>
/// <param name="Rejected">The distinct traces the spec does not allow, with their verdicts.</param>
/// <param name="Elapsed">Time spent validating.</param>
public sealed record ValidationSummary(
    string Module, int Traces, int Distinct, long Events, IReadOnlyList<(IReadOnlyList<string> Trace, TraceValidationResult Result)> Rejected,
    TimeSpan Elapsed)
{
    /// <summary>One line for the test log.</summary>
    public string Summary =>
        $"validated against {Module}: traces={Traces} distinct={Distinct} events={Events} rejected={Rejected.Count} time={Elapsed.TotalSeconds:F2}s";
}

/// <summary>Validates implementation traces against the bundled trace modules (<c>spec/*Trace.tla</c>).</summary>
public static class SpecTraces
{
    /// <summary>The BoundedBuffer trace module.</summary>
    public static string BoundedBuffer => Module("BoundedBufferTrace.tla");

    /// <summary>The Rendezvous trace module.</summary>
    public static string Rendezvous => Module("RendezvousTrace.tla");

    /// <summary>The path of <paramref name="fileName"/> in the repository's <c>spec/</c> folder.</summary>
    public static string Module(string fileName) => Path.Combine(SpecDirectory, fileName);

    /// <summary>The repository's <c>spec/</c> folder, found by walking up from the test assembly to VerifiedIpc.sln.</summary>
    public static string SpecDirectory { get; } = FindSpecDirectory();

    /// <summary>The completion predicate every trace module that checks complete runs defines.</summary>
    public const string Completion = "TraceComplete";

    /// <summary>Validates one trace; with <paramref name="completion"/>, as the trace of a run that ended there.</summary>
    public static TraceValidationResult Validate(string module, IReadOnlyList<string> trace, IReadOnlyDictionary<string, string>? environment = null,
        string? completion = null) =>
        TraceValidator.Validate(new TraceValidationRequest
        {
            TraceModulePath = module, TraceLines = trace, Environment = environment, CompletionPredicate = completion,
        });

    /// <summary>Validates every distinct trace of <paramref name="traces"/> once.</summary>
    public static ValidationSummary ValidateAll(string module, IReadOnlyList<IReadOnlyList<string>> traces, IReadOnlyDictionary<string, string>? environment = null,
        string? completion = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var distinct = traces.GroupBy(t => string.Join('\n', t)).Select(g => g.First()).ToList();
        var rejected = new List<(IReadOnlyList<string>, TraceValidationResult)>();
        long events = 0;
        foreach (var trace in distinct)
        {
            var result = Validate(module, trace, environment, completion);
            events += result.TotalEvents;
            if (!result.Accepted) rejected.Add((trace, result));
        }
        return new ValidationSummary(Path.GetFileName(module), traces.Count, distinct.Count, events, rejected, clock.Elapsed);
    }

    /// <summary>A rejection as text: the matched prefix, the unexplained event and the first candidate states.</summary>
    public static string Explain(IReadOnlyList<string> trace, TraceValidationResult result)
    {
        var lines = new List<string>
        {
            result.IncompleteEnd
                ? $"rejected at its end: all {result.TotalEvents} events explained, but {result.CompletionPredicate} is false: the run stopped where the spec cannot"
                : $"rejected after {result.EventsMatched} of {result.TotalEvents} events; first unexplained: #{result.FirstUnexplained?.Index} {result.FirstUnexplained?.Line}",
        };
        lines.AddRange(trace.Select((l, i) => $"  {i + 1,3} {l}"));
        lines.AddRange(result.CandidateStates.Take(3).Select(s => "candidate: " + s.ReplaceLineEndings(" ")));
        return string.Join('\n', lines);
    }

    private static string FindSpecDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VerifiedIpc.sln"))) return Path.Combine(dir.FullName, "spec");
        }
        throw new InvalidOperationException($"No VerifiedIpc.sln above {AppContext.BaseDirectory}: the trace modules live in its spec/ folder.");
    }
}
