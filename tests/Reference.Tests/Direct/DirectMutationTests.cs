using VerifiedIpc.Reference.Direct;

namespace VerifiedIpc.Reference.Tests.Direct;

/// <summary>
/// The direct network's building blocks in isolation: the ring queue against a list model, send-operation states,
/// options, the receive filter and the fault switches. Written against mutants Stryker left alive in
/// <c>src/Reference/Direct</c> (docs/mutation.md); each assertion is behaviour a caller or the monitor relies on.
/// </summary>
public sealed class DirectMutationTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 2)]
    [InlineData(16, 3)]
    [InlineData(5, 4)]
    public void The_ring_queue_behaves_as_a_list_under_enqueues_removals_anywhere_and_clears(int initialCapacity, int seed)
    {
        var rng = new Random(seed);
        var queue = new RingQueue<int>(initialCapacity);
        var model = new List<int>();
        int next = 0;
        for (int step = 0; step < 4000; step++)
        {
            int op = rng.Next(100);
            if (op < 55 || model.Count == 0)
            {
                queue.Enqueue(next);
                model.Add(next++);
            }
            else if (op < 98)
            {
                // Head, tail, middle and both sides of the middle, so both shift directions are exercised.
                int index = rng.Next(4) switch
                {
                    0 => 0,
                    1 => model.Count - 1,
                    2 => model.Count / 2,
                    _ => rng.Next(model.Count),
                };
                Assert.Equal(model[index], queue.RemoveAt(index));
                model.RemoveAt(index);
            }
            else
            {
                queue.Clear();
                model.Clear();
            }
            Assert.Equal(model.Count, queue.Count);
            for (int i = 0; i < model.Count; i++)
                Assert.Equal(model[i], queue[i]);
        }
    }

    [Fact]
    public void The_ring_queue_indexer_gives_a_reference_to_the_slot()
    {
        var queue = new RingQueue<int>(4);
        for (int i = 0; i < 4; i++) queue.Enqueue(i);
        queue.RemoveAt(0); // head moves: index 0 is now physical slot 1
        queue.Enqueue(4);  // wraps around to physical slot 0
        queue[3] = 40;
        Assert.Equal(new[] { 1, 2, 3, 40 }, Enumerable.Range(0, queue.Count).Select(i => queue[i]));
        queue.Enqueue(5); // full: grows, keeping order
        Assert.Equal(new[] { 1, 2, 3, 40, 5 }, Enumerable.Range(0, queue.Count).Select(i => queue[i]));
    }

    [Fact]
    public void Options_default_to_receiver_buffers_of_64_named_direct_on_the_system_clock()
    {
        var o = new DirectOptions();
        Assert.Equal(DirectLayout.ReceiverBuffer, o.Layout);
        Assert.Equal(64, o.Capacity);
        Assert.Equal(64, o.EffectiveCapacity);
        Assert.Equal("direct", o.Name);
        Assert.Same(TimeProvider.System, o.TimeProvider);
        Assert.Null(o.Tracer);
        Assert.Equal(int.MaxValue, new DirectOptions { Capacity = null }.EffectiveCapacity);
        Assert.Equal(1, new DirectOptions { Capacity = 1 }.Capacity);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DirectOptions { Capacity = 0 });
        Assert.Equal("Capacity", e.ParamName);
        Assert.Contains("at least 1", e.Message);
    }

    [Fact]
    public void Any_fault_switch_makes_the_faults_non_trivial()
    {
        Assert.False(DirectFaults.None.Any);
        Assert.True(new DirectFaults { SplitTakeCheck = true }.Any);
        Assert.True(new DirectFaults { HandlerReentrancy = true }.Any);
        Assert.True(new DirectFaults { LostWakeupOnClose = true }.Any);
        Assert.True(new DirectFaults { IfInsteadOfWhile = true }.Any);
    }

    [Fact]
    public void A_receive_filter_matches_by_destination_source_and_own_messages()
    {
        Envelope<string> E(ProcessId from, ProcessId to) => new(from, to, "m", 0, null);
        var anyFromAnyone = new ReceiveFilter(P2, ProcessId.Any, ExcludeOwn: false);
        Assert.True(anyFromAnyone.Matches(E(P1, P2)));
        Assert.True(anyFromAnyone.Matches(E(P1, ProcessId.Any)));
        Assert.False(anyFromAnyone.Matches(E(P1, P3)));
        Assert.True(anyFromAnyone.Matches(E(P2, ProcessId.Any)));

        var fromP1 = new ReceiveFilter(P2, P1, ExcludeOwn: false);
        Assert.True(fromP1.Matches(E(P1, P2)));
        Assert.False(fromP1.Matches(E(P3, P2)));

        var notOwn = new ReceiveFilter(P2, ProcessId.Any, ExcludeOwn: true);
        Assert.False(notOwn.Matches(E(P2, ProcessId.Any)));
        Assert.True(notOwn.Matches(E(P1, ProcessId.Any)));
    }

    [Fact]
    public void An_envelope_keeps_every_field()
    {
        var receipt = new TaskCompletionSource<ProcessId>();
        var e = new Envelope<string>(P1, P2, "body", 42, receipt);
        Assert.Equal((P1, P2, "body", 42L), (e.Source, e.Destination, e.Body, e.Sequence));
        Assert.Same(receipt, e.Receipt);
    }

    [Fact]
    public void A_send_that_completed_at_once_is_sent_and_has_no_receiver_to_report()
    {
        var op = SendOperation.CompletedNoReceipt;
        Assert.True(op.IsCompleted);
        Assert.Equal(SendStatus.Sent, op.Status);
        Assert.True(op.Completion.IsCompletedSuccessfully);
        Assert.Equal("SendOperation(Sent)", op.ToString());
        var e = Assert.Throws<AggregateException>(() => op.ReceivedBy.Wait());
        Assert.Contains("Only mailbox sends report their receiver", Assert.IsType<InvalidOperationException>(e.InnerException).Message);
    }

    [Fact]
    public async Task A_pending_send_reports_each_outcome_through_status_and_completion()
    {
        var sent = new SendOperation(pending: true, receipt: null);
        Assert.False(sent.IsCompleted);
        Assert.Equal(SendStatus.Pending, sent.Status);
        Assert.Equal("SendOperation(Pending)", sent.ToString());
        Assert.False(sent.Completion.IsCompleted);
        sent.Complete(SendStatus.Sent, null);
        Assert.True(sent.IsCompleted);
        await sent.Completion.Within();

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var canceled = new SendOperation(pending: true, receipt: null);
        canceled.Complete(SendStatus.Canceled, new OperationCanceledException(cts.Token));
        Assert.Equal(SendStatus.Canceled, canceled.Status);
        var oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Completion);
        Assert.Equal(cts.Token, oce.CancellationToken);

        var timedOut = new SendOperation(pending: true, receipt: null);
        timedOut.Complete(SendStatus.TimedOut, new TimeoutException("late"));
        Assert.Equal(SendStatus.TimedOut, timedOut.Status);
        Assert.Equal("late", (await Assert.ThrowsAsync<TimeoutException>(() => timedOut.Completion)).Message);

        var failed = new SendOperation(pending: true, receipt: null);
        failed.Complete(SendStatus.Failed, new EndpointClosedException("x"));
        Assert.Equal(SendStatus.Failed, failed.Status);
        await Assert.ThrowsAsync<EndpointClosedException>(() => failed.Completion);
    }

    [Fact]
    public async Task A_mailbox_style_send_reports_its_receiver_and_OnCompleted_runs_once_done()
    {
        var receipt = new TaskCompletionSource<ProcessId>();
        var op = new SendOperation(pending: true, receipt);
        Assert.Same(receipt.Task, op.ReceivedBy);
        var called = new TaskCompletionSource<SendOperation>(TaskCreationOptions.RunContinuationsAsynchronously);
        op.OnCompleted(o => called.SetResult(o));
        Assert.False(called.Task.IsCompleted);
        op.Complete(SendStatus.Sent, null);
        Assert.Same(op, await called.Task.Within());
        await op; // GetAwaiter awaits Completion
        Assert.Throws<ArgumentNullException>(() => op.OnCompleted(null!));
    }

    [Fact]
    public async Task A_direct_network_rejects_a_second_attach_and_an_unknown_process_naming_the_network()
    {
        var net = new DirectNetwork<string>(new DirectOptions { Name = "n1" });
        net.Attach(P1);
        var twice = Assert.Throws<ArgumentException>(() => net.Attach(P1));
        Assert.Contains("Process p1 is already attached to 'n1'.", twice.Message);
        Assert.Equal("n1", net.Name);
        var a = net.Attach(P2);
        var op = a.SendAsync(P1, "x");
        Assert.True(op.IsCompleted);
        await op.Completion.Within();
        Assert.Throws<InvalidOperationException>(() => op.ReceivedBy.GetAwaiter().GetResult());
    }
}
