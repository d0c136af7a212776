using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Reference.Tests.Streams;

/// <summary>
/// Behaviour of <see cref="Pipe"/> that the Stryker run on <c>Streams/Pipe.cs</c> showed untested: the ring's
/// wrap-around on the read and hand-back paths, the exact error texts, the one-reader/one-writer slots after a
/// failed call, which waiter each step wakes, and the traced steps. Synchronous waiters are known to be blocked
/// through the tracer, which runs under the pipe's lock right before the writer's <c>Monitor.Wait</c>.
/// </summary>
public sealed class PipeMutationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // guard against a hung test, never a timing claim

    private sealed class Recorder : IPipeTracer
    {
        private readonly List<PipeTraceEvent> _events = [];
        private readonly SemaphoreSlim _blockedWrite = new(0);

        public void OnEvent(in PipeTraceEvent e)
        {
            lock (_events)
                _events.Add(e);
            // A write's first attempt that copied nothing is followed, under the same lock hold, by its wait.
            if (e.Action == PipeAction.Write && e.Bytes == 0)
                _blockedWrite.Release();
        }

        public PipeTraceEvent[] Events
        {
            get { lock (_events) return [.. _events]; }
        }

        /// <summary>Returns once a writer has found the pipe full (it is then waiting, or about to await).</summary>
        public async Task WriterBlockedAsync()
        {
            if (!await _blockedWrite.WaitAsync(Bound))
                throw new TimeoutException("No writer ever found the pipe full.");
        }
    }

    private static PipeTraceEvent Ev(PipeAction action, int requested, int bytes, int count) =>
        new("p", action, requested, bytes, count);

    // ------------------------------------------------------------ construction and state

    [Fact]
    public void A_null_name_is_refused_naming_the_parameter()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => new Pipe(4, null!));
        Assert.Equal("name", ex.ParamName);
    }

    [Fact]
    public void IsClosed_reports_either_end_closing()
    {
        var open = new Pipe(4);
        Assert.False(open.IsClosed);
        var writerClosed = new Pipe(4);
        writerClosed.Close();
        Assert.True(writerClosed.IsClosed);
        var readerClosed = new Pipe(4);
        readerClosed.CloseReader();
        Assert.True(readerClosed.IsClosed);
    }

    // ------------------------------------------------------------ wrap-around

    [Fact]
    public void A_read_across_the_end_of_the_ring_returns_the_bytes_in_order()
    {
        var pipe = new Pipe(4);
        pipe.Write([1, 2, 3]);
        Assert.Equal(3, pipe.Read(new byte[3])); // head now at index 3
        pipe.Write([4, 5, 6]);                     // stored at 3, 0, 1
        var buffer = new byte[8];
        Assert.Equal(3, pipe.Read(buffer));
        Assert.Equal(new byte[] { 4, 5, 6 }, buffer[..3]);
    }

    [Fact]
    public async Task An_async_read_across_the_end_of_the_ring_returns_the_bytes_in_order()
    {
        var pipe = new Pipe(4);
        pipe.Write([1, 2, 3]);
        Assert.Equal(3, await pipe.ReadAsync(new byte[3]));
        pipe.Write([4, 5, 6]);
        var buffer = new byte[8];
        Assert.Equal(3, await pipe.ReadAsync(buffer));
        Assert.Equal(new byte[] { 4, 5, 6 }, buffer[..3]);
    }

    [Fact]
    public void CloseReader_hands_back_wrapped_bytes_in_order()
    {
        var pipe = new Pipe(4);
        pipe.Write([1, 2, 3]);
        Assert.Equal(2, pipe.Read(new byte[2])); // head at 2, [3] buffered
        pipe.Write([4, 5, 6]);                     // stored at 3, 0, 1
        Assert.Equal(new byte[] { 3, 4, 5, 6 }, pipe.CloseReader());
        Assert.Equal(0, pipe.Available);
    }

    [Fact]
    public void CloseReader_on_an_unwrapped_ring_hands_back_exactly_the_unread_bytes()
    {
        var pipe = new Pipe(8);
        pipe.Write([1, 2, 3, 4, 5]);
        Assert.Equal(2, pipe.Read(new byte[2]));
        Assert.Equal(new byte[] { 3, 4, 5 }, pipe.CloseReader());
    }

    // ------------------------------------------------------------ error texts

    [Fact]
    public void A_timed_out_read_names_the_pipe_and_the_timeout()
    {
        var pipe = new Pipe(4, "p");
        var ex = Assert.Throws<TimeoutException>(() => pipe.Read(new byte[1], TimeSpan.Zero));
        Assert.Equal("Read from 'p' did not complete within 00:00:00.", ex.Message);
    }

    [Fact]
    public async Task A_timed_out_async_read_names_the_pipe_and_the_timeout()
    {
        var pipe = new Pipe(4, "p");
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => pipe.ReadAsync(new byte[1], TimeSpan.Zero).AsTask());
        Assert.Equal("Read from 'p' did not complete within 00:00:00.", ex.Message);
    }

    [Fact]
    public void A_timed_out_write_that_accepted_nothing_names_the_pipe()
    {
        var pipe = new Pipe(1, "p");
        pipe.Write([1]);
        var ex = Assert.Throws<TimeoutException>(() => pipe.Write([2], TimeSpan.Zero));
        Assert.Equal("Write to 'p' did not complete within 00:00:00.", ex.Message);
        Assert.Equal(1, pipe.Available);
    }

    [Fact]
    public void A_partial_write_that_timed_out_says_how_much_went_in_with_the_timeout_inside()
    {
        var pipe = new Pipe(4, "p");
        var ex = Assert.Throws<PartialWriteException>(() => pipe.Write(new byte[10], TimeSpan.Zero));
        Assert.Equal("Write to 'p' was interrupted after 4 bytes; 6 bytes were not written.", ex.Message);
        Assert.Equal("p", ex.Endpoint);
        Assert.Equal(4, ex.BytesWritten);
        Assert.Equal(6, ex.BytesNotWritten);
        var inner = Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Equal("Write to 'p' did not complete within 00:00:00.", inner.Message);
    }

    [Fact]
    public void A_partial_write_that_was_cancelled_has_the_cancellation_inside()
    {
        var pipe = new Pipe(4, "p");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var ex = Assert.Throws<PartialWriteException>(() => pipe.Write(new byte[10], cts.Token));
        Assert.Equal(4, ex.BytesWritten);
        var inner = Assert.IsType<OperationCanceledException>(ex.InnerException);
        Assert.Equal(cts.Token, inner.CancellationToken);
    }

    [Fact]
    public async Task An_async_partial_write_that_was_cancelled_has_the_cancellation_inside()
    {
        var pipe = new Pipe(4, "p");
        using var cts = new CancellationTokenSource();
        ValueTask write = pipe.WriteAsync(new byte[10], cts.Token);
        Assert.False(write.IsCompleted); // 4 of 10 fit
        cts.Cancel();
        var ex = await Assert.ThrowsAsync<PartialWriteException>(() => write.AsTask().WaitAsync(Bound));
        Assert.Equal(4, ex.BytesWritten);
        Assert.Equal(6, ex.BytesNotWritten);
        Assert.IsType<OperationCanceledException>(ex.InnerException);
    }

    [Fact]
    public async Task The_one_reader_and_one_writer_errors_say_what_happened()
    {
        var pipe = new Pipe(1, "p");
        ValueTask<int> read = pipe.ReadAsync(new byte[1]);
        var r = Assert.Throws<InvalidOperationException>(() => pipe.TryRead(new byte[1], out _));
        Assert.Equal("'p' has one reader: a read started while another was in progress.", r.Message);
        pipe.Write([1]);
        Assert.Equal(1, await read.AsTask().WaitAsync(Bound));

        pipe.Write([2]);
        ValueTask write = pipe.WriteAsync(new byte[] { 3 });
        var w = Assert.Throws<InvalidOperationException>(() => pipe.WriteSome([4]));
        Assert.Equal("'p' has one writer: a write started while another was in progress.", w.Message);
        pipe.Close();
        await Assert.ThrowsAsync<EndpointClosedException>(() => write.AsTask().WaitAsync(Bound));
    }

    // ------------------------------------------------------------ slots released after failures

    [Fact]
    public void Reads_after_CloseReader_keep_failing_as_closed_not_as_concurrent()
    {
        var pipe = new Pipe(4);
        pipe.CloseReader();
        Assert.Throws<EndpointClosedException>(() => pipe.Read(new byte[1]));
        Assert.Throws<EndpointClosedException>(() => pipe.Read(new byte[1]));
        Assert.Throws<EndpointClosedException>(() => { _ = pipe.ReadAsync(new byte[1]); });
        Assert.Throws<EndpointClosedException>(() => { _ = pipe.ReadAsync(new byte[1]); });
        Assert.Throws<EndpointClosedException>(() => pipe.TryRead(new byte[1], out _));
        Assert.Throws<EndpointClosedException>(() => pipe.TryRead(new byte[1], out _));
    }

    [Fact]
    public void Writes_after_Close_keep_failing_as_closed_not_as_concurrent()
    {
        var pipe = new Pipe(4);
        pipe.Close();
        Assert.Throws<EndpointClosedException>(() => pipe.Write([1]));
        Assert.Throws<EndpointClosedException>(() => pipe.Write([1]));
        Assert.Throws<EndpointClosedException>(() => { _ = pipe.WriteAsync(new byte[] { 1 }); });
        Assert.Throws<EndpointClosedException>(() => { _ = pipe.WriteAsync(new byte[] { 1 }); });
        Assert.Throws<EndpointClosedException>(() => pipe.WriteSome([1]));
        Assert.Throws<EndpointClosedException>(() => pipe.WriteSome([1]));
    }

    [Fact]
    public void An_empty_WriteSome_returns_zero_while_open_and_fails_once_closed()
    {
        var pipe = new Pipe(4);
        Assert.Equal(0, pipe.WriteSome([]));
        pipe.Close();
        var ex = Assert.Throws<EndpointClosedException>(() => pipe.WriteSome([]));
        Assert.Equal(Array.Empty<byte>(), ex.Undelivered);
    }

    // ------------------------------------------------------------ who is woken

    [Fact]
    public async Task TryRead_making_room_lets_an_async_writer_finish()
    {
        var pipe = new Pipe(2);
        ValueTask write = pipe.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.False(write.IsCompleted);
        var buffer = new byte[2];
        Assert.True(pipe.TryRead(buffer, out int n));
        Assert.Equal(2, n);
        await write.AsTask().WaitAsync(Bound);
        Assert.True(pipe.TryRead(buffer, out n));
        Assert.Equal(new byte[] { 3 }, buffer[..n]);
    }

    [Fact]
    public async Task A_synchronous_read_making_room_lets_an_async_writer_finish()
    {
        var pipe = new Pipe(2);
        ValueTask write = pipe.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.False(write.IsCompleted);
        Assert.Equal(2, pipe.Read(new byte[2]));
        await write.AsTask().WaitAsync(Bound);
        Assert.Equal(1, pipe.Available);
    }

    [Fact]
    public async Task WriteSome_wakes_a_waiting_async_reader()
    {
        var pipe = new Pipe(4);
        var buffer = new byte[4];
        ValueTask<int> read = pipe.ReadAsync(buffer);
        Assert.False(read.IsCompleted);
        Assert.Equal(2, pipe.WriteSome([7, 8]));
        Assert.Equal(2, await read.AsTask().WaitAsync(Bound));
        Assert.Equal(new byte[] { 7, 8 }, buffer[..2]);
    }

    [Fact]
    public void TryRead_into_an_empty_span_answers_at_once_with_nothing()
    {
        var pipe = new Pipe(4);
        Assert.True(pipe.TryRead([], out int n));
        Assert.Equal(0, n);
        pipe.Write([1]);
        Assert.True(pipe.TryRead([], out n));
        Assert.Equal(0, n);
        Assert.Equal(1, pipe.Available);
    }

    [Fact]
    public async Task CloseReader_fails_a_waiting_async_reader()
    {
        var pipe = new Pipe(4);
        ValueTask<int> read = pipe.ReadAsync(new byte[4]);
        Assert.False(read.IsCompleted);
        Assert.Empty(pipe.CloseReader());
        await Assert.ThrowsAsync<EndpointClosedException>(() => read.AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Close_wakes_a_synchronously_blocked_writer()
    {
        var trace = new Recorder();
        var pipe = new Pipe(1, "p", tracer: trace);
        pipe.Write([1]);
        var writer = Task.Factory.StartNew(() => pipe.Write([2, 3]), TaskCreationOptions.LongRunning);
        await trace.WriterBlockedAsync();
        pipe.Close();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => writer.WaitAsync(Bound));
        Assert.Equal(new byte[] { 2, 3 }, ex.Undelivered);
    }

    [Fact]
    public async Task CloseReader_wakes_a_synchronously_blocked_writer()
    {
        var trace = new Recorder();
        var pipe = new Pipe(1, "p", tracer: trace);
        pipe.Write([1]);
        var writer = Task.Factory.StartNew(() => pipe.WriteSome([2, 3]), TaskCreationOptions.LongRunning);
        await trace.WriterBlockedAsync();
        Assert.Equal(new byte[] { 1 }, pipe.CloseReader());
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => writer.WaitAsync(Bound));
        Assert.Equal(new byte[] { 2, 3 }, ex.Undelivered);
    }

    [Fact]
    public async Task WriteSome_on_a_full_pipe_waits_for_room_then_takes_what_fits()
    {
        var trace = new Recorder();
        var pipe = new Pipe(2, "p", tracer: trace);
        pipe.Write([1, 2]);
        var writer = Task.Factory.StartNew(() => pipe.WriteSome([3, 4, 5]), TaskCreationOptions.LongRunning);
        await trace.WriterBlockedAsync();
        Assert.True(pipe.TryRead(new byte[1], out int n));
        Assert.Equal(1, n);
        Assert.Equal(1, await writer.WaitAsync(Bound));
        var buffer = new byte[4];
        Assert.Equal(2, pipe.Read(buffer));
        Assert.Equal(new byte[] { 2, 3 }, buffer[..2]);
        // Only the first attempt is the spec's Write; the byte taken after waiting is a Copy.
        Assert.Equal(
            [Ev(PipeAction.Write, 2, 2, 2), Ev(PipeAction.Write, 3, 0, 2), Ev(PipeAction.Read, 0, 1, 1), Ev(PipeAction.Copy, 0, 1, 2), Ev(PipeAction.Read, 0, 2, 0)],
            trace.Events);
    }

    [Fact]
    public async Task Cancelling_a_synchronously_blocked_writer_wakes_it_with_nothing_written()
    {
        var trace = new Recorder();
        var pipe = new Pipe(1, "p", tracer: trace);
        pipe.Write([1]);
        using var cts = new CancellationTokenSource();
        var writer = Task.Factory.StartNew(() => pipe.Write([2], cts.Token), TaskCreationOptions.LongRunning);
        await trace.WriterBlockedAsync();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WaitAsync(Bound));
        Assert.Equal(1, pipe.Available);
        pipe.Write([], TimeSpan.Zero); // the one-writer slot was released
    }

    // ------------------------------------------------------------ trace

    [Fact]
    public async Task Every_step_is_traced_once_with_the_bytes_moved_and_the_count_after()
    {
        var trace = new Recorder();
        var pipe = new Pipe(4, "p", tracer: trace);
        pipe.Write([1, 2, 3]);
        Assert.Equal(2, pipe.Read(new byte[2]));
        Assert.Equal(3, pipe.WriteSome([4, 5, 6, 7, 8]));
        ValueTask write = pipe.WriteAsync(new byte[] { 9, 10 });
        Assert.False(write.IsCompleted);
        Assert.True(pipe.TryRead(new byte[4], out int n));
        Assert.Equal(4, n);
        await write.AsTask().WaitAsync(Bound);
        pipe.Close();
        pipe.Close(); // idempotent: not a second step
        Assert.Equal(2, pipe.Read(new byte[4]));
        Assert.Equal(0, pipe.Read(new byte[4]));
        Assert.Throws<EndpointClosedException>(() => pipe.Write([11, 12, 13]));

        Assert.Equal(
            [
                Ev(PipeAction.Write, 3, 3, 3),
                Ev(PipeAction.Read, 0, 2, 1),
                Ev(PipeAction.Write, 5, 3, 4),
                Ev(PipeAction.Write, 2, 0, 4),
                Ev(PipeAction.Read, 0, 4, 0),
                Ev(PipeAction.Copy, 0, 2, 2),
                Ev(PipeAction.Close, 0, 0, 2),
                Ev(PipeAction.Read, 0, 2, 0),
                Ev(PipeAction.ReadEof, 0, 0, 0),
                Ev(PipeAction.HandBack, 0, 3, 0),
            ],
            trace.Events);
    }

    [Fact]
    public void CloseReader_is_traced_with_the_bytes_handed_back()
    {
        var trace = new Recorder();
        var pipe = new Pipe(4, "p", tracer: trace);
        pipe.Write([1, 2]);
        pipe.CloseReader();
        Assert.Equal([Ev(PipeAction.Write, 2, 2, 2), Ev(PipeAction.CloseReader, 0, 2, 0)], trace.Events);
    }
}
