using System.Net;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Streams;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// Library code must never resume on its caller's <see cref="SynchronizationContext"/>: an application with a
/// single-threaded context (a UI thread) that blocks on one of these calls would otherwise deadlock. Each call is
/// started under a context that never runs what is posted to it and counts the posts; the call must still
/// complete, and nothing may have been posted.
/// </summary>
public sealed class NoContextCaptureTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2);

    /// <summary>A context that swallows every continuation posted to it.</summary>
    private sealed class StalledContext : SynchronizationContext
    {
        public int Posts;
        public override void Post(SendOrPostCallback d, object? state) => Interlocked.Increment(ref Posts);
        public override void Send(SendOrPostCallback d, object? state) => throw new InvalidOperationException("no synchronous sends");
    }

    private readonly StalledContext _context = new();

    /// <summary>Starts <paramref name="start"/> with the stalled context current, then awaits it from outside it.</summary>
    private async Task<T> Under<T>(Func<Task<T>> start)
    {
        var task = Start(start);
        var result = await task.Within();
        Assert.Equal(0, _context.Posts);
        return result;
    }

    private async Task Under(Func<Task> start)
    {
        var task = Start(start);
        await task.Within();
        Assert.Equal(0, _context.Posts);
    }

    /// <summary>Only the synchronous start runs under the context (the test's own awaits must not).</summary>
    private TTask Start<TTask>(Func<TTask> start)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_context);
        try
        {
            return start();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

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
        var child = Under(() => PipeTransport.ConnectToParentAsync(parent.ChildArgument, P2));
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
}
