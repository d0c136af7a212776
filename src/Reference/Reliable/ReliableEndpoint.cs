using System.Diagnostics;
using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Links;

namespace VerifiedIpc.Reference.Reliable;

/// <summary>
/// Exactly-once, in-order delivery of messages over a link that loses, duplicates, reorders and delays them —
/// the seed's "Exception: losing messages": every message carries a sequence number; the receiver acknowledges,
/// removes duplicates and puts messages back in order; the sender retransmits on timeout and on out-of-sequence
/// (duplicate) acks, and gives up with a typed error after a bounded number of retries.
/// </summary>
/// <remarks>
/// <para><b>Protocol.</b> Selective-repeat sliding window of <see cref="ReliableOptions.WindowSize"/> messages.
/// Acknowledgements are cumulative ("I have every message below n"), so one ack covers many messages (bundling);
/// every data frame carries the sender's own cumulative ack in its header (piggy-backing), and a stand-alone ack
/// is sent only when no reverse traffic took it within <see cref="ReliableOptions.AckDelay"/>, after
/// <see cref="ReliableOptions.AckEvery"/> arrivals, or at once when something unusual arrives (a duplicate, a
/// message beyond the window, the repair of a hole).</para>
/// <para><b>Selective acks.</b> The receiver keeps out-of-order arrivals within the window, and every stand-alone
/// ack carries a bitmap of them (bit i, least significant first within each byte, for message ack + 1 + i;
/// trailing zero bytes left off). An arrival whose predecessor is missing has just revealed a loss: the receiver
/// says so at once with a negative ack listing the holes, newest first (or, with nacks off, a duplicate ack whose
/// bitmap shows them). The sender marks what the receiver holds on a scoreboard; a selective ack never completes
/// a send (only the cumulative ack does), so a wrong bitmap can cost time but never a message.</para>
/// <para><b>Repairs.</b> Only missing messages are retransmitted. A nack, or
/// <see cref="ReliableOptions.DuplicateAckThreshold"/> duplicate acks, repair a message the first time. After that,
/// losses are found by transmission order (after RACK, RFC 8985): a message the receiver does not hold is lost once
/// a transmission <see cref="ReliableOptions.DuplicateAckThreshold"/> places after its latest one has arrived —
/// which finds a lost repair as soon as later traffic overtakes it. Later repairs count as such traffic: the
/// receiver acknowledges a repair at once and marks its echo as a repair, so the sender knows which copy arrived
/// and credits it. When too few later transmissions follow for that count but one of them has arrived, RACK's time
/// rule judges (lost once out for that delivery's round trip plus a reordering window). When nothing later is sent (a pinned window, the
/// tail of a transfer), a probe two smoothed round trips after the last progress (sooner when the window is full)
/// resends what the same rule, timed, finds lost, or else the newest unreported message, so that its ack shows
/// what is missing; a repeated repair of the window's left edge while the window is full goes twice. The
/// retransmission timer (adaptive, <see cref="RttEstimator"/>, Jacobson/Karels) covers the oldest message; any
/// progress, selective or cumulative, restarts it and drops its back-off, so a timeout's back-off does not outlive
/// the stall that caused it. On expiry it resends that message (with what the time rule shows lost and the newest
/// unreported message, not the whole window) and backs off; the retry bound counts these timeouts.</para>
/// <para><b>Sending.</b> <see cref="SendAsync"/> returns a task that completes when the message is acknowledged
/// (the seed's blocking <c>send(dest, msg, timeout)</c> is <see cref="Send"/>). Messages beyond the window wait in
/// order. Cancelling the token stops the caller's wait; the message stays queued and will still be delivered.</para>
/// <para><b>Receiving.</b> With a delivery handler, it runs for every message in order, one at a time, on the
/// thread that processed the arrival (the link's). Without one, messages queue for <see cref="ReceiveAsync"/>;
/// that queue is not bounded (no flow control beyond the window).</para>
/// <para><b>Failure and close.</b> When a message exhausts its retries, the endpoint fails: that send faults
/// with <see cref="RetriesExhaustedException"/>, every other unacknowledged send with
/// <see cref="EndpointClosedException"/> carrying its message, and later receives (after the queue drains)
/// rethrow the failure. <see cref="Dispose"/> does the same with <see cref="EndpointClosedException"/>.
/// Nothing is dropped silently.</para>
/// <para><b>Concurrency.</b> One private lock; decisions under it, link sends, deliveries and task completions
/// after it. The link runs arrivals one at a time, which keeps deliveries in order without holding the lock.</para>
/// </remarks>
public sealed class ReliableEndpoint : IDisposable
{
    private readonly object _gate = new();
    private readonly IDatagramLink _link;
    private readonly ReliableOptions _options;
    private readonly TimeProvider _time;
    private readonly IDeliveryTracer? _tracer;
    private readonly SeededBugs _bugs;
    private readonly FrameCodec _codec;
    private readonly Action<ReadOnlyMemory<byte>>? _onDelivered;
    private readonly RttEstimator _rtt;
    private readonly ITimer _retransmitTimer;
    private readonly ITimer _ackTimer;

    // Sender: messages [_sendBase, _nextSeq) are in flight; _waiting have no sequence number yet.
    private ulong _nextSeq;
    private ulong _sendBase;
    private readonly Dictionary<ulong, Outgoing> _inFlight = [];
    private readonly Queue<Outgoing> _waiting = new();
    private int _duplicateAcks;
    // The scoreboard's clock: every transmission (first or repeat) takes the next number, so "sent after" is exact
    // even when fake time gives a whole burst the same timestamp.
    private long _transmissions;
    // The highest transmission number the receiver is known to hold (cumulatively acknowledged or selectively).
    private long _deliveredTransmission = -1;
    private long _lossScanFor = -1;
    // The scoreboard in transmission order: every in-flight message the receiver is not known to hold, oldest
    // transmission first. Loss detection and the probe walk it from the front and stop at the first message too
    // recent to judge, so an ack costs in proportion to what it changes, not to the window.
    private readonly LinkedList<Outgoing> _unreported = new();
    // One round-trip measurement at a time (as in Jacobson's BSD implementation): a cumulative ack may cover
    // messages that waited in the receiver's buffer for a hole to be repaired, so only a message timed from its
    // first transmission, with no retransmission of it or of an earlier message in between (Karn), yields a sample.
    private (ulong Seq, DateTimeOffset SentAt)? _timed;
    private DateTimeOffset? _oldestDeadline; // the retransmission timer of message _sendBase; null when none in flight
    // The loss probe (after TCP's tail loss probe, RFC 8985 §7): a few round trips without progress, well before the
    // timeout, look once for lost messages that no later traffic will reveal. Null when none is due.
    private DateTimeOffset? _probeDeadline;
    // RACK's time rule (RFC 8985 §6.2) for what the count rule cannot judge yet: a message sent before one the
    // receiver holds is lost once it has been out for the latest delivered transmission's round trip plus a
    // reordering window. _rackRtt is that round trip (only exact ones: a copy known to be the one that arrived);
    // _minRtt gives the window (a quarter of it); _reorderDeadline is when the rule next has something to judge.
    private TimeSpan? _rackRtt;
    private TimeSpan? _minRtt;
    private DateTimeOffset? _reorderDeadline;

    // Receiver: everything below _expected was delivered; _buffered holds arrivals in (_expected, _expected + W).
    private ulong _expected;
    private readonly Dictionary<ulong, byte[]> _buffered = [];
    private ulong _highestBuffered; // meaningful while _buffered is not empty
    private bool _ackPending;
    private bool _ackTimerArmed;
    private int _inOrderSinceAck;
    private const int MaxNackList = 32;
    private ulong? _echo; // the latest data arrival not yet echoed in an ack
    private bool _echoRepair; // ... and whether it was a retransmitted copy (said in the ack, so the sender knows which copy arrived)

    // Frames made and not yet sent, in the order made; one thread at a time sends them (DrainOutbox).
    private readonly Queue<(FrameHeader Header, byte[]? Payload)> _outbox = new();
    private bool _draining;

    // Application side when there is no delivery handler.
    private readonly Queue<byte[]> _received = new();
    private TaskCompletionSource? _receiveWaiter;

    private Exception? _failure;
    private bool _disposed;
    private Counters _n;

    /// <summary>Runs reliable delivery over <paramref name="link"/>, attaching to its arrivals.</summary>
    /// <param name="link">The unreliable link; not owned (disposing the endpoint leaves it open).</param>
    /// <param name="options">Window, timeouts, retries; defaults when null.</param>
    /// <param name="timeProvider">Clock for every timer; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="onDelivered">Runs for each message in order; when null, messages queue for
    /// <see cref="ReceiveAsync"/>. The memory is valid only during the call.</param>
    /// <param name="tracer">Receives protocol events; null for none.</param>
    public ReliableEndpoint(IDatagramLink link, ReliableOptions? options = null, TimeProvider? timeProvider = null,
        Action<ReadOnlyMemory<byte>>? onDelivered = null, IDeliveryTracer? tracer = null)
        : this(link, options, timeProvider, onDelivered, tracer, SeededBugs.None)
    {
    }

    internal ReliableEndpoint(IDatagramLink link, ReliableOptions? options, TimeProvider? timeProvider,
        Action<ReadOnlyMemory<byte>>? onDelivered, IDeliveryTracer? tracer, SeededBugs bugs)
    {
        ArgumentNullException.ThrowIfNull(link);
        _options = options ?? new ReliableOptions();
        _options.Validate();
        if (link.MaxDatagramSize <= FrameCodec.Overhead)
            throw new ArgumentException($"The link's datagrams ({link.MaxDatagramSize} bytes) cannot hold a frame header.", nameof(link));
        _link = link;
        _time = timeProvider ?? TimeProvider.System;
        _tracer = tracer;
        _bugs = bugs;
        _onDelivered = onDelivered;
        _codec = new FrameCodec(link.MaxDatagramSize - FrameCodec.Overhead);
        _rtt = new RttEstimator(_options.InitialRetransmitTimeout, _options.MinRetransmitTimeout, _options.MaxRetransmitTimeout);
        var never = System.Threading.Timeout.InfiniteTimeSpan;
        _retransmitTimer = _time.CreateTimer(static s => ((ReliableEndpoint)s!).OnRetransmitTimer(), this, never, never);
        _ackTimer = _time.CreateTimer(static s => ((ReliableEndpoint)s!).OnAckTimer(), this, never, never);
        Name = $"reliable {link.Local}→{link.Remote}";
        link.Attach(OnDatagram);
    }

    public string Name { get; }

    /// <summary>Largest message <see cref="SendAsync"/> accepts (the link's datagram minus the frame overhead).</summary>
    public int MaxMessageSize => _codec.MaxPayloadLength;

    public ReliableStatistics Statistics
    {
        get
        {
            lock (_gate)
                return new ReliableStatistics(_n.Sent, _n.Retransmissions, _n.Timeouts, _n.FastRetransmissions, _n.Delivered,
                    _n.DuplicatesDiscarded, _n.OutOfWindow, _n.AcksSent, _n.AcksPiggybacked, _n.NacksSent, _n.AcksReceived,
                    _n.InvalidAcks, _n.Malformed, _rtt.Samples, _rtt.Timeout, _rtt.SmoothedRtt);
        }
    }

    /// <summary>Messages sent and not yet acknowledged, plus those waiting for room in the window.</summary>
    public int Unacknowledged
    {
        get { lock (_gate) return _inFlight.Count + _waiting.Count; }
    }

    // ================================================================ application API

    /// <summary>
    /// Queues <paramref name="message"/> (copied) for reliable delivery; the task completes when the peer has
    /// acknowledged it.
    /// </summary>
    /// <exception cref="MessageTooLargeException">Over <see cref="MaxMessageSize"/>; nothing is sent.</exception>
    /// <exception cref="EndpointClosedException">Closed or failed; the message is handed back.</exception>
    public Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (message.Length > MaxMessageSize)
            throw new MessageTooLargeException(message.Length, MaxMessageSize);
        var outgoing = new Outgoing(message.ToArray());
        var fx = new Effects();
        lock (_gate)
        {
            if (_disposed || _failure is not null)
                throw new EndpointClosedException(Name, outgoing.Payload, hasUndelivered: true);
            _waiting.Enqueue(outgoing);
            FillWindow(fx);
            ArmRetransmitTimer();
            AssertInvariants();
        }
        Execute(fx);
        return cancellationToken.CanBeCanceled ? outgoing.Done.Task.WaitAsync(cancellationToken) : outgoing.Done.Task;
    }

    /// <summary>
    /// The seed's <c>status = send(dest, msg, timeout)</c>: blocks until the message is acknowledged, or throws
    /// <see cref="TimeoutException"/> when <paramref name="timeout"/> (on this endpoint's clock) passes first — the
    /// message then stays queued and may still be delivered.
    /// </summary>
    public void Send(ReadOnlySpan<byte> message, TimeSpan timeout)
    {
        var task = SendAsync(message.ToArray());
        task.WaitAsync(timeout, _time).GetAwaiter().GetResult();
    }

    /// <summary>Next delivered message, in order (only when no delivery handler was given).</summary>
    public async ValueTask<byte[]> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (_onDelivered is not null)
            throw new InvalidOperationException("This endpoint delivers to its handler; there is nothing to receive.");
        while (true)
        {
            TaskCompletionSource wait;
            lock (_gate)
            {
                if (_received.TryDequeue(out var m))
                    return m;
                if (_failure is not null)
                    throw _failure;
                if (_disposed)
                    throw new EndpointClosedException(Name);
                wait = _receiveWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            await wait.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A delivered message if one is queued (only when no delivery handler was given).</summary>
    public bool TryReceive(out byte[] message)
    {
        lock (_gate)
            return _received.TryDequeue(out message!);
    }

    /// <summary>
    /// Stops the endpoint: timers stop, unacknowledged sends fault with <see cref="EndpointClosedException"/>
    /// holding their messages, waiting receivers wake with the same error. The link stays open.
    /// </summary>
    public void Dispose()
    {
        var fx = new Effects();
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            AbandonAll(fx, except: null, error: null);
        }
        _retransmitTimer.Dispose();
        _ackTimer.Dispose();
        Execute(fx);
    }

    // ================================================================ arrivals

    private void OnDatagram(ReadOnlyMemory<byte> datagram)
    {
        Frame frame;
        try
        {
            frame = _codec.DecodeDatagram(datagram);
        }
        catch (FrameFormatException)
        {
            // On a datagram link a bad frame costs only itself: count it and carry on.
            lock (_gate)
                _n.Malformed++;
            return;
        }

        var h = frame.Header;
        var fx = new Effects();
        lock (_gate)
        {
            if (h.Source != _link.Remote || (h.Destination != _link.Local && !h.Destination.IsAny))
            {
                _n.Malformed++;
                return;
            }
            if (_disposed || _failure is not null)
                return;

            if (h.Kind == FrameKind.Ack || h.Kind == FrameKind.Nack || (h.Flags & FrameFlags.AckValid) != 0)
                OnAck(h.Ack, pure: h.Kind == FrameKind.Ack,
                    echo: h.Kind == FrameKind.Ack && (h.Flags & FrameFlags.Echo) != 0
                        ? new Echo(h.Sequence, Repair: (h.Flags & FrameFlags.Retransmission) != 0)
                        : null,
                    sack: h.Kind == FrameKind.Ack ? frame.Payload.Span : default, fx);
            if (h.Kind == FrameKind.Nack && _failure is null)
                OnNack(h.Ack, frame.Payload.Span, fx);
            if (h.Kind == FrameKind.Data)
                OnData(h.Sequence, frame.Payload.Span, repair: (h.Flags & FrameFlags.Retransmission) != 0, fx);
            ArmRetransmitTimer();
            AssertInvariants();
        }
        Execute(fx);
    }

    private void OnData(ulong seq, ReadOnlySpan<byte> payload, bool repair, Effects fx)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        _echo = seq;
        _echoRepair = repair && (_bugs & SeededBugs.RepairEchoUnmarked) == 0;
        if (seq < _expected)
        {
            if ((_bugs & SeededBugs.MissingDuplicateCheck) != 0)
            {
                Deliver(seq, payload.ToArray(), fx); // seeded bug: the duplicate goes to the application again
            }
            else
            {
                _n.DuplicatesDiscarded++;
                Trace(DeliveryAction.DiscardDuplicate, seq, 0);
            }
            SendAck(fx); // the sender evidently missed our ack
            return;
        }
        if (seq - _expected >= (ulong)_options.WindowSize)
        {
            _n.OutOfWindow++;
            SendAck(fx);
            return;
        }
        if (seq > _expected)
        {
            if (_buffered.Count == 0 || seq > _highestBuffered)
                _highestBuffered = seq; // the buffer empties only when everything up to its highest is delivered
            if (!_buffered.TryAdd(seq, payload.ToArray()))
            {
                _n.DuplicatesDiscarded++;
                Trace(DeliveryAction.DiscardDuplicate, seq, 0);
                SendAck(fx);
                return;
            }
            if (!_buffered.ContainsKey(seq - 1))
            {
                // The message just before this one is missing: a loss (or a reordering) has just shown. Say so
                // at once — a nack listing the holes, or, without nacks, a duplicate ack whose selective part
                // shows them. Further out-of-order arrivals are acknowledged like in-order ones (every AckEvery
                // messages, or after AckDelay): the sender needs their selective acks to find losses, but not one
                // per message. A repair's arrival reveals nothing new; it is acknowledged at once (below).
                if (_options.SendNegativeAcks && !repair)
                    SendNack(fx);
                else
                    SendAck(fx);
                return;
            }
            _inOrderSinceAck++;
            _ackPending = true;
            // A repair is acknowledged at once, echoing it: the sender learns which copy arrived (so later repairs
            // can reveal a lost one) and how soon, without waiting for the ack delay.
            if (repair || _inOrderSinceAck >= _options.AckEvery || _options.AckDelay == TimeSpan.Zero)
                SendAck(fx);
            else if (!_ackTimerArmed)
            {
                _ackTimerArmed = true;
                _ackTimer.Change(_options.AckDelay, System.Threading.Timeout.InfiniteTimeSpan);
            }
            return;
        }

        // In order: deliver it and whatever it unblocks.
        bool filledGap = _buffered.Count > 0;
        Deliver(seq, payload.ToArray(), fx);
        _expected++;
        _inOrderSinceAck++;
        while (_buffered.Remove(_expected, out byte[]? next))
        {
            Deliver(_expected, next, fx);
            _expected++;
            _inOrderSinceAck++;
        }
        _ackPending = true;
        if (repair || filledGap || _inOrderSinceAck >= _options.AckEvery || _options.AckDelay == TimeSpan.Zero)
        {
            SendAck(fx);
        }
        else if (!_ackTimerArmed)
        {
            _ackTimerArmed = true;
            _ackTimer.Change(_options.AckDelay, System.Threading.Timeout.InfiniteTimeSpan);
        }
    }

    private void Deliver(ulong seq, byte[] payload, Effects fx)
    {
        _n.Delivered++;
        Trace(DeliveryAction.Deliver, seq, 0);
        if (_onDelivered is not null)
        {
            (fx.Deliveries ??= []).Add(payload);
        }
        else
        {
            _received.Enqueue(payload);
            fx.ReceiveWake ??= _receiveWaiter;
            _receiveWaiter = null;
        }
    }

    /// <summary>What an ack's echo says: the data message whose arrival prompted it, and whether that arrival was
    /// a retransmitted copy.</summary>
    private readonly record struct Echo(ulong Seq, bool Repair);

    private void OnAck(ulong ack, bool pure, Echo? echo, ReadOnlySpan<byte> sack, Effects fx)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        if (ack > _nextSeq)
        {
            _n.InvalidAcks++; // acknowledges what was never sent: a confused or hostile peer
            return;
        }
        var now = _time.GetUtcNow();
        if (echo is { Seq: var e } && _inFlight.TryGetValue(e, out var echoed) && echoed.Transmissions == 1)
        {
            // The receiver says which arrival prompted this ack: an exact round trip, even across holes (a
            // message sent more than once is skipped: the echo cannot say which copy it answers — Karn).
            Sample(now - echoed.LastSentAt);
            if (_timed is { } t && t.Seq <= e)
                _timed = null;
        }
        bool sackProgress = ApplySack(ack, sack, echo);
        if (ack <= _sendBase)
        {
            // An out-of-sequence (duplicate) ack: the receiver is missing _sendBase. Data frames repeat the same
            // piggy-backed ack without meaning that, so only stand-alone acks count. (A stale ack, below
            // _sendBase, was overtaken by a later one; its selective part is still true: receivers never renege.)
            if (ack == _sendBase && pure && _inFlight.Count > 0 && ++_duplicateAcks >= _options.DuplicateAckThreshold)
                FastRetransmit(_sendBase, fx);
            if (sackProgress)
            {
                // The receiver is alive and taking messages: the back-off and the timer restart, as on progress.
                _rtt.ResetBackOff();
                _oldestDeadline = now + _rtt.Timeout;
                _probeDeadline = ProbeDeadline(now);
                DetectLosses(fx);
                DetectLossesByTime(now, fx);
            }
            return;
        }

        if (_timed is { } timed && ack > timed.Seq)
        {
            Sample(now - timed.SentAt);
            _timed = null;
        }
        for (ulong s = _sendBase; s < ack; s++)
        {
            _inFlight.Remove(s, out var done);
            if (!done!.Sacked)
                _unreported.Remove(done.Node);
            NoteDelivered(done, echo);
            (fx.Completions ??= []).Add((done!.Done, null));
        }
        _sendBase = ack;
        _duplicateAcks = 0;
        _rtt.ResetBackOff();
        _oldestDeadline = _inFlight.Count > 0 ? now + _rtt.Timeout : null; // progress restarts the timer
        _probeDeadline = _inFlight.Count > 0 ? ProbeDeadline(now) : null;
        _n.AcksReceived++;
        Trace(DeliveryAction.AckReceived, 0, ack);
        DetectLosses(fx);
        DetectLossesByTime(now, fx);
        FillWindow(fx);
    }

    /// <summary>
    /// Takes in a selective acknowledgement: a bitmap after the cumulative ack <paramref name="ack"/>, bit i
    /// (least significant first within each byte) set when the receiver holds message ack + 1 + i. Marks those
    /// messages on the scoreboard; they are never completed by it (only the cumulative ack completes a send), so
    /// a wrong bitmap can cost speed but never a message. Returns whether it marked anything new.
    /// </summary>
    private bool ApplySack(ulong ack, ReadOnlySpan<byte> sack, Echo? echo)
    {
        if (sack.IsEmpty)
            return false;
        int last = sack.Length - 1;
        while (last >= 0 && sack[last] == 0)
            last--;
        if (last < 0)
            return false;
        ulong highest = ack + 1 + (ulong)last * 8 + (ulong)(31 - System.Numerics.BitOperations.LeadingZeroCount(sack[last]));
        if (highest >= _nextSeq)
        {
            _n.InvalidAcks++; // claims messages never sent: ignore the whole bitmap, as a confused peer's
            return false;
        }
        bool progress = false;
        for (int i = 0; i <= last; i++)
        {
            byte bits = sack[i];
            while (bits != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount((uint)bits);
                bits &= (byte)(bits - 1);
                ulong s = ack + 1 + (ulong)(i * 8 + b);
                if (s >= _sendBase && _inFlight.TryGetValue(s, out var m) && !m.Sacked)
                {
                    m.Sacked = true;
                    _unreported.Remove(m.Node);
                    progress = true;
                    NoteDelivered(m, echo);
                }
            }
        }
        return progress;
    }

    /// <summary>
    /// Records that the receiver holds <paramref name="m"/>, crediting the transmission that evidently arrived:
    /// what was sent before it and is not reported held is then lost (<see cref="DetectLosses"/>). For a message
    /// sent once that is its only transmission. For one sent more than once (Karn's ambiguity, here for ordering
    /// rather than timing) the receiver's echo settles it when this ack was prompted by the message's own arrival:
    /// an echo marked as a repair credits the earliest repair not known lost, an unmarked one the first
    /// transmission. So a repair that arrives reveals the repairs sent before it that did not, which is what finds
    /// a lost repair while the window is pinned and nothing new is sent. Without an echo (the ack that carried it
    /// was lost) the copy before the latest is credited, as conservative a guess as the order allows. Crediting
    /// the latest copy on a guess (RACK's rule, or "the copy before was reported missing") was tried and set off
    /// storms of needless repairs on loaded loopback: one wrong credit declares everything sent between the
    /// copies lost, and every needless repair so sent is credited the same way.
    /// </summary>
    private void NoteDelivered(Outgoing m, Echo? echo)
    {
        long evidence;
        DateTimeOffset? sentAt = null; // when the copy credited was sent, if it is certainly the one that arrived
        if (echo is { } e && e.Seq == m.Seq)
        {
            bool repair = e.Repair && m.RepairCredit >= 0;
            evidence = repair ? m.RepairCredit : m.FirstTransmission;
            sentAt = repair ? m.RepairCreditSentAt : m.FirstSentAt;
            if ((_bugs & SeededBugs.RackRttFromFirstCopy) != 0)
                sentAt = m.FirstSentAt;
        }
        else if (m.Transmissions == 1)
        {
            evidence = m.Transmission;
            sentAt = m.FirstSentAt;
        }
        else
        {
            evidence = m.PreviousTransmission;
        }
        if (evidence > _deliveredTransmission)
        {
            _deliveredTransmission = evidence;
            if (sentAt is { } t)
                _rackRtt = _time.GetUtcNow() - t; // RACK.rtt: the round trip of the most recently sent delivery
        }
    }

    private void Sample(TimeSpan rtt)
    {
        _rtt.Sample(rtt);
        if (_minRtt is not { } min || rtt < min)
            _minRtt = rtt;
    }

    /// <summary>
    /// RACK's time rule (RFC 8985 §6.2): a message the receiver does not hold, whose latest transmission went
    /// before one it does hold, is lost once it has been out for the round trip of that later delivery plus a
    /// reordering window (a quarter of the shortest round trip). The count rule (<see cref="DetectLosses"/>) needs
    /// <see cref="ReliableOptions.DuplicateAckThreshold"/> later transmissions to arrive; at the tail of a transfer,
    /// or in a pinned window with a few repairs in flight, there are none, and without this rule such a loss waited
    /// for the probe (two smoothed round trips, inflated by the queue that has since drained). Sets
    /// <c>_reorderDeadline</c> when a message is still within its window.
    /// </summary>
    private void DetectLossesByTime(DateTimeOffset now, Effects fx)
    {
        _reorderDeadline = null;
        if (_rackRtt is not { } rtt)
            return;
        var wait = rtt + (_minRtt ?? rtt) / 4;
        while (_unreported.First is { } first && first.Value.Transmission < _deliveredTransmission)
        {
            var due = first.Value.LastSentAt + wait;
            if (due > now)
            {
                _reorderDeadline = due;
                return;
            }
            _n.FastRetransmissions++;
            Transmit(first.Value.Seq, first.Value, Reason.Lost, fx); // moves it to the back, past the delivered one
        }
    }

    /// <summary>
    /// Loss detection by transmission order (after RACK, RFC 8985, with a count in place of its reordering time
    /// window): a message the receiver does not hold is lost once a transmission at least
    /// <see cref="ReliableOptions.DuplicateAckThreshold"/> places after its latest one has arrived. This applies
    /// to repairs as well, so a lost retransmission is repaired again as soon as later traffic overtakes it,
    /// without waiting for a timeout.
    /// </summary>
    private void DetectLosses(Effects fx)
    {
        long threshold = _deliveredTransmission - _options.DuplicateAckThreshold;
        if (threshold < 0 || _deliveredTransmission == _lossScanFor)
            return; // no new evidence since the last scan
        _lossScanFor = _deliveredTransmission;
        // A retransmission moves the message to the back with a number above the threshold, so this ends.
        while (_unreported.First is { } first && first.Value.Transmission <= threshold)
        {
            _n.FastRetransmissions++;
            Transmit(first.Value.Seq, first.Value, Reason.Lost, fx);
        }
    }

    /// <summary>
    /// A negative ack names the first missing message in its ack field and, in its payload, up to
    /// <see cref="MaxNackList"/> missing sequence numbers (big-endian u64) below the receiver's highest arrival,
    /// newest first (the hole just revealed is the one the sender has not repaired yet): a selective repair list,
    /// so several holes in one window are mended in one round trip.
    /// </summary>
    private void SendNack(Effects fx)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        ulong highest = _buffered.Count > 0 ? _highestBuffered : _expected;
        var missing = new List<ulong>();
        for (ulong s = highest; s > _expected && missing.Count < MaxNackList; s--)
            if (!_buffered.ContainsKey(s - 1))
                missing.Add(s - 1);
        var payload = new byte[missing.Count * 8];
        for (int i = 0; i < missing.Count; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(payload.AsSpan(i * 8), missing[i]);
        Trace(DeliveryAction.Ack, 0, AckValue()); // a nack carries the cumulative ack too; its list is not traced
        SendFrame(fx, new FrameHeader(FrameKind.Nack, FrameFlags.AckValid, _link.Local, _link.Remote, 0, AckValue()), payload);
        _n.NacksSent++;
    }

    private void OnNack(ulong firstMissing, ReadOnlySpan<byte> list, Effects fx)
    {
        if (list.Length % 8 != 0 || list.Length > MaxNackList * 8)
        {
            _n.Malformed++; // keep the part that is certain: the cumulative ack names the first hole
            list = default;
        }
        if (firstMissing >= _sendBase && firstMissing < _nextSeq)
            FastRetransmit(firstMissing, fx);
        for (int i = 0; i < list.Length; i += 8)
        {
            ulong s = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(list[i..]);
            if (s != firstMissing && s >= _sendBase && s < _nextSeq)
                FastRetransmit(s, fx);
        }
    }

    private void FastRetransmit(ulong seq, Effects fx)
    {
        var m = _inFlight[seq];
        // Nacks and duplicate acks repeat while a hole persists, and they cannot say which transmission they saw
        // missing: act on them for the first repair only. A repair that is lost in its turn is found by the
        // transmission order (DetectLosses) or, failing that, by the timer — never by a guess at how long the
        // repair ought to take, which under queueing is longer than any timeout computed from quiet samples.
        if (m.Sacked || m.Transmissions > 1)
            return;
        _n.FastRetransmissions++;
        Transmit(seq, m, Reason.Lost, fx);
    }

    // ================================================================ sending

    private void FillWindow(Effects fx)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        bool ignoreWindow = (_bugs & SeededBugs.WindowOverrun) != 0;
        while (_waiting.Count > 0 && (ignoreWindow || _nextSeq - _sendBase < (ulong)_options.WindowSize))
        {
            var m = _waiting.Dequeue();
            ulong seq = _nextSeq++;
            m.Seq = seq;
            _inFlight.Add(seq, m);
            _n.Sent++;
            Transmit(seq, m, Reason.New, fx);
        }
    }

    /// <summary>Why a message goes on the wire: for the first time; again because every earlier copy is known
    /// lost (a nack, or the scoreboard's order or time rule); or again on a guess (a probe, a timeout), when an
    /// earlier copy may still arrive.</summary>
    private enum Reason { New, Lost, Guess }

    private void Transmit(ulong seq, Outgoing m, Reason reason, Effects fx)
    {
        var now = _time.GetUtcNow();
        bool retransmission = reason != Reason.New;
        m.Transmissions++;
        m.PreviousTransmission = m.Transmission;
        m.Transmission = _transmissions++;
        if (reason == Reason.New)
        {
            m.FirstTransmission = m.Transmission;
            m.FirstSentAt = now;
        }
        else if (reason == Reason.Lost || m.RepairCredit < 0)
        {
            m.RepairCredit = m.Transmission; // every earlier copy is known lost, or this is the first repair
            m.RepairCreditSentAt = now;
        }
        if (!m.Sacked)
        {
            if (m.Node.List is not null)
                _unreported.Remove(m.Node);
            _unreported.AddLast(m.Node);
        }
        m.LastSentAt = now;
        if (_oldestDeadline is null)
        {
            _oldestDeadline = now + _rtt.Timeout; // start the timer if it is not running
            _probeDeadline = ProbeDeadline(now);
        }
        if (retransmission)
        {
            _n.Retransmissions++;
            if (_timed is { } timed && seq <= timed.Seq)
                _timed = null; // the timed message's ack may now wait for (or answer) this repair: no clean sample
        }
        else
        {
            _timed ??= (seq, now);
        }
        Trace(retransmission ? DeliveryAction.Retransmit : DeliveryAction.Send, seq, 0);
        if (_ackPending)
        {
            _n.AcksPiggybacked++;
            Trace(DeliveryAction.Ack, 0, AckValue());
            ClearAckPending();
        }
        var flags = FrameFlags.AckValid | (retransmission ? FrameFlags.Retransmission : 0);
        var header = new FrameHeader(FrameKind.Data, flags, _link.Local, _link.Remote, seq, AckValue());
        SendFrame(fx, header, m.Payload);
        if (retransmission && seq == _sendBase && m.Transmissions > 2 && _waiting.Count > 0)
        {
            // The window's left edge has been repaired before and lost again, and the full window stops everything
            // behind it: send this repair twice. The copies meet independent losses, and a duplicate arrival is
            // acknowledged at once, so one extra datagram turns a repair's chance of being seen from (1 − p)²
            // into about 1 − (1 − (1 − p)²)² (0.49 into 0.74 at 30 % loss each way).
            SendFrame(fx, header, m.Payload);
            _n.Retransmissions++;
        }
    }

    private void SendAck(Effects fx)
    {
        _n.AcksSent++;
        Trace(DeliveryAction.Ack, 0, AckValue());
        var echo = _echo;
        bool echoRepair = _echoRepair;
        ClearAckPending();
        var flags = FrameFlags.AckValid | (echo is null ? 0 : FrameFlags.Echo | (echoRepair ? FrameFlags.Retransmission : 0));
        SendFrame(fx, new FrameHeader(FrameKind.Ack, flags, _link.Local, _link.Remote, echo ?? 0, AckValue()), SackBitmap());
    }

    /// <summary>
    /// The selective part of every stand-alone ack: bit i (least significant first within each byte) set when
    /// message <c>_expected + 1 + i</c> waits in the receive buffer; trailing zero bytes are left off, so it is
    /// empty when nothing is out of order and at most window / 8 bytes otherwise.
    /// </summary>
    private byte[]? SackBitmap()
    {
        if (_buffered.Count == 0)
            return null;
        ulong highest = _highestBuffered;
        int shift = (_bugs & SeededBugs.SackOffByOne) != 0 ? 2 : 1;
        var bitmap = new byte[(int)((highest - _expected - 1) / 8) + 1];
        foreach (var s in _buffered.Keys)
        {
            long i = (long)(s - _expected) - shift;
            if (i >= 0)
                bitmap[i / 8] |= (byte)(1 << (int)(i % 8));
        }
        return bitmap;
    }

    private void ClearAckPending()
    {
        _ackPending = false;
        _inOrderSinceAck = 0;
        _echo = null; // an echo is only exact for the ack sent when its message arrived
        if (_ackTimerArmed)
        {
            _ackTimerArmed = false;
            _ackTimer.Change(System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
        }
    }

    private ulong AckValue() => (_bugs & SeededBugs.AckWrongSequence) != 0 ? _expected + 1 : _expected;

    private void SendFrame(Effects fx, FrameHeader header, byte[]? payload)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        _outbox.Enqueue((header, payload));
        fx.Send = true;
    }

    // ================================================================ timers

    private void OnRetransmitTimer()
    {
        var fx = new Effects();
        lock (_gate)
        {
            if (_disposed || _failure is not null)
                return;
            var now = _time.GetUtcNow();
            if (_reorderDeadline is { } reorder && reorder <= now)
                DetectLossesByTime(now, fx);
            if (_probeDeadline is { } probe && probe <= now && _inFlight.Count > 0)
                Probe(now, fx);
            if (_oldestDeadline is { } deadline && deadline <= now && _inFlight.TryGetValue(_sendBase, out var m))
            {
                _n.Timeouts++;
                m.Timeouts++;
                Trace(DeliveryAction.Timeout, _sendBase, 0);
                if (m.Timeouts > _options.MaxRetransmissions)
                {
                    Trace(DeliveryAction.GiveUp, _sendBase, 0);
                    var error = new RetriesExhaustedException(_link.Remote, _sendBase, m.Transmissions, m.Payload);
                    _failure = error;
                    AbandonAll(fx, except: m, error);
                }
                else
                {
                    // The oldest goes again whatever the scoreboard says (its ack may be what was lost), but not the
                    // whole window: on a loaded machine a timeout is as often a stall of the peer as a loss, and
                    // resending everything then doubles the traffic for nothing.
                    _rtt.BackOff();
                    _oldestDeadline = now + _rtt.Timeout;
                    var newest = _unreported.Last?.Value; // before the repair below moves the oldest to the back
                    Transmit(_sendBase, m, Reason.Guess, fx);
                    // Lost repairs elsewhere in a pinned window go with it — only those the time rule shows lost.
                    ResendOverdue(now, fx);
                    // And the newest message not reported held, as a second chance of an ack: on a link that loses
                    // p of each direction one repair and its ack both get through with probability (1 − p)², about
                    // half at 30 %, and every failure doubles the timeout; two independent tries halve the chains.
                    if (newest is not null && newest != m && newest.Node.List is not null && newest.LastSentAt < now)
                        Transmit(newest.Seq, newest, Reason.Guess, fx);
                }
            }
            ArmRetransmitTimer();
            AssertInvariants();
        }
        Execute(fx);
    }

    /// <summary>
    /// Two smoothed round trips after the last progress (or at the timeout, if sooner), or never before a round trip has been measured (the
    /// probe must not fire on a guess) or when it would come no sooner than the timeout.
    /// </summary>
    private DateTimeOffset? ProbeDeadline(DateTimeOffset now)
    {
        if (_rtt.SmoothedRtt is not { } srtt)
            return null;
        // Two round trips, but no later than the timeout itself: the probe then stands in for the first expiry of
        // a stretch without progress, which would otherwise double the timeout (a lost repair or a lost ack on a
        // lossy link is not a sign of a dead peer). Never sooner than a round trip and a quarter, or it would only
        // race the ack of the message it probes.
        // With the window full nothing new will be sent, so no later traffic can reveal a lost repair: probe as
        // soon as the time rule can judge (a round trip and a quarter) instead of waiting two.
        bool pinned = _waiting.Count > 0;
        var pto = pinned ? srtt * 1.25 : srtt * 2;
        if (pto > _rtt.Timeout)
            pto = _rtt.Timeout;
        if (pto < srtt * 1.25)
            pto = srtt * 1.25;
        if (pto < Granularity)
            pto = Granularity;
        return pto <= _rtt.Timeout ? now + pto : null;
    }

    private static readonly TimeSpan Granularity = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The loss probe fired: nothing has progressed for two round trips. A message the receiver does not hold,
    /// sent before one it does hold and at least a round trip and a quarter ago, is lost (RACK's time rule, which
    /// needs no later traffic: it catches a lost repair while the window is pinned). If there is none, the newest
    /// unreported message goes again, so that its ack reports what is missing at the tail. Probes neither back
    /// off nor count towards the retry bound, but restart the timer; at most one fires per stretch without
    /// progress, so a dead peer still meets the retry bound.
    /// </summary>
    private void Probe(DateTimeOffset now, Effects fx)
    {
        _probeDeadline = null;
        _oldestDeadline = now + _rtt.Timeout; // as after a retransmission on expiry, but with no back-off (RFC 8985 §7.3)
        if (!ResendOverdue(now, fx) && _unreported.Last is { } newest)
        {
            _n.FastRetransmissions++;
            Transmit(newest.Value.Seq, newest.Value, Reason.Guess, fx);
        }
    }

    /// <summary>
    /// RACK's time rule: a message the receiver does not hold, sent before one it does hold and at least a round
    /// trip and a quarter ago, is lost. Resends those; returns whether there were any.
    /// </summary>
    private bool ResendOverdue(DateTimeOffset now, Effects fx)
    {
        var reorderWindow = (_rtt.SmoothedRtt ?? _rtt.Timeout) * 1.25;
        long delivered = _deliveredTransmission; // repairs below get higher numbers: judge only what was sent before
        bool any = false;
        while (_unreported.First is { } first && first.Value.Transmission < delivered && now - first.Value.LastSentAt >= reorderWindow)
        {
            _n.FastRetransmissions++;
            Transmit(first.Value.Seq, first.Value, Reason.Lost, fx);
            any = true;
        }
        return any;
    }

    private void OnAckTimer()
    {
        var fx = new Effects();
        lock (_gate)
        {
            // Race: the timer may fire just after a piggy-back cleared the pending ack; then there is nothing to do.
            _ackTimerArmed = false;
            if (_disposed || _failure is not null || !_ackPending)
                return;
            SendAck(fx);
        }
        Execute(fx);
    }

    private void ArmRetransmitTimer()
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        if (_disposed || _failure is not null)
            return;
        var never = System.Threading.Timeout.InfiniteTimeSpan;
        if (_oldestDeadline is not { } deadline)
        {
            _probeDeadline = null;
            _reorderDeadline = null;
            _retransmitTimer.Change(never, never);
            return;
        }
        if (_probeDeadline is { } probe && probe < deadline)
            deadline = probe;
        if (_reorderDeadline is { } reorder && reorder < deadline)
            deadline = reorder;
        var due = deadline - _time.GetUtcNow();
        _retransmitTimer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, never);
    }

    // ================================================================ failure, effects, invariants

    /// <summary>Hands every unacknowledged message back through its task; wakes receivers.</summary>
    private void AbandonAll(Effects fx, Outgoing? except, Exception? error)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        var all = new List<Outgoing>();
        for (ulong s = _sendBase; s < _nextSeq; s++)
            all.Add(_inFlight[s]);
        all.AddRange(_waiting);
        _inFlight.Clear();
        _unreported.Clear();
        _waiting.Clear();
        _sendBase = _nextSeq;
        _oldestDeadline = null;
        _probeDeadline = null;
        _reorderDeadline = null;
        _timed = null;
        foreach (var m in all)
        {
            Exception e = ReferenceEquals(m, except) && error is not null
                ? error
                : new EndpointClosedException(Name, m.Payload, hasUndelivered: true);
            (fx.Completions ??= []).Add((m.Done, e));
        }
        fx.ReceiveWake ??= _receiveWaiter;
        _receiveWaiter = null;
    }

    private void Execute(Effects fx)
    {
        if (fx.Send)
            DrainOutbox();
        if (fx.Deliveries is { } deliveries)
            foreach (var d in deliveries)
                _onDelivered!(d);
        fx.ReceiveWake?.TrySetResult();
        if (fx.Completions is { } completions)
            foreach (var (tcs, error) in completions)
                if (error is null) tcs.TrySetResult();
                else tcs.TrySetException(error);
    }

    /// <summary>
    /// Sends queued frames in the order they were made. Frames are made under the lock but sent outside it, by
    /// whichever thread made them (the application's, the link's, a timer's); without this, two threads could put
    /// them on the wire in the other order, and the scoreboard, which reads the order of transmissions as the
    /// order of arrivals, would see losses that are not. One thread drains at a time; a thread that finds another
    /// draining leaves its frames to it (and so does a nested call from a link that delivers synchronously).
    /// No lock is held while the link sends.
    /// </summary>
    private void DrainOutbox()
    {
        lock (_gate)
        {
            if (_draining)
                return;
            _draining = true;
        }
        while (true)
        {
            (FrameHeader Header, byte[]? Payload) frame;
            lock (_gate)
            {
                if (!_outbox.TryDequeue(out frame))
                {
                    _draining = false;
                    return;
                }
            }
            try
            {
                _link.Send(_codec.Encode(frame.Header, frame.Payload));
            }
            catch (EndpointClosedException)
            {
                // The link is closed under us: what we send is lost, which the protocol already tolerates;
                // the retry bound turns a permanently closed link into RetriesExhaustedException.
            }
            catch
            {
                lock (_gate)
                    _draining = false; // let the next caller send the rest
                throw;
            }
        }
    }

    private void Trace(DeliveryAction action, ulong seq, ulong ack) =>
        _tracer?.Trace(new DeliveryTraceEvent(action, _link.Local, _link.Remote, _time.GetUtcNow(), seq, ack));

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        Debug.Assert(_sendBase <= _nextSeq, "acknowledged ≤ sent");
        Debug.Assert((ulong)_inFlight.Count == _nextSeq - _sendBase, "exactly the messages in [sendBase, nextSeq) are in flight");
        Debug.Assert((_bugs & SeededBugs.WindowOverrun) != 0 || _inFlight.Count <= _options.WindowSize,
            "in flight ≤ window");
        Debug.Assert(_waiting.Count == 0 || _inFlight.Count >= _options.WindowSize || (_bugs & SeededBugs.WindowOverrun) != 0,
            "messages wait only when the window is full");
        Debug.Assert(_buffered.Keys.All(s => s > _expected && s - _expected < (ulong)_options.WindowSize),
            "buffered arrivals lie strictly inside the receive window");
        Debug.Assert(_buffered.Count == 0 || _buffered.Keys.Max() == _highestBuffered, "the highest buffered arrival is known");
        Debug.Assert(!_ackTimerArmed || _ackPending, "ack timer armed ⇒ an ack is pending");
        Debug.Assert(_unreported.Count == _inFlight.Values.Count(m => !m.Sacked),
            "the scoreboard lists exactly the in-flight messages not reported held");
        Debug.Assert((_oldestDeadline is null) == (_inFlight.Count == 0) || _failure is not null || _disposed,
            "the retransmission timer runs exactly while something is in flight");
    }

    private sealed class Outgoing
    {
        public Outgoing(byte[] payload)
        {
            Payload = payload;
            Node = new LinkedListNode<Outgoing>(this);
        }

        public byte[] Payload { get; }
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Transmissions { get; set; }
        public DateTimeOffset LastSentAt { get; set; }
        public int Timeouts { get; set; }

        /// <summary>Its sequence number, once it has one.</summary>
        public ulong Seq { get; set; }

        /// <summary>Its place in the scoreboard's transmission order.</summary>
        public LinkedListNode<Outgoing> Node { get; }

        /// <summary>The number of this message's latest transmission, in the order of all transmissions.</summary>
        public long Transmission { get; set; }

        /// <summary>The number of the transmission before <see cref="Transmission"/> (meaningless when sent once).</summary>
        public long PreviousTransmission { get; set; }

        /// <summary>The number of its first transmission.</summary>
        public long FirstTransmission { get; set; }

        public DateTimeOffset FirstSentAt { get; set; }

        public DateTimeOffset RepairCreditSentAt { get; set; }

        /// <summary>The earliest of its repairs not known lost (−1 before the first repair): what an echo of a
        /// repaired copy is credited to.</summary>
        public long RepairCredit { get; set; } = -1;

        /// <summary>The receiver reported holding it (selective ack); it still waits for the cumulative ack.</summary>
        public bool Sacked { get; set; }
    }

    private sealed class Effects
    {
        public bool Send;
        public List<byte[]>? Deliveries;
        public List<(TaskCompletionSource Done, Exception? Error)>? Completions;
        public TaskCompletionSource? ReceiveWake;
    }

    private struct Counters
    {
        public long Sent, Retransmissions, Timeouts, FastRetransmissions, Delivered, DuplicatesDiscarded, OutOfWindow,
            AcksSent, AcksPiggybacked, NacksSent, AcksReceived, InvalidAcks, Malformed;
    }
}
