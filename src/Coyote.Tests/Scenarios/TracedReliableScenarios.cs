using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// A one-way reliable transfer whose every iteration records an NDJSON trace for validation against
/// <c>spec/SlidingWindowTrace.tla</c>: the sender <c>p1</c> (the spec's end A) queues its messages at once, the
/// receiver <c>p2</c> (end B) only acknowledges, over the faulty in-process link with every timer (retransmission,
/// delayed ack, link delays) on <see cref="ScheduledTimeProvider"/>, as in <see cref="ReliableScenarios"/>. Both
/// endpoints trace to the same writer; the link does not (its losses and duplicates are the spec's silent steps).
/// Negative acks are off unless asked for (<see cref="ReliableOptions.SendNegativeAcks"/>, on in production): the spec
/// has none; a gap then shows as a duplicate ack. When on, a nack is traced as the cumulative ack it carries.
/// </summary>
internal static class TracedReliableScenarios
{
    /// <summary>The lossy link of the untraced scenarios: a quarter lost, a fifth duplicated, a quarter reordered.</summary>
    public static readonly FaultRates Lossy = new() { Loss = 0.25, Duplication = 0.2, Reorder = 0.25 };

    private static long _nacksSent;

    /// <summary>Negative acks sent by the receivers of every run so far (a reachability check for the nack workload).</summary>
    public static long NacksSent => Interlocked.Read(ref _nacksSent);

    /// <summary>Messages per transfer.</summary>
    public const int Messages = 3;

    /// <summary>The window's size as the trace module's environment (it is not logged).</summary>
    public static Dictionary<string, string> Window(int window) =>
        new() { ["VIPC_WINDOW"] = window.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>A fresh <see cref="ControlledFaultSchedule"/> with at most <paramref name="faults"/> faults.</summary>
    public static Func<IFaultSchedule> Controlled(int faults) => () => new ControlledFaultSchedule(faults);

    /// <summary>Loses the second datagram from sender to receiver (message 1's first transmission), delivers the rest.</summary>
    public static IFaultSchedule DropSecondData() =>
        new ScriptedFaultSchedule([FaultDecision.Deliver(TimeSpan.FromMilliseconds(1)), FaultDecision.Drop()], [], new SeededFaultSchedule(1, FaultRates.None));

    /// <summary>
    /// The workload as a scenario body. With <paramref name="check"/> the run asserts what the untraced scenarios do
    /// (each message delivered once, in order; every acknowledged message delivered); without it a seeded bug is
    /// judged by validation alone, so the exploration is not cut short at the first schedule that shows it.
    /// </summary>
    public static Func<Task> Body(TraceSink sink, SeededBugs bugs, Func<IFaultSchedule> schedule, int window, bool check = true,
        bool negativeAcks = false) =>
        () => Run(sink, bugs, schedule(), window, check, negativeAcks);

    private static async Task Run(TraceSink sink, SeededBugs bugs, IFaultSchedule schedule, int window, bool check, bool negativeAcks)
    {
        var writer = sink.Begin();
        var time = new ScheduledTimeProvider();
        var link = new FaultyLink(schedule, time, new ProcessId(1), new ProcessId(2));
        var options = new ReliableOptions { WindowSize = window, MaxRetransmissions = 6, AckEvery = 2, SendNegativeAcks = negativeAcks };
        var delivered = new List<int>();
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var receiver = new ReliableEndpoint(link.B, options, time, m =>
        {
            int id = m.Span[0];
            lock (delivered)
            {
                if (check) Check.That(id == delivered.Count, $"delivered message {id} after [{string.Join(",", delivered)}] (exactly once, in order)");
                delivered.Add(id);
                if (delivered.Count >= Messages) allDelivered.TrySetResult();
            }
        }, writer, bugs);
        using var sender = new ReliableEndpoint(link.A, options, time, null, writer, bugs);

        var sends = new Task[Messages];
        for (var i = 0; i < Messages; i++)
        {
            // A scheduling point between sends: the scheduler decides how far the transfer gets before the next one.
            await Task.Yield();
            try
            {
                sends[i] = sender.SendAsync(new[] { (byte)i });
            }
            catch (EndpointClosedException e) when (e.HasUndelivered)
            {
                sends[i] = Task.FromException(e); // already failed: handed back at once
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
                // Retries exhausted: the message is handed back; the trace ends with GiveUp.
            }
        }

        if (check && sends.All(t => t.IsCompletedSuccessfully))
        {
            // Acknowledged means delivered; the delivery callback may still be running on the link's timer.
            await allDelivered.Task;
        }

        Interlocked.Add(ref _nacksSent, receiver.Statistics.NacksSent);
        time.Stop();
        if (check)
        {
            var failures = time.CallbackFailures;
            if (failures.Count > 0)
                throw failures[0] as InvariantViolation ?? new InvariantViolation($"Invariant: a timer callback threw {failures[0]}");
        }
    }
}

/// <summary>
/// A link whose every fault is Coyote's choice: each datagram, while fewer than <paramref name="maxFaults"/> faults have
/// happened, is lost, duplicated, held back (so later datagrams overtake it) or delivered normally, as the systematic
/// scheduler's controlled random generator picks, so the exploration covers fault patterns as well as interleavings.
/// After the bound every datagram is delivered, so every run ends.
/// </summary>
internal sealed class ControlledFaultSchedule(int maxFaults) : IFaultSchedule
{
    private static readonly TimeSpan Normal = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Late = TimeSpan.FromMilliseconds(4);
    private readonly Microsoft.Coyote.Random.Generator _random = Microsoft.Coyote.Random.Generator.Create();
    private readonly object _gate = new();
    private int _faults;

    public FaultDecision Decide(LinkDirection direction, long index)
    {
        lock (_gate)
        {
            if (_faults >= maxFaults) return FaultDecision.Deliver(Normal);
            var choice = _random.NextInteger(4);
            if (choice == 0) return FaultDecision.Deliver(Normal);
            _faults++;
            return choice switch
            {
                1 => FaultDecision.Drop(),
                2 => FaultDecision.Duplicate(Normal, Late),
                _ => FaultDecision.Deliver(Late),
            };
        }
    }
}
