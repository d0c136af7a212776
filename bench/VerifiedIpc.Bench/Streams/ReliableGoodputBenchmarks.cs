using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.Bench.Streams;

/// <summary>
/// Reliable-delivery goodput over real UDP loopback with loss injected on both directions (data and acks):
/// 2,000 messages of 1 KiB per operation, time until the last is acknowledged. Goodput = 2 MB / mean time; the
/// issue's target compares goodput at loss p with (1 − p) × the loss-free goodput (the Loss = 0 row, the anchor).
/// </summary>
[MemoryDiagnoser]
public class ReliableGoodputBenchmarks
{
    private const int Messages = 2000;
    private static readonly byte[] Payload = new byte[1024];

    [Params(0.0, 0.01, 0.1, 0.3)]
    public double Loss { get; set; }

    [Benchmark]
    public async Task<int> Transfer() => (await TransferOnce(Loss, seed: 1)).Delivered;

    /// <summary>The window: a few round trips of loopback traffic at ~20 µs per message, so that repairing a hole
    /// (one round trip, or a few when the repair is lost too) does not pin the window's left edge.</summary>
    public static ReliableOptions Options => OptionsFor(256);

    private static ReliableOptions OptionsFor(int window) => new()
    {
        WindowSize = window,
        InitialRetransmitTimeout = TimeSpan.FromMilliseconds(20),
        MinRetransmitTimeout = TimeSpan.FromMilliseconds(1), // loopback round trips are tens of microseconds
        MaxRetransmissions = 50,
    };

    private static async Task<(int Delivered, ReliableStatistics Sender, ReliableStatistics Receiver)> TransferOnce(double loss, ulong seed,
        ReliableOptions? options = null)
    {
        var schedule = new SeededFaultSchedule(seed, new FaultRates { Loss = loss, BaseDelay = TimeSpan.Zero });
        var (a, b) = UdpDatagramLink.CreateLoopbackPair(new ProcessId(1), new ProcessId(2));
        await using var sender = new ReliableConnection(new FaultInjectingLink(a, schedule, LinkDirection.AToB), options ?? Options);
        await using var receiver = new ReliableConnection(new FaultInjectingLink(b, schedule, LinkDirection.BToA), options ?? Options);
        var receiving = Task.Run(async () =>
        {
            int got = 0;
            while (got < Messages)
            {
                await receiver.ReceiveAsync();
                got++;
            }
            return got;
        });
        var sends = new List<Task>(Messages);
        for (int i = 0; i < Messages; i++)
            sends.Add(sender.SendAsync(Payload));
        await Task.WhenAll(sends);
        int delivered = await receiving;
        return (delivered, sender.Endpoint.Statistics, receiver.Endpoint.Statistics);
    }

    /// <summary>
    /// "--goodput-measure [runs [window]]": the same transfer timed with a stopwatch, with the protocol's counters, for
    /// diagnosing where the time goes (BenchmarkDotNet gives the figures; this says why).
    /// </summary>
    public static void Measure(TextWriter output, int runs, int window)
    {
        output.WriteLine($"window {window}, {runs} runs per loss rate");
        double? lossFree = null;
        foreach (double loss in new[] { 0.0, 0.01, 0.1, 0.3 })
        {
            var times = new List<double>();
            (int, ReliableStatistics Sender, ReliableStatistics Receiver) last = default;
            for (int r = 0; r < runs; r++)
            {
                var sw = Stopwatch.StartNew();
                last = TransferOnce(loss, (ulong)r + 1, OptionsFor(window)).GetAwaiter().GetResult();
                times.Add(sw.Elapsed.TotalMilliseconds);
                if (Environment.GetEnvironmentVariable("GOODPUT_VERBOSE") is not null)
                    output.WriteLine($"   run {r + 1}: {sw.Elapsed.TotalMilliseconds:F1} ms, retransmissions {last.Sender.Retransmissions} " +
                                     $"(fast {last.Sender.FastRetransmissions}, timeouts {last.Sender.Timeouts}), duplicates {last.Receiver.DuplicatesDiscarded}");
            }
            times.Sort();
            double median = times[times.Count / 2];
            lossFree ??= median;
            output.WriteLine($"loss {loss:P0}: median {median:F1} ms, ratio {lossFree / median:F2} (target {0.7 * (1 - loss):F2}); " +
                             $"runs [{string.Join(", ", times.Select(t => t.ToString("F0")))}]");
            var s = last.Sender;
            output.WriteLine($"   sender: retransmissions {s.Retransmissions}, fast {s.FastRetransmissions}, timeouts {s.Timeouts}, " +
                             $"acks received {s.AcksReceived}, rto {s.RetransmitTimeout.TotalMilliseconds:F2} ms, srtt {s.SmoothedRtt?.TotalMilliseconds:F3} ms");
            var q = last.Receiver;
            output.WriteLine($"   receiver: acks {q.AcksSent}, nacks {q.NacksSent}, duplicates {q.DuplicatesDiscarded}, out of window {q.OutOfWindowDiscarded}");
        }
    }
}
