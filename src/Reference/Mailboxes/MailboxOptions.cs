using VerifiedIpc.Reference.Direct;

namespace VerifiedIpc.Reference.Mailboxes;

/// <summary>
/// Who gets a message when several processes share a mailbox (the seed's "P1 sends; P2 and P3 receive. Who gets the
/// message?"): its three answers.
/// </summary>
public enum MailboxPolicy
{
    /// <summary>
    /// (i) A link between at most two processes: the first two distinct processes to open it are bound to it for
    /// its lifetime; any other process's <see cref="Mailbox{T}.Open"/> fails with <see cref="PolicyViolationException"/>.
    /// A process never receives its own messages, so the link is a two-way channel between the pair.
    /// </summary>
    TwoParty,

    /// <summary>
    /// (ii) Only one process at a time may execute a receive. A receive in progress is a blocked receive or an active
    /// handler subscription; while process P has one, a receive, try-receive, probe or subscribe by any other process
    /// fails at once with <see cref="PolicyViolationException"/> naming P (state unchanged). A typed error rather than
    /// a queue, so the answer to "who gets it" is always the single receiving process; callers that prefer to wait
    /// their turn use <see cref="ArbitraryReceiver"/> with <see cref="ReceiverSelection.LongestWaiting"/>, which is
    /// exactly a FIFO queue of receivers.
    /// </summary>
    SingleReceiver,

    /// <summary>
    /// (iii) Many senders, many receivers; the system picks the receiver (see <see cref="ReceiverSelection"/>) and the
    /// sender is told who received through <see cref="SendOperation.ReceivedBy"/>.
    /// </summary>
    ArbitraryReceiver,
}

/// <summary>How <see cref="MailboxPolicy.ArbitraryReceiver"/> picks among receivers that are waiting when a message arrives.
/// A message that arrives when nobody waits is buffered and goes to whichever receiver asks next.</summary>
public enum ReceiverSelection
{
    /// <summary>The receiver that has waited longest (FIFO): fair, and deterministic for a given arrival order.</summary>
    LongestWaiting,
    /// <summary>A uniform choice among the waiting receivers, from a <see cref="Random"/> seeded with <see cref="MailboxOptions.Seed"/> (reproducible).</summary>
    SeededRandom,
}

/// <summary>Configuration of a <see cref="Mailbox{T}"/>.</summary>
public sealed class MailboxOptions
{
    private readonly int? _capacity = 64;

    /// <summary>Receiver-selection policy; default <see cref="MailboxPolicy.ArbitraryReceiver"/>.</summary>
    public MailboxPolicy Policy { get; init; } = MailboxPolicy.ArbitraryReceiver;

    /// <summary>How the arbitrary receiver is chosen; default <see cref="ReceiverSelection.LongestWaiting"/>.</summary>
    public ReceiverSelection Selection { get; init; } = ReceiverSelection.LongestWaiting;

    /// <summary>Seed for <see cref="ReceiverSelection.SeededRandom"/>.</summary>
    public int Seed { get; init; }

    /// <summary>Messages the mailbox holds before senders block; null for unbounded. At least 1; default 64.</summary>
    public int? Capacity
    {
        get => _capacity;
        init
        {
            if (value is < 1) throw new ArgumentOutOfRangeException(nameof(Capacity), value, "A mailbox's capacity must be at least 1 (or null for unbounded).");
            _capacity = value;
        }
    }

    /// <summary>Name used in errors and traces.</summary>
    public string Name { get; init; } = "mailbox";

    /// <summary>Optional tracer called on each step.</summary>
    public IIpcTracer? Tracer { get; init; }

    /// <summary>Clock for timeouts.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
