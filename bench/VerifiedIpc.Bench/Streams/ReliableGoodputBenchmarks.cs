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
    private readonly byte[] _message = new byte[1024];

    [Params(0.0, 0.01, 0.1, 0.3)]
    public double Loss { get; set; }

    [Benchmark]
    public async Task<int> Transfer()
    {
        var schedule = new SeededFaultSchedule(1, new FaultRates { Loss = Loss, BaseDelay = TimeSpan.Zero });
        var (a, b) = UdpDatagramLink.CreateLoopbackPair(new ProcessId(1), new ProcessId(2));
        var options = new ReliableOptions
        {
            WindowSize = 256,
            InitialRetransmitTimeout = TimeSpan.FromMilliseconds(20),
            MinRetransmitTimeout = TimeSpan.FromMilliseconds(1), // loopback round trips are tens of microseconds
            MaxRetransmissions = 50,
        };
        await using var sender = new ReliableConnection(new FaultInjectingLink(a, schedule, LinkDirection.AToB), options);
        await using var receiver = new ReliableConnection(new FaultInjectingLink(b, schedule, LinkDirection.BToA), options);
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
            sends.Add(sender.SendAsync(_message));
        await Task.WhenAll(sends);
        return await receiving;
    }
}
