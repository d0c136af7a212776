using BenchmarkDotNet.Attributes;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Direct;

namespace VerifiedIpc.Bench.Direct;

/// <summary>
/// The search cost of direct communication (the seed: "to receive from a specific sender, it requires searching
/// through the whole buffer"). Each operation is one send plus one receive by P2, with <see cref="QueueLength"/>
/// messages already queued ahead that P2's named receive must skip:
/// <list type="bullet">
/// <item>ReceiverBuffer: the queue at P2 holds messages from P3; receive from P1 scans past them (O(n)), receive
/// from any takes the head (O(1)) — the baseline.</item>
/// <item>SenderBuffer: P1's own buffer holds messages from P1 to P4; both receive from P1 and receive from any must
/// scan past them to find the one for P2 (O(n) both): the cost of keeping buffers at the sender.</item>
/// </list>
/// Synchronous, single-threaded, unbounded buffers: what is measured is the search, not contention or blocking.
/// </summary>
[MemoryDiagnoser]
public class SearchCostBenchmarks
{
    private static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3), P4 = new(4);
    private DirectEndpoint<object> _p1 = null!, _p2 = null!;
    private readonly object _payload = new();

    [Params(DirectLayout.ReceiverBuffer, DirectLayout.SenderBuffer)]
    public DirectLayout Layout { get; set; }

    /// <summary>Messages queued ahead of the one received.</summary>
    [Params(0, 16, 256, 4096)]
    public int QueueLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var net = new DirectNetwork<object>(new DirectOptions { Layout = Layout, Capacity = null });
        _p1 = net.Attach(P1);
        _p2 = net.Attach(P2);
        var p3 = net.Attach(P3);
        net.Attach(P4);
        for (int i = 0; i < QueueLength; i++)
        {
            if (Layout == DirectLayout.ReceiverBuffer) p3.Send(P2, _payload);
            else _p1.Send(P4, _payload);
        }
    }

    [Benchmark(Baseline = true, Description = "send + receive(any)")]
    public object ReceiveAny()
    {
        _p1.Send(P2, _payload);
        return _p2.Receive(ProcessId.Any).Body;
    }

    [Benchmark(Description = "send + receive(from p1)")]
    public object ReceiveFromSender()
    {
        _p1.Send(P2, _payload);
        return _p2.Receive(P1).Body;
    }
}
