using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Reference.Tests.Buffers;

/// <summary>
/// The buffers' waiter queue, cancellation callback and ring buffer on their own, against simple models: behaviour
/// the buffer tests only reach through whole send/receive scenarios, and that Stryker's mutants of
/// <c>src/Reference/Buffers/Waiters.cs</c> can change unnoticed (docs/mutation.md).
/// </summary>
public sealed class WaiterMutationTests
{
    private sealed class Owner : IWaiterOwner
    {
        public object SyncRoot { get; } = new();
        public List<BufferRole> Cancelled { get; } = [];
        public void OnWaiterCancelled(BufferRole role, string? process) => Cancelled.Add(role);
        public string? TraceProcessName => null;
    }

    private static List<Waiter<int>> Drain(WaiterQueue<int> queue)
    {
        var order = new List<Waiter<int>>();
        while (queue.TryDequeue(out var w)) order.Add(w);
        return order;
    }

    [Fact]
    public void The_waiter_queue_is_fifo_and_removes_from_head_middle_and_tail()
    {
        var owner = new Owner();
        var queue = new WaiterQueue<int>();
        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryDequeue(out _));
        var w = Enumerable.Range(0, 5).Select(_ => new Waiter<int>(owner, isSync: false)).ToArray();
        foreach (var x in w) queue.Enqueue(x);
        Assert.Equal(5, queue.Count);
        Assert.False(queue.IsEmpty);

        Assert.True(queue.Remove(w[2]));   // middle
        Assert.False(queue.Remove(w[2]));  // not a member any more
        Assert.Null(w[2].Queue);
        Assert.True(queue.Remove(w[0]));   // head
        Assert.True(queue.Remove(w[4]));   // tail
        Assert.Equal(2, queue.Count);
        queue.Enqueue(w[0]);               // a removed waiter can queue again, at the tail
        Assert.Equal(new[] { w[1], w[3], w[0] }, Drain(queue));
        Assert.True(queue.IsEmpty);
        Assert.Equal(0, queue.Count);
        Assert.All(w, x => Assert.Null(x.Queue));
    }

    [Fact]
    public void Removing_the_only_waiter_empties_the_queue_and_it_can_be_reused()
    {
        var owner = new Owner();
        var queue = new WaiterQueue<int>();
        var a = new Waiter<int>(owner, isSync: true);
        queue.Enqueue(a);
        Assert.True(queue.Remove(a));
        Assert.True(queue.IsEmpty);
        var b = new Waiter<int>(owner, isSync: false);
        queue.Enqueue(b);
        queue.Enqueue(a);
        Assert.Equal(new[] { b, a }, Drain(queue));
        Assert.True(a.IsSync);
        Assert.False(b.IsSync);
        Assert.Same(owner, a.Owner);
    }

    [Fact]
    public void A_waiter_of_another_queue_is_not_removed()
    {
        var owner = new Owner();
        var q1 = new WaiterQueue<int>();
        var q2 = new WaiterQueue<int>();
        var a = new Waiter<int>(owner, isSync: false);
        var b = new Waiter<int>(owner, isSync: false);
        q1.Enqueue(a);
        q2.Enqueue(b);
        Assert.False(q1.Remove(b));
        Assert.Equal(1, q1.Count);
        Assert.Equal(1, q2.Count);
        Assert.Same(q2, b.Queue);
    }

    [Fact]
    public async Task DetachAll_hands_over_every_waiter_in_order_and_CompleteAll_completes_each()
    {
        var owner = new Owner();
        var queue = new WaiterQueue<int>();
        var w = Enumerable.Range(0, 3).Select(_ => new Waiter<int>(owner, isSync: false)).ToArray();
        foreach (var x in w) queue.Enqueue(x);
        var chain = queue.DetachAll();
        Assert.True(queue.IsEmpty);
        Assert.Equal(0, queue.Count);
        Assert.Same(w[0], chain);
        Assert.Same(w[1], chain!.Next);
        Assert.All(w, x => Assert.Null(x.Queue));
        Assert.All(w, x => Assert.Null(x.Prev));
        WaiterQueue<int>.CompleteAll(chain, 7);
        foreach (var x in w) Assert.Equal(7, await x.Task);
        Assert.All(w, x => Assert.Null(x.Next));
        Assert.Null(new WaiterQueue<int>().DetachAll());
    }

    [Fact]
    public async Task FailAll_faults_every_waiter_of_the_chain()
    {
        var owner = new Owner();
        var queue = new WaiterQueue<int>();
        var w = Enumerable.Range(0, 3).Select(_ => new Waiter<int>(owner, isSync: false)).ToArray();
        foreach (var x in w) queue.Enqueue(x);
        var error = new EndpointClosedException("b");
        WaiterQueue<int>.FailAll(queue.DetachAll(), error);
        foreach (var x in w) Assert.Same(error, await Assert.ThrowsAsync<EndpointClosedException>(() => x.Task));
        Assert.All(w, x => Assert.Null(x.Next));
    }

    [Fact]
    public async Task Cancelling_a_queued_waiter_removes_it_tells_the_owner_its_role_and_cancels_its_task()
    {
        var owner = new Owner();
        var queue = new WaiterQueue<bool>();
        using var cts = new CancellationTokenSource();
        var sender = new SendWaiter<string>(owner, "m", isSync: false);
        var other = new WriteReadinessWaiter(owner);
        lock (owner.SyncRoot)
        {
            queue.Enqueue(sender);
            sender.RegisterCancellation(cts.Token);
            queue.Enqueue(other);
        }
        Assert.Equal("m", sender.Item);
        Assert.Equal(BufferRole.Sender, sender.Role);
        Assert.Equal(BufferRole.Sender, other.Role);
        cts.Cancel();
        var oce = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.Task);
        Assert.Equal(cts.Token, oce.CancellationToken);
        Assert.Equal(new[] { BufferRole.Sender }, owner.Cancelled);
        Assert.Equal(1, queue.Count);
        Assert.True(queue.TryDequeue(out var left));
        Assert.Same(other, left);
    }

    [Fact]
    public async Task Cancelling_a_waiter_already_claimed_changes_nothing()
    {
        var owner = new Owner();
        var queue = new WaiterQueue<int>();
        using var cts = new CancellationTokenSource();
        var receiver = new Waiter<int>(owner, isSync: false);
        lock (owner.SyncRoot)
        {
            queue.Enqueue(receiver);
            receiver.RegisterCancellation(cts.Token);
            Assert.True(queue.TryDequeue(out _)); // a partner claims it
        }
        cts.Cancel();
        Assert.False(receiver.Task.IsCompleted); // its completion belongs to the partner
        Assert.Empty(owner.Cancelled);
        receiver.Complete(3);
        Assert.Equal(3, await receiver.Task);
        Assert.Equal(BufferRole.Receiver, receiver.Role);
    }

    [Fact]
    public void A_released_cancellation_no_longer_fires()
    {
        var owner = new Owner();
        var queue = new WaiterQueue<int>();
        using var cts = new CancellationTokenSource();
        var receiver = new Waiter<int>(owner, isSync: false);
        lock (owner.SyncRoot)
        {
            queue.Enqueue(receiver);
            receiver.RegisterCancellation(cts.Token);
        }
        receiver.ReleaseCancellation();
        cts.Cancel();
        Assert.False(receiver.Task.IsCompleted);
        Assert.Equal(1, queue.Count);
        Assert.Empty(owner.Cancelled);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 3)]
    public void The_ring_buffer_behaves_as_a_fifo_through_wrap_around_and_growth(int initialSize, int seed)
    {
        var rng = new Random(seed);
        var ring = new RingBuffer<string>(initialSize);
        var model = new Queue<string>();
        int next = 0;
        for (int step = 0; step < 3000; step++)
        {
            int op = rng.Next(10);
            if (op < 6 || model.Count == 0)
            {
                ring.Enqueue($"m{next}");
                model.Enqueue($"m{next++}");
            }
            else if (op < 9)
            {
                Assert.Equal(model.Dequeue(), ring.Dequeue());
            }
            else
            {
                Assert.Equal(model.ToArray(), ring.DequeueAll());
                model.Clear();
            }
            Assert.Equal(model.Count, ring.Count);
        }
        Assert.Equal(model.ToArray(), ring.DequeueAll());
        Assert.Equal(0, ring.Count);
    }
}
