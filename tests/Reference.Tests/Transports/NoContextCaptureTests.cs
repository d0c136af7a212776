using System.Net;
using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Streams;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// The transports never resume on their caller's <see cref="SynchronizationContext"/>: each call is started under a
/// <see cref="StalledContext"/> and must complete with nothing posted to it (the in-process primitives:
/// <see cref="InProcessNoContextCaptureTests"/>).
/// </summary>
public sealed class NoContextCaptureTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2);

    private readonly StalledContext _context = new();

    private Task<T> Under<T>(Func<Task<T>> start) => _context.Under(start);

    private Task Under(Func<Task> start) => _context.Under(start);

    private TTask Start<TTask>(Func<TTask> start) => _context.Start(start);

    [Fact]
    public async Task Tcp_connect_accept_send_receive_and_close_never_resume_on_the_callers_context()
    {
        await using var listener = SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), P1);
        var accept = Under(() => listener.AcceptAsync());
        var client = await Under(() => SocketTransport.ConnectTcpAsync((IPEndPoint)listener.LocalEndPoint, P2));
        var server = await accept;
        var receive = Under(() => server.ReceiveAsync());
        await Under(() => client.SendAsync(new byte[] { 1 }));
        Assert.Equal([1], await receive);
        var end = Under(() => server.ReceiveAsync());
        await Under(() => client.DisposeAsync().AsTask());
        Assert.Null(await end);
        await Under(() => server.DisposeAsync().AsTask());
    }

    [Fact]
    public async Task Named_pipe_connect_accept_and_listener_close_never_resume_on_the_callers_context()
    {
        string dir = SocketTransport.CreatePrivateDirectory();
        try
        {
            string path = Path.Combine(dir, "p");
            var listener = PipeTransport.ListenNamed(path, P1);
            var accept = Under(() => listener.AcceptAsync());
            await using var client = await Under(() => PipeTransport.ConnectNamedAsync(path, P2));
            await using var served = await accept;
            var idle = PipeTransport.ListenNamed(Path.Combine(dir, "idle"), P1);
            await Under(() => idle.DisposeAsync().AsTask());
            await Under(() => listener.DisposeAsync().AsTask());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task The_anonymous_pipe_pair_never_resumes_on_the_callers_context()
    {
        var parent = PipeTransport.CreateForChild();
        var child = Under(() => PipeTransport.ConnectToParentAsync(InProcessPipeChild.Argument(parent), P2));
        await using var connection = await Under(() => parent.ConnectAsync(P1));
        await using var childConnection = await child;
        var unused = PipeTransport.CreateForChild();
        await Under(() => unused.DisposeAsync().AsTask());
    }

    [Fact]
    public async Task Fragmenting_and_reliable_connections_never_resume_on_the_callers_context()
    {
        using var faulty = new FaultyLink(new SeededFaultSchedule(0, FaultRates.None), TimeProvider.System, P1, P2, maxDatagramSize: 100);
        var a = new FragmentingConnection(new ReliableConnection(faulty.A));
        var b = new FragmentingConnection(new ReliableConnection(faulty.B));
        var message = Enumerable.Range(0, 500).Select(i => (byte)i).ToArray();
        var receive = Under(() => b.ReceiveAsync());
        await Under(() => a.SendAsync(message));
        Assert.Equal(message, await receive);
        await a.DisposeAsync();
        await b.DisposeAsync();
    }

    [Fact]
    public async Task A_stream_connection_over_pipes_never_resumes_on_the_callers_context()
    {
        var ab = new Pipe(1 << 16);
        var ba = new Pipe(1 << 16);
        var openA = Under(() => StreamFrameConnection.OpenAsync(new DuplexPipeStream(ba.AsReadStream(), ab.AsWriteStream()), P1));
        var openB = Under(() => StreamFrameConnection.OpenAsync(new DuplexPipeStream(ab.AsReadStream(), ba.AsWriteStream()), P2));
        await using var a = await openA;
        await using var b = await openB;
        var receive = Under(() => b.ReceiveAsync());
        await Under(() => a.SendAsync(new byte[] { 7 }));
        Assert.Equal([7], await receive);
    }

    /// <summary>
    /// Wraps a stream so that every asynchronous operation really suspends (a timer fires first): over a wrapped
    /// stream every await in the connection is one that resumes later, which is what shows where it resumes.
    /// </summary>
    private sealed class SuspendingStream(Stream inner) : Stream
    {
        private static Task Later() => Task.Delay(1);
        public override bool CanRead => inner.CanRead;
        public override bool CanWrite => inner.CanWrite;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Later().ConfigureAwait(false);
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Later().ConfigureAwait(false);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override async ValueTask DisposeAsync()
        {
            await Later().ConfigureAwait(false);
            await inner.DisposeAsync().ConfigureAwait(false);
            Dispose(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private static Stream Suspending(Pipe input, Pipe output) =>
        new DuplexPipeStream(new SuspendingStream(input.AsReadStream()), new SuspendingStream(output.AsWriteStream()));

    [Fact]
    public async Task A_stream_connection_whose_every_await_suspends_never_resumes_on_the_callers_context()
    {
        var ab = new Pipe(1 << 16);
        var ba = new Pipe(1 << 16);
        var openA = Under(() => StreamFrameConnection.OpenAsync(Suspending(ba, ab), P1));
        var openB = Under(() => StreamFrameConnection.OpenAsync(Suspending(ab, ba), P2));
        var a = await openA;
        var b = await openB;
        // Two sends at once: the second waits for the write lock while the first is suspended in its write.
        var first = Under(() => a.SendAsync(new byte[] { 1 }));
        var second = Under(() => a.SendAsync(new byte[] { 2 }));
        await first;
        await second;
        Assert.Equal([1], await Under(() => b.ReceiveAsync()));
        Assert.Equal([2], await Under(() => b.ReceiveAsync()));
        await Under(() => a.DisposeAsync().AsTask());
        Assert.Null(await Under(() => b.ReceiveAsync()));
        await Under(() => b.DisposeAsync().AsTask());
    }

    private static readonly FrameCodec Codec = new();

    private static byte[] FrameFrom(ProcessId source, FrameKind kind) =>
        Codec.Encode(new FrameHeader(kind, FrameFlags.None, source, P1, 1, 0), kind == FrameKind.Data ? new byte[] { 9 } : []);

    [Fact]
    public async Task A_stream_connection_breaking_on_a_bad_peer_never_resumes_on_the_callers_context()
    {
        // The peer's first frame is not a Hello: the open fails and disposes the connection on its way out.
        var toConnection = new Pipe(1 << 16);
        var fromConnection = new Pipe(1 << 16);
        toConnection.Write(FrameFrom(P2, FrameKind.Data));
        var open = Start(() => StreamFrameConnection.OpenAsync(Suspending(toConnection, fromConnection), P1));
        await Assert.ThrowsAsync<FrameFormatException>(() => open.Within());
        Assert.Equal(0, _context.Posts);

        // A cancelled open: it fails before its first suspension, so the disposal on its way out runs on the
        // caller's own context and must not come back to it.
        var cancelled = Start(() => StreamFrameConnection.OpenAsync(
            Suspending(new Pipe(1 << 16), new Pipe(1 << 16)), P1, cancellationToken: new CancellationToken(true)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Within());
        Assert.Equal(0, _context.Posts);

        // A second Hello on an open connection, read together with the first: the receive finds it in its buffer,
        // so it breaks the stream before any suspension of its own, then fails.
        toConnection = new Pipe(1 << 16);
        fromConnection = new Pipe(1 << 16);
        toConnection.Write([.. FrameFrom(P2, FrameKind.Hello), .. FrameFrom(P2, FrameKind.Hello)]);
        var c = await Under(() => StreamFrameConnection.OpenAsync(Suspending(toConnection, fromConnection), P1));
        var receive = Start(() => c.ReceiveAsync());
        await Assert.ThrowsAsync<FrameFormatException>(() => receive.Within());
        Assert.Equal(0, _context.Posts);
        await c.DisposeAsync();
    }

    [Fact]
    public async Task Disposing_a_stream_connection_during_a_send_never_resumes_on_the_callers_context()
    {
        // The send holds the write lock while suspended in its write, so disposing skips the Close frame and goes
        // straight to closing the stream: that close is the first await to suspend.
        var toConnection = new Pipe(1 << 16);
        toConnection.Write(FrameFrom(P2, FrameKind.Hello));
        var c = await Under(() => StreamFrameConnection.OpenAsync(Suspending(toConnection, new Pipe(1 << 16)), P1));
        var sending = Start(() => c.SendAsync(new byte[] { 1 }));
        await Under(() => c.DisposeAsync().AsTask());
        try
        {
            await sending.Within(); // the write may land before the stream closes, or fail because it has
        }
        catch (Exception e) when (e is EndpointClosedException or ObjectDisposedException or IOException)
        {
        }
        Assert.Equal(0, _context.Posts);
    }

    [Fact]
    public async Task A_duplex_stream_closing_a_suspending_input_never_resumes_on_the_callers_context()
    {
        var input = new Pipe(16);
        var output = new Pipe(16);
        var duplex = new DuplexPipeStream(new SuspendingStream(input.AsReadStream()), output.AsWriteStream());
        await Under(() => duplex.DisposeAsync().AsTask());
    }
}
