using VerifiedIpc.Reference.Direct;

namespace VerifiedIpc.Reference.Handlers;

/// <summary>
/// An event-handler receive (the seed's <c>hrecv(src, msg, func)</c>): the handler runs on every arrival that the
/// subscription accepts, on the thread pool, never on the sender's thread.
/// <list type="bullet">
/// <item>Concurrency: invocations of one subscription never overlap unless <see cref="HandlerOptions.MaxDegreeOfParallelism"/> &gt; 1.</item>
/// <item>Stopping: after <see cref="Dispose"/> returns, the handler is not running and will not run again. A
/// message is taken from the buffer only for an invocation that will run, so every message not yet handled stays
/// in the buffer for other receivers (nothing is lost by unsubscribing). Dispose cancels the token passed to the
/// handler so a long handler can stop early. Called from inside the subscription's own handler, Dispose stops
/// delivery and returns at once (it cannot wait for itself).</item>
/// <item>Failure: a handler that throws stops the subscription; <see cref="Completion"/> faults with
/// <see cref="HandlerFailedException"/> carrying the message and the exception. Nothing is swallowed.</item>
/// <item>Closing the endpoint stops the subscription; <see cref="Completion"/> then completes normally.</item>
/// </list>
/// </summary>
public sealed class Subscription : IDisposable, IAsyncDisposable
{
    private readonly SubscriptionCore _core;

    internal Subscription(SubscriptionCore core) => _core = core;

    /// <summary>The subscribing process.</summary>
    public ProcessId Receiver => _core.Receiver;

    /// <summary>The source it accepts, or <see cref="ProcessId.Any"/>.</summary>
    public ProcessId Source => _core.Source;

    /// <summary>Completes once the subscription has stopped and no invocation is running: normally after
    /// Dispose or close, faulted with <see cref="HandlerFailedException"/> after a handler threw.</summary>
    public Task Completion => _core.Completion;

    /// <summary>Whether arrivals are still delivered to the handler.</summary>
    public bool IsActive => _core.IsActive;

    /// <summary>Stops delivery and waits (blocking) until no invocation is running. Idempotent.</summary>
    public void Dispose() => _core.Stop(wait: true);

    /// <summary>Stops delivery and waits asynchronously until no invocation is running. Does not throw if the
    /// subscription had faulted (read <see cref="Completion"/> for that).</summary>
    public async ValueTask DisposeAsync()
    {
        _core.Stop(wait: false);
        if (!_core.IsInsideOwnHandler)
            await Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}

/// <summary>The type-erased control surface a <see cref="Subscription"/> needs; implemented by the monitor's subscription record.</summary>
internal abstract class SubscriptionCore
{
    public abstract ProcessId Receiver { get; }
    public abstract ProcessId Source { get; }
    public abstract Task Completion { get; }
    public abstract bool IsActive { get; }
    public abstract bool IsInsideOwnHandler { get; }
    public abstract void Stop(bool wait);
}
