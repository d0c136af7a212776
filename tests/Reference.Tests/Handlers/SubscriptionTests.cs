using System.Collections.Concurrent;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Handlers;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Handlers;

/// <summary>Event-handler receive (hrecv) on a direct endpoint, in both layouts.</summary>
public abstract class SubscriptionTests
{
    protected static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3);

    protected abstract DirectLayout Layout { get; }

    protected TraceRecorder Trace { get; } = new();

    private protected DirectNetwork<string> Network(DirectFaults? faults = null) =>
        new(new DirectOptions { Layout = Layout, Capacity = 16, Tracer = Trace, Name = "net" }, faults ?? DirectFaults.None);

    /// <summary>A gate a handler waits on, so the test decides when an invocation ends.</summary>
    private sealed class Gate
    {
        private readonly SemaphoreSlim _open = new(0);
        public readonly SemaphoreSlim Entered = new(0);

        public async ValueTask Pass()
        {
            Entered.Release();
            if (!await _open.WaitAsync(TraceRecorder.FailureBound)) throw new TimeoutException("gate never opened");
        }

        public void Open(int n = 1) => _open.Release(n);

        public void WaitEntered()
        {
            if (!Entered.Wait(TraceRecorder.FailureBound)) throw new Xunit.Sdk.XunitException("the handler never started");
        }
    }

    [Fact]
    public async Task The_handler_runs_on_every_arrival_in_order()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var seen = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = b.Subscribe(ProcessId.Any, m =>
        {
            seen.Enqueue(m.Body);
            if (seen.Count == 50) done.SetResult();
        });
        for (int i = 0; i < 50; i++) a.Send(P2, i.ToString());
        await done.Task.Within();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString()), seen);
        Assert.True(sub.IsActive);
    }

    [Fact]
    public async Task Messages_buffered_before_subscribing_are_handled_first()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        a.Send(P2, "early");
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = b.Subscribe(P1, m => seen.TrySetResult(m.Body));
        Assert.Equal("early", await seen.Task.Within());
    }

    [Fact]
    public async Task A_subscription_to_one_source_ignores_the_others()
    {
        var net = Network();
        var a = net.Attach(P1);
        var c = net.Attach(P3);
        var b = net.Attach(P2);
        var seen = new TaskCompletionSource<Message<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = b.Subscribe(P3, m => seen.TrySetResult(m));
        a.Send(P2, "not for the handler");
        c.Send(P2, "for the handler");
        Assert.Equal(new Message<string>(P3, "for the handler"), await seen.Task.Within());
        Assert.Equal("not for the handler", b.Receive(P1).Body);
    }

    [Fact]
    public async Task Invocations_of_one_subscription_never_overlap_by_default()
    {
        var net = Network();
        var senders = new[] { net.Attach(P1), net.Attach(P3) };
        var b = net.Attach(P2);
        int running = 0, maxRunning = 0, count = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            await Task.Yield();
            Interlocked.Decrement(ref running);
            if (Interlocked.Increment(ref count) == 400) done.SetResult();
        });
        await Task.WhenAll(senders.Select(s => Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++) await s.SendAsync(P2, i.ToString());
        }))).Within();
        await done.Task.Within();
        Assert.Equal(1, maxRunning);
    }

    [Fact]
    public async Task With_a_degree_of_parallelism_invocations_may_overlap_up_to_it()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var gate = new Gate();
        int running = 0, maxRunning = 0;
        using var sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
            await gate.Pass();
            Interlocked.Decrement(ref running);
        }, new HandlerOptions { MaxDegreeOfParallelism = 3 });
        for (int i = 0; i < 5; i++) a.Send(P2, i.ToString());
        for (int i = 0; i < 3; i++) gate.WaitEntered(); // three at once: proof that they overlap
        Assert.Equal(3, Volatile.Read(ref running));
        Assert.True(b.Probe(P1)); // the other two wait in the buffer
        gate.Open(5);
        for (int i = 0; i < 2; i++) gate.WaitEntered();
        await sub.DisposeAsync();
        Assert.Equal(3, maxRunning);
    }

    [Fact]
    public async Task After_Dispose_returns_the_handler_is_not_running_and_never_runs_again()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var disposeStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool finished = false;
        int calls = 0;
        var sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            Interlocked.Increment(ref calls);
            entered.SetResult();
            // Dispose cancels this token before it waits: the signal that Dispose is under way.
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { disposeStarted.SetResult(); }
            await release.Task; // keep running after the cancellation, as a handler that ignores it would
            Volatile.Write(ref finished, true);
        });
        a.Send(P2, "in flight");
        await entered.Task.Within();
        var disposer = TaskBound.OnThread(() =>
        {
            sub.Dispose();
            return Volatile.Read(ref finished); // read right after Dispose returns
        });
        await disposeStarted.Task.Within();
        Assert.False(disposer.IsCompleted, "Dispose returned while the handler was still running");
        release.SetResult();
        Assert.True(await disposer.Within(), "Dispose returned before the handler finished");
        a.Send(P2, "after");
        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.Equal("after", b.Receive(P1).Body); // stayed in the buffer
        Assert.True(sub.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Messages_not_handled_when_unsubscribing_stay_in_the_buffer()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var gate = new Gate();
        var handled = new ConcurrentQueue<string>();
        var sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            await gate.Pass();
            handled.Enqueue(m.Body);
        });
        a.Send(P2, "first");
        gate.WaitEntered();
        a.Send(P2, "second");
        a.Send(P2, "third");
        var disposing = sub.DisposeAsync(); // stops delivery now; completes when "first" ends
        gate.Open();
        await disposing.AsTask().Within();
        Assert.Equal(new[] { "first" }, handled);
        Assert.Equal(new[] { "second", "third" }, new[] { b.Receive(P1).Body, b.Receive(P1).Body });
    }

    [Fact]
    public async Task A_handler_that_throws_faults_the_subscription_with_the_message_and_stops_it()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var sub = b.Subscribe(ProcessId.Any, m =>
        {
            if (m.Body == "bad") throw new FormatException("cannot parse 'bad'");
        });
        a.Send(P2, "good");
        a.Send(P2, "bad");
        var e = await Assert.ThrowsAsync<HandlerFailedException>(() => sub.Completion.Within());
        Assert.IsType<FormatException>(e.InnerException);
        Assert.Equal("bad", e.FailedMessage);
        Assert.Equal(P1, e.Sender);
        Assert.False(sub.IsActive);
        a.Send(P2, "after the fault");
        Assert.Equal("after the fault", b.Receive(P1).Body); // no longer taken by the dead subscription
        sub.Dispose(); // harmless after a fault
        await sub.DisposeAsync();
    }

    [Fact]
    public async Task Dispose_from_inside_the_handler_stops_delivery_without_deadlock()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        Subscription? sub = null;
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            await subscribed.Task;
            Interlocked.Increment(ref calls);
            sub!.Dispose();
        });
        a.Send(P2, "one");
        a.Send(P2, "two");
        subscribed.SetResult();
        await sub.Completion.Within();
        Assert.Equal(1, calls);
        Assert.Equal("two", b.Receive(P1).Body);
    }

    [Fact]
    public async Task Dispose_cancels_the_handlers_token_and_that_is_not_a_fault()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        a.Send(P2, "long");
        await started.Task.Within();
        await TaskBound.OnThread(sub.Dispose).Within();
        Assert.True(sub.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Closing_the_endpoint_completes_the_subscription()
    {
        var net = Network();
        net.Attach(P1);
        var b = net.Attach(P2);
        var sub = b.Subscribe(ProcessId.Any, _ => { });
        b.Close();
        await sub.Completion.Within();
        Assert.False(sub.IsActive);
    }

    [Fact]
    public async Task A_waiting_receive_is_served_before_a_subscription()
    {
        var net = Network();
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var explicitReceive = b.ReceiveAsync(P1).AsTask();
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sub = b.Subscribe(P1, m => handled.TrySetResult(m.Body));
        a.Send(P2, "first");
        a.Send(P2, "second");
        Assert.Equal("first", (await explicitReceive.Within()).Body);
        Assert.Equal("second", await handled.Task.Within());
    }

    [Fact]
    public async Task Dispose_racing_arrivals_loses_nothing_every_message_is_handled_once_or_still_buffered()
    {
        for (int round = 0; round < 20; round++)
        {
            // Unbounded: after Dispose nobody receives, and the sender must still be able to finish.
            var net = new DirectNetwork<string>(new DirectOptions { Layout = Layout, Capacity = null });
            var a = net.Attach(P1);
            var b = net.Attach(P2);
            var handled = new ConcurrentBag<string>();
            var some = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int running = 0, maxRunning = 0;
            var sub = b.Subscribe(ProcessId.Any, m =>
            {
                InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
                handled.Add(m.Body);
                Interlocked.Decrement(ref running);
                some.TrySetResult();
            });
            const int total = 60;
            var sending = Task.Run(async () =>
            {
                for (int i = 0; i < total; i++) await a.SendAsync(P2, $"r{round}-{i}");
            });
            await some.Task.Within(); // dispose while traffic is flowing
            sub.Dispose();
            int handledAtDispose = handled.Count;
            await sending.Within();
            Assert.Equal(handledAtDispose, handled.Count); // nothing ran after Dispose returned
            var left = new List<string>();
            while (b.TryReceive(ProcessId.Any, out var m)) left.Add(m.Body);
            var all = handled.Concat(left).ToList();
            Assert.Equal(total, all.Count);
            Assert.Equal(total, all.Distinct().Count());
            Assert.Equal(1, maxRunning);
        }
    }

    internal static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}

public sealed class ReceiverBufferSubscriptionTests : SubscriptionTests
{
    protected override DirectLayout Layout => DirectLayout.ReceiverBuffer;
}

public sealed class SenderBufferSubscriptionTests : SubscriptionTests
{
    protected override DirectLayout Layout => DirectLayout.SenderBuffer;
}
