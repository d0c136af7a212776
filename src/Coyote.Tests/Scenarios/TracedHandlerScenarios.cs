using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Traced mailbox workloads for what <see cref="TracedMailboxScenarios"/> does not show: a receiver served by a
/// sequential subscription (validated against <c>spec/MailboxHandlerTrace.tla</c>), and two synchronous receivers
/// that block before any message exists, so that one's wake-up is the other's spurious one (the seeded
/// <see cref="DirectFaults.IfInsteadOfWhile"/>; validated against <c>spec/MailboxTrace.tla</c>).
/// </summary>
internal static class TracedHandlerScenarios
{
    private static readonly ProcessId[] SenderIds = [new(1), new(2)];
    private static readonly ProcessId HandlerReceiver = new(11);

    /// <summary>
    /// Senders <c>p1, p2</c> send two messages each (SendAsync, awaited) and close; receiver <c>p11</c> takes them
    /// through a sequential subscription whose handler yields once (so a second run could overlap it), then the
    /// subscription is disposed and <c>p11</c> closes. With <paramref name="check"/> the handler fails the run if it is
    /// re-entered and the deliveries are checked; without it the seeded re-entrancy is judged by validation alone.
    /// </summary>
    public static Func<Task> Handler(TraceSink sink, DirectFaults faults, bool check) => async () =>
    {
        var writer = sink.Begin();
        var box = new Mailbox<int>(new MailboxOptions { Name = "box", Policy = MailboxPolicy.ArbitraryReceiver, Tracer = writer }, faults);
        foreach (var p in SenderIds.Append(HandlerReceiver)) box.Open(p);

        var got = new List<int>();
        var active = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = box.Subscribe(HandlerReceiver, async (m, _) =>
        {
            var inside = Interlocked.Increment(ref active);
            if (check && inside != 1)
                all.TrySetException(new InvariantViolation($"Invariant: handler re-entered: {inside} invocations of a sequential subscription at once"));
            await Task.Yield();
            lock (got)
            {
                got.Add(m.Body);
                if (got.Count == SenderIds.Length * 2) all.TrySetResult();
            }
            Interlocked.Decrement(ref active);
        });
        var sending = SenderIds.Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++) await box.SendAsync(p, Workload.Message(p.Value, i));
            box.Close(p);
        })).ToArray();
        await Task.WhenAll(sending);
        await all.Task;
        // Dispose, not DisposeAsync (see MailboxScenarios.Handler: Coyote 1.7.11 does not intercept the latter's await).
        subscription.Dispose();
        box.Close(HandlerReceiver);
        if (!check) return;
        Check.That(subscription.Completion.IsCompletedSuccessfully, $"the subscription ended with {subscription.Completion.Exception?.InnerException?.Message}");
        Workload.CheckDelivery(SenderIds.SelectMany(p => Enumerable.Range(0, 2).Select(i => Workload.Message(p.Value, i))), [got]);
    };

    /// <summary>
    /// Receivers <c>p11, p12</c> each make one synchronous receive and then close; sender <c>p1</c> sends one message,
    /// waits until some receive has returned, sends a second and closes. When both receivers block before the first
    /// message, its hand-over to one wakes both (the mailbox's PulseAll); the other must wait again. With the seeded
    /// <see cref="DirectFaults.IfInsteadOfWhile"/> it returns without a message and closes while the mailbox still
    /// counts it as waiting, unless the second message reaches its stale wait first. No delivery checks: every run ends
    /// (the sender never waits for the receiver that returned empty-handed), and validation judges the bug.
    /// </summary>
    public static Func<Task> SpuriousWakeup(TraceSink sink, DirectFaults faults) => async () =>
    {
        var writer = sink.Begin();
        var box = new Mailbox<int>(new MailboxOptions { Name = "box", Policy = MailboxPolicy.ArbitraryReceiver, Tracer = writer }, faults);
        ProcessId sender = new(1);
        ProcessId[] receivers = [new(11), new(12)];
        foreach (var p in receivers.Prepend(sender)) box.Open(p);

        var firstReturn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiving = receivers.Select(r => Task.Run(() =>
        {
            box.Receive(r);
            firstReturn.TrySetResult();
            box.Close(r);
        })).ToArray();
        var sending = Task.Run(async () =>
        {
            box.Send(sender, Workload.Message(sender.Value, 0));
            await firstReturn.Task;
            box.Send(sender, Workload.Message(sender.Value, 1));
            box.Close(sender);
        });
        await sending;
        await Task.WhenAll(receiving);
    };
}
