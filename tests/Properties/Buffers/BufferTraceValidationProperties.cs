using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using VerifiedIpc.Checker.TraceValidation;
using VerifiedIpc.Properties.Infrastructure;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Tracing;
using Xunit.Abstractions;

namespace VerifiedIpc.Properties.Buffers;

/// <summary>
/// The model-based bounded-buffer property with the spec as a second oracle: each generated run is checked against
/// the sequential model (results of TrySend/TryReceive, the value each pending receive completes with) and, for a
/// sample of the runs, its NDJSON trace is validated against <c>spec/BoundedBufferTrace.tla</c>. A rejected trace
/// fails the property, so FsCheck shrinks it to a minimal operation sequence whose trace the spec does not allow.
/// </summary>
/// <remarks>
/// Only operations in the spec's vocabulary are generated (no Close or Drain: BoundedBuffer models neither). Each
/// asynchronous operation is its own process (a parked task is a waiting thread in the spec), so a producer never
/// has two messages in flight: <c>p0</c> makes the TrySends, <c>q1, q2, ...</c> one SendAsync each, <c>c0</c> the
/// TryReceives and <c>r1, r2, ...</c> one ReceiveAsync each.
/// </remarks>
public sealed class BufferTraceValidationProperties(ITestOutputHelper output)
{
    /// <summary>Generated runs per test, and one in <see cref="SampleEvery"/> of them is validated.</summary>
    private const int Cases = 200, SampleEvery = 4;

    private static readonly BufferOpKind[] SpecOps = [BufferOpKind.TrySend, BufferOpKind.SendAsync, BufferOpKind.TryReceive, BufferOpKind.ReceiveAsync];

    internal static Arbitrary<BufferCase> SpecCases()
    {
        var op = Gen.Elements(SpecOps).Select(k => new BufferOp(k));
        var gen = from capacity in Gen.Elements(1, 2, 3)
                  from ops in Gen.Resize(Gen.ArrayOf(op), 14)
                  select new BufferCase(capacity, ops);
        return Arb.From(gen, c => Shrink.Sequence(c.Ops).Select(ops => c with { Ops = ops }));
    }

    private static string ModulePath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "VerifiedIpc.sln"))) return Path.Combine(dir.FullName, "spec", "BoundedBufferTrace.tla");
            }
            throw new InvalidOperationException($"No VerifiedIpc.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>Runs <paramref name="c"/> on a traced bounded buffer and the model; returns the trace.</summary>
    internal static IReadOnlyList<string> RunTraced(BufferCase c)
    {
        var writer = NdjsonTraceWriter.InMemory();
        var buffer = new BoundedBuffer<(string, int)>(c.Capacity, new BufferOptions { Name = "buffer", Tracer = writer });
        var items = new Queue<(string, int)>();
        var parkedSenders = new Queue<((string, int) Message, Task Handle)>();
        var parkedReceivers = new Queue<Task<(string, int)>>();
        var expected = new List<(Task<(string, int)> Handle, (string, int) Value)>();
        int sent = 0, asyncSends = 0, asyncReceives = 0;

        bool ModelOffer((string, int) m)
        {
            if (parkedReceivers.TryDequeue(out var r))
            {
                expected.Add((r, m));
                return true;
            }
            if (items.Count < c.Capacity)
            {
                items.Enqueue(m);
                return true;
            }
            return false;
        }

        bool ModelTake(out (string, int) m)
        {
            if (!items.TryDequeue(out m)) return false;
            if (parkedSenders.TryDequeue(out var s)) items.Enqueue(s.Message);
            return true;
        }

        for (var step = 0; step < c.Ops.Length; step++)
        {
            string where = $"step {step} ({c.Ops[step]})";
            switch (c.Ops[step].Kind)
            {
                case BufferOpKind.TrySend:
                {
                    using var _ = TraceProcess.Use("p0");
                    var m = ("p0", sent + 1);
                    bool ok = buffer.TrySend(m), want = ModelOffer(m);
                    Require(ok == want, $"{where}: TrySend returned {ok}, the model says {want}");
                    if (ok) sent++;
                    break;
                }
                case BufferOpKind.SendAsync:
                {
                    var name = "q" + (++asyncSends).ToString(CultureInfo.InvariantCulture);
                    using var _ = TraceProcess.Use(name);
                    var m = (name, 1);
                    var handle = buffer.SendAsync(m).AsTask();
                    if (!ModelOffer(m)) parkedSenders.Enqueue((m, handle));
                    break;
                }
                case BufferOpKind.TryReceive:
                {
                    using var _ = TraceProcess.Use("c0");
                    bool ok = buffer.TryReceive(out var got), want = ModelTake(out var m);
                    Require(ok == want && (!ok || got == m), $"{where}: TryReceive gave ({ok}, {got}), the model says ({want}, {m})");
                    break;
                }
                case BufferOpKind.ReceiveAsync:
                {
                    using var _ = TraceProcess.Use("r" + (++asyncReceives).ToString(CultureInfo.InvariantCulture));
                    var handle = buffer.ReceiveAsync().AsTask();
                    if (ModelTake(out var m)) expected.Add((handle, m));
                    else parkedReceivers.Enqueue(handle);
                    break;
                }
            }
            foreach (var (handle, value) in expected)
            {
                Require(handle.IsCompletedSuccessfully && handle.Result == value,
                    $"{where}: a receive completed with {(handle.IsCompletedSuccessfully ? handle.Result.ToString() : handle.Status.ToString())}, the model says {value}");
            }
            foreach (var (_, handle) in parkedSenders) Require(!handle.IsCompleted, $"{where}: a send completed while the model has it parked");
            foreach (var handle in parkedReceivers) Require(!handle.IsCompleted, $"{where}: a receive completed while the model has it parked");
            Require(buffer.Count == items.Count, $"{where}: Count is {buffer.Count}, the model says {items.Count}");
        }
        return writer.Lines;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new InvalidOperationException(message);
    }

    [Fact]
    public void Generated_runs_match_the_model_and_sampled_traces_are_allowed_by_the_spec()
    {
        var module = ModulePath;
        int run = 0, validated = 0;
        long events = 0;
        var property = Prop.ForAll(SpecCases(), c =>
        {
            var trace = RunTraced(c);
            if (run++ % SampleEvery != 0) return;
            var verdict = TraceValidator.Validate(new TraceValidationRequest
            {
                TraceModulePath = module,
                TraceLines = trace,
                Environment = new Dictionary<string, string> { ["VIPC_CAPACITY"] = c.Capacity.ToString(CultureInfo.InvariantCulture) },
            });
            validated++;
            events += verdict.TotalEvents;
            Require(verdict.Accepted,
                $"the spec rejects event #{verdict.FirstUnexplained?.Index} {verdict.FirstUnexplained?.Line} of the trace:\n{string.Join('\n', trace)}");
        });
        PropertyRun.Holds(property, Cases, output, seed: 11);
        output.WriteLine($"validated {validated} sampled traces ({events} events) of {run} generated runs against {Path.GetFileName(module)}");
        Assert.True(validated >= Cases / SampleEvery && events > 0, $"only {validated} traces ({events} events) were validated");
    }
}
