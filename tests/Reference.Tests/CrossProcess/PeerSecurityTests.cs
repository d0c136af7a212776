using VerifiedIpc.ProcessHost;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Reference.Tests.CrossProcess;

/// <summary>
/// Who may connect: a Unix socket is owner-only on disk, the kernel-reported uid of a real child process is
/// checked against the allow-list, and nothing (socket file, directory) is left behind.
/// </summary>
[Collection(CrossProcessCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // POSIX modes, SO_PEERCRED, named pipes as socket files
public sealed class PeerSecurityTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_unix_socket_is_owner_only_in_an_owner_only_directory_and_is_removed_afterwards()
    {
        using var cts = new CancellationTokenSource(Bound);
        string path;
        await using (var s = await CrossProcessSession.StartAsync(Transport.Uds, ["sink", "--count", "1"], cts.Token))
        {
            path = s.Address!;
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(Path.GetDirectoryName(path)!));
            await s.Connection.SendAsync(HostWire.Create(0, 8), cts.Token);
            Assert.Equal(HostWire.Done, await s.Connection.ReceiveAsync(cts.Token));
            Assert.Equal(0, await s.Child.WaitForExitAsync(cts.Token));
        }
        Assert.False(File.Exists(path), "the socket file outlived its listener");
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)), "the private directory outlived the session");
    }

    [Fact]
    public async Task A_child_whose_uid_is_not_on_the_allow_list_is_refused()
    {
        using var cts = new CancellationTokenSource(Bound);
        uint me = PeerCredentials.CurrentUid();
        string dir = SocketTransport.CreatePrivateDirectory();
        try
        {
            string path = Path.Combine(dir, "guarded.sock");
            var options = new SocketTransportOptions { AllowedPeerUids = new HashSet<uint> { me + 1 } };
            await using var listener = SocketTransport.ListenUnix(path, HostWire.Parent, options);
            using var stopAccepting = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            var accept = listener.AcceptAsync(stopAccepting.Token);

            await using var child = ChildHost.Start("uds", path, "sink", "--count", "1");
            // The listener closes the refused peer at once; the child's hello goes unanswered and it reports a typed error.
            Assert.Equal(3, await child.WaitForExitAsync(cts.Token));
            Assert.Contains(child.Lines, l => l.StartsWith("error: ", StringComparison.Ordinal));
            Assert.Equal(1, listener.Rejected);
            Assert.Contains($"peer uid {me} (pid {child.Id}) is not allowed", listener.LastRejection);
            Assert.False(accept.IsCompleted, "a refused peer must not be handed to the application");
            stopAccepting.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accept);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task The_same_child_is_accepted_when_its_uid_is_on_the_allow_list()
    {
        using var cts = new CancellationTokenSource(Bound);
        string dir = SocketTransport.CreatePrivateDirectory();
        try
        {
            string path = Path.Combine(dir, "guarded.sock");
            var options = new SocketTransportOptions { AllowedPeerUids = new HashSet<uint> { PeerCredentials.CurrentUid() } };
            await using var listener = SocketTransport.ListenUnix(path, HostWire.Parent, options);
            await using var child = ChildHost.Start("uds", path, "sink", "--count", "1");
            await using var connection = await listener.AcceptAsync(cts.Token);
            await connection.SendAsync(HostWire.Create(0, 8), cts.Token);
            Assert.Equal(HostWire.Done, await connection.ReceiveAsync(cts.Token));
            Assert.Equal(0, await child.WaitForExitAsync(cts.Token));
            Assert.Equal(0, listener.Rejected);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_named_pipe_is_a_unix_socket_that_is_removed_when_the_listener_closes()
    {
        using var cts = new CancellationTokenSource(Bound);
        string socketFile;
        await using (var s = await CrossProcessSession.StartAsync(Transport.NamedPipe, ["sink", "--count", "1"], cts.Token))
        {
            socketFile = Path.Combine(Path.GetTempPath(), "CoreFxPipe_" + s.Address);
            Assert.True(File.Exists(socketFile), $"expected .NET's Unix socket for the named pipe at {socketFile}");
            await s.Connection.SendAsync(HostWire.Create(0, 8), cts.Token);
            Assert.Equal(HostWire.Done, await s.Connection.ReceiveAsync(cts.Token));
            Assert.Equal(0, await s.Child.WaitForExitAsync(cts.Token));
        }
        Assert.False(File.Exists(socketFile), "the named pipe's socket file outlived its listener");
    }

    [Fact]
    public async Task A_named_pipe_given_an_absolute_path_lives_there_so_it_can_sit_in_an_owner_only_directory()
    {
        using var cts = new CancellationTokenSource(Bound);
        string dir = SocketTransport.CreatePrivateDirectory();
        try
        {
            string path = Path.Combine(dir, "named.pipe");
            await using (var listener = PipeTransport.ListenNamed(path, HostWire.Parent))
            {
                Assert.True(File.Exists(path), "an absolute pipe name is used as the socket path");
                await using var child = ChildHost.Start("namedpipe", path, "sink", "--count", "1");
                await using var connection = await child.UnlessExitedAsync(listener.AcceptAsync(cts.Token), cts.Token);
                await connection.SendAsync(HostWire.Create(0, 8), cts.Token);
                Assert.Equal(HostWire.Done, await connection.ReceiveAsync(cts.Token));
                Assert.Equal(0, await child.WaitForExitAsync(cts.Token));
            }
            Assert.False(File.Exists(path), "the socket file outlived its listener");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { "tcp", "notaport", "sink" }, "Port 'notaport' is not a number between 1 and 65535")]
    [InlineData(new[] { "tcp", "1", "dance" }, "unknown role 'dance' (argument 3)")]
    [InlineData(new[] { "carrier", "x", "sink" }, "unknown transport 'carrier' (argument 1)")]
    [InlineData(new[] { "pipe", "3;4", "sink" }, "Pipe handles must be 'IN,OUT'")]
    [InlineData(new[] { "udp", "9", "sink", "--loss", "2" }, "option --loss: '2' is not a probability")]
    public async Task The_child_host_refuses_a_bad_command_line_with_a_clear_message_and_exit_code_2(string[] args, string message)
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var child = ChildHost.Start(args);
        Assert.Equal(2, await child.WaitForExitAsync(cts.Token));
        Assert.Contains(child.Lines, l => l.StartsWith("usage error: ", StringComparison.Ordinal) && l.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_pipe_handles_are_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => PipeTransport.ParseHandles("12;x"));
        Assert.Contains("'IN,OUT'", e.Message);
        e = Assert.Throws<ArgumentException>(() => PipeTransport.ParseHandles("12,x"));
        Assert.Contains("handle OUT", e.Message);
    }
}
