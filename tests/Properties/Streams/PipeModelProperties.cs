using FsCheck;
using FsCheck.Fluent;
using VerifiedIpc.Properties.Infrastructure;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Streams;
using Xunit.Abstractions;

namespace VerifiedIpc.Properties.Streams;

/// <summary>What the model-based test does to a pipe; every operation is one that cannot block in a sequential run.</summary>
public enum PipeOpKind { Write, Read, Close, CloseReader }

/// <summary>One step: write <c>Size</c> fresh bytes (what fits), read up to <c>Size</c> bytes, or close an end.</summary>
public readonly record struct PipeOp(PipeOpKind Kind, int Size)
{
    public override string ToString() => Kind is PipeOpKind.Write or PipeOpKind.Read ? $"{Kind}({Size})" : Kind.ToString();
}

/// <summary>A generated test case: a pipe capacity and an operation sequence.</summary>
public sealed record PipeCase(int Capacity, PipeOp[] Ops)
{
    public override string ToString() => $"capacity {Capacity}: [{string.Join(", ", Ops)}]";
}

/// <summary>The operations of a pipe the model-based test needs, so the same property runs on the real pipe and on a seeded bug.</summary>
public interface IBytePipe
{
    int WriteSome(byte[] data);
    bool TryRead(byte[] buffer, out int read);
    void Close();
    byte[] CloseReader();
    int Available { get; }
}

/// <summary>The pipe as a byte stream: every operation sequence behaves as the sequential model (a FIFO of bytes with two close flags).</summary>
public sealed class PipeModelProperties(ITestOutputHelper output)
{
    private sealed class RealPipe(int capacity) : IBytePipe
    {
        private readonly Pipe _pipe = new(capacity);
        public int WriteSome(byte[] data) => _pipe.WriteSome(data);
        public bool TryRead(byte[] buffer, out int read) => _pipe.TryRead(buffer, out read);
        public void Close() => _pipe.Close();
        public byte[] CloseReader() => _pipe.CloseReader();
        public int Available => _pipe.Available;
    }

    internal static Arbitrary<PipeCase> Cases()
    {
        var op = Gen.Frequency(
            (4, Gen.Choose(1, 6).Select(n => new PipeOp(PipeOpKind.Write, n))),
            (4, Gen.Choose(1, 6).Select(n => new PipeOp(PipeOpKind.Read, n))),
            (1, Gen.Constant(new PipeOp(PipeOpKind.Close, 0))),
            (1, Gen.Constant(new PipeOp(PipeOpKind.CloseReader, 0))));
        var gen = from capacity in Gen.Choose(1, 5)
                  from ops in Gen.ArrayOf(op)
                  select new PipeCase(capacity, ops);
        return Arb.From(gen, c => Shrink.Sequence(c.Ops, o => Shrink.Size(o.Size).Select(s => o with { Size = s }))
            .Select(ops => c with { Ops = ops }));
    }

    /// <summary>Runs <paramref name="c"/> on the pipe made by <paramref name="create"/> and on the model; throws at the first difference.</summary>
    internal static void Conforms(PipeCase c, Func<int, IBytePipe> create)
    {
        var pipe = create(c.Capacity);
        var model = new Queue<byte>();
        bool writeClosed = false, readClosed = false;
        byte next = 0;
        for (var step = 0; step < c.Ops.Length; step++)
        {
            var op = c.Ops[step];
            string Where() => $"step {step} ({op})";
            switch (op.Kind)
            {
                case PipeOpKind.Write:
                {
                    if (!writeClosed && !readClosed && model.Count == c.Capacity)
                    {
                        continue; // would block: not a sequential step
                    }

                    var data = new byte[op.Size];
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = next++;
                    }

                    if (writeClosed || readClosed)
                    {
                        var e = Expect<EndpointClosedException>(() => pipe.WriteSome(data), Where());
                        Require(e.HasUndelivered && ((byte[])e.Undelivered!).SequenceEqual(data), $"{Where()}: a refused write must hand back all its bytes");
                        continue;
                    }

                    var accepted = pipe.WriteSome(data);
                    var fits = Math.Min(data.Length, c.Capacity - model.Count);
                    Require(accepted == fits, $"{Where()}: accepted {accepted} bytes, the model has room for {fits}");
                    foreach (var b in data.AsSpan(0, accepted))
                    {
                        model.Enqueue(b);
                    }

                    next = (byte)(next - (data.Length - accepted));
                    break;
                }

                case PipeOpKind.Read:
                {
                    var buffer = new byte[op.Size];
                    if (readClosed)
                    {
                        Expect<EndpointClosedException>(() => pipe.TryRead(buffer, out _), Where());
                        continue;
                    }

                    var ok = pipe.TryRead(buffer, out var read);
                    var expected = new List<byte>();
                    while (expected.Count < buffer.Length && model.Count > 0)
                    {
                        expected.Add(model.Dequeue());
                    }

                    Require(ok == (expected.Count > 0 || writeClosed), $"{Where()}: TryRead returned {ok}");
                    Require(buffer.AsSpan(0, read).SequenceEqual(expected.ToArray()),
                        $"{Where()}: read [{string.Join(",", buffer.Take(read))}], the model says [{string.Join(",", expected)}]");
                    break;
                }

                case PipeOpKind.Close:
                    pipe.Close();
                    writeClosed = true;
                    break;

                case PipeOpKind.CloseReader:
                {
                    var back = pipe.CloseReader();
                    Require(back.SequenceEqual(model.ToArray()), $"{Where()}: handed back [{string.Join(",", back)}], the model holds [{string.Join(",", model)}]");
                    model.Clear();
                    readClosed = true;
                    break;
                }
            }

            Require(pipe.Available == model.Count, $"{Where()}: {pipe.Available} bytes buffered, the model holds {model.Count}");
        }
    }

    [Fact]
    public void Pipe_behaves_as_a_byte_fifo() =>
        PropertyRun.Holds(Prop.ForAll(Cases(), c => Conforms(c, n => new RealPipe(n))), cases: 500, output);

    [Fact]
    public void Seeded_bug_ring_read_without_wrap_is_caught_with_a_minimal_sequence()
    {
        var report = PropertyRun.FailsOnSeededBug(Prop.ForAll(Cases(), c => Conforms(c, n => new SeededBugs.RingWithoutWrap(n))), cases: 500, seed: 7, output);
        Assert.Contains("read [", report);
    }

    internal static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static T Expect<T>(Action action, string where) where T : Exception
    {
        try
        {
            action();
        }
        catch (T e)
        {
            return e;
        }

        throw new InvalidOperationException($"{where}: expected {typeof(T).Name}");
    }

    private static T Expect<T>(Func<object> action, string where) where T : Exception => Expect<T>(() => { action(); }, where);
}
