using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference.Direct;

namespace VerifiedIpc.Reference.Tests.Direct;

/// <summary>
/// Behaviour every direct network must have, whatever its layout and capacity. Leaf classes fix the configuration
/// (habit 4: the configuration matrix as a class hierarchy); capability flags gate what only some have.
/// </summary>
public abstract class DirectNetworkTests
{
    protected static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3), P4 = new(4);

    protected abstract DirectLayout Layout { get; }

    /// <summary>Capacity of each buffer, or null for unbounded.</summary>
    protected abstract int? Capacity { get; }

    protected bool Bounded => Capacity is not null;

    protected TraceRecorder Trace { get; } = new();

    private protected DirectNetwork<string> Network(TimeProvider? time = null, DirectFaults? faults = null) =>
        new(new DirectOptions { Layout = Layout, Capacity = Capacity, Tracer = Trace, TimeProvider = time ?? TimeProvider.System, Name = "net" },
            faults ?? DirectFaults.None);

    /// <summary>Fills the buffer that <paramref name="from"/>'s sends to <paramref name="to"/> go through.</summary>
    protected void Fill(DirectEndpoint<string> from, ProcessId to, string prefix = "fill")
    {
        for (int i = 0; i < Capacity!.Value; i++) from.Send(to, $"{prefix}{i}");
    }

    // ------------------------------------------------------------ basic

    [Fact]
    public void Receive_from_any_returns_the_message_and_its_sender()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        a.Send(P2, "hello");
        var m = b.Receive(ProcessId.Any);
        Assert.Equal(new Message<string>(P1, "hello"), m);
        Assert.Null(net.CheckInvariants());
    }

    [Fact]
    public void Receive_from_a_named_sender_skips_others_and_keeps_their_order()
    {
        var net = Network();
        var a = net.Attach(P1);
        var c = net.Attach(P3);
        var b = net.Attach(P2);
        a.Send(P2, "a1");
        c.Send(P2, "c1");
        a.Send(P2, "a2");
        c.Send(P2, "c2");

        Assert.Equal("c1", b.Receive(P3).Body);
        Assert.Equal("a1", b.Receive(ProcessId.Any).Body);
        Assert.Equal("a2", b.Receive(ProcessId.Any).Body);
        Assert.Equal(new Message<string>(P3, "c2"), b.Receive(ProcessId.Any));
        Assert.False(b.TryReceive(ProcessId.Any, out _));
    }

    [Fact]
    public async Task Messages_from_one_sender_arrive_in_the_order_sent()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        int n = Capacity ?? 200;
        var receiver = TaskBound.OnThread(() => Enumerable.Range(0, 3 * n).Select(_ => b.Receive(P1).Body).ToList());
        for (int i = 0; i < 3 * n; i++) a.Send(P2, i.ToString());
        var got = await receiver.Within();
        Assert.Equal(Enumerable.Range(0, 3 * n).Select(i => i.ToString()), got);
    }

    [Fact]
    public void Try_receive_reports_no_message_without_waiting()
    {
        var net = Network();
        net.Attach(P1);
        var b = net.Attach(P2);
        Assert.False(b.TryReceive(ProcessId.Any, out var none));
        Assert.Equal(default, none);
        Assert.False(b.TryReceive(P1, out _));
    }

    [Fact]
    public void Probe_sees_a_message_without_taking_it()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        net.Attach(P3);
        Assert.False(b.Probe(P1));
        a.Send(P2, "x");
        Assert.True(b.Probe(P1));
        Assert.True(b.Probe(ProcessId.Any));
        Assert.False(b.Probe(P3));
        Assert.True(b.Probe(P1));
        Assert.Equal("x", b.Receive(P1).Body);
        Assert.False(b.Probe(P1));
    }

    [Fact]
    public void A_process_can_send_to_itself()
    {
        var net = Network();
        var a = net.Attach(P1);
        a.Send(P1, "note");
        Assert.Equal(new Message<string>(P1, "note"), a.Receive(P1));
    }

    // ------------------------------------------------------- blocking

    [Fact]
    public async Task Synchronous_receive_blocks_until_a_message_arrives()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var receive = TaskBound.OnThread(() => b.Receive(P1));
        Trace.WaitFor(IpcAction.ReceiveBlocked, P2);
        Assert.False(receive.IsCompleted);
        a.Send(P2, "late");
        Assert.Equal("late", (await receive.Within()).Body);
        Assert.Contains(Trace.Events, e => e.Action == IpcAction.Deliver && e.Process == P2);
    }

    [Fact]
    public async Task Asynchronous_receive_waits_without_a_thread_and_completes_on_arrival()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var pending = b.ReceiveAsync(ProcessId.Any);
        Assert.False(pending.IsCompleted);
        a.Send(P2, "m");
        Assert.Equal(new Message<string>(P1, "m"), await pending.AsTask().Within());
    }

    [Fact]
    public async Task A_receive_naming_one_sender_is_not_woken_by_another_sender()
    {
        var net = Network();
        var a = net.Attach(P1);
        var c = net.Attach(P3);
        var b = net.Attach(P2);
        var fromC = b.ReceiveAsync(P3).AsTask();
        a.Send(P2, "from a");
        Assert.False(fromC.IsCompleted);
        Assert.True(b.Probe(P1));
        c.Send(P2, "from c");
        Assert.Equal("from c", (await fromC.Within()).Body);
        Assert.Equal("from a", b.Receive(P1).Body);
    }

    [Fact]
    public async Task Waiting_receivers_are_served_longest_waiting_first()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var first = b.ReceiveAsync(ProcessId.Any).AsTask();
        var second = b.ReceiveAsync(P1).AsTask();
        a.Send(P2, "1");
        a.Send(P2, "2");
        Assert.Equal("1", (await first.Within()).Body);
        Assert.Equal("2", (await second.Within()).Body);
    }

    [Fact]
    public async Task A_full_buffer_blocks_a_synchronous_sender_until_a_receive_makes_room()
    {
        if (!Bounded) return; // unbounded buffers never block: covered by Unbounded_senders_never_block
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        Fill(a, P2);
        var send = TaskBound.OnThread(() => a.Send(P2, "over"));
        Trace.WaitFor(IpcAction.SendBlocked, P1);
        Assert.False(send.IsCompleted);
        Assert.Equal("fill0", b.Receive(P1).Body);
        await send.Within();
        var rest = Enumerable.Range(0, Capacity!.Value).Select(_ => b.Receive(ProcessId.Any).Body).ToList();
        Assert.Equal("over", rest[^1]);
        Assert.Null(net.CheckInvariants());
    }

    [Fact]
    public async Task An_asynchronous_send_reports_pending_then_sent_by_poll_await_and_callback()
    {
        if (!Bounded) return;
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        Fill(a, P2);
        var op = a.SendAsync(P2, "queued");
        Assert.False(op.IsCompleted);
        Assert.Equal(SendStatus.Pending, op.Status);
        var called = new TaskCompletionSource<SendStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        op.OnCompleted(o => called.SetResult(o.Status));

        b.Receive(ProcessId.Any);
        await op.Completion.Within();
        Assert.True(op.IsCompleted);
        Assert.Equal(SendStatus.Sent, op.Status);
        Assert.Equal(SendStatus.Sent, await called.Task.Within());
        await op; // awaitable directly
    }

    [Fact]
    public async Task A_send_failed_by_close_reports_Failed_to_its_callback_with_the_message()
    {
        if (!Bounded) return;
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        Fill(a, P2);
        var op = a.SendAsync(P2, "stranded");
        var seen = new TaskCompletionSource<SendStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        op.OnCompleted(o => seen.SetResult(o.Status));
        b.Close();
        Assert.Equal(SendStatus.Failed, await seen.Task.Within());
        var e = await Assert.ThrowsAsync<EndpointClosedException>(() => op.Completion);
        Assert.Equal("stranded", e.Undelivered);
    }

    [Fact]
    public async Task A_send_that_completes_at_once_still_runs_its_callback()
    {
        var net = Network();
        var a = net.Attach(P1);
        net.Attach(P2);
        var op = a.SendAsync(P2, "now");
        Assert.True(op.IsCompleted);
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        op.OnCompleted(_ => called.SetResult());
        await called.Task.Within();
    }

    [Fact]
    public void Unbounded_senders_never_block()
    {
        if (Bounded) return;
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        for (int i = 0; i < 5000; i++) Assert.True(a.SendAsync(P2, i.ToString()).IsCompleted);
        Assert.Equal(0, Trace.CountOf(IpcAction.SendBlocked, P1));
        Assert.Equal("4999", Enumerable.Range(0, 5000).Select(_ => b.Receive(P1).Body).ToList()[^1]);
        Assert.False(b.TryReceive(ProcessId.Any, out _));
    }

    [Fact]
    public async Task Blocked_senders_are_admitted_in_the_order_they_blocked()
    {
        if (!Bounded) return;
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        Fill(a, P2);
        var ops = Enumerable.Range(0, 3).Select(i => a.SendAsync(P2, $"late{i}")).ToArray();
        var got = new List<string>();
        for (int i = 0; i < Capacity!.Value + 3; i++) got.Add((await b.ReceiveAsync(P1).AsTask().Within()).Body);
        Assert.Equal(new[] { "late0", "late1", "late2" }, got.TakeLast(3));
        Assert.All(ops, o => Assert.Equal(SendStatus.Sent, o.Status));
    }

    [Fact]
    public async Task Receiving_from_a_named_sender_takes_from_a_blocked_sender_when_the_buffer_is_full_of_others()
    {
        if (!Bounded) return;
        var net = Network();
        var a = net.Attach(P1);
        var c = net.Attach(P3);
        var b = net.Attach(P2);
        if (Layout == DirectLayout.ReceiverBuffer)
        {
            Fill(a, P2); // P2's buffer is all P1's
            var blocked = c.SendAsync(P2, "from c");
            Assert.Equal(SendStatus.Pending, blocked.Status);
            Assert.True(b.Probe(P3));
            Assert.Equal("from c", b.Receive(P3).Body);
            await blocked.Completion.Within();
        }
        else
        {
            net.Attach(P4);
            Fill(c, P4); // P3's own buffer is full of messages for P4
            var blocked = c.SendAsync(P2, "from c");
            Assert.Equal(SendStatus.Pending, blocked.Status);
            Assert.Equal("from c", b.Receive(P3).Body);
            await blocked.Completion.Within();
        }
        Assert.Null(net.CheckInvariants());
        _ = a;
    }

    // --------------------------------------------- cancellation, timeout

    [Fact]
    public async Task A_cancelled_receive_takes_nothing_and_a_later_message_stays_buffered()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        using var cts = new CancellationTokenSource();
        var pending = b.ReceiveAsync(ProcessId.Any, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.Within());
        a.Send(P2, "after");
        Assert.True(b.Probe(P1));
        Assert.Equal("after", b.Receive(P1).Body);
    }

    [Fact]
    public async Task A_cancelled_synchronous_receive_throws_and_leaves_no_waiter()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        using var cts = new CancellationTokenSource();
        var receive = TaskBound.OnThread(() => b.Receive(P1, cts.Token));
        Trace.WaitFor(IpcAction.ReceiveBlocked, P2);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.Within());
        a.Send(P2, "kept");
        Assert.True(b.Probe(P1));
        Assert.Null(net.CheckInvariants());
    }

    [Fact]
    public async Task A_cancelled_blocked_send_leaves_the_buffer_as_it_was()
    {
        if (!Bounded) return;
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        Fill(a, P2);
        using var cts = new CancellationTokenSource();
        var sync = TaskBound.OnThread(() => a.Send(P2, "sync-cancelled", cts.Token));
        Trace.WaitFor(IpcAction.SendBlocked, P1);
        var op = a.SendAsync(P2, "async-cancelled", cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sync.Within());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => op.Completion.Within());
        Assert.Equal(SendStatus.Canceled, op.Status);
        var all = Enumerable.Range(0, Capacity!.Value).Select(_ => b.Receive(ProcessId.Any).Body).ToList();
        Assert.DoesNotContain("sync-cancelled", all);
        Assert.DoesNotContain("async-cancelled", all);
        Assert.False(b.TryReceive(ProcessId.Any, out _));
    }

    [Fact]
    public void An_already_cancelled_token_fails_at_once_and_changes_nothing()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => a.Send(P2, "x", cts.Token));
        Assert.Equal(SendStatus.Canceled, a.SendAsync(P2, "y", cts.Token).Status);
        Assert.ThrowsAny<OperationCanceledException>(() => b.Receive(P1, cts.Token));
        Assert.True(b.ReceiveAsync(P1, cts.Token).IsCanceled);
        Assert.False(b.Probe(ProcessId.Any));
    }

    [Fact]
    public async Task A_receive_times_out_on_the_links_clock()
    {
        var time = new FakeTimeProvider();
        var net = Network(time);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var pending = b.ReceiveAsync(P1, TimeSpan.FromSeconds(5)).AsTask();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => pending.Within());

        var sync = TaskBound.OnThread(() => b.Receive(P1, TimeSpan.FromSeconds(1)));
        Trace.WaitFor(IpcAction.ReceiveBlocked, P2, count: 2);
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => sync.Within());

        a.Send(P2, "after timeouts");
        Assert.Equal("after timeouts", b.Receive(P1, TimeSpan.Zero).Body);
    }

    [Fact]
    public async Task A_blocked_send_times_out_on_the_links_clock_and_is_not_sent()
    {
        if (!Bounded) return;
        var time = new FakeTimeProvider();
        var net = Network(time);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        Fill(a, P2);
        var op = a.SendAsync(P2, "late", TimeSpan.FromMilliseconds(10));
        var sync = TaskBound.OnThread(() => a.Send(P2, "late-sync", TimeSpan.FromMilliseconds(10)));
        Trace.WaitFor(IpcAction.SendBlocked, P1, count: 2);
        time.Advance(TimeSpan.FromMilliseconds(10));
        await Assert.ThrowsAsync<TimeoutException>(() => op.Completion.Within());
        await Assert.ThrowsAsync<TimeoutException>(() => sync.Within());
        Assert.Equal(SendStatus.TimedOut, op.Status);
        Assert.Throws<TimeoutException>(() => a.Send(P2, "zero", TimeSpan.Zero));
        var all = Enumerable.Range(0, Capacity!.Value).Select(_ => b.Receive(ProcessId.Any).Body);
        Assert.All(all, m => Assert.StartsWith("fill", m));
    }

    [Fact]
    public void A_zero_timeout_receive_on_empty_is_a_timeout_not_a_wait()
    {
        var net = Network();
        net.Attach(P1);
        var b = net.Attach(P2);
        Assert.Throws<TimeoutException>(() => b.Receive(P1, TimeSpan.Zero));
        Assert.Equal(0, Trace.CountOf(IpcAction.ReceiveBlocked, P2));
    }

    // ------------------------------------------------------------ close

    [Fact]
    public void Closing_a_receiver_hands_back_what_was_buffered_for_it()
    {
        var net = Network();
        var a = net.Attach(P1);
        var c = net.Attach(P3);
        var b = net.Attach(P2);
        a.Send(P2, "a1");
        c.Send(P2, "c1");
        a.Send(P3, "for c");
        var back = b.Close();
        Assert.Equal(new[] { new Message<string>(P1, "a1"), new Message<string>(P3, "c1") }, back);
        Assert.Empty(b.Close());
        Assert.True(b.IsClosed);
        Assert.Equal("for c", c.Receive(P1).Body);
        Assert.Null(net.CheckInvariants());
    }

    [Fact]
    public void Using_a_closed_endpoint_is_a_typed_error_that_hands_the_message_back()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        b.Close();
        var toClosed = Assert.Throws<EndpointClosedException>(() => a.Send(P2, "to closed"));
        Assert.True(toClosed.HasUndelivered);
        Assert.Equal("to closed", toClosed.Undelivered);
        Assert.Equal("to closed", Assert.Throws<EndpointClosedException>(() => a.SendAsync(P2, "to closed")).Undelivered);
        var fromClosed = Assert.Throws<EndpointClosedException>(() => b.Send(P1, "from closed"));
        Assert.Equal("from closed", fromClosed.Undelivered);
        Assert.Throws<EndpointClosedException>(() => b.Receive(ProcessId.Any));
        Assert.Throws<EndpointClosedException>(() => b.TryReceive(ProcessId.Any, out _));
        Assert.Throws<EndpointClosedException>(() => b.Probe(ProcessId.Any));
        Assert.False(a.Probe(ProcessId.Any));
    }

    [Fact]
    public async Task Closing_a_receiver_fails_its_blocked_receives()
    {
        var net = Network();
        net.Attach(P1);
        var b = net.Attach(P2);
        var sync = TaskBound.OnThread(() => b.Receive(ProcessId.Any));
        var async = b.ReceiveAsync(P1).AsTask();
        Trace.WaitFor(IpcAction.ReceiveBlocked, P2, count: 2);
        b.Close();
        await Assert.ThrowsAsync<EndpointClosedException>(() => sync.Within());
        await Assert.ThrowsAsync<EndpointClosedException>(() => async.Within());
        Assert.Null(net.CheckInvariants());
    }

    [Fact]
    public async Task Closing_hands_back_blocked_sends_both_to_it_and_from_it()
    {
        if (!Bounded) return;
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var c = net.Attach(P3);
        Fill(a, P2);
        var toB = a.SendAsync(P2, "to b");               // blocked on P2's buffer (layout a) / on P1's own (layout b)
        Fill(b, P3, "b-fill");
        var fromB = b.SendAsync(P3, "from b");           // blocked on P3's buffer / on P2's own buffer
        Assert.Equal(SendStatus.Pending, toB.Status);
        Assert.Equal(SendStatus.Pending, fromB.Status);

        var back = b.Close();
        Assert.Equal(Capacity, back.Count); // P1's fill messages, addressed to P2, come back to the closer
        Assert.All(back, m => Assert.StartsWith("fill", m.Body));

        var e1 = await Assert.ThrowsAsync<EndpointClosedException>(() => fromB.Completion.Within());
        Assert.Equal("from b", e1.Undelivered);
        Assert.Equal(SendStatus.Failed, fromB.Status);
        var e2 = await Assert.ThrowsAsync<EndpointClosedException>(() => toB.Completion.Within());
        Assert.Equal("to b", e2.Undelivered);
        // What P2 had buffered for P3 before closing is still delivered: it had left P2.
        Assert.Equal("b-fill0", c.Receive(P2).Body);
        Assert.Null(net.CheckInvariants());
    }

    [Fact]
    public async Task A_receive_naming_a_closed_sender_fails_once_nothing_from_it_is_left()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var c = net.Attach(P3);
        var waiting = b.ReceiveAsync(P3).AsTask();
        var fromAny = b.ReceiveAsync(ProcessId.Any).AsTask();
        var syncWaiting = TaskBound.OnThread(() => b.Receive(P3));
        Trace.WaitFor(IpcAction.ReceiveBlocked, P2, count: 3);
        c.Close();
        await Assert.ThrowsAsync<EndpointClosedException>(() => waiting.Within());
        await Assert.ThrowsAsync<EndpointClosedException>(() => syncWaiting.Within());
        Assert.False(fromAny.IsCompleted); // other senders may still send
        a.Send(P2, "still open");
        Assert.Equal("still open", (await fromAny.Within()).Body);

        a.Send(P2, "last words");
        a.Close();
        Assert.Equal("last words", b.Receive(P1).Body); // buffered before the close: still delivered
        Assert.Throws<EndpointClosedException>(() => b.Receive(P1));
        Assert.Throws<EndpointClosedException>(() => b.TryReceive(P1, out _));
    }

    // -------------------------------------------------------- bad input

    [Fact]
    public void Bad_input_is_a_typed_error_and_changes_nothing()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        a.Send(P2, "keep");

        Assert.Throws<ArgumentNullException>(() => a.Send(P2, null!));
        Assert.Throws<ArgumentNullException>(() => a.SendAsync(P2, null!));
        Assert.Throws<ArgumentException>(() => a.Send(new ProcessId(99), "x"));
        Assert.Throws<ArgumentException>(() => a.Send(ProcessId.Any, "x"));
        Assert.Throws<ArgumentException>(() => b.Receive(new ProcessId(99)));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Send(P2, "x", TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => b.Receive(P1, TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentException>(() => net.Attach(P1));
        Assert.Throws<ArgumentException>(() => net.Attach(ProcessId.Any));
        Assert.Throws<ArgumentNullException>(() => b.Subscribe(P1, (Action<Message<string>>)null!));

        Assert.Equal(new Message<string>(P1, "keep"), b.Receive(ProcessId.Any));
        Assert.False(b.TryReceive(ProcessId.Any, out _));
        Assert.Null(net.CheckInvariants());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Zero_or_negative_capacity_is_refused(int capacity)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DirectOptions { Layout = Layout, Capacity = capacity });
        Assert.Equal("Capacity", e.ParamName);
    }

    // ------------------------------------------------------------ races

    [Fact]
    public async Task Cancel_racing_a_send_either_delivers_or_leaves_the_message_buffered_never_both_nor_neither()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        for (int i = 0; i < 300; i++)
        {
            using var cts = new CancellationTokenSource();
            var receive = b.ReceiveAsync(P1, cts.Token).AsTask();
            var msg = $"m{i}";
            var sender = Task.Run(() => a.Send(P2, msg));
            var canceller = Task.Run(cts.Cancel);
            await Task.WhenAll(sender, canceller).Within();
            bool delivered;
            try
            {
                Assert.Equal(msg, (await receive.Within()).Body);
                delivered = true;
            }
            catch (OperationCanceledException)
            {
                delivered = false;
            }
            bool buffered = b.TryReceive(P1, out var left);
            Assert.True(delivered ^ buffered, $"iteration {i}: delivered={delivered}, buffered={buffered}");
            if (buffered) Assert.Equal(msg, left.Body);
        }
        Assert.Null(net.CheckInvariants());
    }

    [Fact]
    public async Task Close_racing_senders_and_receivers_accounts_for_every_message()
    {
        const int senders = 3, perSender = 200;
        var net = Network();
        var target = net.Attach(P4);
        var sources = Enumerable.Range(1, senders).Select(i => net.Attach(new ProcessId(i))).ToArray();
        var received = new System.Collections.Concurrent.ConcurrentBag<string>();
        var handedBack = new System.Collections.Concurrent.ConcurrentBag<string>();
        var started = new CountdownEvent(senders + 1);

        var sendTasks = sources.Select(s => TaskBound.OnThread(() =>
        {
            started.Signal();
            for (int i = 0; i < perSender; i++)
            {
                try { s.Send(P4, $"{s.Id}:{i}"); }
                catch (EndpointClosedException e) { handedBack.Add((string)e.Undelivered!); }
            }
        })).ToArray();
        var receiveTask = TaskBound.OnThread(() =>
        {
            started.Signal();
            try
            {
                while (true) received.Add(target.Receive(ProcessId.Any).Body);
            }
            catch (EndpointClosedException) { }
        });
        Assert.True(started.Wait(TraceRecorder.FailureBound));
        Trace.WaitFor(e => e.Action is IpcAction.Receive or IpcAction.Deliver, count: 20, what: "some traffic");
        foreach (var m in target.Close()) handedBack.Add(m.Body);
        await Task.WhenAll(sendTasks).Within();
        await receiveTask.Within();

        var all = received.Concat(handedBack).ToList();
        Assert.Equal(senders * perSender, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Null(net.CheckInvariants());
    }

    [Fact]
    public async Task Concurrent_senders_and_receivers_deliver_each_message_exactly_once()
    {
        const int perSender = 300;
        var net = Network();
        var s1 = net.Attach(P1);
        var s3 = net.Attach(P3);
        var r = net.Attach(P2);
        var got = new System.Collections.Concurrent.ConcurrentBag<Message<string>>();
        var receivers = new[]
        {
            TaskBound.OnThread(() => { for (int i = 0; i < perSender; i++) got.Add(r.Receive(P1)); }),
            Task.Run(async () => { for (int i = 0; i < perSender; i++) got.Add(await r.ReceiveAsync(P3)); }),
        };
        var senders = new[]
        {
            TaskBound.OnThread(() => { for (int i = 0; i < perSender; i++) s1.Send(P2, $"a{i}"); }),
            Task.Run(async () => { for (int i = 0; i < perSender; i++) await s3.SendAsync(P2, $"c{i}"); }),
        };
        await Task.WhenAll(senders.Concat(receivers)).Within();
        Assert.Equal(2 * perSender, got.Select(m => m.Body).Distinct().Count());
        Assert.All(got, m => Assert.Equal(m.Source == P1 ? 'a' : 'c', m.Body[0]));
        Assert.Null(net.CheckInvariants());
    }

    // ------------------------------------------------------------ trace

    [Fact]
    public void The_trace_names_each_step_in_the_order_it_took_effect()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        a.Send(P2, "x");
        b.Receive(P1);
        var steps = Trace.Events.Select(e => (e.Action, e.Process)).ToList();
        Assert.Equal(new[] { (IpcAction.Open, P1), (IpcAction.Open, P2), (IpcAction.Send, P1), (IpcAction.Receive, P2) }, steps);
    }
}

public sealed class ReceiverBufferBoundedTests : DirectNetworkTests
{
    protected override DirectLayout Layout => DirectLayout.ReceiverBuffer;
    protected override int? Capacity => 4;

    [Fact]
    public async Task A_full_receiver_blocks_only_senders_to_it()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var c = net.Attach(P3);
        Fill(a, P2);
        var blocked = a.SendAsync(P2, "waits");
        a.Send(P3, "goes through"); // another receiver's buffer has room
        Assert.Equal("goes through", c.Receive(P1).Body);
        Assert.Equal(SendStatus.Pending, blocked.Status);
        b.Receive(P1);
        await blocked.Completion.Within();
    }
}

public sealed class ReceiverBufferUnboundedTests : DirectNetworkTests
{
    protected override DirectLayout Layout => DirectLayout.ReceiverBuffer;
    protected override int? Capacity => null;
}

public sealed class SenderBufferBoundedTests : DirectNetworkTests
{
    protected override DirectLayout Layout => DirectLayout.SenderBuffer;
    protected override int? Capacity => 4;

    [Fact]
    public void A_full_sender_buffer_blocks_its_sends_to_every_destination()
    {
        var net = Network();
        var a = net.Attach(P1);
        net.Attach(P2);
        net.Attach(P3);
        Fill(a, P2);
        var other = a.SendAsync(P3, "to someone else");
        Assert.Equal(SendStatus.Pending, other.Status); // the buffer is the sender's, whoever it is for
        Assert.Equal("to someone else", net.Endpoints.Single(e => e.Id == P3).Receive(P1).Body);
        Assert.Equal(SendStatus.Sent, other.Status);
    }

    [Fact]
    public void Receive_from_any_takes_the_oldest_message_across_sender_buffers()
    {
        var net = Network();
        var a = net.Attach(P1);
        var c = net.Attach(P3);
        var b = net.Attach(P2);
        c.Send(P2, "first");
        a.Send(P2, "second");
        c.Send(P2, "third");
        Assert.Equal(new[] { "first", "second", "third" }, Enumerable.Range(0, 3).Select(_ => b.Receive(ProcessId.Any).Body));
    }
}

public sealed class SenderBufferUnboundedTests : DirectNetworkTests
{
    protected override DirectLayout Layout => DirectLayout.SenderBuffer;
    protected override int? Capacity => null;
}
