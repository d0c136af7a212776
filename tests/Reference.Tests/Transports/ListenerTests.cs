using System.Net;
using System.Net.Sockets;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// Socket and pipe listeners and connectors in one process: their defaults, the checks on their arguments, the
/// options they pass on to each connection, the open-connection count, a caller's cancellation (not a rejected
/// peer), and the anonymous-pipe pair used by the cross-process tests, connected here to itself.
/// </summary>
public sealed class ListenerTests : IDisposable
{
    private static readonly ProcessId P1 = new(1), P2 = new(2);
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);
    private readonly string _dir = SocketTransport.CreatePrivateDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Options_default_to_a_megabyte_five_seconds_and_the_system_clock()
    {
        var s = new SocketTransportOptions();
        Assert.Equal((1024 * 1024, 64, TimeSpan.FromSeconds(5)), (s.MaxMessageSize, s.MaxConnections, s.HandshakeTimeout));
        Assert.Null(s.AllowedPeerUids);
        Assert.Same(TimeProvider.System, s.TimeProvider);
        var p = new PipeTransportOptions();
        Assert.Equal((1024 * 1024, 16, TimeSpan.FromSeconds(5)), (p.MaxMessageSize, p.MaxConnections, p.HandshakeTimeout));
        Assert.Same(TimeProvider.System, p.TimeProvider);
    }

    [Fact]
    public async Task Listeners_and_connectors_refuse_missing_addresses()
    {
        Assert.Throws<ArgumentNullException>(() => SocketTransport.ListenUnix(null!, P1));
        Assert.Throws<ArgumentException>(() => SocketTransport.ListenUnix("", P1));
        Assert.Throws<ArgumentNullException>(() => SocketTransport.ListenTcp(null!, P1));
        Assert.Throws<ArgumentException>(() => PipeTransport.ListenNamed("", P1));
        await Assert.ThrowsAsync<ArgumentException>(() => PipeTransport.ConnectNamedAsync("", P1));
        Assert.Throws<ArgumentNullException>(() => PipeTransport.ParseHandles(null!));
    }

    [Fact]
    public void A_private_directory_is_a_fresh_owner_only_directory_under_temp()
    {
        string other = SocketTransport.CreatePrivateDirectory();
        try
        {
            Assert.NotEqual(_dir, other);
            Assert.Equal(Path.GetFullPath(Path.GetTempPath()).TrimEnd('/'), Path.GetDirectoryName(other));
            Assert.Matches("^vipc-[0-9a-f]{12}$", Path.GetFileName(other));
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(other));
        }
        finally
        {
            Directory.Delete(other);
        }
    }

    [Fact]
    public async Task A_tcp_pair_carries_the_size_limit_asked_for_and_the_listener_counts_open_connections()
    {
        var options = new SocketTransportOptions { MaxMessageSize = 5000 };
        await using var listener = SocketTransport.ListenTcp(AnyLoopback, P1, options);
        Assert.Equal(0, listener.OpenConnections);
        var accept = listener.AcceptAsync();
        var client = await SocketTransport.ConnectTcpAsync((IPEndPoint)listener.LocalEndPoint, P2, options).Within();
        var served = await accept.Within();
        Assert.Equal((5000, 5000), (client.MaxMessageSize, served.MaxMessageSize));
        Assert.Equal((P2, P1), (served.Remote, client.Remote));
        Assert.Equal(1, listener.OpenConnections);
        await client.SendAsync(new byte[5000]).Within();
        Assert.Equal(5000, (await served.ReceiveAsync().Within())!.Length);
        await served.DisposeAsync();
        Assert.Equal(0, listener.OpenConnections);
        await client.DisposeAsync();
        Assert.Equal(0, listener.Rejected);
        Assert.Null(listener.LastRejection);

        var defaults = SocketTransport.ListenTcp(AnyLoopback, P1);
        await using var _ = defaults;
        var acceptDefault = defaults.AcceptAsync();
        await using var c2 = await SocketTransport.ConnectTcpAsync((IPEndPoint)defaults.LocalEndPoint, P2).Within();
        await using var s2 = await acceptDefault.Within();
        Assert.Equal((1024 * 1024, 1024 * 1024), (c2.MaxMessageSize, s2.MaxMessageSize));
    }

    [Fact]
    public async Task A_unix_pair_carries_the_size_limit_asked_for_and_an_occupied_path_is_refused()
    {
        string path = Path.Combine(_dir, "s");
        var options = new SocketTransportOptions { MaxMessageSize = 300 };
        await using (var listener = SocketTransport.ListenUnix(path, P1, options))
        {
            Assert.ThrowsAny<SocketException>(() => SocketTransport.ListenUnix(path, P2));
            var accept = listener.AcceptAsync();
            await using var client = await SocketTransport.ConnectUnixAsync(path, P2, options).Within();
            await using var served = await accept.Within();
            Assert.Equal((300, 300), (client.MaxMessageSize, served.MaxMessageSize));
            Assert.True(File.Exists(path), "the occupied path's socket file survives the refused listener");
        }
        Assert.False(File.Exists(path));
        await using var again = SocketTransport.ListenUnix(path, P1); // the path is free once its listener has gone
        File.Delete(path);
        await again.DisposeAsync(); // and disposing copes with a file already removed
    }

    [Fact]
    public async Task A_connect_to_nobody_fails_and_an_accept_the_caller_cancels_is_no_rejection()
    {
        string path = Path.Combine(_dir, "nobody");
        await Assert.ThrowsAnyAsync<SocketException>(() => SocketTransport.ConnectUnixAsync(path, P1));
        await using var listener = SocketTransport.ListenTcp(AnyLoopback, P1);
        using var cts = new CancellationTokenSource();
        var accept = listener.AcceptAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accept.Within());
        Assert.Equal(0, listener.Rejected);
    }

    [Fact]
    public void Peer_credentials_exist_only_for_unix_sockets()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.False(PeerCredentials.TryGet(tcp, out var none));
        Assert.Equal(default, none);
    }

    [Fact]
    public async Task An_anonymous_pipe_pair_connects_once_with_the_size_limit_asked_for()
    {
        var options = new PipeTransportOptions { MaxMessageSize = 700 };
        var parent = PipeTransport.CreateForChild(options);
        var (input, output) = PipeTransport.ParseHandles(parent.ChildArgument);
        Assert.True(long.Parse(input) >= 0 && long.Parse(output) >= 0);
        // The "child" is this process, with descriptors of its own (never the parent's: see InProcessPipeChild).
        var childSide = PipeTransport.ConnectToParentAsync(InProcessPipeChild.Argument(parent), P2, options);
        var parentSide = parent.ConnectAsync(P1);
        await using var child = await childSide.Within();
        await using var connection = await parentSide.Within();
        Assert.Equal((700, 700), (child.MaxMessageSize, connection.MaxMessageSize));
        Assert.Equal((P2, P1), (connection.Remote, child.Remote));
        await child.SendAsync(new byte[] { 1, 2 }).Within();
        Assert.Equal([1, 2], await connection.ReceiveAsync().Within());
        var twice = await Assert.ThrowsAsync<InvalidOperationException>(() => parent.ConnectAsync(P1));
        Assert.Equal("The anonymous pipes already carry a connection.", twice.Message);
        await parent.DisposeAsync(); // the connection owns the pipes: disposing the parent leaves them open
        await connection.SendAsync(new byte[] { 3 }).Within();
        Assert.Equal([3], await child.ReceiveAsync().Within());
    }

    [Fact]
    public async Task An_unused_anonymous_pipe_parent_can_be_disposed_twice()
    {
        var parent = PipeTransport.CreateForChild();
        await parent.DisposeAsync();
        await parent.DisposeAsync();
    }

    [Fact]
    public async Task Handles_that_name_no_open_pipe_end_are_refused_naming_them()
    {
        // Numbers no descriptor of this process can have. (Never the numbers of handles just closed: in a test
        // process running tests in parallel the system hands those out again at once, and the refused handles
        // are closed on the way out, which would close another test's socket.)
        const string arg = "2147483646,2147483647";
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => PipeTransport.ConnectToParentAsync(arg, P2).Within());
        Assert.Equal("handles", ex.ParamName);
        Assert.StartsWith($"Pipe handles '{arg}' are not open pipe ends of this process", ex.Message);
    }

    [Theory]
    [InlineData("a,2", "Pipe handle IN in 'a,2' is 'a', not a non-negative integer.")]
    [InlineData("1,-2", "Pipe handle OUT in '1,-2' is '-2', not a non-negative integer.")]
    [InlineData("1,2,3", "Pipe handles must be 'IN,OUT' (two handle numbers separated by a comma), not '1,2,3'.")]
    public void Malformed_handle_arguments_say_which_part_is_wrong(string handles, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => PipeTransport.ParseHandles(handles));
        Assert.Equal("handles", ex.ParamName);
        Assert.StartsWith(message, ex.Message);
        Assert.Equal(("12", "34"), PipeTransport.ParseHandles("12,34"));
    }

    [Fact]
    public async Task A_named_pipe_listener_closed_before_any_accept_removes_its_socket_file()
    {
        string path = Path.Combine(_dir, "unused");
        var listener = PipeTransport.ListenNamed(path, P1);
        Assert.True(File.Exists(path), "the name exists as soon as the listener does");
        await listener.DisposeAsync();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_tcp_port_in_use_is_refused_and_a_closed_listener_gives_its_port_back()
    {
        var first = SocketTransport.ListenTcp(AnyLoopback, P1);
        var taken = (IPEndPoint)first.LocalEndPoint;
        Assert.ThrowsAny<SocketException>(() => SocketTransport.ListenTcp(taken, P2));
        await first.DisposeAsync();
        await using var again = SocketTransport.ListenTcp(taken, P2);
        Assert.Equal(taken.Port, ((IPEndPoint)again.LocalEndPoint).Port);
    }

    [Fact]
    public async Task Closing_a_tcp_connection_closes_its_socket_on_both_the_accepting_and_the_connecting_side()
    {
        var codec = new VerifiedIpc.Reference.Framing.FrameCodec();
        byte[] hello = codec.Encode(new(VerifiedIpc.Reference.Framing.FrameKind.Hello, VerifiedIpc.Reference.Framing.FrameFlags.None, P2, ProcessId.Any, 0, 0), []);

        // Reads what the library's end writes until the socket ends: its Hello and Close frames, then the end.
        static async Task ReadToEndAsync(Socket raw)
        {
            var buffer = new byte[256];
            while (await raw.ReceiveAsync(buffer, SocketFlags.None).Within() > 0) { }
        }

        // Accepting side: a raw peer connects and says hello; the accepted connection is then closed.
        await using (var listener = SocketTransport.ListenTcp(AnyLoopback, P1))
        {
            using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var accept = listener.AcceptAsync();
            await raw.ConnectAsync(listener.LocalEndPoint).WaitAsync(TimeSpan.FromSeconds(30));
            await raw.SendAsync(hello, SocketFlags.None);
            await (await accept.Within()).DisposeAsync();
            await ReadToEndAsync(raw);
        }

        // Connecting side: a raw listener accepts the library's connect and says hello; the library's end closes.
        using var rawListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        rawListener.Bind(AnyLoopback);
        rawListener.Listen(1);
        var connect = SocketTransport.ConnectTcpAsync((IPEndPoint)rawListener.LocalEndPoint!, P1);
        using var peer = await rawListener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await peer.SendAsync(hello, SocketFlags.None);
        await (await connect.Within()).DisposeAsync();
        await ReadToEndAsync(peer);
    }

    [Fact]
    public async Task A_caller_cancelling_during_the_handshake_is_no_rejection()
    {
        await using var listener = SocketTransport.ListenTcp(AnyLoopback, P1);
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource();
        var accept = listener.AcceptAsync(cts.Token);
        await raw.ConnectAsync(listener.LocalEndPoint).WaitAsync(TimeSpan.FromSeconds(30));
        // The listener's Hello arriving means it is waiting for ours: cancel now, inside the handshake.
        var hello = new byte[64];
        Assert.True(await raw.ReceiveAsync(hello, SocketFlags.None).Within() > 0);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accept.Within());
        Assert.Equal(0, listener.Rejected);
        Assert.Null(listener.LastRejection);
    }

    [Fact]
    public async Task A_named_pipe_listener_names_itself_passes_on_its_options_and_refuses_accepts_once_disposed()
    {
        string path = Path.Combine(_dir, "named");
        var options = new PipeTransportOptions { MaxMessageSize = 900 };
        var listener = PipeTransport.ListenNamed(path, P1, options);
        Assert.Equal(path, listener.Name);
        using (var cts = new CancellationTokenSource())
        {
            var cancelled = listener.AcceptAsync(cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Within());
        }
        var accept = listener.AcceptAsync(); // a fresh instance after the cancelled one
        await using (var client = await PipeTransport.ConnectNamedAsync(path, P2, options).Within())
        await using (var served = await accept.Within())
        {
            Assert.Equal((900, 900), (client.MaxMessageSize, served.MaxMessageSize));
            Assert.Equal(P2, served.Remote);
        }
        await listener.DisposeAsync();
        await listener.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => listener.AcceptAsync());
    }
}
