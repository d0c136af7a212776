using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Bench.Buffers;

/// <summary>Asynchronous bounded buffer against <c>Channel.CreateBounded</c> (the anchor): producers await
/// <c>SendAsync</c>/<c>WriteAsync</c>, consumers await <c>ReceiveAsync</c>/<c>ReadAsync</c>; per message.</summary>
[Config(typeof(BufferBenchConfig))]
public class BoundedBufferAsyncBenchmarks
{
    [Params(1, 64, 1024)]
    public int Capacity { get; set; }

    /// <summary>Producers and consumers, as many of each (1×1, 4×4).</summary>
    [Params(1, 4)]
    public int Pairs { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = BufferBench.Messages)]
    public Task Channels() => RunChannel(Channel.CreateBounded<int>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = false,
        SingleWriter = false,
        FullMode = BoundedChannelFullMode.Wait,
    }));

    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public Task BoundedBuffer()
    {
        var buffer = new BoundedBuffer<int>(Capacity);
        int per = BufferBench.Messages / Pairs;
        var tasks = new Task[2 * Pairs];
        for (int p = 0; p < Pairs; p++)
        {
            tasks[p] = Task.Run(async () =>
            {
                for (int i = 0; i < per; i++) await buffer.SendAsync(i);
            });
            tasks[Pairs + p] = Task.Run(async () =>
            {
                for (int i = 0; i < per; i++) await buffer.ReceiveAsync();
            });
        }
        return Task.WhenAll(tasks);
    }

    /// <summary>The same buffer through its Channel&lt;T&gt; adapter: what code written for Channels gets.</summary>
    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public Task BoundedBufferAsChannel() => RunChannel(new BoundedBuffer<int>(Capacity).AsChannel());

    private Task RunChannel(Channel<int> channel)
    {
        int per = BufferBench.Messages / Pairs;
        var tasks = new Task[2 * Pairs];
        for (int p = 0; p < Pairs; p++)
        {
            tasks[p] = Task.Run(async () =>
            {
                for (int i = 0; i < per; i++) await channel.Writer.WriteAsync(i);
            });
            tasks[Pairs + p] = Task.Run(async () =>
            {
                for (int i = 0; i < per; i++) await channel.Reader.ReadAsync();
            });
        }
        return Task.WhenAll(tasks);
    }
}

/// <summary>Synchronous bounded buffer on dedicated threads against the textbook lock+Wait/PulseAll buffer (the
/// anchor), with Channels behind a blocking wrapper (TryWrite/TryRead, else block on WaitTo*Async) for reference.</summary>
[Config(typeof(BufferBenchConfig))]
public class BoundedBufferSyncBenchmarks
{
    [Params(1, 64, 1024)]
    public int Capacity { get; set; }

    [Params(1, 4)]
    public int Pairs { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = BufferBench.Messages)]
    public void Textbook()
    {
        var buffer = new TextbookBoundedBuffer<int>(Capacity);
        int per = BufferBench.Messages / Pairs;
        BufferBench.RunThreads(Pairs, _ => { for (int i = 0; i < per; i++) buffer.Send(i); },
            Pairs, _ => { for (int i = 0; i < per; i++) buffer.Receive(); });
    }

    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public void BoundedBuffer()
    {
        var buffer = new BoundedBuffer<int>(Capacity);
        int per = BufferBench.Messages / Pairs;
        BufferBench.RunThreads(Pairs, _ => { for (int i = 0; i < per; i++) buffer.Send(i); },
            Pairs, _ => { for (int i = 0; i < per; i++) buffer.Receive(); });
    }

    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public void ChannelsBlocking()
    {
        var channel = Channel.CreateBounded<int>(Capacity);
        int per = BufferBench.Messages / Pairs;
        BufferBench.RunThreads(Pairs, _ =>
        {
            for (int i = 0; i < per; i++)
            {
                while (!channel.Writer.TryWrite(i)) channel.Writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult();
            }
        }, Pairs, _ =>
        {
            for (int i = 0; i < per; i++)
            {
                int item;
                while (!channel.Reader.TryRead(out item)) channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
            }
        });
    }
}

/// <summary>Steady state of the synchronous path with no waiting (send then receive on one thread): the figure
/// that shows zero allocation per message. Anchor: Channels' TryWrite/TryRead.</summary>
[Config(typeof(BufferBenchConfig))]
public class BufferSteadyStateSyncBenchmarks
{
    [Benchmark(Baseline = true, OperationsPerInvoke = BufferBench.Messages)]
    public int ChannelsBounded64()
    {
        var channel = Channel.CreateBounded<int>(64);
        int sum = 0;
        for (int i = 0; i < BufferBench.Messages; i++)
        {
            channel.Writer.TryWrite(i);
            channel.Reader.TryRead(out int m);
            sum += m;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public int BoundedBuffer64() => SendThenReceive(new BoundedBuffer<int>(64));

    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public int UnboundedBuffer() => SendThenReceive(new UnboundedBuffer<int>());

    // Send and Receive are non-virtual on the base class, so this measures the same calls as the concrete type.
    private static int SendThenReceive(MessageBuffer<int> buffer)
    {
        int sum = 0;
        for (int i = 0; i < BufferBench.Messages; i++)
        {
            buffer.Send(i);
            sum += buffer.Receive();
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public int Textbook64()
    {
        var buffer = new TextbookBoundedBuffer<int>(64);
        int sum = 0;
        for (int i = 0; i < BufferBench.Messages; i++)
        {
            buffer.Send(i);
            sum += buffer.Receive();
        }
        return sum;
    }
}
