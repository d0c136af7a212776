namespace VerifiedIpc.Cli.Replay;

/// <summary>One replayed step: the spec's action, what the replay asked of the implementation, and what it did.</summary>
public sealed record ReplayStep(int Index, string SpecAction, string ImplementationCall, string Observed);

/// <summary>
/// The outcome of a replay. <see cref="Reproduced"/>: the implementation followed the spec's steps and failed as the
/// counterexample does; otherwise <see cref="Divergence"/> says where it stopped following (or that it followed every
/// step without failing).
/// </summary>
public sealed class ReplayReport
{
    /// <summary>Which replayer and which build of the implementation ran (e.g. "BoundedBuffer, seeded bug IfInsteadOfWhile").</summary>
    public required string Target { get; init; }

    /// <summary>The steps replayed, in order (up to the divergence, if any).</summary>
    public required IReadOnlyList<ReplayStep> Steps { get; init; }

    /// <summary>True when the implementation showed the counterexample's failure.</summary>
    public bool Reproduced { get; init; }

    /// <summary>When reproduced: the failure the implementation showed and the spec property it breaks.</summary>
    public string? Failure { get; init; }

    /// <summary>When not reproduced: where and how the implementation left the trace.</summary>
    public string? Divergence { get; init; }

    /// <summary>
    /// The verdict once the implementation has followed the trace: reproduced when the implementation failed and the
    /// counterexample breaks a property; otherwise a divergence saying which side failed. <paramref name="stepsFollowed"/>
    /// is how many steps the implementation ran; <paramref name="context"/> is appended to a "nothing failed" divergence.
    /// </summary>
    public static ReplayReport Conclude(string target, IReadOnlyList<ReplayStep> steps, string? implFailure, string? specFailure,
        int stepsFollowed, string? context = null)
    {
        if (implFailure is not null && specFailure is not null)
            return new ReplayReport { Target = target, Steps = steps, Reproduced = true, Failure = $"{implFailure}; spec: {specFailure}" };
        if (implFailure is not null)
            return new ReplayReport { Target = target, Steps = steps, Divergence = $"the implementation failed ({implFailure}) where the counterexample breaks nothing" };
        return new ReplayReport
        {
            Target = target, Steps = steps,
            Divergence = (specFailure is null
                ? $"nothing to reproduce: the implementation followed all {stepsFollowed} steps, and the trace breaks no property the replay checks"
                : $"the implementation followed all {stepsFollowed} steps without failing, where the counterexample breaks {specFailure}")
                + (context is null ? "" : $" ({context})"),
        };
    }

    /// <summary>Prints the report as <c>vipc replay</c> does.</summary>
    public void Write(TextWriter output)
    {
        output.WriteLine($"replaying on {Target}");
        foreach (var s in Steps)
            output.WriteLine($"  {s.Index,3}. {s.SpecAction} → {s.ImplementationCall} → {s.Observed}");
        output.WriteLine(Reproduced ? $"reproduced: {Failure}" : $"not reproduced: {Divergence}");
    }
}

/// <summary>Signals that the implementation left the counterexample at a step.</summary>
internal sealed class DivergedException(string message) : Exception(message);

/// <summary>Drives one spec's implementation through a counterexample.</summary>
internal interface ISpecReplayer
{
    /// <summary>The spec module this replayer serves, e.g. "BoundedBuffer"; mutants are named "Spec_Mutant".</summary>
    string Spec { get; }

    /// <summary>Mutant module names (without the "Spec_" prefix) that have an implementation counterpart, and what
    /// each maps to; a mutant that is a configuration of the spec is recognised from the trace instead.</summary>
    IReadOnlyDictionary<string, string> Mutants { get; }

    /// <summary>Replays <paramref name="trace"/> as module <paramref name="module"/> (the spec or one of its mutants).</summary>
    ReplayReport Replay(CheckerTrace trace, string module);
}

/// <summary>The step loop every state-by-state replayer shares.</summary>
internal static class ReplaySteps
{
    /// <summary>
    /// Replays the counterexample one state change at a time: <paramref name="replayStep"/> gets the step's number
    /// (0-based) and the states before and after, drives the implementation through it, adds its line to
    /// <paramref name="log"/>, and returns false once the implementation has failed (no further step is replayed).
    /// A <see cref="DivergedException"/> ends the replay: the report says at which step the implementation stopped
    /// following the spec. Null when every step was replayed, or the implementation failed.
    /// </summary>
    public static ReplayReport? Walk(CheckerTrace trace, string target, List<ReplayStep> log, Func<int, TraceState, TraceState, bool> replayStep)
    {
        int step = 0;
        try
        {
            for (; step + 1 < trace.States.Count; step++)
            {
                if (!replayStep(step, trace.States[step], trace.States[step + 1])) break;
            }
        }
        catch (DivergedException d)
        {
            return new ReplayReport { Target = target, Steps = log, Divergence = $"step {step + 1} (state {step + 1} → {step + 2}): {d.Message}" };
        }
        return null;
    }
}
