using System.Diagnostics;

namespace VerifiedIpc.Reference.Streams;

/// <summary>
/// The seed's Unix pipe: a byte stream from one writer to one reader through a fixed-capacity queue of bytes.
/// Writes are buffered up to <see cref="Capacity"/>; reads block until at least one byte is there and return
/// whatever is buffered (message boundaries are erased: two writes of 3 bytes may be read as one read of 6,
/// or as six reads of 1).
/// </summary>
/// <remarks>
/// <para><b>Write semantics.</b> <see cref="Write(ReadOnlySpan{byte}, CancellationToken)"/> returns only when
/// every byte has been accepted; a write larger than the free space (or the whole capacity) is accepted piece by
/// piece as the reader makes room, so a writer can hand over any amount through a small pipe.
/// <see cref="WriteSome(ReadOnlySpan{byte}, CancellationToken)"/> is the partial form (like POSIX
/// <c>write(2)</c>): it blocks until at least one byte fits, accepts what fits, and returns the count.</para>
/// <para><b>Close.</b> <see cref="Close"/> (also <see cref="Dispose"/>) ends the stream: bytes already buffered
/// stay readable and then every read returns 0 (end of stream); a writer blocked at that moment, and every later
/// write, fails with <see cref="EndpointClosedException"/> whose <see cref="EndpointClosedException.Undelivered"/>
/// is a <c>byte[]</c> holding exactly the bytes of that write that were not accepted (its length is the count).
/// <see cref="CloseReader"/> is the reader giving up: writers fail the same way and the unread buffered bytes are
/// handed back to the caller of <see cref="CloseReader"/> rather than dropped.</para>
/// <para><b>Interrupted writes.</b> A cancelled or timed-out <c>Write</c> that had accepted nothing throws
/// <see cref="OperationCanceledException"/> or <see cref="TimeoutException"/>, and the pipe is unchanged. If part
/// of it had been accepted, it throws <see cref="PartialWriteException"/> saying how much, with the cancellation
/// or timeout as its inner exception: accepted bytes cannot be taken back once the reader may have seen them.</para>
/// <para><b>One writer, one reader.</b> At most one read and one write may be in progress at a time (they may
/// overlap each other); a second concurrent read or write is a usage error
/// (<see cref="InvalidOperationException"/>), because interleaving two writers' bytes would corrupt the
/// stream silently.</para>
/// <para><b>Concurrency design.</b> A Mesa monitor: one private lock, every wait in a <c>while</c> loop that
/// re-checks its condition. Synchronous waiters wait on the lock's condition (<see cref="Monitor.Wait(object)"/>)
/// and never spin; asynchronous waiters await a <see cref="TaskCompletionSource"/> and never block a thread.
/// State changes decide under the lock and complete asynchronous waiters after releasing it.</para>
/// </remarks>
public sealed class Pipe : IDisposable
{
    private readonly object _gate = new();
    private readonly byte[] _buffer;
    private readonly TimeProvider _time;
    private readonly IPipeTracer? _tracer;

    // Ring buffer: _count bytes starting at _head.
    private int _head;
    private int _count;

    private bool _writeClosed;   // Close(): no more bytes will be accepted; readers drain then see EOF
    private bool _readClosed;    // CloseReader(): nobody will read; buffered bytes were handed back

    private bool _reading;       // a read is in progress (one-reader rule)
    private bool _writing;       // a write is in progress (one-writer rule)

    // Asynchronous waiters. Each is replaced (not reset) when signalled so a late await sees a fresh one.
    private TaskCompletionSource? _dataOrClose;
    private TaskCompletionSource? _spaceOrClose;

    /// <summary>Creates a pipe buffering up to <paramref name="capacity"/> bytes.</summary>
    /// <param name="capacity">Bytes the pipe holds before writers block; at least 1.</param>
    /// <param name="name">Name used in error messages.</param>
    /// <param name="timeProvider">Clock for timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="tracer">Receives every step (see <see cref="IPipeTracer"/>); null turns tracing off.</param>
    public Pipe(int capacity, string name = "pipe", TimeProvider? timeProvider = null, IPipeTracer? tracer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1, nameof(capacity));
        ArgumentNullException.ThrowIfNull(name);
        _buffer = new byte[capacity];
        Name = name;
        _time = timeProvider ?? TimeProvider.System;
        _tracer = tracer;
    }

    public string Name { get; }

    public int Capacity => _buffer.Length;

    /// <summary>Bytes buffered now (a snapshot; it may change as soon as it is read).</summary>
    public int Available
    {
        get { lock (_gate) return _count; }
    }

    /// <summary>Whether <see cref="Close"/> or <see cref="CloseReader"/> has been called.</summary>
    public bool IsClosed
    {
        get { lock (_gate) return _writeClosed || _readClosed; }
    }

    // ---------------------------------------------------------------- reading

    /// <summary>
    /// Blocks until at least one byte is buffered or the pipe is closed, then copies up to
    /// <c>buffer.Length</c> bytes. Returns 0 only at end of stream (closed and drained) or for an empty buffer.
    /// </summary>
    public int Read(Span<byte> buffer, CancellationToken cancellationToken = default) =>
        Read(buffer, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>As <see cref="Read(Span{byte}, CancellationToken)"/>, failing with
    /// <see cref="TimeoutException"/> when no byte arrives within <paramref name="timeout"/>.</summary>
    public int Read(Span<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
            return 0;
        using var deadline = new Deadline(timeout, _time, cancellationToken);
        BeginRead();
        try
        {
            using var wake = RegisterWake(deadline.Token);
            lock (_gate)
            {
                while (true)
                {
                    if (TryReadLocked(buffer, out int n, out TaskCompletionSource? writer))
                    {
                        // Completing the async writer under the lock is safe here only because its
                        // continuations run asynchronously (RunContinuationsAsynchronously).
                        writer?.TrySetResult();
                        return n;
                    }
                    deadline.ThrowIfExpired($"Read from '{Name}'");
                    // Race: cancellation between the check above and this wait is not lost, because the wake
                    // callback needs _gate, which Monitor.Wait releases atomically with starting to wait.
                    Monitor.Wait(_gate);
                }
            }
        }
        finally
        {
            EndRead();
        }
    }

    /// <summary>Asynchronous <see cref="Read(Span{byte}, CancellationToken)"/>; never blocks a thread.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadAsync(buffer, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Asynchronous <see cref="Read(Span{byte}, TimeSpan, CancellationToken)"/>.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
            return new ValueTask<int>(0);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);

        // Fast path: data (or EOF) is already there; no state machine, no allocation.
        BeginRead();
        try
        {
            TaskCompletionSource? writer;
            bool done;
            int n;
            lock (_gate)
                done = TryReadLocked(buffer.Span, out n, out writer);
            if (done)
            {
                writer?.TrySetResult();
                EndRead();
                return new ValueTask<int>(n);
            }
        }
        catch
        {
            EndRead();
            throw;
        }
        return ReadSlowAsync(buffer, timeout, cancellationToken);
    }

    private async ValueTask<int> ReadSlowAsync(Memory<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            using var deadline = new Deadline(timeout, _time, cancellationToken);
            while (true)
            {
                TaskCompletionSource? writer;
                TaskCompletionSource? wait = null;
                int n;
                lock (_gate)
                {
                    if (!TryReadLocked(buffer.Span, out n, out writer))
                    {
                        deadline.ThrowIfExpired($"Read from '{Name}'");
                        wait = _dataOrClose ??= NewWaiter();
                    }
                }
                if (wait is null)
                {
                    writer?.TrySetResult();
                    return n;
                }
                await AwaitSignal(wait, deadline.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            EndRead();
        }
    }

    /// <summary>Reads what is buffered without waiting. False when nothing is buffered and the pipe is open.</summary>
    public bool TryRead(Span<byte> buffer, out int bytesRead)
    {
        BeginRead();
        try
        {
            TaskCompletionSource? writer;
            bool ok;
            lock (_gate)
                ok = TryReadLocked(buffer, out bytesRead, out writer);
            writer?.TrySetResult();
            return ok;
        }
        finally
        {
            EndRead();
        }
    }

    /// <summary>
    /// Under the lock: copies buffered bytes out, or reports end of stream. Returns false when the reader must
    /// wait. On progress, wakes synchronous waiters and returns the asynchronous writer to complete.
    /// </summary>
    private bool TryReadLocked(Span<byte> destination, out int bytesRead, out TaskCompletionSource? writerToWake)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        writerToWake = null;
        bytesRead = 0;
        if (_readClosed)
            throw new EndpointClosedException(Name);
        if (destination.IsEmpty)
            return true;
        if (_count == 0)
        {
            if (_writeClosed) Trace(PipeAction.ReadEof, 0, 0);
            return _writeClosed; // drained and closed: end of stream (0); otherwise wait
        }

        int n = Math.Min(destination.Length, _count);
        int first = Math.Min(n, _buffer.Length - _head);
        _buffer.AsSpan(_head, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        _head = (_head + n) % _buffer.Length;
        _count -= n;
        bytesRead = n;
        Trace(PipeAction.Read, 0, n);

        writerToWake = _spaceOrClose;
        _spaceOrClose = null;
        Monitor.PulseAll(_gate);
        AssertInvariants();
        return true;
    }

    // ---------------------------------------------------------------- writing

    /// <summary>
    /// Blocks until every byte of <paramref name="data"/> has been accepted into the pipe (piece by piece when it
    /// is larger than the free space). See the type's remarks for close, cancellation and timeout.
    /// </summary>
    public void Write(ReadOnlySpan<byte> data, CancellationToken cancellationToken = default) =>
        Write(data, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>As <see cref="Write(ReadOnlySpan{byte}, CancellationToken)"/>, with a timeout for the whole write.</summary>
    public void Write(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = new Deadline(timeout, _time, cancellationToken);
        BeginWrite();
        int accepted = 0;
        bool first = true;
        try
        {
            using var wake = RegisterWake(deadline.Token);
            lock (_gate)
            {
                while (true)
                {
                    accepted += TryWriteLocked(data[accepted..], first, data.Length, out TaskCompletionSource? reader);
                    first = false;
                    reader?.TrySetResult(); // continuations run asynchronously: safe under the lock
                    if (accepted == data.Length)
                        return;
                    ThrowIfInterrupted(deadline, data, accepted);
                    // Same lost-wake-up argument as in Read.
                    Monitor.Wait(_gate);
                }
            }
        }
        finally
        {
            EndWrite();
        }
    }

    /// <summary>
    /// Blocks until at least one byte fits (or the pipe closes), accepts as many bytes as fit and returns how
    /// many. Cancellation and timeout apply only before any byte is accepted, so they never lose data.
    /// </summary>
    public int WriteSome(ReadOnlySpan<byte> data, CancellationToken cancellationToken = default) =>
        WriteSome(data, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>As <see cref="WriteSome(ReadOnlySpan{byte}, CancellationToken)"/>, with a timeout.</summary>
    public int WriteSome(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (data.IsEmpty)
        {
            lock (_gate)
                ThrowIfWriteClosedLocked(data);
            return 0;
        }
        using var deadline = new Deadline(timeout, _time, cancellationToken);
        BeginWrite();
        try
        {
            using var wake = RegisterWake(deadline.Token);
            bool first = true;
            lock (_gate)
            {
                while (true)
                {
                    int n = TryWriteLocked(data, first, data.Length, out TaskCompletionSource? reader);
                    first = false;
                    reader?.TrySetResult();
                    if (n > 0)
                        return n;
                    ThrowIfInterrupted(deadline, data, 0);
                    Monitor.Wait(_gate);
                }
            }
        }
        finally
        {
            EndWrite();
        }
    }

    /// <summary>Asynchronous <see cref="Write(ReadOnlySpan{byte}, CancellationToken)"/>; never blocks a thread.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        WriteAsync(data, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Asynchronous <see cref="Write(ReadOnlySpan{byte}, TimeSpan, CancellationToken)"/>.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);

        // Fast path: it all fits now.
        BeginWrite();
        int accepted;
        try
        {
            TaskCompletionSource? reader;
            lock (_gate)
                accepted = TryWriteLocked(data.Span, firstAttempt: true, data.Length, out reader);
            reader?.TrySetResult();
            if (accepted == data.Length)
            {
                EndWrite();
                return ValueTask.CompletedTask;
            }
        }
        catch
        {
            EndWrite();
            throw;
        }
        return WriteSlowAsync(data, accepted, timeout, cancellationToken);
    }

    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> data, int accepted, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            using var deadline = new Deadline(timeout, _time, cancellationToken);
            while (true)
            {
                TaskCompletionSource? reader;
                TaskCompletionSource? wait = null;
                lock (_gate)
                {
                    accepted += TryWriteLocked(data.Span[accepted..], firstAttempt: false, data.Length, out reader);
                    if (accepted < data.Length)
                    {
                        ThrowIfInterrupted(deadline, data.Span, accepted);
                        wait = _spaceOrClose ??= NewWaiter();
                    }
                }
                reader?.TrySetResult();
                if (wait is null)
                    return;
                await AwaitSignal(wait, deadline.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            EndWrite();
        }
    }

    /// <summary>
    /// Under the lock: accepts as many bytes as fit; throws if the pipe is closed for writing. Returns the count
    /// accepted (0 when it must wait) and the asynchronous reader to wake. <paramref name="firstAttempt"/> marks a
    /// write call's first attempt: the spec's Write, as opposed to a later Copy of the bytes that did not fit.
    /// </summary>
    private int TryWriteLocked(ReadOnlySpan<byte> data, bool firstAttempt, int requested, out TaskCompletionSource? readerToWake)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        readerToWake = null;
        ThrowIfWriteClosedLocked(data);
        int n = Math.Min(data.Length, _buffer.Length - _count);
        if (n == 0)
        {
            if (firstAttempt) Trace(PipeAction.Write, requested, 0);
            return 0;
        }
        int tail = (_head + _count) % _buffer.Length;
        int first = Math.Min(n, _buffer.Length - tail);
        data[..first].CopyTo(_buffer.AsSpan(tail));
        data[first..n].CopyTo(_buffer);
        _count += n;
        Trace(firstAttempt ? PipeAction.Write : PipeAction.Copy, firstAttempt ? requested : 0, n);

        readerToWake = _dataOrClose;
        _dataOrClose = null;
        Monitor.PulseAll(_gate);
        AssertInvariants();
        return n;
    }

    private void ThrowIfWriteClosedLocked(ReadOnlySpan<byte> remaining)
    {
        if (_writeClosed || _readClosed)
        {
            Trace(PipeAction.HandBack, 0, remaining.Length);
            throw new EndpointClosedException(Name, remaining.ToArray(), hasUndelivered: true);
        }
    }

    private void ThrowIfInterrupted(in Deadline deadline, ReadOnlySpan<byte> data, int accepted)
    {
        if (!deadline.Token.IsCancellationRequested)
            return;
        if (accepted == 0)
        {
            deadline.ThrowIfExpired($"Write to '{Name}'");
        }
        Exception inner = deadline.Caller.IsCancellationRequested
            ? new OperationCanceledException(deadline.Caller)
            : new TimeoutException($"Write to '{Name}' did not complete within {deadline.Timeout}.");
        throw new PartialWriteException(Name, accepted, data.Length - accepted, inner);
    }

    /// <summary>Traces a step under the lock; with no tracer, one null check.</summary>
    private void Trace(PipeAction action, int requested, int bytes)
    {
        if (_tracer is { } tracer)
        {
            Debug.Assert(Monitor.IsEntered(_gate));
            tracer.OnEvent(new PipeTraceEvent(Name, action, requested, bytes, _count));
        }
    }

    // ---------------------------------------------------------------- closing

    /// <summary>
    /// Ends the stream. Buffered bytes stay readable, then reads return 0; blocked and later writes fail with
    /// <see cref="EndpointClosedException"/> carrying their unaccepted bytes. Idempotent.
    /// </summary>
    public void Close()
    {
        TaskCompletionSource? reader, writer;
        lock (_gate)
        {
            if (_writeClosed)
                return;
            _writeClosed = true;
            Trace(PipeAction.Close, 0, 0);
            (reader, writer) = TakeAllWaitersLocked();
            AssertInvariants();
        }
        reader?.TrySetResult();
        writer?.TrySetResult();
    }

    /// <summary>
    /// The reader gives up: writers fail as after <see cref="Close"/>, later reads fail with
    /// <see cref="EndpointClosedException"/>, and the unread buffered bytes are returned to the caller instead of
    /// being dropped. A second call returns an empty array.
    /// </summary>
    public byte[] CloseReader()
    {
        TaskCompletionSource? reader, writer;
        byte[] unread;
        lock (_gate)
        {
            _readClosed = true;
            unread = new byte[_count];
            int first = Math.Min(_count, _buffer.Length - _head);
            _buffer.AsSpan(_head, first).CopyTo(unread);
            _buffer.AsSpan(0, _count - first).CopyTo(unread.AsSpan(first));
            _head = 0;
            _count = 0;
            Trace(PipeAction.CloseReader, 0, unread.Length);
            (reader, writer) = TakeAllWaitersLocked();
            AssertInvariants();
        }
        reader?.TrySetResult();
        writer?.TrySetResult();
        return unread;
    }

    /// <summary>The read end as a <see cref="Stream"/>; disposing it is <see cref="CloseReader"/>.</summary>
    public PipeStream AsReadStream() => new(this, isReader: true);

    /// <summary>The write end as a <see cref="Stream"/>; disposing it is <see cref="Close"/>.</summary>
    public PipeStream AsWriteStream() => new(this, isReader: false);

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    private (TaskCompletionSource?, TaskCompletionSource?) TakeAllWaitersLocked()
    {
        var r = _dataOrClose;
        var w = _spaceOrClose;
        _dataOrClose = _spaceOrClose = null;
        Monitor.PulseAll(_gate);
        return (r, w);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>
    /// A synchronous waiter must wake when its token fires; Monitor.Wait cannot watch a token, so the
    /// registration pulses the monitor. Disposed outside the lock by the caller's <c>using</c>, because disposing
    /// waits for a running callback, and that callback needs the lock.
    /// </summary>
    private CancellationTokenRegistration RegisterWake(CancellationToken token) =>
        token.CanBeCanceled
            ? token.UnsafeRegister(static s =>
            {
                var self = (Pipe)s!;
                lock (self._gate)
                    Monitor.PulseAll(self._gate);
            }, this)
            : default;

    private static TaskCompletionSource NewWaiter() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task AwaitSignal(TaskCompletionSource wait, CancellationToken token)
    {
        try
        {
            await wait.Task.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Loop once more: progress made in the meantime wins over the cancellation. The caller's loop then
            // throws the precise error (cancelled vs timed out).
        }
    }

    private void BeginRead()
    {
        lock (_gate)
        {
            if (_reading)
                throw new InvalidOperationException($"'{Name}' has one reader: a read started while another was in progress.");
            _reading = true;
        }
    }

    private void EndRead()
    {
        lock (_gate)
            _reading = false;
    }

    private void BeginWrite()
    {
        lock (_gate)
        {
            if (_writing)
                throw new InvalidOperationException($"'{Name}' has one writer: a write started while another was in progress.");
            _writing = true;
        }
    }

    private void EndWrite()
    {
        lock (_gate)
            _writing = false;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        Debug.Assert(_count >= 0 && _count <= _buffer.Length, "buffered byte count within 0..capacity");
        Debug.Assert(_head >= 0 && _head < _buffer.Length, "head index inside the ring");
        Debug.Assert(_dataOrClose is null || (_count == 0 && !_writeClosed && !_readClosed),
            "an async reader waits ⇒ nothing buffered and the pipe open (every change that lets it go wakes it)");
        Debug.Assert(_spaceOrClose is null || (_count == _buffer.Length && !_writeClosed && !_readClosed),
            "an async writer waits ⇒ the pipe is full and open");
        Debug.Assert(!_readClosed || _count == 0, "reader closed ⇒ buffered bytes were handed back");
    }
}

/// <summary>
/// A pipe write was cancelled or timed out after part of it had been accepted. The accepted bytes are in the
/// stream and will be read; the rest was not written. The cause is the inner exception.
/// </summary>
public sealed class PartialWriteException : IpcException
{
    public PartialWriteException(string endpoint, int bytesWritten, int bytesNotWritten, Exception inner)
        : base($"Write to '{endpoint}' was interrupted after {bytesWritten} bytes; {bytesNotWritten} bytes were not written.", inner)
    {
        Endpoint = endpoint;
        BytesWritten = bytesWritten;
        BytesNotWritten = bytesNotWritten;
    }

    public string Endpoint { get; }

    /// <summary>Bytes of the write that entered the stream.</summary>
    public int BytesWritten { get; }

    /// <summary>Bytes of the write that did not.</summary>
    public int BytesNotWritten { get; }
}
