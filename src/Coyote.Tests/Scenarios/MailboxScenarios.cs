using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Mailboxes under each receiver-selection policy, direct links by process id, and event-handler receive; with the
/// seeded direct-communication faults on the same workloads.
/// </summary>
public static class MailboxScenarios
{
    private static MailboxOptions Arbitrary(ReceiverSelection selection) =>
        new() { Policy = MailboxPolicy.ArbitraryReceiver, Selection = selection, Seed = 5, Capacity = 1 };

    private static readonly MailboxOptions Single = new() { Policy = MailboxPolicy.SingleReceiver, Capacity = 1 };

    public static IEnumerable<Scenario> All =>
    [
        new("mailboxes.arbitrary.longest-waiting.2s2r", () => Traffic(Arbitrary(ReceiverSelection.LongestWaiting), DirectFaults.None, 2, 2, false), null, "random", 150),
        new("mailboxes.arbitrary.seeded-random.2s2r", () => Traffic(Arbitrary(ReceiverSelection.SeededRandom), DirectFaults.None, 2, 2, false), null, "random", 150),
        new("mailboxes.arbitrary.longest-waiting.2s2r.async", () => Traffic(Arbitrary(ReceiverSelection.LongestWaiting), DirectFaults.None, 2, 2, true), null, "pct", 150),
        new("mailboxes.single-receiver.2s1r", () => Traffic(Single, DirectFaults.None, 2, 1, false), null, "random", 150),
        new("mailboxes.two-party.exchange", () => TwoParty(DirectFaults.None), null, "random", 150),
        new("handlers.mailbox.2s", () => Handler(DirectFaults.None), null, "random", 150),
        new("direct.receiver-buffer.by-source", () => DirectBySource(DirectLayout.ReceiverBuffer), null, "random", 150),
        new("direct.sender-buffer.by-source", () => DirectBySource(DirectLayout.SenderBuffer), null, "random", 150),

        new("mailboxes.arbitrary.2s2r!SplitTakeCheck", () => Traffic(Arbitrary(ReceiverSelection.LongestWaiting), new DirectFaults { SplitTakeCheck = true }, 2, 2, false),
            "Invariant: message", "random", 300),
        new("mailboxes.arbitrary.2s2r!LostWakeupOnClose", () => Traffic(Arbitrary(ReceiverSelection.LongestWaiting), new DirectFaults { LostWakeupOnClose = true }, 2, 2, false),
            "Deadlock detected", "random", 300),
        new("mailboxes.arbitrary.2s2r!IfInsteadOfWhile", () => Traffic(Arbitrary(ReceiverSelection.LongestWaiting), new DirectFaults { IfInsteadOfWhile = true }, 2, 2, false),
            "Invariant: |Deadlock detected", "random", 300),
        new("handlers.mailbox.2s!HandlerReentrancy", () => Handler(new DirectFaults { HandlerReentrancy = true }),
            "Invariant: handler re-entered|Invariant: a consumer saw", "random", 300),
    ];

    private static readonly ProcessId[] Senders = [new(1), new(2)];

    /// <summary>
    /// Senders send two messages each; receivers receive until the mailbox is destroyed, which hands back what is
    /// left. Everything sent is received once or handed back, per-sender order holds at each receiver, each message
    /// names its real sender, and each sender is told the receiver that really got its message.
    /// </summary>
    private static async Task Traffic(MailboxOptions options, DirectFaults faults, int senderCount, int receiverCount, bool async)
    {
        var box = new Mailbox<int>(options, faults);
        var senders = Senders[..senderCount];
        var receiverIds = Enumerable.Range(11, receiverCount).Select(i => new ProcessId(i)).ToArray();
        foreach (var p in senders.Concat(receiverIds))
        {
            box.Open(p);
        }

        var receipts = new List<(int Message, Task<ProcessId> ReceivedBy)>[senders.Length];
        var sending = new Task[senders.Length];
        for (var s = 0; s < senders.Length; s++)
        {
            var index = s;
            receipts[s] = [];
            sending[s] = Task.Run(async () =>
            {
                for (var i = 0; i < 2; i++)
                {
                    var message = Workload.Message(senders[index].Value, i);
                    if (async)
                    {
                        var op = box.SendAsync(senders[index], message);
                        await op;
                        receipts[index].Add((message, op.ReceivedBy));
                    }
                    else
                    {
                        receipts[index].Add((message, box.Send(senders[index], message)));
                    }
                }
            });
        }

        var receiving = receiverIds.Select(r => Task.Run(async () =>
        {
            var got = new List<Message<int>>();
            while (true)
            {
                try
                {
                    got.Add(async ? await box.ReceiveAsync(r) : box.Receive(r));
                }
                catch (EndpointClosedException)
                {
                    return got;
                }
            }
        })).ToArray();

        await Task.WhenAll(sending);
        var handedBack = box.Destroy();
        await Task.WhenAll(receiving);

        var received = receiving.Select(t => t.Result).ToArray();
        foreach (var m in received.SelectMany(r => r).Concat(handedBack))
        {
            Check.That(m.Body / 1000 == m.Source.Value, $"message {m.Body} claims to come from {m.Source}");
        }

        var sent = senders.SelectMany(p => Enumerable.Range(0, 2).Select(i => Workload.Message(p.Value, i)));
        Workload.CheckDelivery(sent, [.. received.Select(r => (IReadOnlyList<int>)[.. r.Select(m => m.Body)])], handedBack.Select(m => m.Body));

        var receiverOf = new Dictionary<int, ProcessId>();
        for (var r = 0; r < receiverIds.Length; r++)
        {
            foreach (var m in received[r])
            {
                receiverOf[m.Body] = receiverIds[r];
            }
        }

        foreach (var (message, receivedBy) in receipts.SelectMany(r => r))
        {
            ProcessId? told;
            try
            {
                told = await receivedBy;
            }
            catch (EndpointClosedException)
            {
                told = null;
            }

            var truth = receiverOf.TryGetValue(message, out var who) ? who : (ProcessId?)null;
            Check.That(told == truth, $"the sender of {message} was told {told?.ToString() ?? "undelivered"}, but {truth?.ToString() ?? "nobody"} received it");
        }
    }

    /// <summary>A two-party link: each side sends two messages and receives the other's two, never its own.</summary>
    private static async Task TwoParty(DirectFaults faults)
    {
        var box = new Mailbox<int>(new MailboxOptions { Policy = MailboxPolicy.TwoParty, Capacity = 1 }, faults);
        ProcessId a = new(1), b = new(2);
        box.Open(a);
        box.Open(b);
        Task<List<int>> Side(ProcessId self) => Task.Run(async () =>
        {
            var send = Task.Run(async () =>
            {
                for (var i = 0; i < 2; i++)
                {
                    await box.SendAsync(self, Workload.Message(self.Value, i));
                }
            });
            var got = new List<int>();
            for (var i = 0; i < 2; i++)
            {
                got.Add(box.Receive(self).Body);
            }

            await send;
            return got;
        });
        var sides = new[] { Side(a), Side(b) };
        await Task.WhenAll(sides);
        Check.That(sides[0].Result.SequenceEqual([Workload.Message(b.Value, 0), Workload.Message(b.Value, 1)]), $"{a} received [{string.Join(",", sides[0].Result)}]");
        Check.That(sides[1].Result.SequenceEqual([Workload.Message(a.Value, 0), Workload.Message(a.Value, 1)]), $"{b} received [{string.Join(",", sides[1].Result)}]");
    }

    /// <summary>
    /// Event-handler receive (hrecv): one sequential subscription gets every message once, in per-sender order, and
    /// its invocations never overlap.
    /// </summary>
    private static async Task Handler(DirectFaults faults)
    {
        var box = new Mailbox<int>(new MailboxOptions { Capacity = 1 }, faults);
        var receiver = new ProcessId(11);
        foreach (var p in Senders.Append(receiver))
        {
            box.Open(p);
        }

        var got = new List<int>();
        var active = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = box.Subscribe(receiver, async (m, _) =>
        {
            var inside = Interlocked.Increment(ref active);
            if (inside != 1)
            {
                // Fail the waiting test body directly: a throwing handler only faults the subscription.
                all.TrySetException(new InvariantViolation($"Invariant: handler re-entered: {inside} invocations of a sequential subscription at once"));
            }

            await Task.Yield();

            lock (got)
            {
                got.Add(m.Body);
                if (got.Count == 4)
                {
                    all.TrySetResult();
                }
            }

            Interlocked.Decrement(ref active);
        });
        var sending = Senders.Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                await box.SendAsync(p, Workload.Message(p.Value, i));
            }
        })).ToArray();
        await Task.WhenAll(sending);
        // Not Task.WhenAny: under Coyote 1.7.11 on .NET 10 the body was never resumed by it (docs/coyote.md).
        await all.Task;
        // Dispose, not DisposeAsync: DisposeAsync awaits with ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing),
        // which Coyote 1.7.11 does not intercept; under Coyote it ends in a NullReferenceException (docs/coyote.md).
        subscription.Dispose();
        Check.That(subscription.Completion.IsCompletedSuccessfully, $"the subscription ended with {subscription.Completion.Exception?.InnerException?.Message}");
        Workload.CheckDelivery(Senders.SelectMany(p => Enumerable.Range(0, 2).Select(i => Workload.Message(p.Value, i))), [got]);
    }

    /// <summary>Direct communication: a receiver takes from named sources in a fixed order; each receive gets that source's next message.</summary>
    private static async Task DirectBySource(DirectLayout layout)
    {
        var network = new DirectNetwork<int>(new DirectOptions { Layout = layout, Capacity = 1 });
        var endpoints = Senders.Select(network.Attach).ToArray();
        var receiver = network.Attach(new ProcessId(11));
        var sending = endpoints.Select(e => Task.Run(() =>
        {
            for (var i = 0; i < 2; i++)
            {
                e.Send(receiver.Id, Workload.Message(e.Id.Value, i));
            }
        })).ToArray();
        var got = new List<Message<int>>();
        foreach (var source in new[] { Senders[1], Senders[0], Senders[0], Senders[1] })
        {
            var m = receiver.Receive(source);
            Check.That(m.Source == source && m.Body / 1000 == source.Value, $"a receive from {source} returned {m.Body} from {m.Source}");
            got.Add(m);
        }

        await Task.WhenAll(sending);
        Workload.CheckDelivery(Senders.SelectMany(p => Enumerable.Range(0, 2).Select(i => Workload.Message(p.Value, i))), [[.. got.Select(m => m.Body)]]);
    }
}
