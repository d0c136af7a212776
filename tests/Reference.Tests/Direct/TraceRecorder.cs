using VerifiedIpc.Reference.Direct;

namespace VerifiedIpc.Reference.Tests.Direct;

/// <summary>
/// Records a link's steps and lets a test wait for one: the explicit signal that replaces sleeps ("p2 is now
/// blocked in receive"). The tracer runs under the link's lock, so the recorded order is the real order.
/// The timeout is only a failure bound: a correct run never waits for it.
/// </summary>
public sealed class TraceRecorder : IIpcTracer
{
    public static readonly TimeSpan FailureBound = TimeSpan.FromSeconds(20);

    private readonly object _gate = new();
    private readonly List<IpcTraceEvent> _events = new();

    public void OnEvent(in IpcTraceEvent e)
    {
        lock (_gate)
        {
            _events.Add(e);
            Monitor.PulseAll(_gate);
        }
    }

    public IReadOnlyList<IpcTraceEvent> Events
    {
        get { lock (_gate) return _events.ToArray(); }
    }

    public int CountOf(IpcAction action, ProcessId process)
    {
        lock (_gate) return _events.Count(e => e.Action == action && e.Process == process);
    }

    /// <summary>Blocks until at least <paramref name="count"/> events match; fails the test after the failure bound.</summary>
    public void WaitFor(Func<IpcTraceEvent, bool> match, int count = 1, string? what = null)
    {
        var deadline = DateTime.UtcNow + FailureBound;
        lock (_gate)
        {
            while (_events.Count(match) < count)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left))
                    if (_events.Count(match) < count)
                        throw new Xunit.Sdk.XunitException($"Timed out waiting for {what ?? "a traced event"}; saw: {string.Join(", ", _events.Select(e => $"{e.Action}({e.Process})"))}");
            }
        }
    }

    public void WaitFor(IpcAction action, ProcessId process, int count = 1) =>
        WaitFor(e => e.Action == action && e.Process == process, count, $"{count}× {action} by {process}");
}

internal static class TaskBound
{
    /// <summary>Awaits with a failure bound (never a synchronisation delay).</summary>
    public static async Task<T> Within<T>(this Task<T> task)
    {
        var done = await Task.WhenAny(task, Task.Delay(TraceRecorder.FailureBound));
        if (done != task) throw new Xunit.Sdk.XunitException("The operation did not complete within the failure bound.");
        return await task;
    }

    public static async Task Within(this Task task)
    {
        var done = await Task.WhenAny(task, Task.Delay(TraceRecorder.FailureBound));
        if (done != task) throw new Xunit.Sdk.XunitException("The operation did not complete within the failure bound.");
        await task;
    }

    public static void JoinBounded(this Thread t)
    {
        if (!t.Join(TraceRecorder.FailureBound)) throw new Xunit.Sdk.XunitException($"Thread {t.Name} did not finish within the failure bound.");
    }

    /// <summary>Runs a blocking call on its own thread (a blocked synchronous caller must not hold a pool thread).</summary>
    public static Task<T> OnThread<T>(Func<T> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static Task OnThread(Action body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
