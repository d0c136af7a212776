using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Tracing;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Producer/consumer workloads whose every iteration records an NDJSON trace for validation against the spec.
/// Producers <c>p1..pN</c> send <c>("p", n)</c> for n = 1..K (the spec's <c>&lt;&lt;p, n&gt;&gt;</c>); consumers
/// <c>c1..cM</c> receive until all N×K are claimed. Nothing is closed: the BoundedBuffer spec has no Close, and a
/// consumer only receives once it has claimed a message that is sure to come, so no one blocks forever. The
/// ordinary assertions are the same as the untraced scenarios': no loss, no duplication, per-producer order.
/// </summary>
internal static class TracedBufferScenarios
{
    /// <summary>Which buffer a traced workload runs on.</summary>
    public enum Kind { Bounded, Rendezvous }

    /// <summary>A traced workload as a scenario body; every iteration's trace goes to <paramref name="sink"/>.
    /// Synchronous calls unless <paramref name="asynchronous"/> (then SendAsync and ReceiveAsync, each awaited: a
    /// parked task is the spec's waiting thread).</summary>
    public static Func<Task> Body(TraceSink sink, Kind kind, int producers, int items, int consumers, int capacity = 1,
        BufferFaults faults = BufferFaults.None, bool asynchronous = false) =>
        () => Run(sink, kind, producers, items, consumers, capacity, faults, asynchronous);

    private static async Task Run(TraceSink sink, Kind kind, int producers, int items, int consumers, int capacity, BufferFaults faults, bool asynchronous)
    {
        var writer = sink.Begin();
        var options = new BufferOptions { Name = "buffer", Tracer = writer };
        IMessageBuffer<(string P, int N)> buffer = kind == Kind.Bounded
            ? new BoundedBuffer<(string, int)>(capacity, options, faults)
            : new RendezvousBuffer<(string, int)>(options, faults);
        int total = producers * items, claimed = 0;

        var senders = new Task[producers];
        for (var p = 1; p <= producers; p++)
        {
            var name = "p" + p;
            senders[p - 1] = Task.Run(async () =>
            {
                using var _ = TraceProcess.Use(name);
                for (var n = 1; n <= items; n++)
                {
                    if (asynchronous) await buffer.SendAsync((name, n));
                    else buffer.Send((name, n));
                }
            });
        }

        var receivers = new Task<List<int>>[consumers];
        for (var c = 1; c <= consumers; c++)
        {
            var name = "c" + c;
            receivers[c - 1] = Task.Run(async () =>
            {
                using var _ = TraceProcess.Use(name);
                var got = new List<int>();
                while (Interlocked.Increment(ref claimed) <= total)
                {
                    var (p, n) = asynchronous ? await buffer.ReceiveAsync() : buffer.Receive();
                    got.Add(Workload.Message(int.Parse(p.AsSpan(1)), n));
                }
                return got;
            });
        }

        await Task.WhenAll(senders.Concat(receivers).ToArray());
        var sent = Enumerable.Range(1, producers).SelectMany(p => Enumerable.Range(1, items).Select(n => Workload.Message(p, n)));
        Workload.CheckDelivery(sent, [.. receivers.Select(r => r.Result)]);
        if (kind == Kind.Bounded)
        {
            Check.That(buffer.Count == 0, $"all {total} messages were received, yet {buffer.Count} are still buffered");
        }
    }

    /// <summary>
    /// A rendezvous closed while it is in use: producers <c>p1..pN</c> send <c>("p", n)</c> for n = 1..K until a send
    /// fails closed, consumers <c>c1..cM</c> receive until a receive fails closed, and a closer closes the buffer
    /// concurrently with all of them, so some schedules close with senders parked and receivers blocked. Close must
    /// release them all: receivers return closed, parked messages go back to their senders. Checks: a send that
    /// returned was received (the rendezvous guarantee), nothing received twice, per-producer order. Every run ends,
    /// so its trace is complete and is validated with the module's completion predicate.
    /// </summary>
    public static Func<Task> CloseBody(TraceSink sink, int producers, int items, int consumers,
        BufferFaults faults = BufferFaults.None, bool asynchronous = false) =>
        () => RunClose(sink, producers, items, consumers, faults, asynchronous);

    private static async Task RunClose(TraceSink sink, int producers, int items, int consumers, BufferFaults faults, bool asynchronous)
    {
        var writer = sink.Begin();
        IMessageBuffer<(string P, int N)> buffer = new RendezvousBuffer<(string, int)>(new BufferOptions { Name = "buffer", Tracer = writer }, faults);

        var senders = new Task<List<int>>[producers];
        for (var p = 1; p <= producers; p++)
        {
            var name = "p" + p;
            var id = p;
            senders[p - 1] = Task.Run(async () =>
            {
                using var _ = TraceProcess.Use(name);
                var returned = new List<int>();
                for (var n = 1; n <= items; n++)
                {
                    try
                    {
                        if (asynchronous) await buffer.SendAsync((name, n));
                        else buffer.Send((name, n));
                    }
                    catch (EndpointClosedException)
                    {
                        break;
                    }
                    returned.Add(Workload.Message(id, n));
                }
                return returned;
            });
        }

        var receivers = new Task<List<int>>[consumers];
        for (var c = 1; c <= consumers; c++)
        {
            var name = "c" + c;
            receivers[c - 1] = Task.Run(async () =>
            {
                using var _ = TraceProcess.Use(name);
                var got = new List<int>();
                while (true)
                {
                    try
                    {
                        var (p, n) = asynchronous ? await buffer.ReceiveAsync() : buffer.Receive();
                        got.Add(Workload.Message(int.Parse(p.AsSpan(1)), n));
                    }
                    catch (EndpointClosedException)
                    {
                        return got;
                    }
                }
            });
        }

        var closer = Task.Run(() =>
        {
            using var _ = TraceProcess.Use("closer");
            buffer.Close();
        });

        await Task.WhenAll(senders.Concat(receivers).Append(closer).ToArray());
        // A send that returned was received (loss otherwise); nothing received that no returned send sent.
        Workload.CheckDelivery(senders.SelectMany(s => s.Result), [.. receivers.Select(r => r.Result)]);
    }
}
