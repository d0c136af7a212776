using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Handlers;
using VerifiedIpc.Reference.Mailboxes;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Mailboxes;

/// <summary>
/// Mailbox options, receipts and identity: behaviour the mailbox tests did not observe and that Stryker's mutants
/// of <c>src/Reference/Mailboxes</c> changed unnoticed (docs/mutation.md).
/// </summary>
public sealed class MailboxMutationTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3);

    [Fact]
    public void Options_default_to_a_64_message_arbitrary_receiver_mailbox_on_the_system_clock()
    {
        var o = new MailboxOptions();
        Assert.Equal(64, o.Capacity);
        Assert.Equal(MailboxPolicy.ArbitraryReceiver, o.Policy);
        Assert.Equal(ReceiverSelection.LongestWaiting, o.Selection);
        Assert.Equal("mailbox", o.Name);
        Assert.Same(TimeProvider.System, o.TimeProvider);
        Assert.Null(o.Tracer);
        Assert.Null(new MailboxOptions { Capacity = null }.Capacity);
        Assert.Equal(1, new MailboxOptions { Capacity = 1 }.Capacity);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MailboxOptions { Capacity = 0 });
        Assert.Equal(nameof(MailboxOptions.Capacity), e.ParamName);
        Assert.Contains("at least 1", e.Message);
    }

    [Fact]
    public void The_default_mailbox_holds_64_messages_before_a_sender_waits()
    {
        var box = new Mailbox<int>();
        box.Open(P1);
        for (int i = 0; i < 64; i++) box.Send(P1, i, TimeSpan.Zero);
        Assert.Equal(64, box.Count);
        Assert.Throws<TimeoutException>(() => { box.Send(P1, 64, TimeSpan.Zero); });
        Assert.Equal(64, box.Count);
    }

    [Theory]
    [InlineData(MailboxPolicy.TwoParty)]
    [InlineData(MailboxPolicy.SingleReceiver)]
    [InlineData(MailboxPolicy.ArbitraryReceiver)]
    public void A_mailbox_reports_its_name_and_policy(MailboxPolicy policy)
    {
        var box = new Mailbox<string>(new MailboxOptions { Name = "inbox", Policy = policy });
        Assert.Equal("inbox", box.Name);
        Assert.Equal(policy, box.Policy);
        Assert.Equal($"Mailbox 'inbox' ({policy})", box.ToString());
        Assert.Equal("mailbox", new Mailbox<string>().Name);
        Assert.Equal(MailboxPolicy.ArbitraryReceiver, new Mailbox<string>().Policy);
    }

    [Fact]
    public async Task A_receipt_can_be_polled_before_and_after_the_message_is_received()
    {
        var box = new Mailbox<string>(new MailboxOptions { Name = "box" });
        box.Open(P1);
        box.Open(P2);
        var receipt = box.Send(P1, "hi");
        Assert.False(receipt.IsReceived);
        Assert.False(receipt.TryGetReceiver(out var nobody));
        Assert.Equal(default, nobody);

        Assert.Equal("hi", box.Receive(P2).Body);
        Task<ProcessId> asTask = receipt; // the implicit conversion is the receiver task itself
        Assert.Same(receipt.Receiver, asTask);
        Assert.Equal(P2, await asTask.Within());
        Assert.True(receipt.IsReceived);
        Assert.True(receipt.TryGetReceiver(out var who));
        Assert.Equal(P2, who);
    }

    [Fact]
    public async Task A_receipt_of_a_message_handed_back_is_never_received()
    {
        var box = new Mailbox<string>();
        box.Open(P1);
        var receipt = box.Send(P1, "lost");
        Assert.Equal(new[] { "lost" }, box.Close(P1).Select(m => m.Body)); // the last close disposes of the box
        await Assert.ThrowsAsync<EndpointClosedException>(() => receipt.Receiver.Within());
        Assert.False(receipt.IsReceived);
        Assert.False(receipt.TryGetReceiver(out _));
    }

    [Fact]
    public void The_last_close_hands_back_every_message_with_its_sender_and_refuses_later_opens()
    {
        var box = new Mailbox<string>(new MailboxOptions { Name = "b" });
        box.Open(P1);
        box.Open(P2);
        box.Send(P1, "a");
        box.Send(P2, "b");
        Assert.Empty(box.Close(P1)); // P2 still has it open: messages stay
        Assert.Equal(new[] { P2 }, box.OpenedBy);
        Assert.Equal(2, box.Count);
        var back = box.Close(P2);
        Assert.Equal(new[] { new Message<string>(P1, "a"), new Message<string>(P2, "b") }, back);
        Assert.Empty(box.OpenedBy);
        var e = Assert.Throws<EndpointClosedException>(() => box.Open(P3));
        Assert.Equal("b", e.Endpoint);
    }

    [Fact]
    public void Opening_twice_is_one_opening_and_one_close_ends_it()
    {
        var box = new Mailbox<string>(new MailboxOptions { Policy = MailboxPolicy.TwoParty });
        box.Open(P1);
        box.Open(P1);
        box.Open(P2);
        Assert.Equal(new[] { P1, P2 }, box.OpenedBy);
        box.Close(P1);
        Assert.Throws<NotOpenedException>(() => box.Close(P1));
        box.Open(P1); // a bound process may come back
        Assert.Equal(new[] { P2, P1 }, box.OpenedBy);
        var e = Assert.Throws<PolicyViolationException>(() => box.Open(P3));
        Assert.Contains("p1", e.Message);
        Assert.Contains("p2", e.Message);
    }

    [Fact]
    public void Probe_with_a_source_looks_only_at_that_senders_messages()
    {
        var box = new Mailbox<string>();
        box.Open(P1);
        box.Open(P2);
        box.Open(P3);
        box.Send(P1, "from p1");
        Assert.True(box.Probe(P3));
        Assert.True(box.Probe(P3, P1));
        Assert.False(box.Probe(P3, P2));
        Assert.Equal(new Message<string>(P1, "from p1"), box.Receive(P3, P1, TimeSpan.Zero));
        Assert.False(box.Probe(P3));
    }

    [Fact]
    public async Task ReceiveAsync_from_a_source_waits_for_that_source()
    {
        var box = new Mailbox<string>();
        box.Open(P1);
        box.Open(P2);
        box.Open(P3);
        var fromP2 = box.ReceiveAsync(P3, P2, Timeout.InfiniteTimeSpan).AsTask();
        box.Send(P1, "not this");
        Assert.False(fromP2.IsCompleted);
        box.Send(P2, "this");
        Assert.Equal(new Message<string>(P2, "this"), await fromP2.Within());
        Assert.Equal("not this", (await box.ReceiveAsync(P3).AsTask().Within()).Body);
    }

    [Fact]
    public void Bad_input_to_sends_and_subscriptions_is_a_typed_error_naming_the_argument()
    {
        var box = new Mailbox<string>();
        box.Open(P1);
        Assert.Equal("message", Assert.Throws<ArgumentNullException>(() => box.SendAsync(P1, null!)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => box.SendAsync(P1, "x", TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => box.ReceiveAsync(P1, ProcessId.Any, TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentNullException>(() => box.Subscribe(P1, (Action<Message<string>>)null!));
        Assert.Throws<ArgumentNullException>(() => box.Subscribe(P1, (Func<Message<string>, CancellationToken, ValueTask>)null!));
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new Mailbox<string>(null!, DirectFaults.None)).ParamName);
        Assert.Equal(0, box.Count);
    }
    [Fact]
    public void A_bad_timeout_is_refused_even_when_a_message_is_waiting_and_the_message_stays()
    {
        var box = new Mailbox<string>();
        box.Open(P1);
        box.Open(P2);
        box.Send(P1, "waiting");
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => box.Receive(P2, ProcessId.Any, TimeSpan.FromSeconds(-3))).ParamName);
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => box.ReceiveAsync(P2, ProcessId.Any, TimeSpan.FromSeconds(-3))).ParamName);
        Assert.Equal(1, box.Count);
        Assert.Equal("waiting", box.Receive(P2, ProcessId.Any, TimeSpan.Zero).Body);
    }

    [Fact]
    public void Errors_about_misuse_say_what_was_wrong()
    {
        var box = new Mailbox<string>(new MailboxOptions { Name = "m" });
        Assert.Contains("ProcessId.Any names no process and cannot open a mailbox.", Assert.Throws<ArgumentException>(() => box.Open(ProcessId.Any)).Message);
        box.Open(P1);
        Assert.Contains("A message cannot be null.", Assert.Throws<ArgumentNullException>(() => { box.Send(P1, null!); }).Message);
        var notOpened = Assert.Throws<NotOpenedException>(() => { box.Send(P2, "x"); });
        Assert.Equal("Process p2 called Send on 'm' without having opened it.", notOpened.Message);
    }

    [Fact]
    public void Destroy_leaves_nobody_with_the_mailbox_open()
    {
        var box = new Mailbox<string>();
        box.Open(P1);
        box.Open(P2);
        box.Destroy();
        Assert.Empty(box.OpenedBy);
        Assert.Throws<NotOpenedException>(() => box.Close(P1));
    }

    [Fact]
    public async Task A_subscription_with_a_degree_of_parallelism_runs_that_many_handlers_at_once()
    {
        var box = new Mailbox<string>();
        box.Open(P1);
        box.Open(P2);
        var bothInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int inside = 0;
        await using var sub = box.Subscribe(P2, async (m, ct) =>
        {
            if (Interlocked.Increment(ref inside) == 2) bothInside.SetResult();
            // Each invocation stays until the other has entered: only possible if they overlap.
            await bothInside.Task.WaitAsync(ct);
        }, new HandlerOptions { MaxDegreeOfParallelism = 2 });
        box.Send(P1, "a");
        box.Send(P1, "b");
        await bothInside.Task.Within();
    }
}
