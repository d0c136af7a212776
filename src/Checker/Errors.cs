namespace VerifiedIpc.Checker;

/// <summary>Root of every error the checker raises on purpose; anything else escaping it is a checker bug.</summary>
public class CheckerException : Exception
{
    /// <summary>Creates the error with its message.</summary>
    public CheckerException(string message) : base(message) { }
}

/// <summary>
/// An evaluation error in the specification (TLC's "Error: ..." during evaluation): comparing incomparable
/// values, applying a function outside its domain, CHOOSE with no witness, integer overflow.
/// </summary>
public sealed class EvalException : CheckerException
{
    /// <summary>Creates the error; <paramref name="kind"/> decides TLC's exit code.</summary>
    public EvalException(string message, EvalErrorKind kind = EvalErrorKind.General) : base(message) => Kind = kind;

    /// <summary>What went wrong, for the exit code.</summary>
    public EvalErrorKind Kind { get; }

    /// <summary>Source locations of the expressions being evaluated, innermost first, filled as the error propagates.</summary>
    public List<string> Context { get; } = [];

    /// <summary>Innermost source span of the failing expression, when known.</summary>
    public VerifiedIpc.Tla.Syntax.SourceSpan? Span { get; set; }
}

/// <summary>Kinds of evaluation error that TLC distinguishes by exit code.</summary>
public enum EvalErrorKind
{
    /// <summary>An ordinary evaluation error.</summary>
    General,
    /// <summary>32-bit integer overflow (TLC exits 255).</summary>
    Overflow,
    /// <summary>A failed TLC!Assert (TLC exits 14).</summary>
    Assert,
    /// <summary>An error raised by a standard-module operator (Head of &lt;&lt;&gt;&gt;, \div by 0): TLC prints it plainly and exits 255.</summary>
    Module,
}

/// <summary>An error TLC reports while processing the specification before it explores anything, with its own exit code.</summary>
public sealed class StartupException : CheckerException
{
    /// <summary>Creates the error with TLC's message and exit code.</summary>
    public StartupException(string message, int exitCode) : base(message) => ExitCode = exitCode;

    /// <summary>TLC's exit code.</summary>
    public int ExitCode { get; }
}
