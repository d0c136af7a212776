using System.Net;
using System.Net.Sockets;
using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// A live endpoint facing a peer that does not follow the protocol (raw TCP sockets writing what they like):
/// typed errors, the connection closed as documented, the listener still serving others; no crash, no hang.
/// </summary>
public sealed class MisbehavingPeerTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly ProcessId ServerId = new(1);
    private static readonly FrameCodec Codec = new(1024 * 1024);
    private SocketMessageListener _listener = null!;

    public Task InitializeAsync()
    {
        _listener = SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), ServerId,
            new SocketTransportOptions { MaxConnections = 2, HandshakeTimeout = TimeSpan.FromSeconds(30) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _listener.DisposeAsync();

    private async Task<Socket> RawConnectAsync(bool sayHello)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(_listener.LocalEndPoint);
        if (sayHello)
            await s.SendAsync(Codec.Encode(new FrameHeader(FrameKind.Hello, FrameFlags.None, new ProcessId(99), ProcessId.Any, 0, 0), []));
        return s;
    }

    [Fact]
    public async Task A_peer_that_opens_with_garbage_is_rejected_and_the_next_peer_is_served()
    {
        using var bad = await RawConnectAsync(sayHello: false);
        await bad.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        var accept = _listener.AcceptAsync();
        await using var good = await SocketTransport.ConnectTcpAsync((IPEndPoint)_listener.LocalEndPoint, new ProcessId(2)).WaitAsync(Bound);
        await using var served = await accept.WaitAsync(Bound);
        Assert.Equal(new ProcessId(2), served.Remote);
        Assert.Equal(1, _listener.Rejected);
        Assert.Contains("handshake failed", _listener.LastRejection);
    }

    [Fact]
    public async Task Garbage_after_the_handshake_is_a_typed_error_and_closes_the_connection()
    {
        var accept = _listener.AcceptAsync();
        using var raw = await RawConnectAsync(sayHello: true);
        await using var server = await accept.WaitAsync(Bound);
        var frame = Codec.Encode(new FrameHeader(FrameKind.Data, FrameFlags.None, new ProcessId(99), ServerId, 1, 0), [1, 2, 3]);
        frame[^1] ^= 0x40; // corrupt the checksum
        await raw.SendAsync(frame);
        var ex = await Assert.ThrowsAsync<FrameFormatException>(() => server.ReceiveAsync().WaitAsync(Bound));
        Assert.Equal(FrameField.Checksum, ex.Field);
        Assert.Equal(frame.Length - 4, ex.Offset);
        Assert.Null(await server.ReceiveAsync().WaitAsync(Bound)); // closed afterwards, as documented
    }

    [Fact]
    public async Task A_huge_length_claim_is_rejected_without_waiting_for_its_bytes()
    {
        var accept = _listener.AcceptAsync();
        using var raw = await RawConnectAsync(sayHello: true);
        await using var server = await accept.WaitAsync(Bound);
        await raw.SendAsync(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF }); // claims 2 GiB and sends nothing more
        var ex = await Assert.ThrowsAsync<FrameFormatException>(() => server.ReceiveAsync().WaitAsync(Bound));
        Assert.Equal(FrameField.Length, ex.Field);
    }

    [Fact]
    public async Task A_frame_cut_off_by_the_peer_is_reported_as_truncated()
    {
        var accept = _listener.AcceptAsync();
        var raw = await RawConnectAsync(sayHello: true);
        await using var server = await accept.WaitAsync(Bound);
        var frame = Codec.Encode(new FrameHeader(FrameKind.Data, FrameFlags.None, new ProcessId(99), ServerId, 1, 0), new byte[100]);
        await raw.SendAsync(frame.AsMemory(0, 50));
        raw.Shutdown(SocketShutdown.Send);
        var ex = await Assert.ThrowsAsync<FrameFormatException>(() => server.ReceiveAsync().WaitAsync(Bound));
        Assert.Contains("truncated", ex.Reason);
        raw.Dispose();
    }

    [Fact]
    public async Task A_peer_that_vanishes_without_closing_is_reported()
    {
        var accept = _listener.AcceptAsync();
        var raw = await RawConnectAsync(sayHello: true);
        await using var server = await accept.WaitAsync(Bound);
        raw.Dispose(); // like a killed process: the kernel closes the socket, no Close frame
        await Assert.ThrowsAsync<EndpointClosedException>(() => server.ReceiveAsync().WaitAsync(Bound));
    }

    [Fact]
    public async Task Connections_over_the_cap_are_turned_away()
    {
        var ids = new List<StreamFrameConnection>();
        for (int i = 0; i < 2; i++)
        {
            var accept = _listener.AcceptAsync();
            await SocketTransport.ConnectTcpAsync((IPEndPoint)_listener.LocalEndPoint, new ProcessId(30 + i)).WaitAsync(Bound);
            ids.Add(await accept.WaitAsync(Bound));
        }
        Assert.Equal(2, _listener.OpenConnections);
        var third = _listener.AcceptAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => SocketTransport.ConnectTcpAsync((IPEndPoint)_listener.LocalEndPoint, new ProcessId(40)).WaitAsync(Bound));
        Assert.Equal(1, _listener.Rejected);
        Assert.Contains("cap", _listener.LastRejection);
        await ids[0].DisposeAsync();
        Assert.Equal(1, _listener.OpenConnections);
        await using var fourth = await SocketTransport.ConnectTcpAsync((IPEndPoint)_listener.LocalEndPoint, new ProcessId(41)).WaitAsync(Bound);
        Assert.Equal(new ProcessId(41), (await third.WaitAsync(Bound)).Remote);
        await ids[1].DisposeAsync();
    }

    [Fact]
    public async Task Random_bytes_at_a_live_endpoint_never_crash_or_hang_it()
    {
        var rng = new Random(7);
        for (int round = 0; round < 30; round++)
        {
            var accept = _listener.AcceptAsync();
            using var raw = await RawConnectAsync(sayHello: true);
            await using var server = await accept.WaitAsync(Bound);
            var junk = new byte[rng.Next(1, 300)];
            rng.NextBytes(junk);
            await raw.SendAsync(junk);
            raw.Shutdown(SocketShutdown.Send);
            try
            {
                while (await server.ReceiveAsync().WaitAsync(Bound) is not null) { }
            }
            catch (Exception e) when (e is FrameFormatException or EndpointClosedException)
            {
            }
        }
    }
}
