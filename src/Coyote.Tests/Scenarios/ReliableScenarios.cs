using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Reliable delivery over the faulty in-process link, with every timer (retransmission, delayed ack, the link's own
/// delivery delays) on <see cref="ScheduledTimeProvider"/>, so the scheduler decides when each one fires relative
/// to every arrival. Invariants: deliveries are exactly the messages sent, once each, in order; the receiver never
/// sees a message beyond its window; every message is eventually delivered or handed back (liveness monitor).
/// </summary>
public static class ReliableScenarios
{
    private static readonly FaultRates Lossy = new() { Loss = 0.25, Duplication = 0.2, Reorder = 0.25 };

    public static IEnumerable<Scenario> All =>
    [
        new("reliable.lossy-link.3msgs", () => Transfer(SeededBugs.None, new SeededFaultSchedule(3, Lossy), window: 2), null, "random", 150),
        new("reliable.lossy-link.3msgs.pct", () => Transfer(SeededBugs.None, new SeededFaultSchedule(8, Lossy), window: 2), null, "fair-pct", 150),
        new("reliable.clean-link.3msgs", () => Transfer(SeededBugs.None, new SeededFaultSchedule(1, FaultRates.None), window: 1), null, "random", 100),
        new("reliable.first-data-delayed.window1", () => Transfer(SeededBugs.None, DelayFirstData(), window: 1), null, "random", 100),

        new("reliable!MissingDuplicateCheck", () => Transfer(SeededBugs.MissingDuplicateCheck, new SeededFaultSchedule(3, Lossy), window: 2),
            "Invariant: delivered", "random", 100),
        new("reliable!AckWrongSequence", () => Transfer(SeededBugs.AckWrongSequence, DropSecondData(), window: 2),
            // Budget 200: found in 33–52 random iterations on every measured seed (20 of 20, session 3), but one
            // unseeded run under heavy load missed it at 100; twice the margin keeps CI from flaking.
            "liveness bug|acknowledged but never delivered|Deadlock detected", "random", 200),
        new("reliable!WindowOverrun", () => Transfer(SeededBugs.WindowOverrun, new SeededFaultSchedule(1, FaultRates.None), window: 1),
            "Invariant: window", "random", 100),
    ];

    /// <summary>Loses the second datagram from sender to receiver (message 1's first transmission), delivers the rest.</summary>
    private static IFaultSchedule DropSecondData() =>
        new ScriptedFaultSchedule([FaultDecision.Deliver(TimeSpan.FromMilliseconds(1)), FaultDecision.Drop()], [], new SeededFaultSchedule(1, FaultRates.None));

    /// <summary>Delays the first datagram from sender to receiver, so later ones overtake it.</summary>
    private static IFaultSchedule DelayFirstData() =>
        new ScriptedFaultSchedule([FaultDecision.Deliver(TimeSpan.FromMilliseconds(50))], [], new SeededFaultSchedule(1, FaultRates.None));

    private static async Task Transfer(SeededBugs bugs, IFaultSchedule schedule, int window)
    {
        const int count = 3;
        var time = new ScheduledTimeProvider();
        var link = new FaultyLink(schedule, time, new ProcessId(1), new ProcessId(2));
        var options = new ReliableOptions { WindowSize = window, MaxRetransmissions = 40, AckEvery = 2 };
        var delivered = new List<int>();
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ReliableEndpoint? receiver = null;
        receiver = new ReliableEndpoint(link.B, options, time, m =>
        {
            int id = m.Span[0];
            lock (delivered)
            {
                Check.That(id == delivered.Count, $"delivered message {id} after [{string.Join(",", delivered)}] (exactly once, in order)");
                delivered.Add(id);
                if (delivered.Count == count)
                {
                    allDelivered.TrySetResult();
                }
            }

            Check.That(receiver!.Statistics.OutOfWindowDiscarded == 0, "the receiver saw a message beyond its window (window overrun)");
            Eventually.Accounted(id);
        }, null, bugs);
        var watch = new WindowWatch(link.A, window);
        var sender = new ReliableEndpoint(watch, options, time, null, null, bugs);

        var sends = new Task[count];
        for (var i = 0; i < count; i++)
        {
            Eventually.Sent(i);
            try
            {
                sends[i] = sender.SendAsync(new[] { (byte)i });
            }
            catch (EndpointClosedException e) when (e.HasUndelivered)
            {
                // The endpoint already failed (retries exhausted on an earlier message): handed back at once.
                sends[i] = Task.FromException(e);
            }
        }

        foreach (var send in sends)
        {
            try
            {
                await send;
            }
            catch (IpcException)
            {
                // Judged per send below.
            }
        }

        for (var i = 0; i < count; i++)
        {
            if (sends[i].IsFaulted)
            {
                var error = sends[i].Exception!.InnerException;
                Check.That(error is RetriesExhaustedException or EndpointClosedException, $"send {i} failed with {error}");
                Eventually.Accounted(i); // handed back to its sender: not silently lost
            }
        }

        if (sends.All(t => t.IsCompletedSuccessfully))
        {
            // Acknowledged means delivered; the delivery callback may still be running on the link's task, so wait
            // for it rather than end the run early. An acknowledged message that never arrives leaves this wait
            // (and the liveness monitor) unsatisfied, which Coyote reports.
            await allDelivered.Task;
        }

        time.Stop();
        var failures = time.CallbackFailures;
        if (failures.Count > 0)
        {
            // A check inside the delivery callback (run by a link timer) fails the run here.
            throw failures[0] as InvariantViolation ?? new InvariantViolation($"Invariant: a timer callback threw {failures[0]}");
        }

        Check.That(watch.Violation is null, watch.Violation ?? "");
        Check.That(receiver.Statistics.OutOfWindowDiscarded == 0, "the receiver saw a message beyond its window (window overrun)");
        lock (delivered)
        {
            for (var i = 0; i < count; i++)
            {
                Check.That(!sends[i].IsCompletedSuccessfully || delivered.Contains(i), $"message {i} was acknowledged but never delivered");
            }
        }
    }
}

/// <summary>
/// The sender's end of the link, watched: every data frame it sends must lie within the window above the highest
/// acknowledgement that has reached the sender ("in flight ≤ window", observed on the wire rather than trusted).
/// The watch sees an ack just before the endpoint does, so it is never stricter than the protocol's own rule.
/// </summary>
internal sealed class WindowWatch(IDatagramLink inner, int window) : IDatagramLink
{
    private readonly FrameCodec _codec = new(inner.MaxDatagramSize - FrameCodec.Overhead);
    private readonly object _gate = new();
    private ulong _highestAck;

    /// <summary>The first violation seen, if any.</summary>
    public string? Violation { get; private set; }

    public ProcessId Local => inner.Local;

    public ProcessId Remote => inner.Remote;

    public int MaxDatagramSize => inner.MaxDatagramSize;

    public void Send(ReadOnlySpan<byte> datagram)
    {
        var frame = _codec.DecodeDatagram(datagram.ToArray());
        if (frame.Header.Kind == FrameKind.Data)
        {
            lock (_gate)
            {
                if (frame.Header.Sequence >= _highestAck + (ulong)window)
                {
                    Violation ??= $"window of {window} overrun: message {frame.Header.Sequence} sent while only messages below {_highestAck} were acknowledged";
                }
            }
        }

        inner.Send(datagram);
    }

    public void Attach(Action<ReadOnlyMemory<byte>> onDatagram) => inner.Attach(datagram =>
    {
        var frame = _codec.DecodeDatagram(datagram);
        if (frame.Header.Kind == FrameKind.Ack || (frame.Header.Flags & FrameFlags.AckValid) != 0)
        {
            lock (_gate)
            {
                _highestAck = Math.Max(_highestAck, frame.Header.Ack);
            }
        }

        onDatagram(datagram);
    });

    public void Dispose() => inner.Dispose();
}
