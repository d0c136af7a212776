namespace VerifiedIpc.Coyote.Tests.Harness;

/// <summary>
/// One concurrent test body over the reference implementation, runnable under any systematic scheduler.
/// A scenario knows nothing about Coyote: it starts tasks or threads, waits for them, and throws
/// <see cref="InvariantViolation"/> when a spec invariant fails. That keeps the bodies reusable if the
/// scheduler is replaced.
/// </summary>
/// <param name="Name">Stable name, used on the command line and in trace files (e.g. <c>buffers.bounded.2p2c</c>).</param>
/// <param name="Body">The test body; one call is one iteration.</param>
/// <param name="ExpectedBug">Null for the correct code; otherwise fragments of the failure the seeded bug must produce,
/// separated by <c>|</c> when the bug can show in more than one way.</param>
/// <param name="Strategy">Strategy name (see <see cref="Strategies"/>) this scenario is run with by default.</param>
/// <param name="Budget">Iteration budget: for a correct scenario how many schedules are explored, for a mutant the most it may take to find it.</param>
public sealed record Scenario(string Name, Func<Task> Body, string? ExpectedBug, string Strategy, uint Budget)
{
    /// <summary>Whether the scenario runs a seeded bug that exploration must find.</summary>
    public bool IsMutant => ExpectedBug is not null;

    /// <summary>Whether <paramref name="bug"/> is the failure this seeded bug is expected to produce.</summary>
    public bool IsExpected(string bug) =>
        ExpectedBug is not null && ExpectedBug.Split('|').Any(f => bug.Contains(f, StringComparison.Ordinal));

    public override string ToString() => Name;
}

/// <summary>A spec invariant does not hold in the current execution.</summary>
public sealed class InvariantViolation(string message) : Exception(message);

/// <summary>Invariant checks used by scenario bodies; they throw so that any scheduler reports them as a bug.</summary>
public static class Check
{
    /// <summary>Fails the current iteration with <paramref name="message"/> (prefixed with "Invariant: ") unless <paramref name="condition"/> holds.</summary>
    public static void That(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvariantViolation("Invariant: " + message);
        }
    }
}
