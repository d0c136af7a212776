using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// The named pipe's file-system protection and its connection cap, within one process (refusing another user
/// needs a second uid; that is in <c>PeerSecurityTests</c> for Unix sockets).
/// </summary>
public sealed class NamedPipeSecurityTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vipc-pipe-" + Guid.NewGuid().ToString("N")[..12]);

    public NamedPipeSecurityTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task On_unix_the_pipe_file_lets_no_other_user_connect()
    {
        if (OperatingSystem.IsWindows())
            return; // a named pipe is a kernel object there, not a file; CurrentUserOnly is its only guard
        string path = Path.Combine(_dir, "p");
        await using var listener = PipeTransport.ListenNamed(path, new ProcessId(1));
        var mode = File.GetUnixFileMode(path);
        // Connecting to a Unix socket needs write permission on its file.
        Assert.True((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0, $"pipe file mode {mode}");
        Assert.True((mode & UnixFileMode.UserWrite) != 0, $"pipe file mode {mode}");
    }

    [Fact]
    public async Task Accepting_beyond_the_connection_cap_is_a_typed_error_and_works_again_after_a_close()
    {
        string path = Path.Combine(_dir, "cap");
        await using var listener = PipeTransport.ListenNamed(path, new ProcessId(1), new PipeTransportOptions { MaxConnections = 1 });
        var accept = listener.AcceptAsync();
        var client = await PipeTransport.ConnectNamedAsync(path, new ProcessId(2)).WaitAsync(Bound);
        var served = await accept.WaitAsync(Bound);

        var refused = await Assert.ThrowsAsync<ConnectionCapReachedException>(() => listener.AcceptAsync().WaitAsync(Bound));
        Assert.Equal(1, refused.Cap);
        Assert.Equal(path, refused.Listener);
        Assert.Contains("maximum of 1", refused.Message);

        await served.DisposeAsync();
        await client.DisposeAsync();
        var again = listener.AcceptAsync();
        await using var second = await PipeTransport.ConnectNamedAsync(path, new ProcessId(3)).WaitAsync(Bound);
        await using var servedAgain = await again.WaitAsync(Bound);
        Assert.Equal(new ProcessId(3), servedAgain.Remote);
    }
}
