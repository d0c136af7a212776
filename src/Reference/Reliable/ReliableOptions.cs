namespace VerifiedIpc.Reference.Reliable;

/// <summary>Settings of a <see cref="ReliableEndpoint"/>. Both ends should use the same window size.</summary>
public sealed record ReliableOptions
{
    /// <summary>
    /// Sliding window: most data messages sent and not yet acknowledged; also how far ahead of the next expected
    /// message the receiver buffers out-of-order arrivals. For full speed it should cover the link's
    /// bandwidth-delay product with room for repairs: a hole at the window's left edge holds it for a round trip
    /// per attempt, during which the sender keeps sending only if the window reaches past it. Much larger than
    /// that only lengthens the queues (and so the round trip) without speeding anything up.
    /// </summary>
    public int WindowSize { get; init; } = 32;

    /// <summary>Retransmission timeout before any round trip has been measured (RFC 6298 suggests 1 s on the
    /// Internet; in-host links are much faster).</summary>
    public TimeSpan InitialRetransmitTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Lower bound of the adaptive timeout.</summary>
    public TimeSpan MinRetransmitTimeout { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Upper bound of the adaptive timeout (and of its back-off).</summary>
    public TimeSpan MaxRetransmitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Retransmissions of one message after which the endpoint gives up with
    /// <see cref="RetriesExhaustedException"/>.</summary>
    public int MaxRetransmissions { get; init; } = 12;

    /// <summary>
    /// How long the receiver holds an acknowledgement hoping to piggy-back it on reverse traffic or bundle it with
    /// the next one. Zero acknowledges every message at once.
    /// </summary>
    public TimeSpan AckDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>In-order messages after which an acknowledgement is sent without waiting for <see cref="AckDelay"/>.</summary>
    public int AckEvery { get; init; } = 2;

    /// <summary>Duplicate stand-alone acks that make the sender retransmit the oldest unacknowledged message at once
    /// (the seed's "sender retransmits on an out-of-sequence ack"; TCP's fast retransmit uses 3). Also the
    /// reordering the scoreboard tolerates: a message not reported held is deemed lost once a transmission this many
    /// places after its latest one has arrived.</summary>
    public int DuplicateAckThreshold { get; init; } = 3;

    /// <summary>Whether the receiver sends a negative acknowledgement listing the missing messages when an arrival
    /// reveals a gap, so the sender repairs them at once; otherwise it sends a duplicate ack, whose selective part
    /// shows the gap.</summary>
    public bool SendNegativeAcks { get; init; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowSize, 1, nameof(WindowSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetransmissions, 0, nameof(MaxRetransmissions));
        ArgumentOutOfRangeException.ThrowIfLessThan(AckEvery, 1, nameof(AckEvery));
        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateAckThreshold, 1, nameof(DuplicateAckThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(AckDelay, TimeSpan.Zero, nameof(AckDelay));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRetransmitTimeout, TimeSpan.FromHours(1), nameof(MaxRetransmitTimeout));
        _ = new RttEstimator(InitialRetransmitTimeout, MinRetransmitTimeout, MaxRetransmitTimeout);
    }
}

/// <summary>
/// Deliberate defects for verification tools (Coyote, FsCheck, these tests) to find. Reachable only through
/// <see cref="ReliableEndpoint"/>'s internal constructor; production code cannot turn them on.
/// </summary>
[Flags]
internal enum SeededBugs
{
    None = 0,

    /// <summary>The receiver delivers a message again when a duplicate of an already delivered one arrives.</summary>
    MissingDuplicateCheck = 1 << 0,

    /// <summary>The receiver acknowledges one message more than it has (off by one): the sender forgets a message
    /// that may still be lost.</summary>
    AckWrongSequence = 1 << 1,

    /// <summary>The sender ignores the window and sends every queued message at once.</summary>
    WindowOverrun = 1 << 2,

    /// <summary>The receiver's selective-ack bitmap is off by one: it reports holding the message just below each
    /// one it holds, so a message lost just before an arrival is reported as held, and its repair waits for the
    /// timer instead of the loss detection.</summary>
    SackOffByOne = 1 << 3,

    /// <summary>The receiver's ack echoes a repair's arrival without saying it was a repair: the sender takes it
    /// for the first copy, so a repair that arrives no longer reveals an earlier repair that was lost, which then
    /// waits for the probe.</summary>
    RepairEchoUnmarked = 1 << 4,

    /// <summary>The sender takes the round trip of a delivery echoed as a repair from the message's first
    /// transmission instead of the repair: the round trip looks longer by the time between the copies, so the
    /// time rule declares a lost repair late.</summary>
    RackRttFromFirstCopy = 1 << 5,
}

/// <summary>
/// A message was retransmitted <see cref="ReliableOptions.MaxRetransmissions"/> times without an acknowledgement:
/// the peer is unreachable or gone. The endpoint is failed from then on; every message not acknowledged is
/// handed back (this one in <see cref="Unacknowledged"/>, the others through their own send tasks).
/// It may or may not have arrived: only its acknowledgement is known to be missing.
/// </summary>
public sealed class RetriesExhaustedException : IpcException
{
    public RetriesExhaustedException(ProcessId peer, ulong sequence, int transmissions, byte[] unacknowledged)
        : base($"Message {sequence} to {peer} was sent {transmissions} times without an acknowledgement; giving up.")
    {
        Peer = peer;
        Sequence = sequence;
        Transmissions = transmissions;
        Unacknowledged = unacknowledged;
    }

    public ProcessId Peer { get; }
    public ulong Sequence { get; }
    public int Transmissions { get; }

    /// <summary>The message whose acknowledgement never came.</summary>
    public byte[] Unacknowledged { get; }
}

/// <summary>Counters of a <see cref="ReliableEndpoint"/> (a snapshot).</summary>
public readonly record struct ReliableStatistics(
    long MessagesSent,
    long Retransmissions,
    long Timeouts,
    long FastRetransmissions,
    long Delivered,
    long DuplicatesDiscarded,
    long OutOfWindowDiscarded,
    long AcksSent,
    long AcksPiggybacked,
    long NacksSent,
    long AcksReceived,
    long InvalidAcks,
    long MalformedFrames,
    long RttSamples,
    TimeSpan RetransmitTimeout,
    TimeSpan? SmoothedRtt);
