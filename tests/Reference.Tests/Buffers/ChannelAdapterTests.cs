using System.Threading.Channels;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Reference.Tests.Buffers;

/// <summary>
/// The <see cref="Channel{T}"/> adapter keeps System.Threading.Channels semantics, so Channels code runs on a
/// buffer unchanged. One sealed leaf per buffer kind (habit 4).
/// </summary>
public abstract class ChannelAdapterTestBase
{
    /// <summary>Null: unbounded; 0: rendezvous; otherwise the bounded capacity.</summary>
    protected abstract int? Capacity { get; }

    private protected abstract IMessageBuffer<int> CreateBuffer();

    private Channel<int> Create() => CreateBuffer().AsChannel();

    /// <summary>Ordinary Channels code: a producer that writes and completes, a consumer that reads all.</summary>
    private static async Task<List<int>> Pipeline(Channel<int> channel, int count)
    {
        var producer = Task.Run(async () =>
        {
            for (int i = 0; i < count; i++) await channel.Writer.WriteAsync(i);
            channel.Writer.Complete();
        });
        var received = new List<int>();
        await foreach (var item in channel.Reader.ReadAllAsync()) received.Add(item);
        await producer;
        await channel.Reader.Completion;
        return received;
    }

    [Fact]
    public async Task Channels_code_runs_unchanged_and_gives_the_same_result_as_a_real_channel()
    {
        var expected = await Pipeline(Channel.CreateUnbounded<int>(), 300).Bounded();
        var actual = await Pipeline(Create(), 300).Bounded();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Complete_stops_writes_and_readers_drain_then_see_the_end()
    {
        var channel = Create();
        bool buffered = Capacity != 0;
        if (buffered) Assert.True(channel.Writer.TryWrite(7));
        Assert.True(channel.Writer.TryComplete());
        Assert.False(channel.Writer.TryComplete());
        Assert.False(channel.Writer.TryWrite(8));
        Assert.False(await channel.Writer.WaitToWriteAsync().Bounded());
        await Assert.ThrowsAsync<ChannelClosedException>(() => channel.Writer.WriteAsync(9).Bounded());
        if (buffered)
        {
            Assert.False(channel.Reader.Completion.IsCompleted);
            Assert.True(await channel.Reader.WaitToReadAsync().Bounded());
            Assert.True(channel.Reader.TryRead(out int seven));
            Assert.Equal(7, seven);
        }
        await channel.Reader.Completion.Bounded();
        Assert.False(await channel.Reader.WaitToReadAsync().Bounded());
        Assert.False(channel.Reader.TryRead(out _));
        await Assert.ThrowsAsync<ChannelClosedException>(() => channel.Reader.ReadAsync().Bounded());
    }

    [Fact]
    public async Task Completing_with_an_error_faults_Completion_and_later_reads_with_that_error()
    {
        var channel = Create();
        var boom = new InvalidOperationException("producer failed");
        var waiting = channel.Reader.WaitToReadAsync();
        Assert.True(channel.Writer.TryComplete(boom));
        Assert.Same(boom, await Assert.ThrowsAsync<InvalidOperationException>(() => waiting.Bounded()));
        Assert.Same(boom, await Assert.ThrowsAsync<InvalidOperationException>(() => channel.Reader.Completion.Bounded()));
        var read = await Assert.ThrowsAsync<ChannelClosedException>(() => channel.Reader.ReadAsync().Bounded());
        Assert.Same(boom, read.InnerException);
    }

    [Fact]
    public async Task WaitToReadAsync_is_pending_until_a_write()
    {
        var channel = Create();
        Assert.False(channel.Reader.TryRead(out _));
        var ready = channel.Reader.WaitToReadAsync();
        Assert.False(ready.IsCompleted);
        var write = channel.Writer.WriteAsync(5);
        Assert.True(await ready.Bounded());
        Assert.True(channel.Reader.TryRead(out int five));
        Assert.Equal(5, five);
        await write.Bounded();
        Assert.True(channel.Reader.CanCount);
        Assert.Equal(0, channel.Reader.Count);
    }

    [Fact]
    public async Task WaitToWriteAsync_reports_room_as_the_buffer_kind_defines_it()
    {
        var channel = Create();
        if (Capacity is null)
        {
            Assert.True(await channel.Writer.WaitToWriteAsync().Bounded()); // always room
            return;
        }
        for (int i = 0; i < Capacity; i++) Assert.True(channel.Writer.TryWrite(i));
        Assert.False(channel.Writer.TryWrite(-1));
        var ready = channel.Writer.WaitToWriteAsync();
        Assert.False(ready.IsCompleted);
        // Room appears when a message is read (bounded) or a reader is waiting (rendezvous).
        var read = channel.Reader.ReadAsync();
        Assert.True(await ready.Bounded());
        if (Capacity == 0) Assert.True(channel.Writer.TryWrite(42)); // hands straight to the waiting reader
        Assert.Equal(Capacity == 0 ? 42 : 0, await read.Bounded());
    }

    [Fact]
    public async Task A_cancelled_WaitToReadAsync_is_cancelled_and_leaves_no_trace()
    {
        var channel = Create();
        using var cts = new CancellationTokenSource();
        var ready = channel.Reader.WaitToReadAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ready.Bounded());
        var write = channel.Writer.WriteAsync(1);
        Assert.Equal(1, await channel.Reader.ReadAsync().Bounded());
        await write.Bounded();
    }

    [Fact]
    public async Task The_channel_and_the_buffer_are_one_link()
    {
        var buffer = CreateBuffer();
        var channel = buffer.AsChannel();
        Assert.Same(channel, buffer.AsChannel());
        if (Capacity == 0)
        {
            var pending = buffer.ReceiveAsync();
            Assert.True(channel.Writer.TryWrite(3));
            Assert.Equal(3, await pending.Bounded());
            return;
        }
        buffer.Send(3);
        Assert.True(channel.Reader.TryRead(out int three));
        Assert.Equal(3, three);
    }
}

public sealed class RendezvousChannelAdapterTests : ChannelAdapterTestBase
{
    protected override int? Capacity => 0;

    private protected override IMessageBuffer<int> CreateBuffer() => new RendezvousBuffer<int>();
}

public sealed class BoundedChannelAdapterTests : ChannelAdapterTestBase
{
    protected override int? Capacity => 2;

    private protected override IMessageBuffer<int> CreateBuffer() => new BoundedBuffer<int>(2);
}

public sealed class UnboundedChannelAdapterTests : ChannelAdapterTestBase
{
    protected override int? Capacity => null;

    private protected override IMessageBuffer<int> CreateBuffer() => new UnboundedBuffer<int>();
}

/// <summary>Constructor arguments are checked and named.</summary>
public sealed class BufferConstructionTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_bounded_buffer_needs_a_positive_capacity(int capacity)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>("capacity", () => new BoundedBuffer<int>(capacity));
        Assert.Contains("RendezvousBuffer", error.Message);
    }

    [Fact]
    public void Names_default_to_the_kind_and_appear_in_errors()
    {
        Assert.Equal("bounded buffer", new BoundedBuffer<int>(1).Name);
        Assert.Equal("unbounded buffer", new UnboundedBuffer<int>().Name);
        var rendezvous = new RendezvousBuffer<int>(new BufferOptions { Name = "link-7" });
        rendezvous.Close();
        var error = Assert.Throws<EndpointClosedException>(() => rendezvous.Send(1));
        Assert.Contains("link-7", error.Message);
        Assert.Equal(1, error.Undelivered);
    }
}
