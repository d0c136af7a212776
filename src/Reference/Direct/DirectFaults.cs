namespace VerifiedIpc.Reference.Direct;

/// <summary>
/// Deliberate bugs for the systematic (Coyote) and property tests: each switch turns one correct step of the
/// message monitor into a classic concurrency mistake, so a test can show that it catches exactly that mistake.
/// Internal and reached only through internal constructors; <see cref="None"/> is what every public constructor uses.
/// </summary>
internal sealed class DirectFaults
{
    public static readonly DirectFaults None = new();

    /// <summary>
    /// Receiver-selection race (check-then-act): a receive finds its message in one critical section and removes
    /// it in a second one, without looking again. Two receivers can both take the same message, and another
    /// message is removed without being delivered.
    /// </summary>
    public bool SplitTakeCheck { get; init; }

    /// <summary>Handler re-entrancy: arrivals start a handler even while one of the same subscription is running.</summary>
    public bool HandlerReentrancy { get; init; }

    /// <summary>Lost wake-up on close: closing marks the state closed but does not wake blocked receivers.</summary>
    public bool LostWakeupOnClose { get; init; }

    /// <summary>Mesa discipline broken: a synchronous wait uses <c>if</c> instead of <c>while</c> around Monitor.Wait.</summary>
    public bool IfInsteadOfWhile { get; init; }

    /// <summary>Not a fault: with <see cref="SplitTakeCheck"/>, called in the window between its two critical sections,
    /// with the lock released. <c>vipc replay</c> parks a receiver there so that another receiver acts in the window
    /// exactly where a checker counterexample says; null (the default) leaves the window to the scheduler.</summary>
    public Action? SplitTakeWindow { get; init; }

    public bool Any => SplitTakeCheck || HandlerReentrancy || LostWakeupOnClose || IfInsteadOfWhile;
}
