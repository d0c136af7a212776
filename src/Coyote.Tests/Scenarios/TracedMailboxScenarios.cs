using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// A mailbox workload whose every iteration records an NDJSON trace for validation against
/// <c>spec/MailboxTrace.tla</c> (policy "arbitrary"). The senders <c>p1, p2</c> and receivers <c>p11, p12</c> open the
/// mailbox first (from the test's main task, so that no early last Close disposes of it under a late opener); each
/// sender sends its messages and closes, as the spec's senders do; each receiver receives once per message it has
/// claimed (so it never waits for a message that cannot come) and then closes. The last Close disposes of the
/// mailbox and hands back whatever is left. The capacity is never reached: the spec's buffer is unbounded.
/// </summary>
internal static class TracedMailboxScenarios
{
    private static readonly ProcessId[] SenderIds = [new(1), new(2)];
    private static readonly ProcessId[] ReceiverIds = [new(11), new(12)];

    /// <summary>The workload as a scenario body. With <paramref name="checkDelivery"/> the run also asserts what the
    /// untraced scenarios do (each message received once, in per-sender order, senders told the right receiver);
    /// without it the seeded bugs are judged by validation alone, so the exploration is not cut short at the first
    /// schedule that shows them. With <paramref name="asynchronous"/>, SendAsync and ReceiveAsync, each awaited (a
    /// receive parked as a task is the spec's waiting receiver).</summary>
    public static Func<Task> Body(TraceSink sink, int items, DirectFaults faults, ReceiverSelection selection, bool checkDelivery, bool asynchronous = false) =>
        () => Run(sink, items, faults, selection, checkDelivery, asynchronous);

    private static async Task Run(TraceSink sink, int items, DirectFaults faults, ReceiverSelection selection, bool checkDelivery, bool asynchronous)
    {
        var writer = sink.Begin();
        var box = new Mailbox<int>(
            new MailboxOptions { Name = "box", Policy = MailboxPolicy.ArbitraryReceiver, Selection = selection, Seed = 5, Tracer = writer },
            faults);
        foreach (var p in SenderIds.Concat(ReceiverIds)) box.Open(p);

        int total = SenderIds.Length * items, claimed = 0;
        var sending = SenderIds.Select(s => Task.Run(async () =>
        {
            var receipts = new List<(int Message, Task<ProcessId> ReceivedBy)>();
            for (var i = 0; i < items; i++)
            {
                var message = Workload.Message(s.Value, i);
                if (asynchronous)
                {
                    var op = box.SendAsync(s, message);
                    await op;
                    receipts.Add((message, op.ReceivedBy));
                }
                else
                {
                    receipts.Add((message, box.Send(s, message)));
                }
            }
            box.Close(s);
            return receipts;
        })).ToArray();

        var receiving = ReceiverIds.Select(r => Task.Run(async () =>
        {
            var got = new List<int>();
            while (Interlocked.Increment(ref claimed) <= total) got.Add((asynchronous ? await box.ReceiveAsync(r) : box.Receive(r)).Body);
            box.Close(r);
            return got;
        })).ToArray();

        await Task.WhenAll(sending);
        await Task.WhenAll(receiving);
        if (!checkDelivery) return;

        var sent = SenderIds.SelectMany(p => Enumerable.Range(0, items).Select(i => Workload.Message(p.Value, i)));
        Workload.CheckDelivery(sent, [.. receiving.Select(t => (IReadOnlyList<int>)t.Result)]);
        var receiverOf = new Dictionary<int, ProcessId>();
        for (var r = 0; r < ReceiverIds.Length; r++)
        {
            foreach (var m in receiving[r].Result) receiverOf[m] = ReceiverIds[r];
        }
        foreach (var (message, receivedBy) in sending.SelectMany(t => t.Result))
        {
            var told = await receivedBy;
            Check.That(told == receiverOf[message], $"the sender of {message} was told {told}, but {receiverOf[message]} received it");
        }
    }
}
