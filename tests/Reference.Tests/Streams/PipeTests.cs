using System.Text;
using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Reference.Tests.Streams;

public sealed class PipeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // guard against a hung test, never a timing claim

    [Fact]
    public void Message_boundaries_are_erased()
    {
        using var pipe = new Pipe(16);
        pipe.Write("abc"u8);
        pipe.Write("def"u8);
        var buffer = new byte[16];
        int n = pipe.Read(buffer);
        Assert.Equal("abcdef", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public void A_read_returns_what_is_there_and_no_more_than_asked()
    {
        using var pipe = new Pipe(16);
        pipe.Write("abcdef"u8);
        var small = new byte[4];
        Assert.Equal(4, pipe.Read(small));
        Assert.Equal("abcd", Encoding.ASCII.GetString(small));
        Assert.Equal(2, pipe.Read(small));
        Assert.Equal("ef", Encoding.ASCII.GetString(small, 0, 2));
        Assert.Equal(0, pipe.Available);
    }

    [Fact]
    public async Task A_read_waits_for_the_first_byte()
    {
        using var pipe = new Pipe(8);
        var buffer = new byte[8];
        ValueTask<int> read = pipe.ReadAsync(buffer);
        Assert.False(read.IsCompleted); // nothing written yet: it cannot have completed
        pipe.Write("x"u8);
        Assert.Equal(1, await read.AsTask().WaitAsync(Bound));
        Assert.Equal((byte)'x', buffer[0]);
    }

    [Fact]
    public async Task A_synchronous_read_blocked_on_another_thread_gets_the_bytes()
    {
        using var pipe = new Pipe(8);
        var buffer = new byte[8];
        var reader = Task.Factory.StartNew(() => pipe.Read(buffer), TaskCreationOptions.LongRunning);
        pipe.Write("hello"u8);
        int n = await reader.WaitAsync(Bound);
        Assert.InRange(n, 1, 5);
        Assert.Equal("hello"[..n], Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(7, true)]
    [InlineData(4096, true)]
    public async Task Bytes_arrive_complete_and_in_order_through_a_small_pipe(int capacity, bool async)
    {
        var data = new byte[capacity == 1 ? 20_003 : 100_003]; // one byte per hand-over is slow by design: keep it short
        new Random(capacity).NextBytes(data);
        using var pipe = new Pipe(capacity);
        var rng = new Random(42);

        var writer = Task.Factory.StartNew(async () =>
        {
            int at = 0;
            while (at < data.Length)
            {
                int len = Math.Min(rng.Next(1, 3 * capacity + 2), data.Length - at);
                if (async) await pipe.WriteAsync(data.AsMemory(at, len));
                else pipe.Write(data.AsSpan(at, len));
                at += len;
            }
            pipe.Close();
        }, TaskCreationOptions.LongRunning).Unwrap();

        var received = new MemoryStream();
        var buffer = new byte[capacity + 3];
        while (true)
        {
            int n = async ? await pipe.ReadAsync(buffer) : pipe.Read(buffer);
            if (n == 0) break;
            received.Write(buffer, 0, n);
        }
        await writer.WaitAsync(Bound);
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public void Close_lets_the_reader_drain_then_gives_end_of_stream()
    {
        var pipe = new Pipe(8);
        pipe.Write("abc"u8);
        pipe.Close();
        var buffer = new byte[8];
        Assert.Equal(3, pipe.Read(buffer));
        Assert.Equal(0, pipe.Read(buffer));
        Assert.Equal(0, pipe.Read(buffer)); // end of stream is sticky
    }

    [Fact]
    public async Task Close_wakes_a_blocked_reader_with_end_of_stream()
    {
        var pipe = new Pipe(8);
        ValueTask<int> read = pipe.ReadAsync(new byte[4]);
        pipe.Close();
        Assert.Equal(0, await read.AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Close_fails_a_blocked_writer_with_the_bytes_it_did_not_get_in()
    {
        var pipe = new Pipe(4);
        byte[] data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        ValueTask write = pipe.WriteAsync(data);
        Assert.False(write.IsCompleted); // only 4 of 10 fit
        pipe.Close();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => write.AsTask().WaitAsync(Bound));
        Assert.True(ex.HasUndelivered);
        Assert.Equal(new byte[] { 5, 6, 7, 8, 9, 10 }, Assert.IsType<byte[]>(ex.Undelivered));
        // The accepted part is still delivered: nothing is dropped.
        var buffer = new byte[10];
        Assert.Equal(4, pipe.Read(buffer));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, buffer[..4]);
        Assert.Equal(0, pipe.Read(buffer));
    }

    [Fact]
    public async Task Close_fails_a_synchronously_blocked_writer_too()
    {
        var pipe = new Pipe(2);
        var writer = Task.Factory.StartNew(() => pipe.Write([1, 2, 3, 4, 5]), TaskCreationOptions.LongRunning);
        // Drain two bytes so we know the writer has progressed into its blocking loop's territory.
        var two = new byte[2];
        Assert.Equal(2, pipe.Read(two));
        pipe.Close();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => writer.WaitAsync(Bound));
        var undelivered = Assert.IsType<byte[]>(ex.Undelivered);
        // Whatever was accepted before Close is readable; accepted + undelivered is exactly the write.
        var rest = new byte[5];
        int n = pipe.Read(rest);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, two.Concat(rest[..n]).Concat(undelivered).ToArray());
    }

    [Fact]
    public void A_write_after_close_hands_the_whole_write_back()
    {
        var pipe = new Pipe(4);
        pipe.Close();
        var ex = Assert.Throws<EndpointClosedException>(() => pipe.Write([7, 8]));
        Assert.Equal(new byte[] { 7, 8 }, ex.Undelivered);
        Assert.Equal("pipe", ex.Endpoint);
    }

    [Fact]
    public async Task CloseReader_hands_back_unread_bytes_and_fails_writers()
    {
        var pipe = new Pipe(3);
        ValueTask write = pipe.WriteAsync(new byte[] { 1, 2, 3, 4 });
        byte[] unread = pipe.CloseReader();
        Assert.Equal(new byte[] { 1, 2, 3 }, unread);
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => write.AsTask().WaitAsync(Bound));
        Assert.Equal(new byte[] { 4 }, ex.Undelivered);
        Assert.Throws<EndpointClosedException>(() => pipe.Read(new byte[1]));
        Assert.Empty(pipe.CloseReader());
    }

    [Fact]
    public async Task Cancelling_a_read_leaves_the_pipe_usable()
    {
        var pipe = new Pipe(4);
        using var cts = new CancellationTokenSource();
        ValueTask<int> read = pipe.ReadAsync(new byte[4], cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.AsTask().WaitAsync(Bound));
        pipe.Write("z"u8);
        var buffer = new byte[4];
        Assert.Equal(1, pipe.Read(buffer)); // the one-reader slot was released
    }

    [Fact]
    public async Task Cancelling_a_synchronous_read_from_another_thread_wakes_it()
    {
        var pipe = new Pipe(4);
        using var cts = new CancellationTokenSource();
        var reader = Task.Factory.StartNew(() => pipe.Read(new byte[4], cts.Token), TaskCreationOptions.LongRunning);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_read_times_out_on_fake_time()
    {
        var time = new TimerWatchingTimeProvider();
        var pipe = new Pipe(4, timeProvider: time);
        var reader = Task.Factory.StartNew(() => pipe.Read(new byte[4], TimeSpan.FromSeconds(5)), TaskCreationOptions.LongRunning);
        await time.TimerArmedAsync();
        time.Fake.Advance(TimeSpan.FromSeconds(4));
        Assert.False(reader.IsCompleted);
        time.Fake.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => reader.WaitAsync(Bound));
    }

    [Fact]
    public async Task An_async_read_times_out_on_fake_time()
    {
        var time = new TimerWatchingTimeProvider();
        var pipe = new Pipe(4, timeProvider: time);
        Task<int> read = pipe.ReadAsync(new byte[4], TimeSpan.FromSeconds(5)).AsTask();
        await time.TimerArmedAsync();
        time.Fake.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TimeoutException>(() => read.WaitAsync(Bound));
    }

    [Fact]
    public void A_zero_timeout_tries_once()
    {
        var pipe = new Pipe(2);
        Assert.Throws<TimeoutException>(() => pipe.Read(new byte[1], TimeSpan.Zero));
        pipe.Write([9]);
        Assert.Equal(1, pipe.Read(new byte[1], TimeSpan.Zero));
        pipe.Write([1, 2]);
        Assert.Throws<TimeoutException>(() => pipe.WriteSome([3], TimeSpan.Zero));
        Assert.Equal(2, pipe.Available);
    }

    [Fact]
    public async Task A_write_timed_out_after_partial_acceptance_says_how_much_went_in()
    {
        var time = new TimerWatchingTimeProvider();
        var pipe = new Pipe(4, timeProvider: time);
        var writer = Task.Factory.StartNew(() => pipe.Write(new byte[10], TimeSpan.FromSeconds(1)), TaskCreationOptions.LongRunning);
        await time.TimerArmedAsync();
        time.Fake.Advance(TimeSpan.FromSeconds(1));
        var ex = await Assert.ThrowsAsync<PartialWriteException>(() => writer.WaitAsync(Bound));
        Assert.Equal(4, ex.BytesWritten);
        Assert.Equal(6, ex.BytesNotWritten);
        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Equal(4, pipe.Available);
    }

    [Fact]
    public async Task A_write_cancelled_before_any_byte_fit_leaves_the_pipe_unchanged()
    {
        var pipe = new Pipe(2);
        pipe.Write([1, 2]);
        using var cts = new CancellationTokenSource();
        ValueTask write = pipe.WriteAsync(new byte[] { 3 }, cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.AsTask().WaitAsync(Bound));
        var buffer = new byte[4];
        Assert.Equal(2, pipe.Read(buffer));
        Assert.Equal(new byte[] { 1, 2 }, buffer[..2]);
    }

    [Fact]
    public void TryRead_never_waits()
    {
        var pipe = new Pipe(4);
        var buffer = new byte[4];
        Assert.False(pipe.TryRead(buffer, out int n));
        Assert.Equal(0, n);
        pipe.Write([5, 6]);
        Assert.True(pipe.TryRead(buffer, out n));
        Assert.Equal(2, n);
        pipe.Close();
        Assert.True(pipe.TryRead(buffer, out n)); // end of stream is an answer, not a wait
        Assert.Equal(0, n);
    }

    [Fact]
    public void WriteSome_accepts_what_fits_and_returns_the_count()
    {
        var pipe = new Pipe(3);
        Assert.Equal(3, pipe.WriteSome([1, 2, 3, 4, 5]));
        Assert.Equal(3, pipe.Available);
    }

    [Fact]
    public async Task A_second_concurrent_reader_is_a_usage_error()
    {
        var pipe = new Pipe(4);
        ValueTask<int> first = pipe.ReadAsync(new byte[1]);
        Assert.Throws<InvalidOperationException>(() => pipe.Read(new byte[1]));
        pipe.Close();
        Assert.Equal(0, await first.AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task A_second_concurrent_writer_is_a_usage_error()
    {
        var pipe = new Pipe(1);
        ValueTask first = pipe.WriteAsync(new byte[] { 1, 2 });
        await Assert.ThrowsAsync<InvalidOperationException>(() => pipe.WriteAsync(new byte[] { 3 }).AsTask());
        var buffer = new byte[1];
        Assert.Equal(1, pipe.Read(buffer));
        Assert.Equal(1, pipe.Read(buffer));
        await first.AsTask().WaitAsync(Bound);
        Assert.Equal(2, buffer[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Capacity_must_be_positive(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pipe(capacity));

    [Fact]
    public void A_negative_timeout_other_than_infinite_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pipe(1).Read(new byte[1], TimeSpan.FromSeconds(-2)));
}
