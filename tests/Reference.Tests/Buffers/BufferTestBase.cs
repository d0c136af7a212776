using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Reference.Tests.Buffers;

/// <summary>
/// Behaviour every buffer kind shares, run once per configuration (habit 4): each sealed leaf supplies the
/// factory and the capability flags, and tests whose expected outcome depends on a capability assert the outcome
/// that configuration must show (e.g. "the sender blocks" for bounded and rendezvous, "the sender never blocks"
/// for unbounded) — no test is skipped or vacuous in any leaf.
/// </summary>
public abstract class BufferTestBase
{
    /// <summary>Null: unbounded; 0: rendezvous; otherwise the bounded capacity.</summary>
    protected abstract int? Capacity { get; }

    private protected abstract IMessageBuffer<T> Create<T>(BufferOptions? options = null);

    /// <summary>Whether a send can find no room (bounded when full; a rendezvous with no receiver waiting).</summary>
    protected bool SendCanBlock => Capacity is not null;

    /// <summary>Whether messages can wait in the buffer without a receiver.</summary>
    protected bool Buffers => Capacity != 0;

    private protected (IMessageBuffer<string> Buffer, RecordingTracer Trace) CreateTraced()
    {
        var trace = new RecordingTracer();
        return (Create<string>(new BufferOptions { Name = "under-test", Tracer = trace }), trace);
    }

    /// <summary>Leaves the buffer with no room for another send; returns the messages put in.</summary>
    private protected List<string> MakeFull(IMessageBuffer<string> buffer)
    {
        Assert.True(SendCanBlock, "only a buffer whose senders can block can be full");
        var sent = new List<string>();
        for (int i = 0; i < Capacity; i++)
        {
            Assert.True(buffer.TrySend($"fill-{i}"));
            sent.Add($"fill-{i}");
        }
        Assert.False(buffer.TrySend("no-room"));
        return sent;
    }

    // ---- delivery -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Async_messages_arrive_in_send_order()
    {
        var buffer = Create<int>();
        const int n = 500;
        var producer = Task.Run(async () =>
        {
            for (int i = 0; i < n; i++) await buffer.SendAsync(i);
        });
        for (int i = 0; i < n; i++) Assert.Equal(i, await buffer.ReceiveAsync().Bounded());
        await producer.Bounded();
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public async Task Sync_senders_and_receivers_on_threads_deliver_every_message_exactly_once()
    {
        var buffer = Create<int>();
        const int perProducer = 400;
        var producers = Enumerable.Range(0, 2).Select(p => Threads.Run(() =>
        {
            for (int i = 0; i < perProducer; i++) buffer.Send(p * perProducer + i);
        })).ToArray();
        var consumers = Enumerable.Range(0, 2).Select(_ => Threads.Run(() =>
        {
            var got = new List<int>();
            for (int i = 0; i < perProducer; i++) got.Add(buffer.Receive());
            return got;
        })).ToArray();
        await Task.WhenAll(producers).Bounded();
        var received = (await Task.WhenAll(consumers).Bounded()).SelectMany(x => x).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 2 * perProducer), received);
    }

    [Fact]
    public async Task Mixed_sync_and_async_callers_preserve_each_senders_order()
    {
        var buffer = Create<(int Sender, int Seq)>();
        const int n = 300;
        var syncSender = Threads.Run(() =>
        {
            for (int i = 0; i < n; i++) buffer.Send((0, i));
        });
        var asyncSender = Task.Run(async () =>
        {
            for (int i = 0; i < n; i++) await buffer.SendAsync((1, i));
        });
        var last = new[] { -1, -1 };
        for (int i = 0; i < 2 * n; i++)
        {
            var (sender, seq) = i % 2 == 0 ? await buffer.ReceiveAsync().Bounded() : await Threads.Run(() => buffer.Receive()).Bounded();
            Assert.Equal(last[sender] + 1, seq);
            last[sender] = seq;
        }
        await Task.WhenAll(syncSender, asyncSender).Bounded();
    }

    // ---- receiving --------------------------------------------------------------------------------------------

    [Fact]
    public void TryReceive_on_an_empty_buffer_returns_false_and_changes_nothing()
    {
        var (buffer, trace) = CreateTraced();
        Assert.False(buffer.TryReceive(out var message));
        Assert.Null(message);
        Assert.Equal(0, buffer.Count);
        Assert.False(buffer.IsClosed);
        Assert.Empty(trace.Events);
    }

    [Fact]
    public async Task Receive_blocks_until_a_message_is_sent()
    {
        var (buffer, trace) = CreateTraced();
        var receiver = Threads.Run(() => buffer.Receive());
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);
        Assert.False(receiver.IsCompleted); // parked in Monitor.Wait: nothing has been sent
        buffer.Send("hello");
        Assert.Equal("hello", await receiver.Bounded());
    }

    [Fact]
    public async Task ReceiveAsync_is_pending_until_a_message_is_sent()
    {
        var buffer = Create<string>();
        var pending = buffer.ReceiveAsync();
        Assert.False(pending.IsCompleted);
        await buffer.SendAsync("hello").Bounded();
        Assert.Equal("hello", await pending.Bounded());
    }

    // ---- sending ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Send_blocks_while_there_is_no_room_and_only_then()
    {
        var (buffer, trace) = CreateTraced();
        if (!SendCanBlock)
        {
            for (int i = 0; i < 10_000; i++) buffer.Send($"m{i}"); // an unbounded sender never waits
            Assert.Equal(10_000, buffer.Count);
            Assert.Equal(0, trace.CountOf(BufferAction.Wait));
            return;
        }
        var before = MakeFull(buffer);
        var sender = Threads.Run(() => buffer.Send("late"));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        Assert.False(sender.IsCompleted); // no receive has happened yet
        var received = new List<string> { buffer.Receive() };
        await sender.Bounded();
        while (buffer.TryReceive(out var m)) received.Add(m);
        Assert.Equal([.. before, "late"], received);
    }

    [Fact]
    public async Task SendAsync_status_handle_can_be_polled_awaited_or_called_back()
    {
        var buffer = Create<string>();
        if (!SendCanBlock)
        {
            var done = buffer.SendAsync("at once");
            Assert.True(done.IsCompletedSuccessfully);
            Assert.Equal("at once", buffer.Receive());
            return;
        }
        MakeFull(buffer);
        var status = buffer.SendAsync("queued");
        Assert.False(status.IsCompleted); // polled: not yet out of the sender's hands
        var notified = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        status.OnCompleted(e => notified.TrySetResult(e));
        Assert.False(notified.Task.IsCompleted);
        var received = await buffer.ReceiveAsync().Bounded();
        Assert.Null(await notified.Task.Bounded()); // the callback saw success
        if (Capacity == 0) Assert.Equal("queued", received);
    }

    [Fact]
    public void TrySend_without_room_returns_false_and_changes_nothing()
    {
        var buffer = Create<string>();
        if (!SendCanBlock)
        {
            Assert.True(buffer.TrySend("always room"));
            Assert.Equal(1, buffer.Count);
            return;
        }
        var before = MakeFull(buffer);
        Assert.False(buffer.TrySend("extra"));
        Assert.False(buffer.TrySend("extra", TimeSpan.Zero));
        var after = new List<string>();
        while (buffer.TryReceive(out var m)) after.Add(m);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Rendezvous_send_returns_only_after_the_receiver_took_the_message()
    {
        var (buffer, trace) = CreateTraced();
        var sender = Threads.Run(() => buffer.Send("m"));
        if (Buffers)
        {
            await sender.Bounded(); // a buffering kind returns once the message is in the buffer
            Assert.Equal(1, buffer.Count);
            Assert.Equal(0, trace.CountOf(BufferAction.Receive));
            return;
        }
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        Assert.False(sender.IsCompleted);
        Assert.Equal(1, buffer.Count);
        Assert.Equal("m", buffer.Receive());
        await sender.Bounded();
        var events = trace.Events.Select(e => e.Action).ToList();
        Assert.True(events.IndexOf(BufferAction.Receive) >= 0);
    }

    // ---- cancellation and timeouts ----------------------------------------------------------------------------

    [Fact]
    public async Task Cancelling_a_blocked_Receive_throws_and_the_next_message_is_not_lost()
    {
        var (buffer, trace) = CreateTraced();
        using var cts = new CancellationTokenSource();
        var receiver = Threads.Run(() => buffer.Receive(cts.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiver.Bounded());
        var sender = buffer.SendAsync("after");
        Assert.Equal("after", await buffer.ReceiveAsync().Bounded());
        await sender.Bounded();
    }

    [Fact]
    public async Task Cancelling_a_pending_ReceiveAsync_cancels_it_and_the_next_message_goes_to_a_live_receiver()
    {
        var buffer = Create<string>();
        using var cts = new CancellationTokenSource();
        var cancelled = buffer.ReceiveAsync(cts.Token);
        var live = buffer.ReceiveAsync();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Bounded());
        var sender = buffer.SendAsync("m");
        Assert.Equal("m", await live.Bounded());
        await sender.Bounded();
    }

    [Fact]
    public async Task Cancelling_a_blocked_Send_throws_and_the_message_is_not_sent()
    {
        var (buffer, trace) = CreateTraced();
        using var cts = new CancellationTokenSource();
        if (!SendCanBlock)
        {
            cts.Cancel(); // an already-cancelled token is honoured before anything happens
            Assert.Throws<OperationCanceledException>(() => buffer.Send("m", cts.Token));
            Assert.Equal(0, buffer.Count);
            return;
        }
        var before = MakeFull(buffer);
        var sender = Threads.Run(() => buffer.Send("withdrawn", cts.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.Bounded());
        Assert.Equal(before, buffer.Drain());
    }

    [Fact]
    public async Task Cancelling_a_pending_SendAsync_cancels_it_and_the_message_is_not_delivered()
    {
        var buffer = Create<string>();
        if (!SendCanBlock)
        {
            using var unused = new CancellationTokenSource();
            Assert.True(buffer.SendAsync("m", unused.Token).IsCompletedSuccessfully);
            return;
        }
        var before = MakeFull(buffer);
        using var cts = new CancellationTokenSource();
        var withdrawn = buffer.SendAsync("withdrawn", cts.Token);
        var kept = buffer.SendAsync("kept");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn.Bounded());
        var received = new List<string>();
        for (int i = 0; i < before.Count + 1; i++) received.Add(await buffer.ReceiveAsync().Bounded());
        await kept.Bounded();
        Assert.Equal([.. before, "kept"], received);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void An_already_cancelled_token_is_honoured_before_anything_changes()
    {
        var buffer = Create<string>();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => buffer.Send("m", cts.Token));
        Assert.Throws<OperationCanceledException>(() => buffer.Receive(cts.Token));
        Assert.True(buffer.SendAsync("m", cts.Token).IsCanceled);
        Assert.True(buffer.ReceiveAsync(cts.Token).IsCanceled);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Timed_Receive_on_an_empty_buffer_gives_up_with_false()
    {
        var (buffer, trace) = CreateTraced();
        Assert.False(buffer.TryReceive(out _, TimeSpan.FromMilliseconds(30)));
        Assert.Equal(1, trace.CountOf(BufferAction.Timeout, BufferRole.Receiver));
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Timed_Send_without_room_gives_up_with_false_and_the_message_stays_out()
    {
        var (buffer, trace) = CreateTraced();
        if (!SendCanBlock)
        {
            Assert.True(buffer.TrySend("m", TimeSpan.FromMilliseconds(30)));
            Assert.Equal(0, trace.CountOf(BufferAction.Wait));
            return;
        }
        var before = MakeFull(buffer);
        Assert.False(buffer.TrySend("late", TimeSpan.FromMilliseconds(30)));
        Assert.Equal(1, trace.CountOf(BufferAction.Timeout, BufferRole.Sender));
        Assert.Equal(before, buffer.Drain());
    }

    [Fact]
    public async Task Timed_Receive_returns_a_message_sent_before_the_deadline()
    {
        var (buffer, trace) = CreateTraced();
        var receiver = Threads.Run(() => buffer.TryReceive(out var m, TimeSpan.FromMinutes(5)) ? m : null);
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);
        var sent = buffer.SendAsync("in time");
        Assert.Equal("in time", await receiver.Bounded());
        await sent.Bounded();
    }

    [Fact]
    public async Task Async_timeouts_run_on_the_given_time_provider()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var buffer = Create<string>();
        var receive = buffer.ReceiveAsync(TimeSpan.FromSeconds(5), time);
        Assert.False(receive.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TimeoutException>(() => receive.Bounded());
        if (SendCanBlock)
        {
            var before = MakeFull(buffer);
            var send = buffer.TrySendAsync("late", TimeSpan.FromSeconds(5), time);
            Assert.False(send.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(5));
            Assert.False(await send.Bounded());
            Assert.Equal(before, buffer.Drain());
        }
        else
        {
            Assert.True(await buffer.TrySendAsync("m", TimeSpan.FromSeconds(5), time).Bounded());
        }
    }

    // ---- close ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Close_fails_a_blocked_Receive()
    {
        var (buffer, trace) = CreateTraced();
        var receiver = Threads.Run(() => buffer.Receive());
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);
        buffer.Close();
        var error = await Assert.ThrowsAsync<EndpointClosedException>(() => receiver.Bounded());
        Assert.False(error.HasUndelivered);
        Assert.Equal("under-test", error.Endpoint);
    }

    [Fact]
    public async Task Close_fails_a_pending_ReceiveAsync()
    {
        var buffer = Create<string>();
        var pending = buffer.ReceiveAsync();
        buffer.Close();
        await Assert.ThrowsAsync<EndpointClosedException>(() => pending.Bounded());
    }

    [Fact]
    public async Task Close_hands_a_blocked_senders_message_back()
    {
        var (buffer, trace) = CreateTraced();
        if (!SendCanBlock)
        {
            buffer.Send("buffered");
            buffer.Close();
            Assert.Equal("buffered", buffer.Receive()); // nothing blocks, and what was sent stays deliverable
            return;
        }
        var before = MakeFull(buffer);
        var syncSender = Threads.Run(() => buffer.Send("sync"));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        var asyncSender = buffer.SendAsync("async");
        buffer.Close();
        var syncError = await Assert.ThrowsAsync<EndpointClosedException>(() => syncSender.Bounded());
        var asyncError = await Assert.ThrowsAsync<EndpointClosedException>(() => asyncSender.Bounded());
        Assert.True(syncError.HasUndelivered);
        Assert.Equal("sync", syncError.Undelivered);
        Assert.Equal("async", asyncError.Undelivered);
        Assert.Equal(before, buffer.Drain()); // what was already in stays, and is handed back by Drain
    }

    [Fact]
    public async Task After_Close_buffered_messages_are_still_received_then_receivers_see_the_close()
    {
        var buffer = Create<string>();
        if (!Buffers)
        {
            buffer.Close();
            Assert.Throws<EndpointClosedException>(() => buffer.Receive());
            await buffer.Completion.Bounded();
            return;
        }
        var sent = new[] { "a", "b" }.Take(Capacity ?? 2).ToList();
        foreach (var m in sent) buffer.Send(m);
        buffer.Close();
        Assert.True(buffer.IsClosed);
        Assert.False(buffer.Completion.IsCompleted); // not drained yet
        Assert.Equal("a", buffer.Receive());
        if (sent.Count > 1) Assert.Equal("b", await buffer.ReceiveAsync().Bounded());
        await buffer.Completion.Bounded();
        Assert.Throws<EndpointClosedException>(() => buffer.Receive());
        Assert.Throws<EndpointClosedException>(() => buffer.TryReceive(out _));
        await Assert.ThrowsAsync<EndpointClosedException>(() => buffer.ReceiveAsync().Bounded());
    }

    [Fact]
    public async Task Drain_closes_and_hands_back_every_buffered_message_in_order()
    {
        var buffer = Create<string>();
        var sent = new[] { "a", "b" }.Take(Capacity ?? 2).ToList();
        foreach (var m in sent) buffer.Send(m);
        Assert.Equal(sent, buffer.Drain());
        Assert.True(buffer.IsClosed);
        Assert.Equal(0, buffer.Count);
        await buffer.Completion.Bounded();
        Assert.Empty(buffer.Drain());
    }

    [Fact]
    public async Task Use_after_Close_is_a_typed_error_that_hands_the_message_back_and_changes_nothing()
    {
        var buffer = Create<string>();
        if (Buffers) buffer.Send("kept");
        int count = buffer.Count;
        buffer.Close();
        var sync = Assert.Throws<EndpointClosedException>(() => buffer.Send("late"));
        Assert.Equal("late", sync.Undelivered);
        Assert.Throws<EndpointClosedException>(() => buffer.TrySend("late"));
        Assert.Throws<EndpointClosedException>(() => buffer.TrySend("late", TimeSpan.FromSeconds(1)));
        var async = await Assert.ThrowsAsync<EndpointClosedException>(() => buffer.SendAsync("late async").Bounded());
        Assert.Equal("late async", async.Undelivered);
        Assert.Equal(count, buffer.Count);
        buffer.Close(); // idempotent
        Assert.Equal(count, buffer.Count);
    }

    [Fact]
    public void Dispose_is_a_graceful_close()
    {
        var buffer = Create<string>();
        if (Buffers) buffer.Send("kept");
        buffer.Dispose();
        Assert.True(buffer.IsClosed);
        Assert.Equal(Buffers ? ["kept"] : Array.Empty<string>(), buffer.Drain());
    }

    // ---- bad input --------------------------------------------------------------------------------------------

    [Fact]
    public void A_null_message_is_rejected_and_changes_nothing()
    {
        var (buffer, trace) = CreateTraced();
        Assert.Throws<ArgumentNullException>("message", () => buffer.Send(null!));
        Assert.Throws<ArgumentNullException>("message", () => buffer.TrySend(null!));
        Assert.Throws<ArgumentNullException>("message", () => buffer.TrySend(null!, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentNullException>("message", () => { _ = buffer.SendAsync(null!); });
        Assert.Throws<ArgumentNullException>("message", () => buffer.AsChannel().Writer.TryWrite(null!));
        Assert.Equal(0, buffer.Count);
        Assert.Empty(trace.Events);
    }

    [Fact]
    public void A_negative_timeout_is_rejected()
    {
        var buffer = Create<string>();
        var error = Assert.Throws<ArgumentOutOfRangeException>("timeout", () => buffer.TryReceive(out _, TimeSpan.FromMilliseconds(-2)));
        Assert.Contains("Timeout.InfiniteTimeSpan", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => buffer.TrySend("m", TimeSpan.FromMilliseconds(-5)));
        Assert.Equal(0, buffer.Count);
    }

    // ---- tracing ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_trace_names_each_step_in_the_order_it_took_effect()
    {
        var (buffer, trace) = CreateTraced();
        var receive = buffer.ReceiveAsync();
        await buffer.SendAsync("m").Bounded();
        await receive.Bounded();
        buffer.Close();
        Assert.Equal(
            [BufferAction.Wait, BufferAction.Send, BufferAction.Receive, BufferAction.Close],
            trace.Events.Select(e => e.Action));
        Assert.All(trace.Events, e => Assert.Equal("under-test", e.Buffer));
        Assert.Equal("m", trace.Events[1].Message);
    }

    // ---- close and cancel racing with traffic -----------------------------------------------------------------

    /// <summary>
    /// Senders (sync and async, some with tokens that get cancelled) and receivers race with a close. Whatever the
    /// interleaving, every message ends in exactly one place: received, handed back by an
    /// <see cref="EndpointClosedException"/>, withdrawn by cancellation, or drained.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Every_message_is_delivered_or_handed_back_exactly_once_when_close_and_cancel_race_with_traffic(int seed)
    {
        var buffer = Create<int>();
        var random = new Random(seed);
        const int senders = 4, perSender = 150;
        var received = new System.Collections.Concurrent.ConcurrentBag<int>();
        var handedBack = new System.Collections.Concurrent.ConcurrentBag<int>();
        var withdrawn = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var cancelSome = new CancellationTokenSource();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task SendOne(int m, bool sync, bool cancellable)
        {
            var token = cancellable ? cancelSome.Token : CancellationToken.None;
            try
            {
                if (sync) await Threads.Run(() => buffer.Send(m, token));
                else await buffer.SendAsync(m, token);
            }
            catch (EndpointClosedException e)
            {
                Assert.True(e.HasUndelivered);
                handedBack.Add((int)e.Undelivered!);
            }
            catch (OperationCanceledException)
            {
                withdrawn.Add(m);
            }
        }

        var plans = Enumerable.Range(0, senders * perSender)
            .Select(m => (m, sync: random.Next(8) == 0, cancellable: random.Next(3) == 0)).ToArray();
        var sending = Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            await start.Task;
            for (int i = 0; i < perSender; i++)
            {
                var (m, sync, cancellable) = plans[s * perSender + i];
                await SendOne(m, sync, cancellable);
            }
        })).ToArray();
        var receiving = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            while (true)
            {
                try
                {
                    received.Add(await buffer.ReceiveAsync());
                }
                catch (EndpointClosedException)
                {
                    return;
                }
            }
        })).ToArray();

        start.SetResult();
        int closeAfter = random.Next(50, 300);
        while (received.Count < closeAfter && !sending.All(t => t.IsCompleted))
        {
            await Task.Yield();
            if (received.Count > closeAfter / 2) cancelSome.Cancel();
        }
        var drained = buffer.Drain();
        await Task.WhenAll(sending).Bounded();
        await Task.WhenAll(receiving).Bounded();

        var all = received.Concat(handedBack).Concat(withdrawn).Concat(drained).Order().ToList();
        Assert.Equal(Enumerable.Range(0, senders * perSender), all);
        await buffer.Completion.Bounded();
        ((MessageBuffer<int>)buffer).VerifyInvariants();
    }
}

// ---- the configuration matrix: one sealed leaf per buffer kind ----------------------------------------------------

public sealed class RendezvousBufferTests : BufferTestBase
{
    protected override int? Capacity => 0;

    private protected override IMessageBuffer<T> Create<T>(BufferOptions? options = null) => new RendezvousBuffer<T>(options);
}

public sealed class BoundedBufferOfOneTests : BufferTestBase
{
    protected override int? Capacity => 1;

    private protected override IMessageBuffer<T> Create<T>(BufferOptions? options = null) => new BoundedBuffer<T>(1, options);
}

public sealed class BoundedBufferOfThreeTests : BufferTestBase
{
    protected override int? Capacity => 3;

    private protected override IMessageBuffer<T> Create<T>(BufferOptions? options = null) => new BoundedBuffer<T>(3, options);
}

public sealed class UnboundedBufferTests : BufferTestBase
{
    protected override int? Capacity => null;

    private protected override IMessageBuffer<T> Create<T>(BufferOptions? options = null) => new UnboundedBuffer<T>(options);
}
