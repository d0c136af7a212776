using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Handlers;
using VerifiedIpc.Reference.Mailboxes;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Mailboxes;

/// <summary>
/// The message monitor's paths that docs/mutation.md listed as "untested here" after the Stryker run on
/// <c>MessageMonitor.cs</c>: a seeded receiver choice among several waiting receivers, the receipt of a message
/// handed straight to a handler, a handler's in-flight count when it subscribes to a full mailbox, a handler's own
/// cancellation surfacing as a failure, the text of a receive failed by its own process closing, and the receipt of
/// a buffered message handed back when the mailbox is destroyed.
/// </summary>
public sealed class MonitorGapTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3), P4 = new(4);

    [Fact]
    public async Task A_seeded_choice_among_waiting_receivers_follows_the_seeded_generator()
    {
        // Three receivers wait, in order P2, P3, P4; the monitor picks Random(seed).Next(3) among them, then
        // Next(2) among those left, then the last. The same generator here predicts each choice.
        for (int seed = 0; seed < 6; seed++)
        {
            var box = new Mailbox<string>(new MailboxOptions { Selection = ReceiverSelection.SeededRandom, Seed = seed });
            box.Open(P1);
            var waiting = new List<ProcessId> { P2, P3, P4 };
            foreach (var r in waiting) box.Open(r);
            var receives = waiting.ToDictionary(r => r, r => box.ReceiveAsync(r).AsTask());
            var predict = new Random(seed);
            for (int i = 0; i < 3; i++)
            {
                var expected = waiting[predict.Next(waiting.Count)];
                waiting.Remove(expected);
                Assert.Equal(expected, await box.SendAsync(P1, $"m{i}").ReceivedBy.Within());
                Assert.Equal($"m{i}", (await receives[expected].Within()).Body);
            }
        }
    }

    [Fact]
    public async Task A_message_handed_straight_to_a_handler_has_its_receipt_completed_with_the_handlers_process()
    {
        var box = new Mailbox<string>();
        box.Open(P1);
        box.Open(P2);
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = box.Subscribe(P2, m => handled.TrySetResult(m.Body));
        var receipt = box.Send(P1, "m");
        Assert.Equal(P2, await receipt.Receiver.Within());
        Assert.Equal("m", await handled.Task.Within());
    }

    [Fact]
    public async Task A_sequential_handler_subscribing_to_a_full_mailbox_never_runs_twice_at_once()
    {
        var box = new Mailbox<int>();
        box.Open(P1);
        box.Open(P2);
        for (int i = 0; i < 5; i++) box.Send(P1, i);
        int inside = 0, most = 0, handled = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = new List<int>();
        await using var sub = box.Subscribe(P2, async (m, ct) =>
        {
            int now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            await Task.Delay(5, ct); // long enough for a second run, if one were started, to overlap this one
            lock (order) order.Add(m.Body);
            Interlocked.Decrement(ref inside);
            if (Interlocked.Increment(ref handled) == 5) done.SetResult();
        }, HandlerOptions.Sequential);
        await done.Task.Within();
        Assert.Equal(1, most);
        Assert.Equal([0, 1, 2, 3, 4], order);
    }

    [Fact]
    public async Task A_handler_cancelled_by_its_own_token_has_failed_and_the_failure_names_the_message()
    {
        var box = new Mailbox<string>(new MailboxOptions { Name = "box" });
        box.Open(P1);
        box.Open(P2);
        using var own = new CancellationTokenSource();
        own.Cancel();
        var sub = box.Subscribe(P2, (m, ct) => throw new OperationCanceledException(own.Token));
        box.Send(P1, "m");
        var failed = await Assert.ThrowsAsync<HandlerFailedException>(() => sub.Completion.Within());
        Assert.Equal("m", failed.FailedMessage);
        Assert.IsType<OperationCanceledException>(failed.InnerException);
        Assert.False(sub.IsActive);
    }

    [Fact]
    public async Task A_handler_that_throws_its_own_cancellation_while_being_stopped_has_still_failed()
    {
        // Only a cancellation of the token Dispose cancelled is a requested stop; another token's is a failure,
        // even when it comes while the subscription is being stopped.
        var box = new Mailbox<string>();
        box.Open(P1);
        box.Open(P2);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var own = new CancellationTokenSource();
        own.Cancel();
        var sub = box.Subscribe(P2, async (m, ct) =>
        {
            entered.SetResult();
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            throw new OperationCanceledException(own.Token);
        });
        box.Send(P1, "m");
        await entered.Task.Within();
        await sub.DisposeAsync();
        var failed = await Assert.ThrowsAsync<HandlerFailedException>(() => sub.Completion.Within());
        Assert.Equal("m", failed.FailedMessage);
    }

    [Fact]
    public async Task A_receive_failed_by_its_own_process_closing_names_that_processs_end()
    {
        var box = new Mailbox<string>(new MailboxOptions { Name = "box" });
        box.Open(P1);
        box.Open(P2);
        var receive = box.ReceiveAsync(P2).AsTask();
        box.Close(P2);
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => receive.Within());
        Assert.Equal("box (p2's end)", ex.Endpoint);
    }

    [Fact]
    public async Task A_buffered_message_handed_back_by_destroy_fails_its_receipt_carrying_the_message()
    {
        var box = new Mailbox<string>(new MailboxOptions { Name = "box" });
        box.Open(P1);
        var receipt = box.Send(P1, "m");
        Assert.False(receipt.IsReceived);
        var back = box.Destroy();
        Assert.Equal("m", Assert.Single(back).Body);
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => receipt.Receiver.Within());
        Assert.Equal("box", ex.Endpoint);
        Assert.True(ex.HasUndelivered);
        Assert.Equal("m", ex.Undelivered);
    }

    [Fact]
    public async Task A_blocked_send_failed_by_destroy_fails_its_receipt_carrying_the_message()
    {
        var box = new Mailbox<string>(new MailboxOptions { Name = "box", Capacity = 1 });
        box.Open(P1);
        box.Send(P1, "fill");
        var blocked = box.SendAsync(P1, "blocked");
        Assert.False(blocked.IsCompleted);
        box.Destroy();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => blocked.ReceivedBy.Within());
        Assert.True(ex.HasUndelivered);
        Assert.Equal("blocked", ex.Undelivered);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    // ---- found measuring the direct network again (run 17): claims of earlier runs that no test backed

    private static DirectNetwork<string> Net(TimeProvider? time = null) =>
        new(new DirectOptions { Name = "net", Capacity = 1, TimeProvider = time ?? TimeProvider.System });

    [Fact]
    public async Task A_blocked_async_send_that_is_cancelled_carries_the_callers_token()
    {
        var net = Net();
        var a = net.Attach(P1);
        net.Attach(P2);
        a.Send(P2, "fill");
        using var cts = new CancellationTokenSource();
        var op = a.SendAsync(P2, "blocked", cts.Token);
        cts.Cancel();
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => op.Completion.Within());
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.Equal(SendStatus.Canceled, op.Status);
    }

    [Fact]
    public async Task A_blocked_async_send_that_times_out_says_so_without_a_duration()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var net = Net(time);
        var a = net.Attach(P1);
        net.Attach(P2);
        a.Send(P2, "fill");
        var op = a.SendAsync(P2, "blocked", TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => op.Completion.Within());
        Assert.Equal("Send from p1 to p2 on 'net:p2' timed out waiting for room; the message was not sent.", ex.Message);
    }

    [Fact]
    public void A_receive_naming_a_source_that_has_closed_fails_at_once_naming_it()
    {
        var net = Net();
        var a = net.Attach(P1);
        net.Attach(P2).Close();
        var ex = Assert.Throws<EndpointClosedException>(() => a.Receive(P2));
        Assert.Equal("net:p1 (source p2)", ex.Endpoint);
    }

    [Fact]
    public void A_receive_with_a_cancelled_token_is_cancelled_even_with_a_message_waiting()
    {
        var net = Net();
        var a = net.Attach(P1);
        net.Attach(P2).Send(P1, "m");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => a.Receive(ProcessId.Any, cts.Token));
        Assert.Equal("m", a.Receive(ProcessId.Any).Body); // still there
    }
}
