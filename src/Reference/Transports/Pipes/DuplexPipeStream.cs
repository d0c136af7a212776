namespace VerifiedIpc.Reference.Transports.Pipes;

/// <summary>
/// One two-way <see cref="Stream"/> made of two one-way streams (an anonymous pipe is one-way, so a connection
/// needs a pair): reads come from <see cref="Input"/>, writes go to <see cref="Output"/>. Disposing closes both,
/// which the peer sees as end of stream.
/// </summary>
public sealed class DuplexPipeStream : Stream
{
    /// <param name="input">The stream read from; owned.</param>
    /// <param name="output">The stream written to; owned.</param>
    public DuplexPipeStream(Stream input, Stream output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (!input.CanRead)
            throw new ArgumentException("The input stream cannot be read.", nameof(input));
        if (!output.CanWrite)
            throw new ArgumentException("The output stream cannot be written.", nameof(output));
        Input = input;
        Output = output;
    }

    /// <summary>Where reads come from.</summary>
    public Stream Input { get; }

    /// <summary>Where writes go.</summary>
    public Stream Output { get; }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Input.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => Input.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Input.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Input.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Output.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => Output.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Output.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => Output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Output.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Output first: the peer's read then ends even if closing our input blocks or throws.
            try
            {
                Output.Dispose();
            }
            finally
            {
                Input.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await Output.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Input.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }
}
