using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests;

/// <summary>
/// A <see cref="SynchronizationContext"/> that never runs what is posted to it and counts the posts: the caller's
/// context of an application that blocks its only thread (a UI thread) on a library call. Library code must never
/// resume on it, or that application deadlocks. <see cref="Under{T}"/> starts a call with this context current and
/// requires the call to complete with nothing posted.
/// </summary>
internal sealed class StalledContext : SynchronizationContext
{
    private int _posts;

    public int Posts => Volatile.Read(ref _posts);

    public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref _posts);

    public override void Send(SendOrPostCallback d, object? state) => throw new InvalidOperationException("no synchronous sends");

    /// <summary>Starts <paramref name="start"/> with this context current, then awaits it from outside it.</summary>
    public async Task<T> Under<T>(Func<Task<T>> start)
    {
        var task = Start(start);
        var result = await task.Within();
        Assert.Equal(0, Posts);
        return result;
    }

    public async Task Under(Func<Task> start)
    {
        var task = Start(start);
        await task.Within();
        Assert.Equal(0, Posts);
    }

    /// <summary>Runs <paramref name="start"/> (say, a callback's registration) with this context current.</summary>
    public void Start(Action start) => Start(() =>
    {
        start();
        return 0;
    });

    /// <summary>Only the synchronous start runs under the context (the test's own awaits must not).</summary>
    public TResult Start<TResult>(Func<TResult> start)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            return start();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }
}
