using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace VerifiedIpc.Reference.Buffers;

/// <summary>
/// A caller waiting in a buffer. Asynchronous callers await <see cref="TaskCompletionSource{TResult}.Task"/>;
/// synchronous callers of the rendezvous (which need a record of their own because the partner writes into it)
/// wait on the buffer's monitor until <see cref="Done"/>.
/// </summary>
/// <remarks>
/// Membership of a <see cref="WaiterQueue{TResult}"/> is the claim on a waiter: whoever removes it from its queue,
/// under the buffer's lock, owns its completion — a partner that delivers to it, <c>Close</c>, or its own
/// cancellation callback. Nobody else can complete it afterwards, so a message is never both delivered and
/// reported as cancelled. Completion itself happens after the lock is released (habit 1). The task is completed
/// at once, so a caller that polls <c>IsCompleted</c> right after its partner's operation returned sees it done
/// (as with System.Threading.Channels), while RunContinuationsAsynchronously keeps the awaiting continuation off
/// the completer's stack. Coyote's rewritten scheduler controls these continuations; a raw thread-pool work item
/// would escape it.
/// </remarks>
internal class Waiter<TResult> : TaskCompletionSource<TResult>
{
    internal Waiter(IWaiterOwner owner, bool isSync)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Owner = owner;
        IsSync = isSync;
        Process = owner.TraceProcessName;
    }

    /// <summary>Completes the task. Called once, by whoever claimed the waiter, outside the lock.</summary>
    internal void Complete(TResult result) => TrySetResult(result);

    internal void Fail(Exception error) => TrySetException(error);

    internal void Cancel(CancellationToken token) => TrySetCanceled(token);

    internal readonly IWaiterOwner Owner;
    internal readonly bool IsSync;

    /// <summary>Who is waiting, for traces: a partner completes this waiter's step on its behalf, and the step is
    /// the waiter's (a parked sender's Send, a waiting receiver's Receive). Null when tracing is off.</summary>
    internal readonly string? Process;

    // Intrusive links: O(1) removal on cancellation, so a loop of cancelled receives cannot grow a queue.
    internal Waiter<TResult>? Next, Prev;
    internal WaiterQueue<TResult>? Queue;

    internal CancellationTokenRegistration Registration;

    /// <summary>Synchronous records only: set under the lock by the partner that completed the rendezvous.</summary>
    internal bool Done;

    /// <summary>Synchronous receive records only: the message handed over by the partner.</summary>
    internal TResult? Result;

    /// <summary>Cancellation callback shared by every asynchronous waiter (static: no closure per call).</summary>
    internal static readonly Action<object?, CancellationToken> CancelCallback = static (state, token) =>
    {
        var waiter = (Waiter<TResult>)state!;
        bool removed;
        lock (waiter.Owner.SyncRoot)
        {
            // Race with a partner or Close: both remove under this lock, so exactly one side finds it queued.
            removed = waiter.Queue?.Remove(waiter) ?? false;
            if (removed)
            {
                waiter.Owner.OnWaiterCancelled(waiter.Role, waiter.Process);
            }
        }
        if (removed)
        {
            waiter.Cancel(token);
        }
    };

    internal virtual BufferRole Role => BufferRole.Receiver;

    /// <summary>Registers the cancellation callback; called under the lock right after enqueueing, so any
    /// completer (which needs the lock to dequeue) sees the registration when it later unregisters.</summary>
    internal void RegisterCancellation(CancellationToken cancellationToken)
    {
        Debug.Assert(Monitor.IsEntered(Owner.SyncRoot));
        if (cancellationToken.CanBeCanceled)
        {
            // If the token is cancelled concurrently the callback may run right here on this thread; the lock is
            // re-entrant, so it removes the waiter and cancels it, and the caller returns a cancelled task.
            Registration = cancellationToken.UnsafeRegister(CancelCallback, this);
        }
    }

    /// <summary>Outside the lock: the waiter was claimed, so its cancellation callback is no longer wanted.
    /// Unregister does not wait for a running callback (that one finds the waiter dequeued and does nothing).</summary>
    internal void ReleaseCancellation() => Registration.Unregister();
}

/// <summary>A sender waiting with its message (bounded buffer full, or rendezvous with no receiver).</summary>
internal sealed class SendWaiter<T>(IWaiterOwner owner, T item, bool isSync) : Waiter<bool>(owner, isSync)
{
    internal readonly T Item = item;

    internal override BufferRole Role => BufferRole.Sender;
}

/// <summary>A <c>WaitToWriteAsync</c> caller (channel adapter): told when a send could proceed.</summary>
internal sealed class WriteReadinessWaiter(IWaiterOwner owner) : Waiter<bool>(owner, isSync: false)
{
    internal override BufferRole Role => BufferRole.Sender;
}

/// <summary>FIFO of waiters, doubly linked through the waiters themselves. Every member is called under the
/// owning buffer's lock.</summary>
internal sealed class WaiterQueue<TResult>
{
    private Waiter<TResult>? _head, _tail;

    public bool IsEmpty => _head is null;

    public int Count { get; private set; }

    public void Enqueue(Waiter<TResult> waiter)
    {
        Debug.Assert(waiter.Queue is null, "a waiter is in at most one queue");
        waiter.Queue = this;
        waiter.Prev = _tail;
        waiter.Next = null;
        if (_tail is null) _head = waiter; else _tail.Next = waiter;
        _tail = waiter;
        Count++;
    }

    public bool TryDequeue([NotNullWhen(true)] out Waiter<TResult>? waiter)
    {
        waiter = _head;
        if (waiter is null) return false;
        Remove(waiter);
        return true;
    }

    public bool Remove(Waiter<TResult> waiter)
    {
        if (waiter.Queue != this) return false;
        if (waiter.Prev is null) _head = waiter.Next; else waiter.Prev.Next = waiter.Next;
        if (waiter.Next is null) _tail = waiter.Prev; else waiter.Next.Prev = waiter.Prev;
        waiter.Next = waiter.Prev = null;
        waiter.Queue = null;
        Count--;
        return true;
    }

    /// <summary>Removes every waiter and returns them as a chain (linked through <c>Next</c>) for completion
    /// outside the lock; no allocation.</summary>
    public Waiter<TResult>? DetachAll()
    {
        var head = _head;
        for (var w = head; w is not null; w = w.Next)
        {
            w.Queue = null;
            w.Prev = null;
        }
        _head = _tail = null;
        Count = 0;
        return head;
    }

    /// <summary>Outside the lock: completes a detached chain. Reads <c>Next</c> before completing, since the
    /// chain is private to the caller once detached.</summary>
    public static void CompleteAll(Waiter<TResult>? chain, TResult result)
    {
        while (chain is not null)
        {
            var next = chain.Next;
            chain.Next = null;
            chain.ReleaseCancellation();
            chain.Complete(result);
            chain = next;
        }
    }

    public static void FailAll(Waiter<TResult>? chain, Exception error)
    {
        while (chain is not null)
        {
            var next = chain.Next;
            chain.Next = null;
            chain.ReleaseCancellation();
            chain.Fail(error);
            chain = next;
        }
    }
}

/// <summary>Growable ring buffer; grows by doubling up to the buffer's capacity, then never allocates again.</summary>
internal sealed class RingBuffer<T>(int initialSize)
{
    private T[] _items = new T[Math.Max(initialSize, 1)];
    private int _head;

    public int Count { get; private set; }

    public void Enqueue(T item)
    {
        if (Count == _items.Length) Grow();
        int tail = _head + Count;
        if (tail >= _items.Length) tail -= _items.Length;
        _items[tail] = item;
        Count++;
    }

    public T Dequeue()
    {
        Debug.Assert(Count > 0);
        T item = _items[_head];
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            _items[_head] = default!; // let the GC have a message once it is delivered
        }
        if (++_head == _items.Length) _head = 0;
        Count--;
        return item;
    }

    /// <summary>Removes the newest item: only the LifoTake seeded bug calls this.</summary>
    public T TakeNewest()
    {
        Debug.Assert(Count > 0);
        int tail = _head + Count - 1;
        if (tail >= _items.Length) tail -= _items.Length;
        T item = _items[tail];
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) _items[tail] = default!;
        Count--;
        return item;
    }

    public T[] DequeueAll()
    {
        var all = new T[Count];
        for (int i = 0; i < all.Length; i++) all[i] = Dequeue();
        return all;
    }

    private void Grow()
    {
        var bigger = new T[_items.Length * 2];
        for (int i = 0; i < Count; i++)
        {
            int j = _head + i;
            if (j >= _items.Length) j -= _items.Length;
            bigger[i] = _items[j];
        }
        _items = bigger;
        _head = 0;
    }
}

/// <summary>What a waiter needs from its buffer: the lock, and a way to trace its cancellation.</summary>
internal interface IWaiterOwner
{
    object SyncRoot { get; }

    /// <summary>Called under the lock when a waiter's cancellation removed it from its queue.</summary>
    void OnWaiterCancelled(BufferRole role, string? process);

    /// <summary>The logical process creating a waiter, when tracing is on (null otherwise: nothing is read).</summary>
    string? TraceProcessName { get; }
}
