using System.Buffers;
using VerifiedIpc.Reference.Framing;

namespace VerifiedIpc.Reference.Transports;

/// <summary>
/// Messages as frames over a byte stream (a socket's <see cref="System.Net.Sockets.NetworkStream"/>, a pipe, a
/// <see cref="Streams.PipeStream"/>). The connection opens with a Hello frame each way, which tells each side the
/// other's process id; each message is one Data frame; an orderly close sends a Close frame.
/// </summary>
/// <remarks>
/// <para>Reads are bounded: the read buffer grows only up to one maximal frame
/// (<see cref="FrameCodec.MaxFrameLength"/>), and a length prefix over the maximum is rejected before any of its
/// bytes are awaited. Any format error closes the connection, because a byte stream gives no way to find the next
/// frame boundary after a bad one.</para>
/// <para>One receiver at a time; sends may come from several threads (they are serialised by an async lock).</para>
/// </remarks>
public sealed class StreamFrameConnection : IMessageConnection
{
    private readonly Stream _stream;
    private readonly FrameCodec _codec;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Action? _onDisposed;
    private readonly TimeProvider _time;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;
    private ulong _sequence;
    private int _receiving;
    private bool _peerClosed;
    private int _disposed;

    private StreamFrameConnection(Stream stream, FrameCodec codec, ProcessId local, ProcessId remote, Action? onDisposed,
        TimeProvider time)
    {
        _time = time;
        _stream = stream;
        _codec = codec;
        Local = local;
        Remote = remote;
        _onDisposed = onDisposed;
    }

    public ProcessId Local { get; }
    public ProcessId Remote { get; private set; }
    public int MaxMessageSize => _codec.MaxPayloadLength;

    /// <summary>
    /// Opens a connection over <paramref name="stream"/> (owned from then on): sends Hello and waits for the peer's.
    /// </summary>
    /// <param name="stream">The byte stream; owned from then on.</param>
    /// <param name="local">This end's process id, sent in Hello.</param>
    /// <param name="maxMessageSize">Largest message either way.</param>
    /// <param name="cancellationToken">Ends the wait for the peer's Hello.</param>
    /// <param name="onDisposed">Runs once when the connection is disposed.</param>
    /// <param name="timeProvider">Clock of the close timer (how long a best-effort Close frame may take);
    /// the system clock when null.</param>
    /// <exception cref="FrameFormatException">The peer's first frame is malformed or not a Hello.</exception>
    /// <exception cref="EndpointClosedException">The stream ended before the peer's Hello.</exception>
    public static async Task<StreamFrameConnection> OpenAsync(Stream stream, ProcessId local, int maxMessageSize = 1024 * 1024,
        CancellationToken cancellationToken = default, Action? onDisposed = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var connection = new StreamFrameConnection(stream, new FrameCodec(maxMessageSize), local, ProcessId.Any, onDisposed,
            timeProvider ?? TimeProvider.System);
        try
        {
            await connection.WriteFrameAsync(new FrameHeader(FrameKind.Hello, FrameFlags.None, local, ProcessId.Any, 0, 0),
                ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            var hello = await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new EndpointClosedException($"connection of {local}: the peer closed before saying hello");
            if (hello.Header.Kind != FrameKind.Hello)
                throw new FrameFormatException(FrameField.Kind, 5, $"the first frame must be Hello, not {hello.Header.Kind}");
            connection.Remote = hello.Header.Source;
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (message.Length > MaxMessageSize)
            throw new MessageTooLargeException(message.Length, MaxMessageSize);
        ulong seq = Interlocked.Increment(ref _sequence);
        await WriteFrameAsync(new FrameHeader(FrameKind.Data, FrameFlags.None, Local, Remote, seq, 0), message, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _receiving, 1) == 1)
            throw new InvalidOperationException("One receive at a time on a stream connection.");
        try
        {
            while (true)
            {
                var frame = await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                if (frame is null)
                    return null;
                switch (frame.Value.Header.Kind)
                {
                    case FrameKind.Data:
                        // ReadFrameAsync already copied the payload into an array of its own: hand that over.
                        return System.Runtime.InteropServices.MemoryMarshal.TryGetArray(frame.Value.Payload, out var whole)
                               && whole.Offset == 0 && whole.Count == whole.Array!.Length
                            ? whole.Array
                            : frame.Value.Payload.ToArray();
                    case FrameKind.Close:
                        _peerClosed = true;
                        return null;
                    case FrameKind.Hello:
                        await BreakAsync().ConfigureAwait(false);
                        throw new FrameFormatException(FrameField.Kind, 5, "a second Hello on an open connection");
                    default:
                        continue; // acks have no meaning on a reliable stream; tolerated for forward compatibility
                }
            }
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    /// <summary>How long disposing waits for the best-effort Close frame to be written.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Sends Close (best effort, for at most <see cref="CloseTimeout"/>) and closes the stream. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        try
        {
            if (_writeLock.Wait(0))
            {
                try
                {
                    var close = _codec.Encode(new FrameHeader(FrameKind.Close, FrameFlags.None, Local, Remote, 0, 0), []);
                    using var cts = new CancellationTokenSource(CloseTimeout, _time);
                    await _stream.WriteAsync(close, cts.Token).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException or EndpointClosedException)
        {
            // The peer may already be gone; closing must still succeed.
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
        _onDisposed?.Invoke();
    }

    private async Task WriteFrameAsync(FrameHeader header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        int length = FrameCodec.GetEncodedLength(payload.Length);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            _codec.Encode(header, payload.Span, rented);
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ThrowIfDisposed();
                await _stream.WriteAsync(rented.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new EndpointClosedException($"connection {Local}→{Remote} ({e.Message})", payload.ToArray(), hasUndelivered: true);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The next frame, or null at an orderly end (Close already seen).</summary>
    private async Task<Frame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        if (_peerClosed)
            return null;
        while (true)
        {
            ThrowIfDisposed();
            try
            {
                if (_codec.TryDecode(_buffer.AsSpan(_start, _end - _start), out var header, out var payload, out int used))
                {
                    var frame = new Frame(header, payload.ToArray());
                    _start += used;
                    return frame;
                }
            }
            catch (FrameFormatException)
            {
                await BreakAsync().ConfigureAwait(false);
                throw;
            }

            MakeRoom();
            int n;
            try
            {
                n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new EndpointClosedException($"connection {Local}←{Remote} broke ({e.Message})");
            }
            if (n == 0)
            {
                int partial = _end - _start;
                await BreakAsync().ConfigureAwait(false);
                if (partial > 0)
                    throw new FrameFormatException(FrameField.Length, 0,
                        $"truncated: the connection ended {partial} bytes into a frame");
                throw new EndpointClosedException($"connection {Local}←{Remote}: the peer vanished without closing");
            }
            _end += n;
        }
    }

    /// <summary>
    /// Compacts the buffer and grows it (doubling) when a frame needs more room. Growth is bounded by one maximal
    /// frame: <see cref="FrameCodec.TryDecode(ReadOnlySpan{byte}, out FrameHeader, out ReadOnlySpan{byte}, out int)"/>
    /// has already rejected any length prefix over the maximum.
    /// </summary>
    private void MakeRoom()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            int grown = (int)Math.Min((long)_buffer.Length * 2, _codec.MaxFrameLength);
            if (grown <= _buffer.Length)
                throw new InvalidOperationException("Read buffer full below the frame limit: a codec invariant was broken.");
            Array.Resize(ref _buffer, grown);
        }
    }

    private async Task BreakAsync()
    {
        _peerClosed = true;
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
            throw new EndpointClosedException($"connection {Local}→{Remote}");
    }
}
