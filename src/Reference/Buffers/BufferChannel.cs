using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace VerifiedIpc.Reference.Buffers;

/// <summary>
/// A buffer seen as a <see cref="Channel{T}"/>: code written against System.Threading.Channels can use a
/// <see cref="BoundedBuffer{T}"/>, <see cref="UnboundedBuffer{T}"/> or <see cref="RendezvousBuffer{T}"/> unchanged.
/// Obtain one with <see cref="IMessageBuffer{T}.AsChannel"/>; the channel and the buffer are the same link, so
/// messages sent through either come out of either.
/// </summary>
/// <remarks>
/// Channels semantics: <c>TryWrite</c> is false when full or completed; <c>WriteAsync</c> and <c>ReadAsync</c> throw
/// <see cref="ChannelClosedException"/> (carrying the error given to <c>TryComplete</c>) once the channel is
/// completed (for reads: completed and empty); <c>WaitToReadAsync</c>/<c>WaitToWriteAsync</c> return false then, or
/// throw that error; <see cref="ChannelReader{T}.Completion"/> completes when the channel is completed and drained.
/// Two differences, both deliberate: null messages are rejected (<see cref="ArgumentNullException"/>), as by the
/// buffers; and on a rendezvous a write completes only when a reader takes the message, so <c>TryWrite</c> succeeds
/// only while a reader is blocked in <c>ReadAsync</c> (a rendezvous has no room to make "ready to write" true
/// otherwise), and two sides that both only use <c>WaitTo*Async</c> plus <c>Try*</c> never meet.
/// </remarks>
public sealed class BufferChannel<T> : Channel<T>
{
    internal BufferChannel(MessageBuffer<T> buffer)
    {
        Buffer = buffer;
        Reader = new BufferReader(buffer);
        Writer = new BufferWriter(buffer);
    }

    /// <summary>The buffer behind this channel.</summary>
    public IMessageBuffer<T> Buffer { get; }

    private static ChannelClosedException ChannelClosed(MessageBuffer<T> buffer) =>
        buffer.CloseError is { } error ? new ChannelClosedException(error) : new ChannelClosedException();

    private sealed class BufferReader(MessageBuffer<T> buffer) : ChannelReader<T>
    {
        public override Task Completion => buffer.Completion;

        public override bool CanCount => true;

        public override int Count => buffer.Count;

        public override bool TryRead([MaybeNullWhen(false)] out T item) => buffer.TryReadForChannel(out item);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
            buffer.WaitToReadAsync(cancellationToken);

        public override ValueTask<T> ReadAsync(CancellationToken cancellationToken = default)
        {
            var pending = buffer.ReceiveAsync(cancellationToken);
            return pending.IsCompletedSuccessfully ? pending : Translate(pending);
        }

        private async ValueTask<T> Translate(ValueTask<T> pending)
        {
            try
            {
                return await pending.ConfigureAwait(false);
            }
            catch (EndpointClosedException)
            {
                throw ChannelClosed(buffer);
            }
        }
    }

    private sealed class BufferWriter(MessageBuffer<T> buffer) : ChannelWriter<T>
    {
        public override bool TryWrite(T item) => buffer.TryWriteForChannel(item);

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
            buffer.WaitToWriteAsync(cancellationToken);

        public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
        {
            var pending = buffer.SendAsync(item, cancellationToken);
            return pending.IsCompletedSuccessfully ? pending : Translate(pending);
        }

        public override bool TryComplete(Exception? error = null) => buffer.TryComplete(error);

        private async ValueTask Translate(ValueTask pending)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (EndpointClosedException)
            {
                throw ChannelClosed(buffer);
            }
        }
    }
}

/// <summary>The seed's completion styles and timeouts for the asynchronous operations of any buffer.</summary>
public static class MessageBufferExtensions
{
    /// <summary>
    /// Notification on completion (the seed's "notify or signal the application"): runs
    /// <paramref name="callback"/> once the operation has finished, with null on success or the exception that
    /// ended it. Runs inline when the operation has already finished; otherwise on the thread pool. Consumes the
    /// status handle (a <see cref="ValueTask"/> may be observed once).
    /// </summary>
    public static void OnCompleted(this ValueTask status, Action<Exception?> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (status.IsCompleted)
        {
            callback(Outcome(status));
            return;
        }
        var awaiter = status.ConfigureAwait(false).GetAwaiter();
        awaiter.OnCompleted(() => callback(Outcome(status)));

        static Exception? Outcome(ValueTask done)
        {
            try
            {
                done.GetAwaiter().GetResult();
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        }
    }

    /// <summary>Asynchronous send that gives up after <paramref name="timeout"/>: false means not sent (the message
    /// stays with the caller). Time is measured by <paramref name="timeProvider"/> (the system clock by default),
    /// so tests can use fake time.</summary>
    public static async ValueTask<bool> TrySendAsync<T>(this IMessageBuffer<T> buffer, T message, TimeSpan timeout,
        TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using var timer = new CancellationTokenSource(timeout, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await buffer.SendAsync(message, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Asynchronous receive that gives up after <paramref name="timeout"/> with a
    /// <see cref="TimeoutException"/> (nothing was taken).</summary>
    public static async ValueTask<T> ReceiveAsync<T>(this IMessageBuffer<T> buffer, TimeSpan timeout,
        TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using var timer = new CancellationTokenSource(timeout, timeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await buffer.ReceiveAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No message arrived at '{buffer.Name}' within {timeout}.");
        }
    }
}
