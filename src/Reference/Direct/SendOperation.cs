using System.Runtime.CompilerServices;

namespace VerifiedIpc.Reference.Direct;

/// <summary>Where an asynchronous send stands.</summary>
public enum SendStatus
{
    /// <summary>The buffer was full: the message is still the sender's, waiting for room.</summary>
    Pending,
    /// <summary>The message left the sender: it is in the buffer or a receiver has it.</summary>
    Sent,
    /// <summary>The send was cancelled before the message left; it was not sent.</summary>
    Canceled,
    /// <summary>The send's timeout passed before the message left; it was not sent.</summary>
    TimedOut,
    /// <summary>The link closed before the message left; the message is in <see cref="EndpointClosedException.Undelivered"/>.</summary>
    Failed,
}

/// <summary>
/// The status handle of an asynchronous send (the seed's <c>status = async_send(dest, msg)</c>): poll
/// <see cref="IsCompleted"/>/<see cref="Status"/>, <c>await</c> it, or be told through <see cref="OnCompleted"/>.
/// It completes when the message is out of the sender's memory (buffered or taken), not when it is received; a
/// mailbox send also reports who received it through <see cref="ReceivedBy"/>.
/// </summary>
public sealed class SendOperation
{
    private static readonly Task<ProcessId> NoReceipt =
        Task.FromException<ProcessId>(new InvalidOperationException("Only mailbox sends report their receiver; a direct send's receiver is its destination."));

    // Null when the send completed before the handle was created (the common case: no allocation but this object).
    private readonly TaskCompletionSource? _completion;
    private readonly TaskCompletionSource<ProcessId>? _receipt;
    private SendStatus _status;

    internal SendOperation(bool pending, TaskCompletionSource<ProcessId>? receipt)
    {
        _receipt = receipt;
        if (pending) _completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        else _status = SendStatus.Sent;
    }

    /// <summary>A send that completed at once and has no receipt; shared because it carries no state.</summary>
    internal static SendOperation CompletedNoReceipt { get; } = new(false, null);

    /// <summary>True once the send is no longer <see cref="SendStatus.Pending"/>.</summary>
    public bool IsCompleted => Volatile.Read(ref Unsafe.As<SendStatus, int>(ref _status)) != (int)SendStatus.Pending;

    /// <summary>Current status. Reads without a lock; a Pending answer may be stale by the time it is used.</summary>
    public SendStatus Status => (SendStatus)Volatile.Read(ref Unsafe.As<SendStatus, int>(ref _status));

    /// <summary>
    /// Completes when the send does: successfully when sent; cancelled; faulted with <see cref="TimeoutException"/>
    /// or <see cref="EndpointClosedException"/> (carrying the message) otherwise.
    /// </summary>
    public Task Completion => _completion?.Task ?? Task.CompletedTask;

    /// <summary>
    /// Mailbox sends only: completes with the process that took the message out of the mailbox (the seed's "the
    /// sender is notified who the receiver was"), or faults with <see cref="EndpointClosedException"/> when the
    /// message is handed back undelivered.
    /// </summary>
    public Task<ProcessId> ReceivedBy => _receipt?.Task ?? NoReceipt;

    /// <summary>Awaits <see cref="Completion"/>.</summary>
    public TaskAwaiter GetAwaiter() => Completion.GetAwaiter();

    /// <summary>
    /// Runs <paramref name="callback"/> once on the thread pool after the send completes (at once if it has). An
    /// exception thrown by the callback is not caught: like any unhandled thread-pool exception it ends the process,
    /// rather than vanishing.
    /// </summary>
    public void OnCompleted(Action<SendOperation> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        // An awaiter continuation runs on the pool: for a completed task it is queued at once, and a
        // RunContinuationsAsynchronously source never runs it inline in the thread that completed the send (which
        // may hold a monitor lock). An exception it throws reaches the pool unhandled, as documented, instead of
        // faulting an unobserved Task.
        Completion.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => callback(this));
    }

    // Completion is decided under the owning monitor's lock, exactly once; the TCS only publishes it. Because the
    // TCS runs continuations asynchronously, completing it under the lock never runs user code under the lock.
    internal void Complete(SendStatus status, Exception? error)
    {
        Volatile.Write(ref Unsafe.As<SendStatus, int>(ref _status), (int)status);
        if (_completion is null) return;
        switch (status)
        {
            case SendStatus.Sent: _completion.TrySetResult(); break;
            case SendStatus.Canceled: _completion.TrySetCanceled(error is OperationCanceledException oce ? oce.CancellationToken : default); break;
            default: _completion.TrySetException(error!); break;
        }
    }

    public override string ToString() => $"SendOperation({Status})";
}
