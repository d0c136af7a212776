namespace VerifiedIpc.Reference.Streams;

/// <summary>
/// One end of a <see cref="Pipe"/> as a <see cref="Stream"/>, so the pipe drops into code written against
/// streams (<see cref="StreamReader"/>, <see cref="Stream.CopyToAsync(Stream)"/>, serializers).
/// </summary>
/// <remarks>
/// The write end is not seekable and has no length. Disposing the write end closes the pipe (the reader sees end
/// of stream after the buffered bytes); disposing the read end is <see cref="Pipe.CloseReader"/>, and the unread
/// bytes it hands back are available from <see cref="UnreadOnClose"/>. <see cref="Flush"/> does nothing: bytes are
/// visible to the reader as soon as a write accepts them.
/// </remarks>
public sealed class PipeStream : Stream
{
    private readonly Pipe _pipe;
    private readonly bool _isReader;
    private bool _disposed;

    internal PipeStream(Pipe pipe, bool isReader)
    {
        _pipe = pipe;
        _isReader = isReader;
    }

    /// <summary>After the read end is disposed: the bytes that were buffered and never read.</summary>
    public byte[] UnreadOnClose { get; private set; } = [];

    public override bool CanRead => _isReader && !_disposed;
    public override bool CanWrite => !_isReader && !_disposed;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException("A pipe has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A pipe has no position.");
        set => throw new NotSupportedException("A pipe has no position.");
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        EnsureReader();
        return _pipe.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReader();
        return _pipe.ReadAsync(buffer, cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWriter();
        _pipe.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureWriter();
        return _pipe.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => ObjectDisposedException.ThrowIf(_disposed, this);

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A pipe cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A pipe has no length.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (_isReader)
                UnreadOnClose = _pipe.CloseReader();
            else
                _pipe.Close();
        }
        base.Dispose(disposing);
    }

    private void EnsureReader()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_isReader)
            throw new NotSupportedException("This is the write end of the pipe.");
    }

    private void EnsureWriter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_isReader)
            throw new NotSupportedException("This is the read end of the pipe.");
    }
}
