using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Reference.Tests.Buffers;

/// <summary>
/// The seeded bugs of <see cref="BufferFaults"/> are reachable and observable. Each test scripts one interleaving
/// deterministically — a tracer hook acts at an exact step, under the buffer's (re-entrant) lock, before a woken
/// thread can re-acquire it — and runs it against the correct buffer and the mutant: the correct one behaves, the
/// mutant shows its bug. (Coyote tests explore these mutants systematically; these prove the switch works.)
/// </summary>
public sealed class SeededFaultTests
{
    private static (BoundedBuffer<string>, RecordingTracer) Bounded(int capacity, BufferFaults faults)
    {
        var trace = new RecordingTracer();
        // The mutant's own invariant checks are on, so the test sees the broken invariant where it breaks.
        var checkedFaults = faults == BufferFaults.None ? faults : faults | BufferFaults.CheckInvariants;
        return (new BoundedBuffer<string>(capacity, new BufferOptions { Name = "seeded", Tracer = trace }, checkedFaults), trace);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_woken_sender_whose_slot_was_taken_waits_again_but_the_if_mutant_overfills(bool mutant)
    {
        var (buffer, trace) = Bounded(1, mutant ? BufferFaults.IfInsteadOfWhile : BufferFaults.None);
        buffer.Send("first");
        var blocked = Threads.Run(() => buffer.Send("blocked"));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender);

        // The receive frees the slot and wakes the sender; before the sender can re-acquire the lock, a barging
        // sender (the hook, still inside the receive's critical section) takes the slot.
        bool barged = false;
        trace.OnStep = e =>
        {
            if (e.Action == BufferAction.Receive && !barged)
            {
                barged = true;
                Assert.True(buffer.TrySend("barging"));
            }
        };
        Assert.Equal("first", buffer.Receive());
        trace.OnStep = null;
        Assert.True(barged);

        if (mutant)
        {
            var error = await Assert.ThrowsAsync<BufferInvariantException>(() => blocked.Bounded());
            Assert.Contains("capacity", error.Message);
            return;
        }
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender, 2); // woke, re-checked, waits again
        Assert.False(blocked.IsCompleted);
        Assert.Equal("barging", buffer.Receive());
        await blocked.Bounded();
        Assert.Equal("blocked", buffer.Receive());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_woken_receiver_whose_message_was_taken_waits_again_but_the_if_mutant_takes_from_empty(bool mutant)
    {
        var (buffer, trace) = Bounded(1, mutant ? BufferFaults.IfInsteadOfWhile : BufferFaults.None);
        var blocked = Threads.Run(() => buffer.Receive());
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver);

        string? stolen = null;
        trace.OnStep = e =>
        {
            if (e.Action == BufferAction.Send && stolen is null)
            {
                Assert.True(buffer.TryReceive(out stolen)); // a barging receiver, inside the send's critical section
            }
        };
        buffer.Send("only");
        trace.OnStep = null;
        Assert.Equal("only", stolen);

        if (mutant)
        {
            var error = await Assert.ThrowsAsync<BufferInvariantException>(() => blocked.Bounded());
            Assert.Contains("empty", error.Message);
            return;
        }
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver, 2);
        Assert.False(blocked.IsCompleted);
        buffer.Send("second");
        Assert.Equal("second", await blocked.Bounded());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_pulse_mutant_wakes_the_wrong_waiter_so_a_cancelled_receive_stays_blocked(bool mutant)
    {
        var (buffer, trace) = Bounded(1, mutant ? BufferFaults.PulseInsteadOfPulseAll : BufferFaults.None);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var r1 = Threads.Run(() => buffer.Receive(first.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver, 1);
        var r2 = Threads.Run(() => buffer.Receive(second.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver, 2);

        second.Cancel(); // the registration notifies the monitor so r2 can see its token
        if (!mutant)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => r2.Bounded());
            Assert.Equal(0, trace.CountOf(BufferAction.Signal));
            buffer.Send("m");
            Assert.Equal("m", await r1.Bounded());
            return;
        }
        // One Pulse wakes the longest waiter, r1, which finds nothing and sleeps again; r2 was never told.
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Receiver, 3);
        Assert.Equal(1, trace.CountOf(BufferAction.Signal));
        Assert.Equal(0, trace.CountOf(BufferAction.Broadcast));
        Assert.False(r2.IsCompleted);
        // The next send's single Pulse now reaches r2 first, which takes the message although it was cancelled
        // long before: the cancellation was lost.
        buffer.Send("m");
        Assert.Equal("m", await r2.Bounded());
        first.Cancel(); // release r1 (the only waiter left, so even a single Pulse reaches it)
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => r1.Bounded());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_check_then_act_mutant_lets_a_second_sender_into_the_last_slot(bool mutant)
    {
        var (buffer, trace) = Bounded(1, mutant ? BufferFaults.CheckThenAct : BufferFaults.None);
        bool barged = false;
        trace.OnStep = e =>
        {
            // Between the mutant's check and its act (outside the lock), another sender fills the slot. (It is a
            // mutant send too, so it raises its own Check; act only on the first.)
            if (e.Action == BufferAction.Check && !barged)
            {
                barged = true;
                Assert.True(buffer.TrySend("barging"));
            }
        };
        if (mutant)
        {
            var error = Assert.Throws<BufferInvariantException>(() => buffer.Send("checked"));
            Assert.Contains("capacity", error.Message);
            return;
        }
        buffer.Send("checked"); // the correct buffer decides and acts in one critical section: no Check window
        Assert.Equal(0, trace.CountOf(BufferAction.Check));
        Assert.False(buffer.TrySend("more"));
        Assert.Equal(1, buffer.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Close_completes_every_parked_waiter_but_the_lost_wakeup_mutant_leaves_them(bool mutant)
    {
        var (buffer, _) = Bounded(1, mutant ? BufferFaults.LostWakeupOnClose : BufferFaults.None);
        using var cleanup = new CancellationTokenSource();
        var pending = buffer.ReceiveAsync(cleanup.Token);
        if (mutant)
        {
            // The invariant "closed ⇒ no asynchronous waiter is left parked" catches it at once.
            var error = Assert.Throws<BufferInvariantException>(() => buffer.Close());
            Assert.Contains("closed", error.Message);
            Assert.False(pending.IsCompleted);
            cleanup.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.Bounded());
            return;
        }
        buffer.Close();
        await Assert.ThrowsAsync<EndpointClosedException>(() => pending.Bounded());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_rendezvous_sender_returns_only_after_the_take_but_the_if_mutant_returns_on_any_wakeup(bool mutant)
    {
        var trace = new RecordingTracer();
        var buffer = new RendezvousBuffer<string>(new BufferOptions { Tracer = trace },
            mutant ? BufferFaults.IfInsteadOfWhile : BufferFaults.None);
        using var other = new CancellationTokenSource();
        var s1 = Threads.Run(() => buffer.Send("s1"));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender, 1);
        var s2 = Threads.Run(() => buffer.Send("s2", other.Token));
        await trace.WhenSeen(BufferAction.Wait, BufferRole.Sender, 2);
        other.Cancel(); // wakes every waiter; only s2 has a reason to leave
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s2.Bounded());
        if (mutant)
        {
            await s1.Bounded(); // returned although nobody received
            Assert.Equal(0, trace.CountOf(BufferAction.Receive));
            Assert.Equal("s1", buffer.Receive()); // the message was still waiting, so "send returned ⇒ taken" is broken
            return;
        }
        await trace.WhenSeen((e, _) => e.Action == BufferAction.Wait && e.Role == BufferRole.Sender, 3);
        Assert.False(s1.IsCompleted);
        Assert.Equal("s1", buffer.Receive());
        await s1.Bounded();
    }

    [Fact]
    public async Task Without_faults_racing_senders_never_overfill_the_last_slot()
    {
        var buffer = new BoundedBuffer<int>(1);
        for (int round = 0; round < 200; round++)
        {
            var start = new ManualResetEventSlim();
            var a = Threads.Run(() => { start.Wait(); return buffer.TrySend(1); });
            var b = Threads.Run(() => { start.Wait(); return buffer.TrySend(2); });
            start.Set();
            var results = await Task.WhenAll(a, b).Bounded();
            Assert.Equal(1, results.Count(x => x));
            Assert.Equal(1, buffer.Count);
            Assert.True(buffer.TryReceive(out _));
        }
    }
}
