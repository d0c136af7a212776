namespace VerifiedIpc.Reference.Buffers;

/// <summary>
/// Seeded bugs for verification tests (Coyote, FsCheck, trace validation). Each value turns one correct step
/// of the monitor into a classic concurrency mistake. Only the internal constructors accept it, so a mutant
/// exists only where a test asked for one; <see cref="None"/> is what every public constructor uses.
/// </summary>
[Flags]
internal enum BufferFaults
{
    None = 0,

    /// <summary>Waits are guarded by <c>if</c> instead of <c>while</c>: a woken waiter acts on a stale
    /// condition (Mesa semantics give no guarantee that the condition still holds on wake-up).</summary>
    IfInsteadOfWhile = 1 << 0,

    /// <summary><c>Monitor.Pulse</c> instead of <c>PulseAll</c>: senders and receivers share the lock's one
    /// wait set, so a single pulse can wake a waiter of the wrong kind and the right one sleeps on.</summary>
    PulseInsteadOfPulseAll = 1 << 1,

    /// <summary>A synchronous send checks for space under the lock, releases it, and enqueues under a second
    /// acquisition without checking again: two senders can both see the last free slot.</summary>
    CheckThenAct = 1 << 2,

    /// <summary><c>Close</c> sets the closed flag but neither wakes blocked synchronous waiters nor completes
    /// asynchronous ones: they stay blocked on a closed buffer.</summary>
    LostWakeupOnClose = 1 << 3,

    /// <summary>A receive takes the newest buffered message instead of the oldest (the ring used as a stack):
    /// nothing is lost or duplicated, but the buffer is no longer FIFO. The implementation side of
    /// <c>spec/mutants/BoundedBuffer_LifoTake.tla</c>, for <c>vipc replay</c>.</summary>
    LifoTake = 1 << 4,

    /// <summary>A rendezvous's <c>Close</c> completes blocked asynchronous senders as if their messages had been taken,
    /// instead of handing the messages back: the sends report success and the messages are silently gone. The
    /// implementation side of <c>spec/mutants/Rendezvous_CloseDropsOffers.tla</c>, for <c>vipc replay</c>.</summary>
    CloseDropsOffers = 1 << 5,

    /// <summary>Rendezvous only: a synchronous send parks its message and returns at once instead of waiting for a
    /// receiver to take it. The message is still delivered exactly once and in order, so no-loss, no-duplication and
    /// order checks all pass; only the spec's <c>SendReturnsOnlyWhenTaken</c> forbids it, which is why trace
    /// validation is the check that catches it (the sender's next send arrives while its last message is parked).</summary>
    SendReturnsBeforeTaken = 1 << 6,

    /// <summary>Not a fault: turns the monitor invariant checks on for a faulted buffer, so a unit test sees the
    /// broken invariant at the step that breaks it. Coyote and property tests leave it off: their own checks
    /// (the spec's invariants) must be what catches the seeded bug.</summary>
    CheckInvariants = 1 << 30,
}

/// <summary>
/// Raised when a monitor invariant does not hold. Correct code never raises it; the seeded mutants do, which is
/// how tests (and Coyote, which reports any unhandled exception as a bug) observe the mistake.
/// </summary>
internal sealed class BufferInvariantException(string message) : InvalidOperationException(message);
