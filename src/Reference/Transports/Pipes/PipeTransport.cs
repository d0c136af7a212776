using System.Globalization;
using System.IO.Pipes;

namespace VerifiedIpc.Reference.Transports.Pipes;

/// <summary>Limits of pipe transports.</summary>
public sealed record PipeTransportOptions
{
    /// <summary>Largest message either way.</summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024;

    /// <summary>Named pipes: connections (server instances) a listener keeps at once.</summary>
    public int MaxConnections { get; init; } = 16;

    /// <summary>How long the peer has to say hello (and, for a named-pipe client, how long to wait for the server).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Clock of the handshake and close timers (a fake one in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Pipe transports behind <see cref="IMessageConnection"/>, carrying the same checksummed frames as the socket
/// transports (<see cref="StreamFrameConnection"/>):
/// <list type="bullet">
/// <item><b>Anonymous pipes</b>, between a parent and the child it starts: <see cref="CreateForChild"/> makes two
/// one-way pipes whose client ends the child inherits; the child names them on its command line and calls
/// <see cref="ConnectToParentAsync"/>. Nothing is visible in the file system, so no other process can join.</item>
/// <item><b>Named pipes</b>, between any two processes that agree on a name: <see cref="ListenNamed"/> and
/// <see cref="ConnectNamedAsync"/>. On Linux and macOS .NET implements a named pipe as a Unix domain socket (a name
/// that is not an absolute path becomes the socket file <c>$TMPDIR/CoreFxPipe_&lt;name&gt;</c>; an absolute path is
/// used as it is). Both ends use <see cref="PipeOptions.CurrentUserOnly"/>: the server refuses a client of another
/// user and the client refuses a server owned by another user.</item>
/// </list>
/// </summary>
public static class PipeTransport
{
    /// <summary>
    /// Parent side of an anonymous pipe pair: call before starting the child, pass
    /// <see cref="AnonymousPipeParent.ChildArgument"/> to it, call <see cref="AnonymousPipeParent.ReleaseChildHandles"/>
    /// once it has started, then <see cref="AnonymousPipeParent.ConnectAsync"/>.
    /// </summary>
    public static AnonymousPipeParent CreateForChild(PipeTransportOptions? options = null) => new(options ?? new PipeTransportOptions());

    /// <summary>
    /// Child side of an anonymous pipe pair: <paramref name="handles"/> is the parent's
    /// <see cref="AnonymousPipeParent.ChildArgument"/> (<c>IN,OUT</c>: the inherited handle to read from, the one to
    /// write to). Sends Hello and waits for the parent's.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="handles"/> is not two handle numbers separated by a comma,
    /// or they are not open pipe ends of this process.</exception>
    public static async Task<StreamFrameConnection> ConnectToParentAsync(string handles, ProcessId local, PipeTransportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (input, output) = ParseHandles(handles);
        options ??= new PipeTransportOptions();
        AnonymousPipeClientStream? reader = null, writer = null;
        try
        {
            reader = new AnonymousPipeClientStream(PipeDirection.In, input);
            writer = new AnonymousPipeClientStream(PipeDirection.Out, output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The system's words for a handle that is not an open pipe ("access denied", "invalid handle") do not
            // say which argument was wrong: say it.
            reader?.Dispose();
            writer?.Dispose();
            throw new ArgumentException($"Pipe handles '{handles}' are not open pipe ends of this process ({e.Message}).", nameof(handles), e);
        }
        using var handshake = new HandshakeDeadline(options.HandshakeTimeout, options.TimeProvider, cancellationToken);
        return await StreamFrameConnection.OpenAsync(new DuplexPipeStream(reader, writer), local, options.MaxMessageSize, handshake.Token,
            timeProvider: options.TimeProvider)
            .ConfigureAwait(false);
    }

    /// <summary>Splits <c>IN,OUT</c> into two handle strings, or says what is wrong with it.</summary>
    /// <exception cref="ArgumentException">Not two non-negative integers separated by one comma.</exception>
    public static (string Input, string Output) ParseHandles(string handles)
    {
        ArgumentNullException.ThrowIfNull(handles);
        var parts = handles.Split(',');
        if (parts.Length != 2)
            throw new ArgumentException($"Pipe handles must be 'IN,OUT' (two handle numbers separated by a comma), not '{handles}'.", nameof(handles));
        for (int i = 0; i < 2; i++)
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw new ArgumentException(
                    $"Pipe handle {(i == 0 ? "IN" : "OUT")} in '{handles}' is '{parts[i]}', not a non-negative integer.", nameof(handles));
        return (parts[0], parts[1]);
    }

    /// <summary>
    /// Creates a named pipe server for <paramref name="name"/> (owner-only, see the class remarks); each
    /// <see cref="NamedPipeMessageListener.AcceptAsync"/> waits for one client.
    /// </summary>
    public static NamedPipeMessageListener ListenNamed(string name, ProcessId local, PipeTransportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new NamedPipeMessageListener(name, local, options ?? new PipeTransportOptions());
    }

    /// <summary>Connects to the named pipe server <paramref name="name"/> (waiting up to the handshake timeout for it to exist), then Hello.</summary>
    public static async Task<StreamFrameConnection> ConnectNamedAsync(string name, ProcessId local, PipeTransportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new PipeTransportOptions();
        var client = new NamedPipeClientStream(".", name, PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
        using var handshake = new HandshakeDeadline(options.HandshakeTimeout, options.TimeProvider, cancellationToken);
        try
        {
            await client.ConnectAsync(handshake.Token).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return await StreamFrameConnection.OpenAsync(client, local, options.MaxMessageSize, handshake.Token,
            timeProvider: options.TimeProvider).ConfigureAwait(false);
    }
}

/// <summary>
/// The parent's ends of two anonymous pipes (parent→child and child→parent). The child's ends are inheritable
/// handles until <see cref="ReleaseChildHandles"/>; after that only the child holds them, so the child's death
/// closes them and the parent's reads end.
/// </summary>
/// <remarks>
/// Every child started while the handles are inheritable inherits them (on Unix, any process the parent starts in
/// the meantime, from any thread): such a stray holder keeps the pipe open after the intended child dies. Start the
/// child at once and release the handles right after; do not start other children concurrently.
/// <see cref="ChildArgument"/> names this process's own copies of the child's ends, which disposal closes: a "child"
/// in the same process (a test) must open duplicates of them and release this process's copies, never the numbers
/// themselves: otherwise both sides close the same numbers, and the second close hits whatever descriptor reuses them.
/// </remarks>
public sealed class AnonymousPipeParent : IAsyncDisposable
{
    private readonly PipeTransportOptions _options;
    private readonly AnonymousPipeServerStream _toChild;
    private readonly AnonymousPipeServerStream _fromChild;
    private bool _taken;

    internal AnonymousPipeParent(PipeTransportOptions options)
    {
        _options = options;
        _toChild = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.Inheritable);
        try
        {
            _fromChild = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        }
        catch
        {
            _toChild.Dispose();
            throw;
        }
        ChildArgument = $"{_toChild.GetClientHandleAsString()},{_fromChild.GetClientHandleAsString()}";
    }

    /// <summary>What the child passes to <see cref="PipeTransport.ConnectToParentAsync"/>: <c>IN,OUT</c> from its side.</summary>
    public string ChildArgument { get; }

    /// <summary>Closes this process's copies of the child's ends (call once the child has started).</summary>
    public void ReleaseChildHandles()
    {
        _toChild.DisposeLocalCopyOfClientHandle();
        _fromChild.DisposeLocalCopyOfClientHandle();
    }

    /// <summary>Sends Hello to the child and waits for its Hello. The pipes belong to the connection from then on.</summary>
    public async Task<StreamFrameConnection> ConnectAsync(ProcessId local, CancellationToken cancellationToken = default)
    {
        if (_taken)
            throw new InvalidOperationException("The anonymous pipes already carry a connection.");
        _taken = true;
        using var handshake = new HandshakeDeadline(_options.HandshakeTimeout, _options.TimeProvider, cancellationToken);
        return await StreamFrameConnection.OpenAsync(new DuplexPipeStream(_fromChild, _toChild), local, _options.MaxMessageSize, handshake.Token,
            timeProvider: _options.TimeProvider)
            .ConfigureAwait(false);
    }

    /// <summary>Closes the pipes if no connection took them (a connection closes them itself).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_taken)
            return;
        _taken = true;
        await _toChild.DisposeAsync().ConfigureAwait(false);
        await _fromChild.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>A named pipe server: <see cref="AcceptAsync"/> is the seed's accept.</summary>
public sealed class NamedPipeMessageListener : IAsyncDisposable
{
    private readonly string _name;
    private readonly ProcessId _local;
    private readonly PipeTransportOptions _options;
    private readonly object _gate = new();
    private NamedPipeServerStream? _waiting;
    private bool _disposed;

    internal NamedPipeMessageListener(string name, ProcessId local, PipeTransportOptions options)
    {
        _name = name;
        _local = local;
        _options = options;
        // The first instance is created here, so the name exists (and a client can connect) as soon as this returns.
        _waiting = NewInstance();
    }

    /// <summary>The pipe's name.</summary>
    public string Name => _name;

    /// <summary>Waits for the next client and completes the Hello exchange with it.</summary>
    /// <exception cref="ConnectionCapReachedException"><see cref="PipeTransportOptions.MaxConnections"/> connections
    /// of this listener are open; accept again after one is disposed.</exception>
    public async Task<StreamFrameConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        NamedPipeServerStream server;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                server = _waiting ?? NewInstance();
            }
            catch (IOException e)
            {
                // The system refuses another instance of the name: every one allowed is in use.
                throw new ConnectionCapReachedException(_name, _options.MaxConnections, e);
            }
            _waiting = null;
        }
        try
        {
            await server.WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        using var handshake = new HandshakeDeadline(_options.HandshakeTimeout, _options.TimeProvider, cancellationToken);
        return await StreamFrameConnection.OpenAsync(server, _local, _options.MaxMessageSize, handshake.Token,
            timeProvider: _options.TimeProvider).ConfigureAwait(false);
    }

    /// <summary>Stops listening. Open connections stay open.</summary>
    public async ValueTask DisposeAsync()
    {
        NamedPipeServerStream? waiting;
        lock (_gate)
        {
            _disposed = true;
            waiting = _waiting;
            _waiting = null;
        }
        if (waiting is not null)
            await waiting.DisposeAsync().ConfigureAwait(false);
    }

    private NamedPipeServerStream NewInstance() =>
        new(_name, PipeDirection.InOut, _options.MaxConnections, PipeTransmissionMode.Byte,
            PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
}

/// <summary>
/// A listener already has as many connections open as it allows (the seed's cap on connection counts); the peer is
/// not accepted. Accepting works again once one of the open connections is disposed.
/// </summary>
public sealed class ConnectionCapReachedException : IpcException
{
    public ConnectionCapReachedException(string listener, int cap, Exception? inner = null)
        : base($"Listener '{listener}' already has its maximum of {cap} open connection(s).", inner)
    {
        Listener = listener;
        Cap = cap;
    }

    /// <summary>The listener's name or path.</summary>
    public string Listener { get; }

    /// <summary>Its connection cap.</summary>
    public int Cap { get; }
}
