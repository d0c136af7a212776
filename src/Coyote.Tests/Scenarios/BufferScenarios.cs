using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Rendezvous, bounded and unbounded buffers with N producers × M consumers, synchronous and asynchronous, with
/// close and drain racing the traffic; and each seeded buffer fault on the same workload. The producer/consumer
/// workloads also feed the liveness monitor (<see cref="Eventually"/>): a message sent and never received leaves it hot.
/// </summary>
public static class BufferScenarios
{
    public static IEnumerable<Scenario> All =>
    [
        new("buffers.bounded.2p2c", () => Traffic(Bounded(1), 2, 2, 2, Mode.Sync), null, "random", 150),
        new("buffers.bounded.3p1c.cap2", () => Traffic(Bounded(2), 3, 2, 1, Mode.Sync), null, "pct", 150),
        new("buffers.bounded.2p2c.async", () => Traffic(Bounded(1), 2, 2, 2, Mode.Async), null, "random", 150),
        new("buffers.bounded.2p2c.mixed", () => Traffic(Bounded(1), 2, 2, 2, Mode.Mixed), null, "random", 150),
        new("buffers.unbounded.2p2c", () => Traffic(Unbounded(), 2, 2, 2, Mode.Sync), null, "random", 150),
        new("buffers.unbounded.2p2c.async", () => Traffic(Unbounded(), 2, 2, 2, Mode.Async), null, "random", 150),
        new("buffers.rendezvous.2p2c", () => Traffic(Rendezvous(), 2, 2, 2, Mode.Sync), null, "random", 150),
        new("buffers.rendezvous.2p2c.mixed", () => Traffic(Rendezvous(), 2, 2, 2, Mode.Mixed), null, "random", 150),
        new("buffers.bounded.close-race", () => CloseRace(Bounded(1), drain: false), null, "random", 150),
        new("buffers.bounded.drain-race", () => CloseRace(Bounded(1), drain: true), null, "random", 150),
        new("buffers.rendezvous.close-race", () => CloseRace(Rendezvous(), drain: false), null, "random", 150),

        // Seeded bugs: same workloads, one fault each. Expected failures: the scenario's invariant or Coyote's deadlock
        // report; in Debug builds the library's own DEBUG-only invariant checks may catch the same bug first.
        new("buffers.bounded.2p2c!IfInsteadOfWhile", () => Traffic(Bounded(1, BufferFaults.IfInsteadOfWhile), 2, 2, 2, Mode.Sync),
            "took from an empty buffer|Invariant: bounded buffer holds|invariant violated", "random", 200),
        new("buffers.bounded.2p2c!PulseInsteadOfPulseAll", () => Traffic(Bounded(1, BufferFaults.PulseInsteadOfPulseAll), 2, 2, 2, Mode.Sync),
            "Deadlock detected", "random", 200),
        new("buffers.bounded.2p2c!CheckThenAct", () => Traffic(Bounded(1, BufferFaults.CheckThenAct), 2, 2, 2, Mode.Sync),
            "Invariant: bounded buffer holds|invariant violated: the buffer never holds more", "random", 200),
        new("buffers.bounded.2p2c!LostWakeupOnClose", () => Traffic(Bounded(1, BufferFaults.LostWakeupOnClose), 2, 2, 2, Mode.Sync),
            "Deadlock detected|invariant violated: closed", "random", 200),
        new("buffers.rendezvous.2p2c!LostWakeupOnClose", () => Traffic(Rendezvous(BufferFaults.LostWakeupOnClose), 2, 2, 2, Mode.Sync),
            "Deadlock detected|invariant violated: closed", "random", 200),
        new("buffers.rendezvous.2p2c!IfInsteadOfWhile", () => Traffic(Rendezvous(BufferFaults.IfInsteadOfWhile), 2, 2, 2, Mode.Sync),
            "Invariant: message|took from an empty buffer|Deadlock detected|an untimed receive either receives or throws", "random", 200),
    ];

    /// <summary>How producers send and consumers receive.</summary>
    public enum Mode { Sync, Async, Mixed }

    private sealed record Subject(IMessageBuffer<int> Buffer, int? Capacity);

    private static Func<Subject> Bounded(int capacity, BufferFaults faults = BufferFaults.None) =>
        () => new Subject(new BoundedBuffer<int>(capacity, null, faults), capacity);

    private static Func<Subject> Unbounded(BufferFaults faults = BufferFaults.None) =>
        () => new Subject(new UnboundedBuffer<int>(null, faults), null);

    private static Func<Subject> Rendezvous(BufferFaults faults = BufferFaults.None) =>
        () => new Subject(new RendezvousBuffer<int>(null, faults), null);

    private static void CheckBound(Subject s)
    {
        if (s.Capacity is { } capacity)
        {
            var count = s.Buffer.Count;
            Check.That(count <= capacity, $"bounded buffer holds {count} messages, over its capacity {capacity}");
        }
    }

    /// <summary>Producers send their messages, then the buffer is closed; consumers receive until closed and empty.</summary>
    private static async Task Traffic(Func<Subject> make, int producers, int perProducer, int consumers, Mode mode)
    {
        var s = make();
        var buffer = s.Buffer;
        var senders = new Task[producers];
        for (var p = 0; p < producers; p++)
        {
            var producer = p;
            var asyncSend = mode == Mode.Async || (mode == Mode.Mixed && producer % 2 == 1);
            senders[p] = Task.Run(async () =>
            {
                for (var i = 0; i < perProducer; i++)
                {
                    Eventually.Sent(Workload.Message(producer, i));
                    if (asyncSend)
                    {
                        await buffer.SendAsync(Workload.Message(producer, i));
                    }
                    else
                    {
                        buffer.Send(Workload.Message(producer, i));
                    }

                    CheckBound(s);
                }
            });
        }

        var receivers = new Task<List<int>>[consumers];
        for (var c = 0; c < consumers; c++)
        {
            var asyncReceive = mode == Mode.Async || (mode == Mode.Mixed && c % 2 == 0);
            receivers[c] = Task.Run(async () =>
            {
                var got = new List<int>();
                while (true)
                {
                    try
                    {
                        var message = asyncReceive ? await buffer.ReceiveAsync() : buffer.Receive();
                        got.Add(message);
                        Eventually.Accounted(message);
                    }
                    catch (EndpointClosedException)
                    {
                        return got;
                    }

                    CheckBound(s);
                }
            });
        }

        await Task.WhenAll(senders);
        buffer.Close();
        await Task.WhenAll(receivers);
        var sent = Enumerable.Range(0, producers).SelectMany(p => Enumerable.Range(0, perProducer).Select(i => Workload.Message(p, i)));
        Workload.CheckDelivery(sent, [.. receivers.Select(r => r.Result)]);
        Check.That(buffer.Completion.IsCompleted, "closed and empty, yet Completion has not completed");
    }

    /// <summary>Close (or drain) races two producers and a consumer: every message is received, handed back to its sender, or drained.</summary>
    private static async Task CloseRace(Func<Subject> make, bool drain)
    {
        var s = make();
        var buffer = s.Buffer;
        var handedBack = new List<int>[2];
        var senders = new Task[2];
        for (var p = 0; p < senders.Length; p++)
        {
            var producer = p;
            handedBack[p] = [];
            senders[p] = Task.Run(() =>
            {
                for (var i = 0; i < 2; i++)
                {
                    try
                    {
                        buffer.Send(Workload.Message(producer, i));
                    }
                    catch (EndpointClosedException e)
                    {
                        Check.That(e.HasUndelivered && (int)e.Undelivered! == Workload.Message(producer, i), "a failed send did not hand back its own message");
                        handedBack[producer].Add(Workload.Message(producer, i));
                    }
                }
            });
        }

        var receiver = Task.Run(() =>
        {
            var got = new List<int>();
            while (true)
            {
                try
                {
                    got.Add(buffer.Receive());
                }
                catch (EndpointClosedException)
                {
                    return got;
                }
            }
        });
        var closer = Task.Run(() =>
        {
            if (drain)
            {
                return buffer.Drain();
            }

            buffer.Close();
            return (IReadOnlyList<int>)[];
        });
        await Task.WhenAll(new Task[] { senders[0], senders[1], closer, receiver });
        var sent = Enumerable.Range(0, 2).SelectMany(p => Enumerable.Range(0, 2).Select(i => Workload.Message(p, i)));
        Workload.CheckDelivery(sent, [receiver.Result], [.. handedBack[0], .. handedBack[1], .. closer.Result]);
    }
}
