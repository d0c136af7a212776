using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Bench.Buffers;

/// <summary>Unbounded buffer against <c>Channel.CreateUnbounded</c> (the anchor), asynchronous, per message.</summary>
[Config(typeof(BufferBenchConfig))]
public class UnboundedBufferBenchmarks
{
    [Params(1, 4)]
    public int Pairs { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = BufferBench.Messages)]
    public Task Channels()
    {
        var channel = Channel.CreateUnbounded<int>();
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

    [Benchmark(OperationsPerInvoke = BufferBench.Messages)]
    public Task UnboundedBuffer()
    {
        var buffer = new UnboundedBuffer<int>();
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
}

/// <summary>
/// Rendezvous (send completes once the receiver took the message) against the Channels rendezvous. On .NET 10
/// <c>Channel.CreateBounded(new BoundedChannelOptions(0))</c> is a native rendezvous (checked: WriteAsync stays
/// pending until a reader takes the item; <see cref="CheckChannelsCapacityZero"/> prints what the runtime does), so
/// it is the anchor; the older emulation, a capacity-1 channel plus an acknowledgement channel, is shown beside it.
/// One producer, one consumer.
/// </summary>
[Config(typeof(BufferBenchConfig))]
public class RendezvousBenchmarks
{
    private const int Messages = BufferBench.Messages / 4; // each message is a full hand-shake

    [GlobalSetup]
    public void CheckChannelsCapacityZero()
    {
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(0));
        var write = channel.Writer.WriteAsync(1);
        Console.WriteLine($"// BoundedChannelOptions(0): WriteAsync pending before a read = {!write.IsCompleted}");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public Task ChannelsCapacityZero()
    {
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(0) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++) await channel.Writer.WriteAsync(i);
        });
        var consumer = Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++) await channel.Reader.ReadAsync();
        });
        return Task.WhenAll(producer, consumer);
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task ChannelsCapacityOnePlusAck()
    {
        var data = Channel.CreateBounded<int>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var ack = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++)
            {
                await data.Writer.WriteAsync(i);
                await ack.Reader.ReadAsync();
            }
        });
        var consumer = Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++)
            {
                await data.Reader.ReadAsync();
                await ack.Writer.WriteAsync(true);
            }
        });
        return Task.WhenAll(producer, consumer);
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task RendezvousBuffer()
    {
        var buffer = new RendezvousBuffer<int>();
        var producer = Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++) await buffer.SendAsync(i);
        });
        var consumer = Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++) await buffer.ReceiveAsync();
        });
        return Task.WhenAll(producer, consumer);
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void RendezvousBufferSync()
    {
        var buffer = new RendezvousBuffer<int>();
        BufferBench.RunThreads(1, _ => { for (int i = 0; i < Messages; i++) buffer.Send(i); },
            1, _ => { for (int i = 0; i < Messages; i++) buffer.Receive(); });
    }
}

/// <summary>Ping-pong round trip: a client sends a request and waits for the reply before the next. Anchor: a pair
/// of unbounded Channels; per round trip.</summary>
[Config(typeof(BufferBenchConfig))]
public class PingPongBufferBenchmarks
{
    private const int RoundTrips = BufferBench.Messages / 4;

    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTrips)]
    public Task Channels()
    {
        var requests = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var replies = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var server = Task.Run(async () =>
        {
            for (int i = 0; i < RoundTrips; i++) await replies.Writer.WriteAsync(await requests.Reader.ReadAsync());
        });
        var client = Task.Run(async () =>
        {
            for (int i = 0; i < RoundTrips; i++)
            {
                await requests.Writer.WriteAsync(i);
                await replies.Reader.ReadAsync();
            }
        });
        return Task.WhenAll(server, client);
    }

    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public Task UnboundedBuffers() => PingPong(new UnboundedBuffer<int>(), new UnboundedBuffer<int>());

    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public Task RendezvousBuffers() => PingPong(new RendezvousBuffer<int>(), new RendezvousBuffer<int>());

    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public void BoundedBuffersSync()
    {
        var requests = new BoundedBuffer<int>(1);
        var replies = new BoundedBuffer<int>(1);
        BufferBench.RunThreads(1, _ => { for (int i = 0; i < RoundTrips; i++) replies.Send(requests.Receive()); },
            1, _ => { for (int i = 0; i < RoundTrips; i++) { requests.Send(i); replies.Receive(); } });
    }

    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public void TextbookSync()
    {
        var requests = new TextbookBoundedBuffer<int>(1);
        var replies = new TextbookBoundedBuffer<int>(1);
        BufferBench.RunThreads(1, _ => { for (int i = 0; i < RoundTrips; i++) replies.Send(requests.Receive()); },
            1, _ => { for (int i = 0; i < RoundTrips; i++) { requests.Send(i); replies.Receive(); } });
    }

    private static Task PingPong(IMessageBuffer<int> requests, IMessageBuffer<int> replies)
    {
        var server = Task.Run(async () =>
        {
            for (int i = 0; i < RoundTrips; i++) await replies.SendAsync(await requests.ReceiveAsync());
        });
        var client = Task.Run(async () =>
        {
            for (int i = 0; i < RoundTrips; i++)
            {
                await requests.SendAsync(i);
                await replies.ReceiveAsync();
            }
        });
        return Task.WhenAll(server, client);
    }
}
