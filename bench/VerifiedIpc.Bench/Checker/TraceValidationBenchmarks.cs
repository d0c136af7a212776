using BenchmarkDotNet.Attributes;
using VerifiedIpc.Checker.TraceValidation;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Bench.Checker;

/// <summary>
/// Trace-validation throughput (issue 8: at least 100,000 events/s on BoundedBuffer traces): a trace of the real
/// bounded buffer — 2 producers and 2 consumers on threads, capacity 4, 5,000 messages, so some 25,000–27,000
/// events with the waits and wake-ups the scheduler produced — validated against spec/BoundedBufferTrace.tla.
/// Events/s = <see cref="TraceEvents"/> / median time. The baseline only parses the trace; the full run also loads
/// and compiles the trace module (done once per trace, as <c>vipc validate</c> does).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
[MedianColumn]
[MemoryDiagnoser]
public class TraceValidationBenchmarks
{
    private string[] _lines = [];
    private TraceLog _parsed = null!;
    private string _module = "";

    /// <summary>Events in the generated trace (printed in the setup so the events/s figure can be computed).</summary>
    public int TraceEvents => _lines.Length;

    [GlobalSetup]
    public void Setup()
    {
        _module = Path.Combine(SpecRoot(), "BoundedBufferTrace.tla");
        _lines = RealBufferTrace.Record(producers: 2, consumers: 2, capacity: 4, messagesPerProducer: 2500);
        _parsed = TraceLog.Parse(_lines);
        var r = Validate();
        if (!r.Accepted) throw new InvalidOperationException($"the benchmark trace was rejected at {r.FirstUnexplained}");
        Console.WriteLine($"// trace: {_lines.Length} events; match {r.MatchTime.TotalMilliseconds:F1} ms, load {r.LoadTime.TotalMilliseconds:F1} ms, {r.StatesExplored} states");
    }

    [Benchmark(Baseline = true)]
    public int ParseOnly() => TraceLog.Parse(_lines).Events.Count;

    [Benchmark]
    public int ValidateFromLines() => Validate().EventsMatched;

    [Benchmark]
    public int ValidateParsed() => TraceValidator.Validate(Request() with { TraceLines = null, Trace = _parsed }).EventsMatched;

    private TraceValidationResult Validate() => TraceValidator.Validate(Request());

    private TraceValidationRequest Request() => new()
    {
        TraceModulePath = _module,
        TraceLines = _lines,
        Environment = new Dictionary<string, string> { ["VIPC_CAPACITY"] = "4" },
    };

    private static string SpecRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VerifiedIpc.sln"))) return Path.Combine(dir.FullName, "spec");
        throw new InvalidOperationException("VerifiedIpc.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Runs the real bounded buffer on threads and records its NDJSON trace in the shared format.</summary>
public static class RealBufferTrace
{
    [ThreadStatic] private static string? _proc;

    public static string[] Record(int producers, int consumers, int capacity, int messagesPerProducer)
    {
        var tracer = new Tracer();
        var buffer = new BoundedBuffer<(string P, int N)>(capacity, new BufferOptions { Name = "buffer", Tracer = tracer });
        int total = producers * messagesPerProducer;
        var threads = new List<Thread>();
        for (int p = 1; p <= producers; p++)
        {
            string name = "p" + p;
            threads.Add(new Thread(() =>
            {
                _proc = name;
                for (int n = 1; n <= messagesPerProducer; n++) buffer.Send((name, n));
            }));
        }
        int share = total / consumers;
        for (int c = 1; c <= consumers; c++)
        {
            string name = "c" + c;
            int mine = c == consumers ? total - share * (consumers - 1) : share;
            threads.Add(new Thread(() =>
            {
                _proc = name;
                for (int i = 0; i < mine; i++) buffer.Receive();
            }));
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return tracer.Lines.ToArray();
    }

    private sealed class Tracer : IBufferTracer
    {
        public readonly List<string> Lines = [];

        public void OnEvent(in BufferEvent e)
        {
            // Raised under the buffer's lock, so the list needs no lock of its own.
            string role = e.Role switch { BufferRole.Sender => "sender", BufferRole.Receiver => "receiver", _ => "buffer" };
            string msg = e.Message is ValueTuple<string, int> m ? $",\"msg\":[\"{m.Item1}\",{m.Item2}]" : "";
            Lines.Add($"{{\"proc\":\"{_proc}\",\"clock\":{Lines.Count + 1},\"kind\":\"{e.Action}\",\"obj\":\"{e.Buffer}\",\"role\":\"{role}\"{msg},\"count\":{e.Count}}}");
        }
    }
}
