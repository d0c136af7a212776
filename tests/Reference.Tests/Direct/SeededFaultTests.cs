using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Handlers;

namespace VerifiedIpc.Reference.Tests.Direct;

/// <summary>
/// Each check below is shown twice: it passes on the correct monitor and catches the matching seeded fault. The
/// scenarios are deterministic (the interleaving is forced with traced signals), so neither side can be flaky.
/// The fourth fault, <see cref="DirectFaults.SplitTakeCheck"/>, needs an interleaving inside one operation that
/// only a controlled scheduler can force; the Coyote tests own it.
/// </summary>
public sealed class SeededFaultTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3);

    private static (DirectNetwork<string> net, TraceRecorder trace) Network(DirectFaults faults)
    {
        var trace = new TraceRecorder();
        return (new DirectNetwork<string>(new DirectOptions { Capacity = 4, Tracer = trace }, faults), trace);
    }

    /// <summary>
    /// Two synchronous receives of one process wait on the same monitor, one for P1 and one for P3. P1's message
    /// wakes both (PulseAll). With <c>while</c>, the P3 receive re-checks and keeps waiting; with <c>if</c>, it
    /// returns without a message. Returns what the P3 receive got; P3 sends only when <paramref name="p3Sends"/>
    /// (a correct receive cannot return otherwise, and under the fault a P3 message could reach the still-listed
    /// waiter before its thread returns and mask the bug).
    /// </summary>
    private static async Task<Message<string>> ReceiveFromP3AfterAnUnrelatedWakeUp(DirectFaults faults, bool p3Sends)
    {
        var (net, trace) = Network(faults);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var c = net.Attach(P3);
        var fromP1 = TaskBound.OnThread(() => b.Receive(P1));
        var fromP3 = TaskBound.OnThread(() => b.Receive(P3));
        // Both are inside Monitor.Wait: each traced ReceiveBlocked under the lock it releases only by waiting.
        trace.WaitFor(IpcAction.ReceiveBlocked, P2, count: 2);
        a.Send(P2, "for the P1 receive");
        Assert.Equal("for the P1 receive", (await fromP1.Within()).Body);
        if (p3Sends) c.Send(P2, "for the P3 receive");
        return await fromP3.Within();
    }

    [Fact]
    public async Task Mesa_while_loop_keeps_a_woken_receiver_waiting_for_its_own_message()
    {
        var got = await ReceiveFromP3AfterAnUnrelatedWakeUp(DirectFaults.None, p3Sends: true);
        Assert.Equal(new Message<string>(P3, "for the P3 receive"), got);
    }

    [Fact]
    public async Task Seeded_if_instead_of_while_is_caught_by_the_source_check()
    {
        var got = await ReceiveFromP3AfterAnUnrelatedWakeUp(new DirectFaults { IfInsteadOfWhile = true }, p3Sends: false);
        // The check "a receive from P3 returns a message from P3" fails: it returned with no message at all.
        Assert.NotEqual(P3, got.Source);
        Assert.Null(got.Body);
    }

    /// <summary>Closes an endpoint with one blocked receive; returns whether the receive was woken and the invariant verdict.</summary>
    private static (bool woken, string? violation) CloseWithABlockedReceiver(DirectFaults faults)
    {
        var (net, _) = Network(faults);
        net.Attach(P1);
        var b = net.Attach(P2);
        var pending = b.ReceiveAsync(P1);
        b.Close();
        // The correct close completes the waiter under the lock before returning: no waiting needed.
        return (pending.IsCompleted, net.CheckInvariants());
    }

    [Fact]
    public void Close_wakes_every_blocked_receiver()
    {
        var (woken, violation) = CloseWithABlockedReceiver(DirectFaults.None);
        Assert.True(woken);
        Assert.Null(violation);
    }

    [Fact]
    public void Seeded_lost_wakeup_on_close_is_caught_by_the_closed_invariant()
    {
        var (woken, violation) = CloseWithABlockedReceiver(new DirectFaults { LostWakeupOnClose = true });
        Assert.False(woken);
        Assert.Equal("closed ⇒ nobody waits to receive", violation);
    }

    /// <summary>
    /// A sequential subscription is inside its handler for message 1 (held there by the test) when message 2
    /// arrives. Returns whether message 2 was left in the buffer (correct) and, if not, whether a second invocation
    /// really ran concurrently.
    /// </summary>
    private static async Task<(bool secondBuffered, bool overlapped)> SecondArrivalWhileHandling(DirectFaults faults)
    {
        var (net, _) = Network(faults);
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new SemaphoreSlim(0);
        int running = 0, maxRunning = 0;
        var sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            SubscriptionTestsAccess.InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
            entered.Release();
            await release.Task;
            Interlocked.Decrement(ref running);
        }, HandlerOptions.Sequential);
        a.Send(P2, "first");
        Assert.True(await entered.WaitAsync(TraceRecorder.FailureBound));
        a.Send(P2, "second");
        bool buffered = b.Probe(P1);
        if (!buffered) Assert.True(await entered.WaitAsync(TraceRecorder.FailureBound)); // the second invocation started
        bool overlapped = Volatile.Read(ref maxRunning) > 1;
        release.SetResult();
        await sub.DisposeAsync();
        return (buffered, overlapped);
    }

    [Fact]
    public async Task A_sequential_subscription_leaves_a_second_arrival_buffered_while_its_handler_runs()
    {
        var (buffered, overlapped) = await SecondArrivalWhileHandling(DirectFaults.None);
        Assert.True(buffered);
        Assert.False(overlapped);
    }

    [Fact]
    public async Task Seeded_handler_reentrancy_is_caught_as_overlapping_invocations()
    {
        var (buffered, overlapped) = await SecondArrivalWhileHandling(new DirectFaults { HandlerReentrancy = true });
        Assert.False(buffered);
        Assert.True(overlapped);
    }
}

internal static class SubscriptionTestsAccess
{
    public static void InterlockedMax(ref int target, int value) => Handlers.SubscriptionTests.InterlockedMax(ref target, value);
}
