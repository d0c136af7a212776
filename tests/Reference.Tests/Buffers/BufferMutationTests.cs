using System.Threading.Channels;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Reference.Tests.Buffers;

/// <summary>
/// Behaviour of the bounded, unbounded and rendezvous buffers that the Stryker run on <c>QueueBuffer.cs</c>,
/// <c>RendezvousBuffer.cs</c> and <c>IMessageBuffer.cs</c> showed untested: the exact trace of blocking, waking,
/// cancelling and handing back (the spec's steps, which trace validation depends on); a cancelled token winning
/// over an available partner; readiness waiters on close; <see cref="IMessageBuffer{T}.Completion"/> staying open while
/// the buffer is; the seeded-fault switches; names and texts. Blocked synchronous callers are known to be parked
/// through their traced Wait step (see <see cref="RecordingTracer"/>).
/// </summary>
public sealed class BufferMutationTests
{
    private static BufferOptions Traced(RecordingTracer trace, string name = "b") => new() { Name = name, Tracer = trace };

    private static (BufferAction, BufferRole, object?, int) Step(BufferEvent e) => (e.Action, e.Role, e.Message, e.Count);

    // ------------------------------------------------------------ the trace of blocking and waking

    [Fact]
    public async Task A_blocked_sender_is_traced_waiting_woken_by_a_broadcast_and_then_sending()
    {
        var trace = new RecordingTracer();
        var buffer = new BoundedBuffer<string>(1, Traced(trace));
        buffer.Send("a");
        var sender = Threads.Run(() => buffer.Send("b"));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        Assert.Equal("a", buffer.Receive());
        await sender.Bounded();
        Assert.Equal("b", buffer.Receive());

        Assert.Equal(
            [
                (BufferAction.Send, BufferRole.Sender, "a", 1),
                (BufferAction.Wait, BufferRole.Sender, "b", 1),
                (BufferAction.Broadcast, BufferRole.Buffer, null, 0),
                (BufferAction.Receive, BufferRole.Receiver, "a", 0),
                (BufferAction.Wake, BufferRole.Sender, null, 0),
                (BufferAction.Send, BufferRole.Sender, "b", 1),
                // The sender has left: freeing its slot again wakes nobody.
                (BufferAction.Receive, BufferRole.Receiver, "b", 0),
            ],
            trace.Events.Select(Step));
    }

    [Fact]
    public async Task A_blocked_receiver_is_woken_once_and_later_sends_wake_nobody()
    {
        var trace = new RecordingTracer();
        var buffer = new UnboundedBuffer<string>(Traced(trace));
        var receiver = Threads.Run(() => buffer.Receive());
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);
        buffer.Send("x");
        Assert.Equal("x", await receiver.Bounded());
        buffer.Send("y");

        Assert.Equal(
            [
                (BufferAction.Wait, BufferRole.Receiver, null, 0),
                (BufferAction.Broadcast, BufferRole.Buffer, null, 1),
                (BufferAction.Send, BufferRole.Sender, "x", 1),
                (BufferAction.Wake, BufferRole.Receiver, null, 1),
                (BufferAction.Receive, BufferRole.Receiver, "x", 0),
                (BufferAction.Send, BufferRole.Sender, "y", 1),
            ],
            trace.Events.Select(Step));
    }

    // ------------------------------------------------------------ cancellation

    [Fact]
    public async Task Cancelling_a_blocked_sender_is_traced_with_its_message()
    {
        var trace = new RecordingTracer();
        var buffer = new BoundedBuffer<string>(1, Traced(trace));
        buffer.Send("a");
        using var cts = new CancellationTokenSource();
        var sender = Threads.Run(() => buffer.Send("b", cts.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.Bounded());
        Assert.Equal((BufferAction.Cancel, BufferRole.Sender, "b", 1), Step(trace.Events[^1]));
        Assert.Equal(1, buffer.Count);
    }

    [Fact]
    public async Task Cancelling_a_blocked_receiver_is_traced()
    {
        var trace = new RecordingTracer();
        var buffer = new BoundedBuffer<string>(1, Traced(trace));
        using var cts = new CancellationTokenSource();
        var receiver = Threads.Run(() => buffer.Receive(cts.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiver.Bounded());
        Assert.Equal((BufferAction.Cancel, BufferRole.Receiver, null, 0), Step(trace.Events[^1]));
    }

    [Fact]
    public async Task Cancelling_a_blocked_rendezvous_sender_and_receiver_is_traced()
    {
        var trace = new RecordingTracer();
        var rv = new RendezvousBuffer<string>(Traced(trace, "rv"));
        using var cts = new CancellationTokenSource();
        var sender = Threads.Run(() => rv.Send("m", cts.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.Bounded());
        Assert.Equal((BufferAction.Cancel, BufferRole.Sender, "m", 0), Step(trace.Events[^1]));

        using var cts2 = new CancellationTokenSource();
        var receiver = Threads.Run(() => rv.Receive(cts2.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);
        cts2.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiver.Bounded());
        Assert.Equal((BufferAction.Cancel, BufferRole.Receiver, null, 0), Step(trace.Events[^1]));
    }

    [Fact]
    public async Task Cancelling_an_async_receiver_is_traced_as_its_step()
    {
        var trace = new RecordingTracer();
        var buffer = new BoundedBuffer<string>(2, Traced(trace));
        using var cts = new CancellationTokenSource();
        ValueTask<string> receive;
        using (VerifiedIpc.Reference.Tracing.TraceProcess.Use("c1")) receive = buffer.ReceiveAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.Bounded());
        var last = trace.Events[^1];
        Assert.Equal((BufferAction.Cancel, BufferRole.Receiver, null, 0), Step(last));
        Assert.Equal("c1", last.Process);
    }

    [Fact]
    public void A_cancelled_token_wins_over_a_message_that_is_there()
    {
        var buffer = new BoundedBuffer<string>(2);
        buffer.Send("kept");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => buffer.Receive(cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => buffer.TryReceive(out _, TimeSpan.FromHours(1), cts.Token));
        Assert.Equal(1, buffer.Count);
        Assert.Equal("kept", buffer.Receive());
    }

    [Fact]
    public async Task A_cancelled_token_wins_over_a_waiting_rendezvous_partner()
    {
        var rv = new RendezvousBuffer<string>();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        ValueTask<string> receiver = rv.ReceiveAsync();
        Assert.ThrowsAny<OperationCanceledException>(() => rv.Send("no", cts.Token));
        Assert.False(receiver.IsCompleted);
        rv.Send("yes");
        Assert.Equal("yes", await receiver.Bounded());

        ValueTask sender = rv.SendAsync("offer");
        Assert.ThrowsAny<OperationCanceledException>(() => rv.Receive(cts.Token));
        Assert.False(sender.IsCompleted);
        Assert.Equal("offer", rv.Receive());
        await sender.Bounded();
    }

    // ------------------------------------------------------------ close and hand-back

    [Fact]
    public async Task Closing_hands_back_a_blocked_senders_message_and_says_so_in_the_trace()
    {
        var trace = new RecordingTracer();
        var buffer = new BoundedBuffer<string>(1, Traced(trace));
        buffer.Send("a");
        var sender = Threads.Run(() => buffer.Send("b"));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        buffer.Close();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => sender.Bounded());
        Assert.Equal("b", ex.Undelivered);
        Assert.Equal((BufferAction.HandBack, BufferRole.Sender, "b", 1), Step(trace.Events[^1]));
    }

    [Fact]
    public async Task Closing_hands_back_parked_async_senders_and_drained_messages_in_the_trace()
    {
        var trace = new RecordingTracer();
        var buffer = new BoundedBuffer<string>(1, Traced(trace));
        buffer.Send("a");
        ValueTask parked;
        using (VerifiedIpc.Reference.Tracing.TraceProcess.Use("p2")) parked = buffer.SendAsync("b");
        Assert.Equal(["a"], buffer.Drain());
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => parked.Bounded());
        Assert.Equal("b", ex.Undelivered);
        await Assert.ThrowsAsync<EndpointClosedException>(() => buffer.SendAsync("c").AsTask()); // handed back at once

        var events = trace.Events;
        Assert.Equal(
            [
                (BufferAction.Send, BufferRole.Sender, "a", 1),
                (BufferAction.Wait, BufferRole.Sender, "b", 1),
                (BufferAction.Close, BufferRole.Buffer, null, 1),
                (BufferAction.HandBack, BufferRole.Sender, "b", 1),
                (BufferAction.HandBack, BufferRole.Buffer, "a", 0),
                (BufferAction.HandBack, BufferRole.Sender, "c", 0),
            ],
            events.Select(Step));
        Assert.Equal("p2", events[3].Process);
    }

    [Fact]
    public async Task Closing_a_rendezvous_hands_back_the_offers_in_the_trace()
    {
        var trace = new RecordingTracer();
        var rv = new RendezvousBuffer<string>(Traced(trace, "rv"));
        ValueTask parked = rv.SendAsync("offer");
        var blocked = Threads.Run(() => rv.Send("sync"));
        await trace.WhenSeen((e, _) => e.Action == BufferAction.Wait && Equals(e.Message, "sync"));
        rv.Close();
        Assert.Equal("offer", (await Assert.ThrowsAsync<EndpointClosedException>(() => parked.Bounded())).Undelivered);
        Assert.Equal("sync", (await Assert.ThrowsAsync<EndpointClosedException>(() => blocked.Bounded())).Undelivered);
        await Assert.ThrowsAsync<EndpointClosedException>(() => rv.SendAsync("late").AsTask());

        var handedBack = trace.Events.Where(e => e.Action == BufferAction.HandBack).Select(e => e.Message).ToList();
        // Every offer is handed back in the trace, each exactly once.
        Assert.Equal(["late", "offer", "sync"], handedBack.Order());
    }

    /// <summary>
    /// Every receive that close ends is traced as that receiver's one <see cref="BufferAction.Closed"/> step, after
    /// the buffer's Close: a parked asynchronous receive (logged by Close, under its lock), a blocked thread (logged
    /// when it wakes) and a receive that comes after Close (logged as it fails). Trace validation of complete runs
    /// depends on it: a receiver released by Close must be seen to return.
    /// </summary>
    [Theory]
    [InlineData("bounded")]
    [InlineData("unbounded")]
    [InlineData("rendezvous")]
    public async Task Each_receive_ended_by_close_is_traced_once_as_its_receivers_Closed_step(string kind)
    {
        var trace = new RecordingTracer();
        // Whose step each event is: the waiter it names, else the process that raised it.
        var steps = new List<(BufferAction Action, BufferRole Role, string Process)>();
        trace.OnStep = e =>
        {
            lock (steps) steps.Add((e.Action, e.Role, e.Process ?? VerifiedIpc.Reference.Tracing.TraceProcess.Current));
        };
        IMessageBuffer<string> buffer = kind switch
        {
            "bounded" => new BoundedBuffer<string>(2, Traced(trace)),
            "unbounded" => new UnboundedBuffer<string>(Traced(trace)),
            _ => new RendezvousBuffer<string>(Traced(trace)),
        };
        ValueTask<string> parked;
        using (VerifiedIpc.Reference.Tracing.TraceProcess.Use("async")) parked = buffer.ReceiveAsync();
        var blocked = Threads.Run(() =>
        {
            using (VerifiedIpc.Reference.Tracing.TraceProcess.Use("thread")) return buffer.Receive();
        });
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver, count: 2);
        using (VerifiedIpc.Reference.Tracing.TraceProcess.Use("closer")) buffer.Close();
        await Assert.ThrowsAsync<EndpointClosedException>(() => parked.Bounded());
        await Assert.ThrowsAsync<EndpointClosedException>(() => blocked.Bounded());
        using (VerifiedIpc.Reference.Tracing.TraceProcess.Use("late"))
            Assert.Throws<EndpointClosedException>(() => buffer.Receive());

        List<(BufferAction Action, BufferRole Role, string Process)> all;
        lock (steps) all = steps.ToList();
        int close = all.FindIndex(e => e.Action == BufferAction.Close);
        Assert.True(close >= 0, "Close is traced");
        var closed = all.Select((e, i) => (e, i)).Where(x => x.e.Action == BufferAction.Closed).ToList();
        Assert.All(closed, x => Assert.Equal(BufferRole.Receiver, x.e.Role));
        Assert.All(closed, x => Assert.True(x.i > close, "Closed comes after Close"));
        Assert.Equal(["async", "late", "thread"], closed.Select(x => x.e.Process).Order());
        // The parked task's step is logged by Close itself, before the blocked thread wakes to log its own.
        Assert.Equal(close + 1, closed[0].i);
        Assert.Equal("async", closed[0].e.Process);
        Assert.Equal("late", closed[^1].e.Process);
    }

    [Fact]
    public void Completion_stays_open_while_the_buffer_is_open_even_when_empty()
    {
        var buffer = new BoundedBuffer<string>(2);
        buffer.Send("a");
        Assert.Equal("a", buffer.Receive());
        Assert.False(buffer.Completion.IsCompleted);
        Assert.True(buffer.TrySend("b"));
        Assert.True(buffer.TryReceive(out _));
        Assert.False(buffer.Completion.IsCompleted);
        buffer.Close();
        Assert.True(buffer.Completion.IsCompletedSuccessfully);
    }

    // ------------------------------------------------------------ readiness waiters (the channel adapter)

    [Fact]
    public async Task Closing_tells_pending_readiness_waiters_no_more_is_coming()
    {
        var empty = new BoundedBuffer<string>(1);
        ValueTask<bool> read = empty.AsChannel().Reader.WaitToReadAsync();
        Assert.False(read.IsCompleted);
        empty.Close();
        Assert.False(await read.Bounded());

        var full = new BoundedBuffer<string>(1);
        full.Send("x");
        ValueTask<bool> write = full.AsChannel().Writer.WaitToWriteAsync();
        Assert.False(write.IsCompleted);
        full.Close();
        Assert.False(await write.Bounded());
    }

    [Fact]
    public async Task Closing_a_rendezvous_tells_pending_readiness_waiters_no_more_is_coming()
    {
        var rv = new RendezvousBuffer<string>();
        var channel = rv.AsChannel();
        ValueTask<bool> read = channel.Reader.WaitToReadAsync();
        ValueTask<bool> write = channel.Writer.WaitToWriteAsync();
        Assert.False(read.IsCompleted);
        Assert.False(write.IsCompleted);
        rv.Close();
        Assert.False(await read.Bounded());
        Assert.False(await write.Bounded());

        var failed = new RendezvousBuffer<string>();
        ValueTask<bool> writeThenFail = failed.AsChannel().Writer.WaitToWriteAsync();
        var error = new InvalidOperationException("producer failed");
        Assert.True(failed.AsChannel().Writer.TryComplete(error));
        Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => writeThenFail.Bounded()));
    }

    [Fact]
    public async Task A_channel_write_hands_the_message_to_a_waiting_receiver()
    {
        var buffer = new BoundedBuffer<string>(2);
        ValueTask<string> receive = buffer.ReceiveAsync();
        Assert.True(buffer.AsChannel().Writer.TryWrite("x"));
        Assert.Equal("x", await receive.Bounded());
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public async Task Completing_with_an_error_fails_pending_write_readiness_waiters_with_it()
    {
        var full = new BoundedBuffer<string>(1);
        full.Send("x");
        var channel = full.AsChannel();
        ValueTask<bool> write = channel.Writer.WaitToWriteAsync();
        var error = new InvalidOperationException("producer failed");
        Assert.True(channel.Writer.TryComplete(error));
        Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => write.Bounded()));
    }

    [Fact]
    public async Task A_write_readiness_wait_can_be_cancelled()
    {
        var full = new BoundedBuffer<string>(1);
        full.Send("x");
        using var cts = new CancellationTokenSource();
        ValueTask<bool> write = full.AsChannel().Writer.WaitToWriteAsync(cts.Token);
        Assert.False(write.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write.Bounded());
    }

    [Fact]
    public async Task A_blocked_rendezvous_sender_makes_a_reader_ready()
    {
        var trace = new RecordingTracer();
        var rv = new RendezvousBuffer<string>(Traced(trace, "rv"));
        var reader = rv.AsChannel().Reader;
        ValueTask<bool> ready = reader.WaitToReadAsync();
        Assert.False(ready.IsCompleted);
        var sender = Threads.Run(() => rv.Send("m"));
        Assert.True(await ready.Bounded());
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);
        Assert.True(reader.TryRead(out var m));
        Assert.Equal("m", m);
        await sender.Bounded();
    }

    [Fact]
    public async Task A_blocked_rendezvous_receiver_makes_a_writer_ready()
    {
        var trace = new RecordingTracer();
        var rv = new RendezvousBuffer<string>(Traced(trace, "rv"));
        var writer = rv.AsChannel().Writer;
        ValueTask<bool> ready = writer.WaitToWriteAsync();
        Assert.False(ready.IsCompleted);
        var receiver = Threads.Run(() => rv.Receive());
        Assert.True(await ready.Bounded());
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);
        Assert.True(writer.TryWrite("m"));
        Assert.Equal("m", await receiver.Bounded());
    }

    // ------------------------------------------------------------ seeded-fault switches

    [Fact]
    public void The_lifo_fault_takes_the_newest_message()
    {
        var buffer = new BoundedBuffer<string>(4, null, BufferFaults.LifoTake);
        buffer.Send("old");
        buffer.Send("new");
        Assert.Equal("new", buffer.Receive());
    }

    [Fact]
    public void Invariant_checks_follow_the_fault_switch_and_name_the_broken_invariant()
    {
        // The lost wake-up leaves an asynchronous receiver parked in a closed buffer: an invariant is broken.
        var unchecked_ = new BoundedBuffer<string>(1, new BufferOptions { Name = "u" }, BufferFaults.LostWakeupOnClose);
        ValueTask<string> lost = unchecked_.ReceiveAsync();
        unchecked_.Close();
        Assert.False(lost.IsCompleted);
        // Without the check switch the mutant runs on, as the seeded bug would in production...
        Assert.Throws<EndpointClosedException>(() => unchecked_.TrySend("x"));
        // ...and an explicit request still checks.
        var ex = Assert.Throws<BufferInvariantException>(() => unchecked_.VerifyInvariants());
        Assert.Equal("'u': invariant violated: closed ⇒ no asynchronous waiter is left parked.", ex.Message);

        var checked_ = new BoundedBuffer<string>(1, new BufferOptions { Name = "c" }, BufferFaults.LostWakeupOnClose | BufferFaults.CheckInvariants);
        _ = checked_.ReceiveAsync();
        // With it, the step that breaks the invariant reports it.
        Assert.Throws<BufferInvariantException>(() => checked_.Close());
    }

    // ------------------------------------------------------------ names, texts, limits

    [Fact]
    public void Each_kind_has_a_default_name_and_prints_its_state()
    {
        var rv = new RendezvousBuffer<int>();
        Assert.Equal("rendezvous", rv.Name);
        Assert.Equal(3, new BoundedBuffer<int>(3).Capacity);
        var bounded = new BoundedBuffer<int>(3, new BufferOptions { Name = "q" });
        bounded.Send(1);
        bounded.Send(2);
        Assert.Equal("BoundedBuffer 'q' (2 buffered)", bounded.ToString());
        bounded.Close();
        Assert.Equal("BoundedBuffer 'q' (2 buffered, closed)", bounded.ToString());
        Assert.Equal("UnboundedBuffer 'unbounded buffer' (0 buffered)", new UnboundedBuffer<int>().ToString());
    }

    [Fact]
    public void A_null_message_is_refused_with_a_reason()
    {
        var buffer = new UnboundedBuffer<string>();
        var ex = Assert.Throws<ArgumentNullException>(() => buffer.Send(null!));
        Assert.Equal("message", ex.ParamName);
        Assert.StartsWith("A buffer does not carry null messages.", ex.Message);
    }

    [Fact]
    public void The_longest_timeout_is_accepted_and_one_past_it_is_refused()
    {
        var buffer = new BoundedBuffer<string>(1);
        Assert.True(buffer.TrySend("a", TimeSpan.FromMilliseconds(int.MaxValue)));
        Assert.True(buffer.TryReceive(out _, TimeSpan.FromMilliseconds(int.MaxValue)));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => buffer.TrySend("b", TimeSpan.FromMilliseconds(int.MaxValue + 1L)));
        Assert.StartsWith("The timeout must be between zero and int.MaxValue milliseconds, or Timeout.InfiniteTimeSpan.", ex.Message);
    }
}
