using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace VerifiedIpc.Reference.Transports;

/// <summary>Limits and peer checks of socket transports.</summary>
public sealed record SocketTransportOptions
{
    /// <summary>Largest message either way.</summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024;

    /// <summary>Connections a listener keeps open at once; more are accepted and closed at once.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>
    /// Unix domain sockets only: user ids allowed to connect, checked against the kernel's record of the peer
    /// (SO_PEERCRED, Linux). Null means only the user running this process.
    /// </summary>
    public IReadOnlySet<uint>? AllowedPeerUids { get; init; }

    /// <summary>How long an accepted peer has to say hello.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock of the handshake and close timers (a fake one in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>A handshake's deadline: cancels when the timeout passes on the transport's clock, or with the caller's token.</summary>
internal sealed class HandshakeDeadline : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _linked;

    public HandshakeDeadline(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        _timer = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token);
    }

    public CancellationToken Token => _linked.Token;

    public void Dispose()
    {
        _linked.Dispose();
        _timer.Dispose();
    }
}

/// <summary>
/// Unix domain socket and TCP transports: the seed's sockets API (socket, bind, listen, accept, connect, close)
/// behind <see cref="IMessageConnection"/>.
/// </summary>
public static class SocketTransport
{
    /// <summary>
    /// socket + bind + listen on a Unix domain socket at <paramref name="path"/>. The socket file is made
    /// owner-only (0600) right after bind; to leave no window at all in which another user could connect, put
    /// <paramref name="path"/> in a directory only the owner can enter (<see cref="CreatePrivateDirectory"/>).
    /// </summary>
    public static SocketMessageListener ListenUnix(string path, ProcessId local, SocketTransportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new SocketTransportOptions();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(options.MaxConnections);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new SocketMessageListener(socket, local, options, unixPath: path);
    }

    /// <summary>socket + bind + listen on TCP (use <see cref="IPAddress.Loopback"/> and port 0 in tests).</summary>
    public static SocketMessageListener ListenTcp(IPEndPoint endPoint, ProcessId local, SocketTransportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= new SocketTransportOptions();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(options.MaxConnections);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new SocketMessageListener(socket, local, options, unixPath: null);
    }

    /// <summary>socket + connect to a Unix domain socket, then the Hello exchange.</summary>
    public static Task<StreamFrameConnection> ConnectUnixAsync(string path, ProcessId local, SocketTransportOptions? options = null,
        CancellationToken cancellationToken = default) =>
        ConnectAsync(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), new UnixDomainSocketEndPoint(path),
            local, options ?? new SocketTransportOptions(), cancellationToken);

    /// <summary>socket + connect over TCP, then the Hello exchange.</summary>
    public static Task<StreamFrameConnection> ConnectTcpAsync(IPEndPoint endPoint, ProcessId local, SocketTransportOptions? options = null,
        CancellationToken cancellationToken = default) =>
        ConnectAsync(new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, endPoint,
            local, options ?? new SocketTransportOptions(), cancellationToken);

    /// <summary>Creates a fresh directory only the current user can enter (0700), for Unix socket files.</summary>
    public static string CreatePrivateDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "vipc-" + Guid.NewGuid().ToString("N")[..12]);
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(dir);
        else
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return dir;
    }

    private static async Task<StreamFrameConnection> ConnectAsync(Socket socket, EndPoint endPoint, ProcessId local,
        SocketTransportOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        using var handshake = new HandshakeDeadline(options.HandshakeTimeout, options.TimeProvider, cancellationToken);
        return await StreamFrameConnection.OpenAsync(new NetworkStream(socket, ownsSocket: true), local, options.MaxMessageSize,
            handshake.Token, timeProvider: options.TimeProvider).ConfigureAwait(false);
    }
}

/// <summary>
/// A listening socket: <see cref="AcceptAsync"/> is the seed's accept. Peers over the connection cap, peers whose
/// credentials are not allowed, and peers that fail the Hello exchange are closed and counted in
/// <see cref="Rejected"/>; accepting goes on with the next peer.
/// </summary>
public sealed class SocketMessageListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ProcessId _local;
    private readonly SocketTransportOptions _options;
    private readonly string? _unixPath;
    private int _open;
    private int _rejected;

    internal SocketMessageListener(Socket socket, ProcessId local, SocketTransportOptions options, string? unixPath)
    {
        _socket = socket;
        _local = local;
        _options = options;
        _unixPath = unixPath;
    }

    /// <summary>Where peers connect (for TCP on port 0: the port chosen).</summary>
    public EndPoint LocalEndPoint => _socket.LocalEndPoint!;

    /// <summary>Connections accepted and not yet disposed.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Peers turned away so far, and why the last one was.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    public string? LastRejection { get; private set; }

    /// <summary>Waits for the next acceptable peer and completes the Hello exchange with it.</summary>
    public async Task<StreamFrameConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var peer = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            if (peer.ProtocolType == ProtocolType.Tcp)
                peer.NoDelay = true;
            string? refusal = Refuse(peer);
            if (refusal is not null)
            {
                Reject(peer, refusal);
                continue;
            }

            Interlocked.Increment(ref _open);
            try
            {
                using var handshake = new HandshakeDeadline(_options.HandshakeTimeout, _options.TimeProvider, cancellationToken);
                return await StreamFrameConnection.OpenAsync(new NetworkStream(peer, ownsSocket: true), _local, _options.MaxMessageSize,
                    handshake.Token, onDisposed: () => Interlocked.Decrement(ref _open), _options.TimeProvider).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IpcException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // OpenAsync disposed the connection (which decremented _open).
                Interlocked.Increment(ref _rejected);
                LastRejection = $"handshake failed: {e.Message}";
            }
        }
    }

    private string? Refuse(Socket peer)
    {
        if (Volatile.Read(ref _open) >= _options.MaxConnections)
            return $"connection cap of {_options.MaxConnections} reached";
        if (_unixPath is not null && PeerCredentials.TryGet(peer, out var cred))
        {
            var allowed = _options.AllowedPeerUids ?? new HashSet<uint> { PeerCredentials.CurrentUid() };
            if (!allowed.Contains(cred.Uid))
                return $"peer uid {cred.Uid} (pid {cred.Pid}) is not allowed";
        }
        return null;
    }

    private void Reject(Socket peer, string why)
    {
        Interlocked.Increment(ref _rejected);
        LastRejection = why;
        peer.Dispose();
    }

    /// <summary>Stops listening (close) and removes a Unix socket's file. Open connections stay open.</summary>
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (_unixPath is not null)
        {
            try
            {
                File.Delete(_unixPath);
            }
            catch (IOException)
            {
                // Already gone or replaced: nothing of ours to clean up.
            }
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>The kernel's record of who is at the other end of a Unix domain socket.</summary>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;   // SOL_SOCKET on Linux
    private const int SoPeerCred = 17; // SO_PEERCRED on Linux

    /// <summary>Reads SO_PEERCRED (Linux). False on other systems, where no check is made.</summary>
    public static bool TryGet(Socket socket, out PeerCredentials credentials)
    {
        credentials = default;
        if (!OperatingSystem.IsLinux() || socket.AddressFamily != AddressFamily.Unix)
            return false;
        Span<byte> ucred = stackalloc byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        int n = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (n < 12)
            return false;
        credentials = new PeerCredentials(
            MemoryMarshal.Read<int>(ucred), MemoryMarshal.Read<uint>(ucred[4..]), MemoryMarshal.Read<uint>(ucred[8..]));
        return true;
    }

    /// <summary>The effective user id of this process (POSIX).</summary>
    public static uint CurrentUid() => OperatingSystem.IsWindows() ? 0 : NativeMethods.geteuid();

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = false)]
        internal static extern uint geteuid();
    }
}
