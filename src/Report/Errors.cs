namespace VerifiedIpc.Report;

/// <summary>Base of every error the report library raises on bad input (a malformed trace or mapping).</summary>
public abstract class ReportInputException : Exception
{
    /// <summary>Creates the error.</summary>
    protected ReportInputException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A counterexample file is not in TLC's <c>-dumpTrace json</c> format. <see cref="Where"/> names the place
/// (a JSON path such as <c>$.state[2][1]</c>, or a line and byte position for malformed JSON).
/// </summary>
public sealed class TraceFormatException : ReportInputException
{
    /// <summary>Creates the error.</summary>
    public TraceFormatException(string where, string problem, Exception? inner = null)
        : base($"trace.json: {where}: {problem}", inner)
    {
        Where = where;
        Problem = problem;
    }

    /// <summary>The JSON path or text position of the problem.</summary>
    public string Where { get; }

    /// <summary>What is wrong there.</summary>
    public string Problem { get; }
}

/// <summary>A chart mapping is malformed. <see cref="Where"/> is the JSON path of the offending entry.</summary>
public sealed class MappingFormatException : ReportInputException
{
    /// <summary>Creates the error.</summary>
    public MappingFormatException(string where, string problem, Exception? inner = null)
        : base($"chart mapping: {where}: {problem}", inner)
    {
        Where = where;
        Problem = problem;
    }

    /// <summary>The JSON path of the problem.</summary>
    public string Where { get; }

    /// <summary>What is wrong there.</summary>
    public string Problem { get; }
}
