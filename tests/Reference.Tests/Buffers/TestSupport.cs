using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Reference.Tests.Buffers;

/// <summary>
/// Records a buffer's trace and lets a test wait for a step to have happened. Because events are raised under the
/// buffer's lock just before the step takes effect (a <see cref="BufferAction.Wait"/> just before
/// <c>Monitor.Wait</c> releases the lock), "the Wait event was seen" proves the caller is parked: any operation
/// the test starts next needs the lock, which the waiter only gives up by waiting.
/// </summary>
internal sealed class RecordingTracer : IBufferTracer
{
    private readonly object _gate = new();
    private readonly List<(BufferEvent Event, int Thread)> _events = [];
    private readonly List<(Func<BufferEvent, int, bool> Match, int Needed, TaskCompletionSource Done)> _watches = [];

    /// <summary>Runs on every event, on the buffer's thread, under the buffer's lock (used to script interleavings).</summary>
    public Action<BufferEvent>? OnStep { get; set; }

    public void OnEvent(in BufferEvent e)
    {
        lock (_gate)
        {
            _events.Add((e, Environment.CurrentManagedThreadId));
            for (int i = _watches.Count - 1; i >= 0; i--)
            {
                var (match, needed, done) = _watches[i];
                if (_events.Count(x => match(x.Event, x.Thread)) >= needed)
                {
                    done.TrySetResult();
                    _watches.RemoveAt(i);
                }
            }
        }
        OnStep?.Invoke(e);
    }

    public IReadOnlyList<BufferEvent> Events
    {
        get
        {
            lock (_gate) return _events.Select(x => x.Event).ToList();
        }
    }

    public int CountOf(BufferAction action, BufferRole? role = null)
    {
        lock (_gate) return _events.Count(x => x.Event.Action == action && (role is null || x.Event.Role == role));
    }

    /// <summary>Completes once <paramref name="count"/> events match (counting those already seen); fails the test
    /// after a generous bound — a bound on failure, never a means of synchronisation.</summary>
    public Task WhenSeen(BufferAction action, BufferRole role, int count = 1) =>
        WhenSeen((e, _) => e.Action == action && e.Role == role, count);

    public Task WhenSeen(Func<BufferEvent, int, bool> match, int count = 1)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_events.Count(x => match(x.Event, x.Thread)) >= count) return Task.CompletedTask;
            _watches.Add((match, count, done));
        }
        return done.Task.WaitAsync(Bounds.Failure);
    }
}

internal static class Bounds
{
    /// <summary>How long a test waits for something that must happen before it declares a hang. Never used to
    /// let something happen: only to turn a hang into a failure.</summary>
    public static readonly TimeSpan Failure = TimeSpan.FromSeconds(20);
}

internal static class Threads
{
    /// <summary>Runs a blocking call on a thread of its own (never a pool thread, which blocking would starve).</summary>
    public static Task<T> Run<T>(Func<T> blocking) =>
        Task.Factory.StartNew(blocking, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static Task Run(Action blocking) =>
        Task.Factory.StartNew(blocking, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(Bounds.Failure);

    public static Task Bounded(this Task task) => task.WaitAsync(Bounds.Failure);

    public static Task<T> Bounded<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Bounds.Failure);

    public static Task Bounded(this ValueTask task) => task.AsTask().WaitAsync(Bounds.Failure);
}
