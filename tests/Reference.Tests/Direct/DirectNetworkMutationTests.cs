using VerifiedIpc.Reference.Direct;

namespace VerifiedIpc.Reference.Tests.Direct;

/// <summary>
/// Behaviour of the direct network that the Stryker run on <c>DirectNetwork.cs</c> and <c>MessageMonitor.cs</c>
/// showed untested: the argument checks of every receive-side call, the texts and fields of each error, a
/// cancelled asynchronous send's status, the order of a closing process's hand-back across senders' buffers, and
/// which blocked senders a close fails or lets in.
/// </summary>
public sealed class DirectNetworkMutationTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3), P9 = new(9);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // a hang guard, never a timing claim

    private static DirectNetwork<string> Net(DirectLayout layout, int? capacity = 4) =>
        new(new DirectOptions { Name = "net", Layout = layout, Capacity = capacity });

    [Fact]
    public void The_internal_constructor_refuses_missing_options()
    {
        Assert.Throws<ArgumentNullException>(() => new DirectNetwork<string>(null!, DirectFaults.None));
    }

    [Theory]
    [InlineData(DirectLayout.ReceiverBuffer)]
    [InlineData(DirectLayout.SenderBuffer)]
    public void Bad_process_ids_are_refused_with_a_reason(DirectLayout layout)
    {
        var net = Net(layout);
        var a = net.Attach(P1);
        Assert.Equal("net:p1", a.ToString());
        var any = Assert.Throws<ArgumentException>(() => net.Attach(ProcessId.Any));
        Assert.StartsWith("ProcessId.Any names no process and cannot attach.", any.Message);
        var noDestination = Assert.Throws<ArgumentException>(() => a.Send(ProcessId.Any, "m"));
        Assert.StartsWith("A send needs a destination; ProcessId.Any is only for receiving.", noDestination.Message);
        Assert.Equal("destination", noDestination.ParamName);
        var unknown = Assert.Throws<ArgumentException>(() => a.Send(P9, "m"));
        Assert.StartsWith("No process p9 is attached to 'net'.", unknown.Message);
        var nullMessage = Assert.Throws<ArgumentNullException>(() => a.Send(P1, null!));
        Assert.StartsWith("A message cannot be null.", nullMessage.Message);
        var timeout = Assert.Throws<ArgumentOutOfRangeException>(() => a.Receive(ProcessId.Any, TimeSpan.FromSeconds(-2)));
        Assert.StartsWith("A timeout is zero or positive, or Timeout.InfiniteTimeSpan.", timeout.Message);
    }

    [Theory]
    [InlineData(DirectLayout.ReceiverBuffer)]
    [InlineData(DirectLayout.SenderBuffer)]
    public void Every_receive_side_call_checks_its_source_and_the_callers_state(DirectLayout layout)
    {
        var net = Net(layout);
        var a = net.Attach(P1);
        Assert.Throws<ArgumentException>(() => { _ = a.ReceiveAsync(P9); });
        Assert.Throws<ArgumentException>(() => a.TryReceive(P9, out _));
        Assert.Throws<ArgumentException>(() => a.Probe(P9));
        Assert.Throws<ArgumentException>(() => a.Subscribe(P9, _ => { }));
        Assert.Throws<ArgumentNullException>(() => a.Subscribe(P1, (Func<Message<string>, CancellationToken, ValueTask>)null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = a.ReceiveAsync(ProcessId.Any, TimeSpan.FromSeconds(-2)); });
        a.Close();
        var closed = Assert.Throws<EndpointClosedException>(() => a.TryReceive(ProcessId.Any, out _));
        Assert.Equal("net:p1", closed.Endpoint);
        var send = Assert.Throws<EndpointClosedException>(() => a.Send(P1, "m"));
        Assert.Equal("net:p1", send.Endpoint);
        Assert.True(send.HasUndelivered);
        Assert.Equal("m", send.Undelivered);
    }

    [Fact]
    public void A_send_to_a_closed_destination_in_the_sender_buffer_layout_names_the_destination()
    {
        var net = Net(DirectLayout.SenderBuffer);
        var a = net.Attach(P1);
        net.Attach(P2).Close();
        var ex = Assert.Throws<EndpointClosedException>(() => a.Send(P2, "m"));
        Assert.Equal("net:p2", ex.Endpoint);
        Assert.True(ex.HasUndelivered);
        Assert.Equal("m", ex.Undelivered);
    }

    [Fact]
    public void Timeouts_name_both_processes_and_the_receivers_buffer()
    {
        var net = Net(DirectLayout.ReceiverBuffer, capacity: 1);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        a.Send(P2, "fill");
        var send = Assert.Throws<TimeoutException>(() => a.Send(P2, "more", TimeSpan.Zero));
        Assert.StartsWith("Send from p1 to p2 on 'net:p2' timed out after 0 ms waiting for room; ", send.Message);
        var receive = Assert.Throws<TimeoutException>(() => a.Receive(P2, TimeSpan.Zero));
        Assert.StartsWith("Receive by p1 from p2 on 'net:p1' timed out after 0 ms; ", receive.Message);
        Assert.Equal("fill", b.Receive(P1).Body);
    }

    [Fact]
    public void An_async_send_with_a_cancelled_token_is_cancelled_not_sent()
    {
        var net = Net(DirectLayout.ReceiverBuffer);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var op = a.SendAsync(P2, "m", cts.Token);
        Assert.Equal(SendStatus.Canceled, op.Status);
        Assert.False(b.TryReceive(ProcessId.Any, out _));
    }

    [Theory]
    [InlineData(DirectLayout.ReceiverBuffer)]
    [InlineData(DirectLayout.SenderBuffer)]
    public async Task A_blocked_async_send_cancelled_reports_cancellation_not_a_timeout(DirectLayout layout)
    {
        var net = Net(layout, capacity: 1);
        var a = net.Attach(P1);
        net.Attach(P2);
        a.Send(P2, "fill");
        using var cts = new CancellationTokenSource();
        var op = a.SendAsync(P2, "blocked", cts.Token);
        Assert.Equal(SendStatus.Pending, op.Status);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => op.Completion.WaitAsync(Bound));
        Assert.Equal(SendStatus.Canceled, op.Status);
    }

    [Fact]
    public void Closing_hands_back_what_was_addressed_to_the_closer_in_send_order_across_senders()
    {
        var net = Net(DirectLayout.SenderBuffer);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var c = net.Attach(P3);
        a.Send(P3, "a1");
        b.Send(P3, "b1");
        a.Send(P3, "a2");
        b.Send(P3, "b2");
        Assert.Equal(["a1", "b1", "a2", "b2"], c.Close().Select(m => m.Body));
    }

    [Fact]
    public async Task A_close_fails_only_the_blocked_sends_it_concerns_and_lets_the_next_one_in()
    {
        var net = Net(DirectLayout.SenderBuffer, capacity: 1);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var c = net.Attach(P3);
        var d = net.Attach(new ProcessId(4));
        a.Send(P2, "to-b");                  // fills p1's one slot
        var blocked = a.SendAsync(P3, "to-c"); // waits for room in p1's buffer
        Assert.Equal(SendStatus.Pending, blocked.Status);

        d.Close(); // concerns neither message
        Assert.Equal(SendStatus.Pending, blocked.Status);

        Assert.Equal(["to-b"], b.Close().Select(m => m.Body)); // frees p1's slot
        await blocked.Completion.WaitAsync(Bound);
        Assert.Equal(SendStatus.Sent, blocked.Status);
        Assert.Equal("to-c", c.Receive(P1).Body);
    }

    [Fact]
    public async Task A_blocked_send_to_a_process_that_closes_is_failed_with_its_message()
    {
        var net = Net(DirectLayout.ReceiverBuffer, capacity: 1);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        a.Send(P2, "fill");
        var blocked = a.SendAsync(P2, "blocked");
        b.Close();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => blocked.Completion.WaitAsync(Bound));
        Assert.True(ex.HasUndelivered);
        Assert.Equal("blocked", ex.Undelivered);
        Assert.Equal(SendStatus.Failed, blocked.Status);
    }

    [Fact]
    public async Task A_receive_waiting_for_a_source_that_closes_fails_naming_it()
    {
        var net = Net(DirectLayout.ReceiverBuffer);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var receive = b.ReceiveAsync(P1);
        Assert.False(receive.IsCompleted);
        a.Close();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => receive.AsTask().WaitAsync(Bound));
        Assert.Equal("net:p2 (source p1)", ex.Endpoint);
    }
}

/// <summary>Trace steps of the direct network's less common paths, and the mailbox's one-receiver texts.</summary>
public sealed class DirectTraceMutationTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30); // a hang guard, never a timing claim

    [Fact]
    public async Task Promotion_abort_and_hand_back_are_traced_as_the_steps_they_are()
    {
        var trace = new TraceRecorder();
        var net = new DirectNetwork<string>(new DirectOptions { Name = "net", Capacity = 1, Tracer = trace });
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        a.Send(P2, "fill");                            // seq 1
        var promoted = a.SendAsync(P2, "promoted");    // seq 2, blocked
        Assert.Equal("fill", b.Receive(P1).Body);      // frees the slot: seq 2 moves in
        await promoted.Completion.WaitAsync(Bound);
        using var cts = new CancellationTokenSource();
        var aborted = a.SendAsync(P2, "aborted", cts.Token); // seq 3, blocked
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => aborted.Completion.WaitAsync(Bound));
        var failed = a.SendAsync(P2, "failed");        // seq 4, blocked until the close fails it
        Assert.Equal(["promoted"], b.Close().Select(m => m.Body));
        await Assert.ThrowsAsync<EndpointClosedException>(() => failed.Completion.WaitAsync(Bound));

        var events = trace.Events.Select(e => (e.Action, e.Process, e.Peer, e.Sequence)).ToList();
        Assert.Contains((IpcAction.Send, P1, P2, 2L), events);    // the promotion is the blocked sender's Send
        Assert.Contains((IpcAction.Abort, P1, P2, 3L), events);   // the cancelled send's Abort
        Assert.Contains((IpcAction.HandBack, P1, P2, 4L), events); // the blocked send failed by the close
        Assert.Contains((IpcAction.HandBack, P2, P1, 2L), events); // the buffered message handed to the closer
        Assert.Equal(2, events.Count(e => e.Action == IpcAction.HandBack));
    }

    [Fact]
    public async Task A_cancelled_receive_is_traced_as_the_receivers_abort()
    {
        var trace = new TraceRecorder();
        var net = new DirectNetwork<string>(new DirectOptions { Name = "net", Tracer = trace });
        net.Attach(P1);
        var b = net.Attach(P2);
        using var cts = new CancellationTokenSource();
        var receive = b.ReceiveAsync(P1, cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.AsTask().WaitAsync(Bound));
        var abort = Assert.Single(trace.Events, e => e.Action == IpcAction.Abort);
        Assert.Equal((P2, P1, 0L), (abort.Process, abort.Peer, abort.Sequence));
    }

    [Fact]
    public void A_second_receiving_process_is_refused_saying_who_holds_the_mailbox()
    {
        var mailbox = new VerifiedIpc.Reference.Mailboxes.Mailbox<string>(new VerifiedIpc.Reference.Mailboxes.MailboxOptions { Name = "mb", Policy = VerifiedIpc.Reference.Mailboxes.MailboxPolicy.SingleReceiver });
        mailbox.Open(P1);
        mailbox.Open(P2);
        using var sub = mailbox.Subscribe(P2, _ => { });
        var receive = Assert.Throws<PolicyViolationException>(() => mailbox.TryReceive(P1, out _));
        Assert.Contains("p1 called TryReceive while p2 has a handler subscribed; this mailbox allows one receiving process at a time.", receive.Message);
        var subscribe = Assert.Throws<PolicyViolationException>(() => mailbox.Subscribe(P1, _ => { }));
        Assert.Contains("p1 called Subscribe while p2 has a handler subscribed", subscribe.Message);
    }
}
