using System.Collections.Concurrent;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Mailboxes;

/// <summary>What every mailbox does whatever its policy: open/close, buffering, receipts, close hand-back.</summary>
public abstract class MailboxTests
{
    protected static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3);

    protected abstract MailboxPolicy Policy { get; }

    protected TraceRecorder Trace { get; } = new();

    private protected Mailbox<string> Box(int? capacity = 4, DirectFaults? faults = null) =>
        new(new MailboxOptions { Policy = Policy, Capacity = capacity, Tracer = Trace, Name = "box" }, faults ?? DirectFaults.None);

    [Fact]
    public async Task A_message_sent_is_received_and_the_sender_learns_who_received_it()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        var receipt = box.Send(P1, "hi");
        Assert.Equal(new Message<string>(P1, "hi"), box.Receive(P2));
        Assert.Equal(P2, await receipt.Receiver.Within());
        Assert.Null(box.CheckInvariants());
    }

    [Fact]
    public void Using_a_mailbox_without_opening_it_is_NotOpened_and_changes_nothing()
    {
        var box = Box();
        box.Open(P1);
        box.Send(P1, "there");
        var e = Assert.Throws<NotOpenedException>(() => box.Receive(P3));
        Assert.Equal(P3, e.Process);
        Assert.Equal("box", e.Endpoint);
        Assert.Throws<NotOpenedException>(() => box.TryReceive(P3, out _));
        Assert.Throws<NotOpenedException>(() => box.Probe(P3));
        Assert.Throws<NotOpenedException>(() => { box.Send(P3, "x"); });
        Assert.Throws<NotOpenedException>(() => box.SendAsync(P3, "x"));
        Assert.Throws<NotOpenedException>(() => box.Subscribe(P3, _ => { }));
        Assert.True(box.ReceiveAsync(P3).IsFaulted);
        Assert.Throws<NotOpenedException>(() => box.Close(P3));
        Assert.Equal(1, box.Count);
        Assert.Equal(new[] { P1 }, box.OpenedBy);
    }

    [Fact]
    public void A_closed_process_is_not_opened_any_more_and_buffered_messages_stay()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        box.Send(P1, "kept");
        box.Close(P1);
        Assert.Throws<NotOpenedException>(() => { box.Send(P1, "no"); });
        Assert.Equal("kept", box.Receive(P2).Body);
    }

    [Fact]
    public async Task Closing_a_process_fails_its_blocked_receive_and_hands_back_its_blocked_send()
    {
        var box = Box(capacity: 1);
        box.Open(P1);
        box.Open(P2);
        var receive = box.ReceiveAsync(P2).AsTask();
        box.Close(P2);
        await Assert.ThrowsAsync<EndpointClosedException>(() => receive.Within());

        box.Open(P2); // keeps the mailbox alive when P1 closes
        box.Send(P1, "fills");
        var blocked = box.SendAsync(P1, "blocked");
        Assert.Equal(SendStatus.Pending, blocked.Status);
        Assert.Empty(box.Close(P1)); // P2 still has it open: buffered messages stay
        var e = await Assert.ThrowsAsync<EndpointClosedException>(() => blocked.Completion.Within());
        Assert.Equal("blocked", e.Undelivered);
        await Assert.ThrowsAsync<EndpointClosedException>(() => blocked.ReceivedBy.Within());
        Assert.Equal(1, box.Count);
        Assert.Null(box.CheckInvariants());
    }

    [Fact]
    public async Task The_last_close_disposes_of_the_mailbox_and_hands_back_what_is_left()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        var r1 = box.Send(P1, "unread");
        Assert.Empty(box.Close(P1));
        var back = box.Close(P2);
        Assert.Equal(new[] { new Message<string>(P1, "unread") }, back);
        Assert.Equal("unread", (await Assert.ThrowsAsync<EndpointClosedException>(() => r1.Receiver.Within())).Undelivered);
        Assert.Throws<EndpointClosedException>(() => box.Open(P1));
        Assert.Throws<NotOpenedException>(() => box.Close(P2));
        Assert.Equal(IpcAction.Close, Trace.Events[^1].Action);
        Assert.Equal(1, Trace.Events[^1].Count);
    }

    [Fact]
    public async Task Destroy_returns_every_buffered_message_and_fails_everyone_waiting()
    {
        var box = Box(capacity: 2);
        box.Open(P1);
        box.Open(P2);
        var r1 = box.Send(P1, "a");
        box.Send(P1, "b");
        var blocked = box.SendAsync(P1, "c");
        var back = box.Destroy();
        Assert.Equal(new[] { "a", "b" }, back.Select(m => m.Body));
        Assert.Equal("c", (await Assert.ThrowsAsync<EndpointClosedException>(() => blocked.Completion.Within())).Undelivered);
        Assert.Equal("a", (await Assert.ThrowsAsync<EndpointClosedException>(() => r1.Receiver.Within())).Undelivered);
        Assert.Throws<EndpointClosedException>(() => box.Receive(P2));
        Assert.Equal("d", Assert.Throws<EndpointClosedException>(() => { box.Send(P1, "d"); }).Undelivered);
        Assert.Throws<EndpointClosedException>(() => box.Open(P3));
        Assert.Empty(box.Destroy());
    }

    [Fact]
    public async Task Destroy_wakes_a_blocked_synchronous_receiver()
    {
        var box = Box();
        box.Open(P2);
        var receive = TaskBound.OnThread(() => box.Receive(P2));
        Trace.WaitFor(IpcAction.ReceiveBlocked, P2);
        box.Destroy();
        await Assert.ThrowsAsync<EndpointClosedException>(() => receive.Within());
    }

    [Fact]
    public async Task A_full_mailbox_blocks_the_sender_until_a_receive()
    {
        var box = Box(capacity: 1);
        box.Open(P1);
        box.Open(P2);
        box.Send(P1, "one");
        var send = TaskBound.OnThread(() => box.Send(P1, "two"));
        Trace.WaitFor(IpcAction.SendBlocked, P1);
        Assert.Equal("one", box.Receive(P2).Body);
        var receipt = await send.Within();
        Assert.Equal("two", box.Receive(P2).Body);
        Assert.Equal(P2, await receipt.Receiver.Within());
    }

    [Fact]
    public void Bad_input_is_a_typed_error()
    {
        var box = Box();
        box.Open(P1);
        Assert.Throws<ArgumentNullException>(() => { box.Send(P1, null!); });
        Assert.Throws<ArgumentException>(() => box.Open(ProcessId.Any));
        Assert.Throws<ArgumentOutOfRangeException>(() => box.Receive(P1, ProcessId.Any, TimeSpan.FromSeconds(-3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MailboxOptions { Capacity = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new MailboxOptions { Capacity = -5 });
        Assert.Equal(0, box.Count);
    }

    [Fact]
    public async Task The_trace_uses_the_specs_action_names_in_the_order_steps_took_effect()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        var waiting = box.ReceiveAsync(P2).AsTask();   // Receive(p2): starts waiting
        box.Send(P1, "handed over");                    // Send(p1), then Deliver(p2)
        await waiting.Within();
        box.Send(P1, "buffered");                       // Send(p1)
        Assert.True(box.TryReceive(P2, out _));         // Receive(p2) and Deliver(p2) at once
        box.Close(P1);
        box.Close(P2);                                  // the last close
        var steps = Trace.Events.Select(e => $"{e.Action}({e.Process})").ToArray();
        Assert.Equal(new[]
        {
            "Open(p1)", "Open(p2)", "ReceiveBlocked(p2)", "Send(p1)", "Deliver(p2)", "Send(p1)", "Receive(p2)", "Close(p1)", "Close(p2)",
        }, steps);
    }

    [Fact]
    public async Task A_handler_subscribed_to_one_source_leaves_other_messages_in_the_mailbox()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        var seen = new TaskCompletionSource<Message<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = box.Subscribe(P2, P1, (m, _) =>
        {
            seen.TrySetResult(m);
            return ValueTask.CompletedTask;
        });
        box.Send(P2, "own message, not from p1");
        box.Send(P1, "from p1");
        Assert.Equal(new Message<string>(P1, "from p1"), await seen.Task.Within());
        Assert.Equal(1, box.Count); // p2's own message is not from p1: it stays
    }

    [Fact]
    public void Opening_twice_is_harmless()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P1);
        Assert.Equal(new[] { P1 }, box.OpenedBy);
    }
}

public sealed class TwoPartyMailboxTests : MailboxTests
{
    protected override MailboxPolicy Policy => MailboxPolicy.TwoParty;

    [Fact]
    public void A_third_process_cannot_open_a_two_party_link_even_after_one_closed()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        var e = Assert.Throws<PolicyViolationException>(() => box.Open(P3));
        Assert.Contains("p3", e.Message);
        box.Close(P2);
        Assert.Throws<PolicyViolationException>(() => box.Open(P3));
        box.Open(P2); // one of the pair may come back
        Assert.Equal(new[] { P1, P2 }, box.OpenedBy.OrderBy(p => p.Value));
    }

    [Fact]
    public void Each_party_receives_only_the_others_messages()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        box.Send(P1, "from 1");
        Assert.False(box.TryReceive(P1, out _));
        Assert.False(box.Probe(P1));
        box.Send(P2, "from 2");
        Assert.Equal("from 2", box.Receive(P1).Body);
        Assert.Equal("from 1", box.Receive(P2).Body);
    }
}

public sealed class SingleReceiverMailboxTests : MailboxTests
{
    protected override MailboxPolicy Policy => MailboxPolicy.SingleReceiver;

    [Fact]
    public async Task While_one_process_is_receiving_another_process_is_refused()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        box.Open(P3);
        var p2Receiving = box.ReceiveAsync(P2).AsTask();
        var e = Assert.Throws<PolicyViolationException>(() => box.Receive(P3));
        Assert.Contains("p2", e.Message);
        Assert.Throws<PolicyViolationException>(() => box.TryReceive(P3, out _));
        Assert.Throws<PolicyViolationException>(() => box.Probe(P3));
        Assert.Throws<PolicyViolationException>(() => box.Subscribe(P3, _ => { }));
        // The same process may have a second receive in progress.
        var p2Again = box.ReceiveAsync(P2).AsTask();

        var receipt = box.Send(P1, "only p2 may get this");
        Assert.Equal("only p2 may get this", (await p2Receiving.Within()).Body);
        Assert.Equal(P2, await receipt.Receiver.Within());
        box.Send(P1, "second");
        Assert.Equal("second", (await p2Again.Within()).Body);

        // Nobody is receiving now: P3 may.
        box.Send(P1, "for p3");
        Assert.Equal("for p3", box.Receive(P3).Body);
    }

    [Fact]
    public async Task A_subscription_holds_the_receive_turn_until_disposed()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        box.Open(P3);
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sub = box.Subscribe(P2, m => seen.TrySetResult(m.Body));
        Assert.Throws<PolicyViolationException>(() => box.TryReceive(P3, out _));
        box.Send(P1, "to the handler");
        Assert.Equal("to the handler", await seen.Task.Within());
        sub.Dispose();
        Assert.False(box.TryReceive(P3, out _));
    }

    [Fact]
    public async Task A_cancelled_receive_gives_up_the_turn()
    {
        var box = Box();
        box.Open(P2);
        box.Open(P3);
        using var cts = new CancellationTokenSource();
        var waiting = box.ReceiveAsync(P2, cts.Token).AsTask();
        Assert.Throws<PolicyViolationException>(() => box.TryReceive(P3, out _));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Within());
        Assert.False(box.TryReceive(P3, out _));
    }
}

public sealed class ArbitraryReceiverMailboxTests : MailboxTests
{
    protected override MailboxPolicy Policy => MailboxPolicy.ArbitraryReceiver;

    [Fact]
    public async Task The_longest_waiting_receiver_gets_the_message_and_the_sender_is_told()
    {
        var box = Box();
        box.Open(P1);
        box.Open(P2);
        box.Open(P3);
        var p3 = box.ReceiveAsync(P3).AsTask();
        var p2 = box.ReceiveAsync(P2).AsTask();
        var first = box.SendAsync(P1, "m1");
        var second = box.SendAsync(P1, "m2");
        Assert.Equal("m1", (await p3.Within()).Body);
        Assert.Equal("m2", (await p2.Within()).Body);
        Assert.Equal(P3, await first.ReceivedBy.Within());
        Assert.Equal(P2, await second.ReceivedBy.Within());
        Assert.Contains(Trace.Events, e => e.Action == IpcAction.Deliver && e.Process == P3);
    }

    [Fact]
    public async Task A_seeded_random_choice_is_reproducible_and_serves_every_waiting_receiver()
    {
        async Task<ProcessId[]> RunOnce(int seed)
        {
            var box = new Mailbox<string>(new MailboxOptions { Selection = ReceiverSelection.SeededRandom, Seed = seed });
            var receivers = Enumerable.Range(2, 5).Select(i => new ProcessId(i)).ToArray();
            box.Open(P1);
            foreach (var r in receivers) box.Open(r);
            var waits = receivers.Select(r => box.ReceiveAsync(r).AsTask()).ToArray();
            var who = new List<ProcessId>();
            for (int i = 0; i < receivers.Length; i++) who.Add(await box.SendAsync(P1, $"m{i}").ReceivedBy.Within());
            await Task.WhenAll(waits).Within();
            Assert.Equal(receivers, who.OrderBy(p => p.Value));
            return who.ToArray();
        }

        var a = await RunOnce(42);
        Assert.Equal(a, await RunOnce(42));
        bool anyDiffers = false;
        for (int seed = 0; seed < 20 && !anyDiffers; seed++)
        {
            var other = await RunOnce(seed);
            anyDiffers = !Enumerable.SequenceEqual(a, other);
        }
        Assert.True(anyDiffers, "the choice depends on the seed");
    }

    [Fact]
    public async Task Many_senders_and_receivers_each_message_received_once_and_receipts_name_the_receiver()
    {
        const int senders = 3, receivers = 3, perSender = 200;
        var box = Box(capacity: 8);
        var sendIds = Enumerable.Range(1, senders).Select(i => new ProcessId(i)).ToArray();
        var recvIds = Enumerable.Range(10, receivers).Select(i => new ProcessId(i)).ToArray();
        foreach (var p in sendIds.Concat(recvIds)) box.Open(p);
        var takenBy = new ConcurrentDictionary<string, ProcessId>();
        var receipts = new ConcurrentBag<(string, DeliveryReceipt)>();
        var total = senders * perSender;
        int remaining = total;

        var recvTasks = recvIds.Select(r => Task.Run(async () =>
        {
            while (true)
            {
                Message<string> m;
                try { m = await box.ReceiveAsync(r); }
                catch (EndpointClosedException) { return; }
                Assert.True(takenBy.TryAdd(m.Body, r), $"{m.Body} received twice");
                if (Interlocked.Decrement(ref remaining) == 0) box.Destroy();
            }
        })).ToArray();
        var sendTasks = sendIds.Select(s => TaskBound.OnThread(() =>
        {
            for (int i = 0; i < perSender; i++) receipts.Add(($"{s}:{i}", box.Send(s, $"{s}:{i}")));
        })).ToArray();

        await Task.WhenAll(sendTasks.Concat(recvTasks)).Within();
        Assert.Equal(total, takenBy.Count);
        foreach (var (body, receipt) in receipts) Assert.Equal(takenBy[body], await receipt.Receiver.Within());
    }
}
