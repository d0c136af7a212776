namespace VerifiedIpc.Checker.Model;

/// <summary>Error in a .cfg file or in what it names, with TLC's exit code (255 for syntax, 151 for a model TLC rejects).</summary>
public sealed class CfgException(string message, int exitCode = 255) : CheckerException(message)
{
    /// <summary>TLC's exit code for this error.</summary>
    public int ExitCode { get; } = exitCode;
}

