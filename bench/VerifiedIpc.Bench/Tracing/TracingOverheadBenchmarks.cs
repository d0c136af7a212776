using BenchmarkDotNet.Attributes;
using VerifiedIpc.Bench.Buffers;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Tracing;

namespace VerifiedIpc.Bench.Tracing;

/// <summary>
/// What tracing costs a bounded buffer, per message (one Send and one Receive, so two events when on). The anchor is
/// the same buffer with tracing off (the default: one null check per step). "No-op tracer" isolates the hook (the
/// event struct and an interface call under the lock); the NDJSON rows add numbering, JSON formatting and output.
/// Two workloads: the steady-state path on one thread (send then receive, never waits), where the buffer's own cost
/// is smallest and tracing's share largest; and one producer thread with one consumer thread.
/// </summary>
[Config(typeof(BufferBenchConfig))]
public class TracingOverheadBenchmarks
{
    private const int Capacity = 64;

    /// <summary>SteadyState: send then receive on one thread. Threads1x1: a producer and a consumer thread.</summary>
    [Params("SteadyState", "Threads1x1")]
    public string Workload { get; set; } = "SteadyState";

    [Benchmark(Baseline = true, OperationsPerInvoke = BufferBench.Messages)]
    public void Off() => Run(new BufferOptions { Name = "b" });

    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public void NoOpTracer() => Run(new BufferOptions { Name = "b", Tracer = NoOp.Instance });

    /// <summary>NDJSON written to a stream that discards the bytes: the formatting cost without I/O.</summary>
    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public void NdjsonToStream()
    {
        using var writer = new NdjsonTraceWriter(Stream.Null);
        Run(new BufferOptions { Name = "b", Tracer = writer });
    }

    /// <summary>NDJSON kept in memory as lines, as the Coyote and property harnesses capture traces.</summary>
    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public int NdjsonInMemory()
    {
        var writer = NdjsonTraceWriter.InMemory();
        Run(new BufferOptions { Name = "b", Tracer = writer });
        return writer.Lines.Count;
    }

    private void Run(BufferOptions options)
    {
        var buffer = new BoundedBuffer<(string, int)>(Capacity, options);
        const int n = BufferBench.Messages;
        if (Workload == "SteadyState")
        {
            using var _ = TraceProcess.Use("p1");
            for (int i = 0; i < n; i++)
            {
                buffer.Send(("p1", i));
                buffer.Receive();
            }
            return;
        }
        BufferBench.RunThreads(1, _ =>
        {
            using var __ = TraceProcess.Use("p1");
            for (int i = 0; i < n; i++) buffer.Send(("p1", i));
        }, 1, _ =>
        {
            using var __ = TraceProcess.Use("c1");
            for (int i = 0; i < n; i++) buffer.Receive();
        });
    }

    private sealed class NoOp : IBufferTracer
    {
        public static readonly NoOp Instance = new();

        public void OnEvent(in BufferEvent e) { }
    }
}
