using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Engine;

/// <summary>What a model check concluded, with TLC's exit code for each.</summary>
public enum Verdict
{
    /// <summary>No error (exit 0).</summary>
    Success,
    /// <summary>An invariant (or PROPERTY []P) fails in a reachable state (exit 12).</summary>
    InvariantViolated,
    /// <summary>A reachable state has no successor (exit 11).</summary>
    Deadlock,
    /// <summary>An ASSUME is false (exit 10).</summary>
    AssumptionFalse,
    /// <summary>Evaluating an ASSUME failed (exit 10).</summary>
    AssumptionError,
    /// <summary>Evaluation error while computing initial states or successors (exit 75).</summary>
    NextStateError,
    /// <summary>A successor leaves a variable unassigned (exit 75).</summary>
    IncompleteSuccessor,
    /// <summary>Evaluating an invariant failed (exit 76).</summary>
    InvariantError,
    /// <summary>A TLC!Assert failed (exit 14).</summary>
    AssertFailed,
    /// <summary>32-bit overflow (exit 255).</summary>
    Overflow,
    /// <summary>A standard-module operator failed, e.g. Head(&lt;&lt;&gt;&gt;) (exit 255).</summary>
    ModuleError,
    /// <summary>The search stopped at <see cref="CheckOptions.StateLimit"/> distinct states (vipc only; exit 153, TLC's "system" code).</summary>
    StateLimitReached,
}

/// <summary>One state of a counterexample and the action that reached it (null for the initial state).</summary>
public sealed record TraceStep(Value?[] State, ActionInfo? Action);

/// <summary>The outcome of a run.</summary>
public sealed class CheckResult
{
    /// <summary>The verdict.</summary>
    public Verdict Verdict { get; init; }
    /// <summary>The violated invariant or failed assumption/formula name.</summary>
    public string? Violated { get; init; }
    /// <summary>States generated (TLC's accounting: every successor, duplicates included).</summary>
    public long StatesGenerated { get; init; }
    /// <summary>Distinct states admitted to the seen set.</summary>
    public long DistinctStates { get; init; }
    /// <summary>States left on the queue when the run stopped.</summary>
    public long StatesLeftOnQueue { get; init; }
    /// <summary>The depth of the search (number of BFS levels).</summary>
    public int Depth { get; init; }
    /// <summary>True when the violation happened in an initial state (TLC prints no statistics then).</summary>
    public bool InInitialState { get; init; }
    /// <summary>The counterexample, when there is one.</summary>
    public IReadOnlyList<TraceStep>? Trace { get; init; }
    /// <summary>The evaluation error, if any.</summary>
    public EvalException? Error { get; init; }
    /// <summary>For an incomplete successor: the action's name and the unassigned variables.</summary>
    public string? IncompleteDetail { get; init; }

    /// <summary>TLC's exit code for this outcome.</summary>
    public int ExitCode => Verdict switch
    {
        Verdict.Success => 0,
        Verdict.AssumptionFalse or Verdict.AssumptionError => 10,
        Verdict.Deadlock => 11,
        Verdict.InvariantViolated => 12,
        Verdict.AssertFailed => 14,
        Verdict.NextStateError or Verdict.IncompleteSuccessor => 75,
        Verdict.InvariantError => 76,
        Verdict.Overflow or Verdict.ModuleError => 255,
        Verdict.StateLimitReached => 153,
        _ => 1,
    };
}

/// <summary>Options of a run (TLC's command-line flags).</summary>
public sealed class CheckOptions
{
    /// <summary>Worker threads (-workers).</summary>
    public int Workers { get; init; } = 1;
    /// <summary>True when -deadlock was given (it turns deadlock checking off).</summary>
    public bool DisableDeadlock { get; init; }
    /// <summary>Called about every <see cref="ProgressInterval"/> with (depth, generated, distinct, queue).</summary>
    public Action<int, long, long, long>? Progress { get; init; }
    /// <summary>Stop after this many distinct states (vipc's own guard, used by tests on generated inputs); 0 = no limit.</summary>
    public long StateLimit { get; init; }

    /// <summary>Interval between progress reports.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>Time source for progress reports.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
