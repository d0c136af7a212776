using System.Net;
using System.Net.Sockets;
using VerifiedIpc.Reference.Tests.Streams;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// The transports' handshake timers run on the options' <see cref="TimeProvider"/>: a silent peer is turned away
/// when fake time passes the handshake timeout, with no real waiting.
/// </summary>
public sealed class TransportTimerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Handshake = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_tcp_peer_that_never_says_hello_is_rejected_when_fake_time_passes_the_handshake_timeout()
    {
        var time = new TimerWatchingTimeProvider();
        await using var listener = SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), new ProcessId(1),
            new SocketTransportOptions { HandshakeTimeout = Handshake, TimeProvider = time });
        var accept = listener.AcceptAsync();
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(listener.LocalEndPoint);
        await time.TimerArmedAsync(); // the listener took the silent peer and started its handshake timer
        time.Fake.Advance(Handshake - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, listener.Rejected); // not yet: the timer has not run out
        time.Fake.Advance(TimeSpan.FromMilliseconds(1));

        // The listener goes on accepting: a proper peer is served, and the silent one was counted as turned away.
        await using var good = await SocketTransport.ConnectTcpAsync((IPEndPoint)listener.LocalEndPoint, new ProcessId(2)).WaitAsync(Bound);
        await using var served = await accept.WaitAsync(Bound);
        Assert.Equal(new ProcessId(2), served.Remote);
        Assert.Equal(1, listener.Rejected);
        Assert.Contains("handshake failed", listener.LastRejection);
    }

    [Fact]
    public async Task A_named_pipe_client_waiting_for_a_server_gives_up_when_fake_time_passes_the_handshake_timeout()
    {
        var time = new TimerWatchingTimeProvider();
        string name = "vipc-nobody-" + Guid.NewGuid().ToString("N")[..12];
        var connect = PipeTransport.ConnectNamedAsync(name, new ProcessId(2),
            new PipeTransportOptions { HandshakeTimeout = Handshake, TimeProvider = time });
        await time.TimerArmedAsync();
        Assert.False(connect.IsCompleted);
        time.Fake.Advance(Handshake);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect.WaitAsync(Bound));
    }
}
