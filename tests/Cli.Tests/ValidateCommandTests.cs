using VerifiedIpc.Tests.Shared;
using System.CommandLine;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Cli.Tests;

/// <summary><c>vipc validate</c>: verdicts and exit codes on traces of the bounded buffer, hand-written and recorded
/// from the real implementation.</summary>
public sealed class ValidateCommandTests : IDisposable
{
    private static readonly string Root = FindRoot();
    private readonly string _dir = Directory.CreateTempSubdirectory("vipc-validate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VerifiedIpc.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no VerifiedIpc.sln above {AppContext.BaseDirectory}");
    }

    private static string Spec => Path.Combine(Root, "spec", "BoundedBuffer.tla");

    private static string Ev(string proc, int clock, string kind, string role, int count, int? item = null, string? producer = null) =>
        BoundedBufferSampleTrace.Ev(proc, clock, kind, role, count, item, producer);

    private static string[] Correct() => BoundedBufferSampleTrace.Correct();

    private (int Exit, string Output) Run(string[] lines, params string[] extra)
    {
        var trace = Path.Combine(_dir, "t.ndjson");
        File.WriteAllLines(trace, lines);
        var output = new StringWriter();
        int exit = Program.BuildRoot().Parse(["validate", "--spec", Spec, "--trace", trace, .. extra])
            .Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    /// <summary>A rendezvous closed while r2 waits; the lost wake-up version ends there, the correct one shows r2 return.</summary>
    [Theory]
    [InlineData(false, 0, "the run may end here (TraceComplete holds)")]
    [InlineData(true, 1, "Trace rejected at its end: all 2 events are explained")]
    public void With_complete_a_run_that_ends_owing_a_release_is_rejected_at_its_end(bool lostWakeup, int expectedExit, string expectedText)
    {
        string Rv(int clock, string proc, string kind, string role) =>
            $"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"rendezvous\",\"role\":\"{role}\",\"count\":0}}";
        string[] lines = [Rv(1, "r2", "Wait", "receiver"), Rv(2, "main", "Close", "buffer")];
        if (!lostWakeup) lines = [.. lines, Rv(3, "r2", "Wake", "receiver"), Rv(4, "r2", "Closed", "receiver")];
        var trace = Path.Combine(_dir, "close.ndjson");
        File.WriteAllLines(trace, lines);
        string[] args = ["validate", "--spec", Path.Combine(Root, "spec", "Rendezvous.tla"), "--trace", trace];
        var output = new StringWriter();
        int exit = Program.BuildRoot().Parse([.. args, "--complete"]).Invoke(new InvocationConfiguration { Output = output, Error = output });
        Assert.True(expectedExit == exit, output.ToString());
        Assert.Contains(expectedText, output.ToString(), StringComparison.Ordinal);
        // Without --complete the trace is judged as a prefix, which the lost wake-up's is too.
        var prefix = new StringWriter();
        Assert.Equal(0, Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = prefix, Error = prefix }));
    }

    [Fact]
    public void An_accepted_trace_exits_0_and_reports_the_rate()
    {
        var (exit, output) = Run(Correct(), "--env", "VIPC_CAPACITY=1");
        Assert.Equal(0, exit);
        Assert.Contains("Trace accepted: 10 / 10 events matched", output);
        Assert.Contains("events/s", output);
    }

    [Fact]
    public void A_rejected_trace_exits_1_with_the_prefix_the_event_and_the_candidates()
    {
        var t = Correct();
        t[8] = Ev("p1", 9, "Send", "sender", 2, 3); // p1 skips its second item
        var (exit, output) = Run(t);
        Assert.Equal(1, exit);
        Assert.Contains("Trace rejected: 8 / 10 events matched", output);
        Assert.Contains("Longest matched prefix: events 1..8.", output);
        Assert.Contains("First event no action explains: event 9 (line 9):", output);
        Assert.Contains(t[8], output);
        Assert.Contains("State 1:", output);
        Assert.Contains("/\\ sent = ", output);
    }

    [Fact]
    public void A_bad_trace_line_exits_2_naming_the_line()
    {
        var t = Correct();
        t[3] = "{\"proc\":\"p1\",\"kind\":\"Wait\"}";
        var (exit, output) = Run(t);
        Assert.Equal(2, exit);
        Assert.Contains("t.ndjson:4: the field \"clock\" is missing", output);
    }

    [Fact]
    public void A_missing_trace_module_exits_2()
    {
        var (exit, output) = Run(Correct(), "--trace-module", Path.Combine(_dir, "Nope.tla"));
        Assert.Equal(2, exit);
        Assert.Contains("Nope.tla does not exist", output);
    }

    /// <summary>The real bounded buffer, run on threads with a recording tracer: its trace is accepted. Which
    /// interleaving the scheduler picks does not matter — every one must be allowed by the spec.</summary>
    [Fact]
    public void A_trace_of_the_real_buffer_is_accepted()
    {
        var lines = RecordRealBuffer(capacity: 2, producers: 2, consumers: 2, perProducer: 200);
        Assert.Contains(lines, l => l.Contains("\"kind\":\"Send\""));
        var (exit, output) = Run(lines.ToArray(), "--env", "VIPC_CAPACITY=2");
        Assert.True(exit == 0, output);
    }

    [ThreadStatic] private static string? _proc;

    private static List<string> RecordRealBuffer(int capacity, int producers, int consumers, int perProducer)
    {
        var tracer = new Recorder();
        var buffer = new BoundedBuffer<(string, int)>(capacity, new BufferOptions { Name = "buffer", Tracer = tracer });
        var threads = new List<Thread>();
        for (int p = 1; p <= producers; p++)
        {
            string name = "p" + p;
            threads.Add(new Thread(() => { _proc = name; for (int n = 1; n <= perProducer; n++) buffer.Send((name, n)); }));
        }
        int total = producers * perProducer;
        for (int c = 1; c <= consumers; c++)
        {
            string name = "c" + c;
            int mine = c == consumers ? total - total / consumers * (consumers - 1) : total / consumers;
            threads.Add(new Thread(() => { _proc = name; for (int i = 0; i < mine; i++) buffer.Receive(); }));
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return tracer.Lines;
    }

    private sealed class Recorder : IBufferTracer
    {
        public readonly List<string> Lines = [];

        public void OnEvent(in BufferEvent e)
        {
            string role = e.Role switch { BufferRole.Sender => "sender", BufferRole.Receiver => "receiver", _ => "buffer" };
            string msg = e.Message is ValueTuple<string, int> m ? $",\"msg\":[\"{m.Item1}\",{m.Item2}]" : "";
            Lines.Add($"{{\"proc\":\"{_proc}\",\"clock\":{Lines.Count + 1},\"kind\":\"{e.Action}\",\"obj\":\"{e.Buffer}\",\"role\":\"{role}\"{msg},\"count\":{e.Count}}}");
        }
    }
}
