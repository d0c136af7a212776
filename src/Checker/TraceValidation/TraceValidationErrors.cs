namespace VerifiedIpc.Checker.TraceValidation;

/// <summary>Trace validation could not judge the trace: the trace or the trace module is bad input (the CLI exits 2).</summary>
public class TraceValidationException(string message) : CheckerException(message);

/// <summary>A trace line that is not a JSON object with <c>proc</c>, <c>clock</c> and <c>kind</c>, or holds a value
/// TLA+ cannot represent.</summary>
public sealed class TraceFormatException(string source, int lineNumber, string problem, string line)
    : TraceValidationException($"{source}:{lineNumber}: {problem}")
{
    /// <summary>The trace file (or the name of an in-memory trace).</summary>
    public string TraceSource { get; } = source;

    /// <summary>The offending line, 1-based.</summary>
    public int LineNumber { get; } = lineNumber;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = problem;

    /// <summary>The line as written.</summary>
    public string Line { get; } = line;
}

/// <summary>The trace module or its cfg does not load (parse and semantic errors carry file:line:col), or it fails
/// while the trace is being matched (an evaluation error, an incomplete successor, a cursor that jumps).</summary>
public sealed class TraceModuleException(string message, int? eventIndex = null) : TraceValidationException(message)
{
    /// <summary>The event being matched when the error arose (1-based), or null when loading failed.</summary>
    public int? EventIndex { get; } = eventIndex;
}
