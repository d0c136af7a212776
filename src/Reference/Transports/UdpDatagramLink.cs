using System.Net;
using System.Net.Sockets;
using VerifiedIpc.Reference.Links;

namespace VerifiedIpc.Reference.Transports;

/// <summary>
/// A real lossy datagram link: a UDP socket bound locally and connected to one peer. Datagrams may be lost,
/// duplicated or reordered by the network (rarely on loopback; <see cref="FaultInjectingLink"/> adds faults on
/// purpose). Put a <see cref="Reliable.ReliableEndpoint"/> on top for exactly-once, in-order delivery.
/// </summary>
/// <remarks>
/// One receive loop per link hands datagrams to the attached handler one at a time; the memory passed is the
/// loop's buffer and is valid only during the call. Datagrams from any address other than the connected peer are
/// discarded by the kernel (connected UDP). "Port unreachable" reports from an absent peer are ignored: on a lossy
/// link they mean loss, which the layer above handles.
/// </remarks>
public sealed class UdpDatagramLink : IDatagramLink
{
    /// <summary>Largest UDP payload over IPv4.</summary>
    public const int MaxUdpPayload = 65_507;

    private const int RequestedReceiveBufferSize = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _disposed;
    private int _attached;
    // Ours, not Socket.Connected: the latter turns false on a UDP socket after an ICMP "port unreachable" report,
    // which on this link only means loss.
    private volatile bool _connected;

    /// <summary>Binds to <paramref name="localEndPoint"/> and connects to <paramref name="remoteEndPoint"/>.</summary>
    public UdpDatagramLink(IPEndPoint localEndPoint, IPEndPoint remoteEndPoint, ProcessId local, ProcessId remote)
        : this(Bind(localEndPoint), local, remote)
    {
        _socket.Connect(remoteEndPoint);
        _connected = true;
    }

    private UdpDatagramLink(Socket boundSocket, ProcessId local, ProcessId remote)
    {
        _socket = boundSocket;
        Local = local;
        Remote = remote;
    }

    /// <summary>
    /// bind without connect: the link holds its port from now on, so it can be handed to a peer before the peer's
    /// own port is known (no window between reserving a port and binding it in which another process could take
    /// it). Call <see cref="Connect"/> before sending or attaching.
    /// </summary>
    public static UdpDatagramLink Bind(IPEndPoint localEndPoint, ProcessId local, ProcessId remote) =>
        new(Bind(localEndPoint), local, remote);

    /// <summary>connect: from now on the link sends to, and receives only from, <paramref name="remoteEndPoint"/>.</summary>
    /// <exception cref="InvalidOperationException">Already connected.</exception>
    public void Connect(IPEndPoint remoteEndPoint)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        if (_connected)
            throw new InvalidOperationException($"udp {Local}→{Remote} is already connected to {_socket.RemoteEndPoint}.");
        _socket.Connect(remoteEndPoint);
        _connected = true;
    }

    /// <summary>Two linked ends on the loopback interface, each on a port the system picks.</summary>
    public static (UdpDatagramLink A, UdpDatagramLink B) CreateLoopbackPair(ProcessId a, ProcessId b)
    {
        var sa = Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var sb = Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sa.Connect(sb.LocalEndPoint!);
        sb.Connect(sa.LocalEndPoint!);
        return (new UdpDatagramLink(sa, a, b) { _connected = true }, new UdpDatagramLink(sb, b, a) { _connected = true });
    }

    public ProcessId Local { get; }
    public ProcessId Remote { get; }
    public int MaxDatagramSize => MaxUdpPayload;

    /// <summary>The local address and port.</summary>
    public EndPoint LocalEndPoint => _socket.LocalEndPoint!;

    /// <summary>The receive loop: faults if the attached handler throws.</summary>
    public Task Completion => _loop ?? Task.CompletedTask;

    public void Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagramSize)
            throw new MessageTooLargeException(datagram.Length, MaxDatagramSize, "datagram");
        if (Volatile.Read(ref _disposed) == 1)
            throw new EndpointClosedException($"udp {Local}→{Remote}", datagram.ToArray(), hasUndelivered: true);
        if (!_connected)
            throw new InvalidOperationException($"udp {Local}→{Remote} is bound but not connected: call Connect first.");
        try
        {
            _socket.Send(datagram);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.NoBufferSpaceAvailable
                                            or SocketError.WouldBlock or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
        {
            // A datagram link may lose what it is given; these are that loss, reported early by the kernel.
        }
        catch (ObjectDisposedException)
        {
            throw new EndpointClosedException($"udp {Local}→{Remote}", datagram.ToArray(), hasUndelivered: true);
        }
    }

    public void Attach(Action<ReadOnlyMemory<byte>> onDatagram)
    {
        ArgumentNullException.ThrowIfNull(onDatagram);
        if (!_connected)
            throw new InvalidOperationException($"udp {Local}→{Remote} is bound but not connected: call Connect first (until then it would take datagrams from anyone).");
        if (Interlocked.Exchange(ref _attached, 1) == 1)
            throw new InvalidOperationException($"A handler is already attached to udp {Local}→{Remote}.");
        _loop = Task.Run(() => ReceiveLoop(onDatagram));
    }

    private async Task ReceiveLoop(Action<ReadOnlyMemory<byte>> onDatagram)
    {
        var buffer = new byte[MaxUdpPayload + 1];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                continue; // an ICMP report about an earlier send: loss, not failure
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                                        || (e is SocketException && Volatile.Read(ref _disposed) == 1))
            {
                return; // closed
            }
            onDatagram(buffer.AsMemory(0, n));
        }
    }

    /// <summary>close: stops the receive loop and releases the port.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _stop.Cancel();
        _socket.Dispose();
    }

    private static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // A reliable window of a few hundred datagrams overflows the kernel's default receive buffer (about
            // 200 KiB on Linux) when the receiver falls behind for a moment, adding real loss to the injected
            // kind. Ask for more; the kernel caps the request at its own limit (net.core.rmem_max).
            socket.ReceiveBufferSize = RequestedReceiveBufferSize;
            socket.Bind(endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }
}
