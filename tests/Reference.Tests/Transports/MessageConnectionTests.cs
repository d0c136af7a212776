using System.Net;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// What every transport promises through <see cref="IMessageConnection"/>, run against each transport by a sealed
/// leaf class (the configuration-matrix pattern). All traffic is over real sockets on loopback in this process.
/// </summary>
public abstract class MessageConnectionTests : IAsyncLifetime
{
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(60); // hang guard only
    protected static readonly ProcessId ClientId = new(10);
    protected static readonly ProcessId ServerId = new(20);

    private IMessageConnection? _client;
    private IMessageConnection? _server;

    protected IMessageConnection Client => _client!;
    protected IMessageConnection Server => _server!;

    /// <summary>Opens a connected pair: the client side and the server (accepting) side.</summary>
    protected abstract Task<(IMessageConnection Client, IMessageConnection Server)> ConnectAsync();

    /// <summary>Whether closing one side shows as an orderly end (null) on the other.</summary>
    protected virtual bool HasOrderlyClose => true;

    public async Task InitializeAsync() => (_client, _server) = await ConnectAsync().WaitAsync(Bound);

    public async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
        await CleanupAsync();
    }

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    private static byte[] Message(int from, int i, int length)
    {
        var m = new byte[Math.Max(length, 8)];
        new Random(from * 100_000 + i).NextBytes(m);
        BitConverter.TryWriteBytes(m, from);
        BitConverter.TryWriteBytes(m.AsSpan(4), i);
        return m;
    }

    [Fact]
    public void Each_side_knows_the_other()
    {
        Assert.Equal(ServerId, Client.Remote);
        Assert.Equal(ClientId, Server.Remote);
        Assert.Equal(ClientId, Client.Local);
    }

    [Fact]
    public async Task Messages_arrive_whole_in_order_both_ways()
    {
        const int count = 200;
        var rng = new Random(1);
        var lengths = Enumerable.Range(0, count).Select(_ => rng.Next(0, 3000)).ToArray();

        async Task<List<byte[]>> ReceiveAll(IMessageConnection c)
        {
            var got = new List<byte[]>();
            while (got.Count < count)
                got.Add(await c.ReceiveAsync() ?? throw new Xunit.Sdk.XunitException("ended early"));
            return got;
        }

        var atServer = ReceiveAll(Server);
        var atClient = ReceiveAll(Client);
        var sends = new List<Task>();
        for (int i = 0; i < count; i++)
        {
            sends.Add(Client.SendAsync(Message(1, i, lengths[i])));
            sends.Add(Server.SendAsync(Message(2, i, lengths[i])));
        }
        await Task.WhenAll(sends).WaitAsync(Bound);
        var server = await atServer.WaitAsync(Bound);
        var client = await atClient.WaitAsync(Bound);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(Message(1, i, lengths[i]), server[i]);
            Assert.Equal(Message(2, i, lengths[i]), client[i]);
        }
    }

    [Fact]
    public async Task The_largest_message_round_trips()
    {
        var big = Message(3, 0, Client.MaxMessageSize);
        var received = Server.ReceiveAsync();
        await Client.SendAsync(big).WaitAsync(Bound);
        Assert.Equal(big, await received.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_message_over_the_limit_is_refused_and_the_connection_still_works()
    {
        await Assert.ThrowsAsync<MessageTooLargeException>(() => Client.SendAsync(new byte[Client.MaxMessageSize + 1]));
        var received = Server.ReceiveAsync();
        await Client.SendAsync(new byte[] { 42 }).WaitAsync(Bound);
        Assert.Equal(new byte[] { 42 }, await received.WaitAsync(Bound));
    }

    [Fact]
    public async Task Closing_one_side_ends_the_other_sides_stream_in_order()
    {
        if (!HasOrderlyClose)
        {
            // Datagram transports have no close handshake; the documented outcome is a typed error on use.
            await Client.DisposeAsync();
            await Assert.ThrowsAsync<EndpointClosedException>(() => Client.SendAsync(new byte[1]));
            return;
        }
        await Client.SendAsync(new byte[] { 1 }).WaitAsync(Bound);
        await Client.DisposeAsync();
        Assert.Equal(new byte[] { 1 }, await Server.ReceiveAsync().WaitAsync(Bound));
        Assert.Null(await Server.ReceiveAsync().WaitAsync(Bound));
    }
}

public sealed class TcpConnectionTests : MessageConnectionTests
{
    protected override async Task<(IMessageConnection, IMessageConnection)> ConnectAsync()
    {
        await using var listener = SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), ServerId);
        var accept = listener.AcceptAsync();
        var client = await SocketTransport.ConnectTcpAsync((IPEndPoint)listener.LocalEndPoint, ClientId);
        return (client, await accept);
    }
}

public sealed class UnixSocketConnectionTests : MessageConnectionTests
{
    private readonly string _dir = SocketTransport.CreatePrivateDirectory();

    private string SocketPath => Path.Combine(_dir, "s");

    protected override async Task<(IMessageConnection, IMessageConnection)> ConnectAsync()
    {
        await using var listener = SocketTransport.ListenUnix(SocketPath, ServerId);
        var accept = listener.AcceptAsync();
        var client = await SocketTransport.ConnectUnixAsync(SocketPath, ClientId);
        return (client, await accept);
    }

    protected override Task CleanupAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_socket_file_and_its_directory_are_owner_only()
    {
        if (OperatingSystem.IsWindows())
            return;
        string path = Path.Combine(_dir, "perm");
        await using var listener = SocketTransport.ListenUnix(path, ServerId);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
    }

    [Fact]
    public async Task A_peer_whose_uid_is_not_allowed_is_turned_away()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string path = Path.Combine(_dir, "strict");
        uint me = PeerCredentials.CurrentUid();
        await using var listener = SocketTransport.ListenUnix(path, ServerId,
            new SocketTransportOptions { AllowedPeerUids = new HashSet<uint> { me + 1 } });
        var accept = listener.AcceptAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => SocketTransport.ConnectUnixAsync(path, ClientId).WaitAsync(Bound));
        Assert.False(accept.IsCompleted);
        Assert.Equal(1, listener.Rejected);
        Assert.Contains($"uid {me}", listener.LastRejection);
    }

    [Fact]
    public async Task The_peer_credentials_name_this_process()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string path = Path.Combine(_dir, "cred");
        using var server = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        server.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        server.Listen(1);
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        using var accepted = await server.AcceptAsync();
        Assert.True(PeerCredentials.TryGet(accepted, out var cred));
        Assert.Equal(Environment.ProcessId, cred.Pid);
        Assert.Equal(PeerCredentials.CurrentUid(), cred.Uid);
    }
}

public sealed class UdpReliableConnectionTests : MessageConnectionTests
{
    private FaultInjectingLink? _clientLink;

    protected override bool HasOrderlyClose => false;

    protected override Task<(IMessageConnection, IMessageConnection)> ConnectAsync()
    {
        // Real UDP sockets on loopback, with loss, duplication and reordering injected on both sides so the
        // reliable layer has something to do (loopback itself almost never loses).
        var rates = new FaultRates { Loss = 0.15, Duplication = 0.1, Reorder = 0.2, BaseDelay = TimeSpan.Zero, MaxReorderDelay = TimeSpan.FromMilliseconds(5) };
        var schedule = new SeededFaultSchedule(42, rates);
        var (a, b) = UdpDatagramLink.CreateLoopbackPair(ClientId, ServerId);
        var options = new ReliableOptions { WindowSize = 32, InitialRetransmitTimeout = TimeSpan.FromMilliseconds(50), MaxRetransmissions = 30 };
        _clientLink = new FaultInjectingLink(a, schedule, LinkDirection.AToB);
        var client = new ReliableConnection(_clientLink, options);
        var server = new ReliableConnection(new FaultInjectingLink(b, schedule, LinkDirection.BToA), options);
        return Task.FromResult<(IMessageConnection, IMessageConnection)>((client, server));
    }

    [Fact]
    public async Task Injected_faults_happened_and_were_repaired()
    {
        var received = new List<byte[]>();
        var receiving = Task.Run(async () =>
        {
            while (received.Count < 300)
                received.Add((await Server.ReceiveAsync())!);
        });
        var sends = Enumerable.Range(0, 300).Select(i => Client.SendAsync(BitConverter.GetBytes(i))).ToList();
        await Task.WhenAll(sends).WaitAsync(Bound);
        await receiving.WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(0, 300), received.Select(m => BitConverter.ToInt32(m)));
        Assert.True(_clientLink!.Statistics.Dropped > 0);
        Assert.True(((ReliableConnection)Client).Endpoint.Statistics.Retransmissions > 0);
    }
}

/// <summary>Messages far larger than what the inner connection carries, split and reassembled.</summary>
public sealed class FragmentingOverUdpConnectionTests : MessageConnectionTests
{
    protected override bool HasOrderlyClose => false;

    protected override Task<(IMessageConnection, IMessageConnection)> ConnectAsync()
    {
        var rates = new FaultRates { Loss = 0.1, Duplication = 0.05, Reorder = 0.1, BaseDelay = TimeSpan.Zero, MaxReorderDelay = TimeSpan.FromMilliseconds(3) };
        var schedule = new SeededFaultSchedule(7, rates);
        var (a, b) = UdpDatagramLink.CreateLoopbackPair(ClientId, ServerId);
        var reliable = new ReliableOptions { WindowSize = 64, InitialRetransmitTimeout = TimeSpan.FromMilliseconds(50), MaxRetransmissions = 30 };
        var limits = new VerifiedIpc.Reference.Streams.FragmentationOptions { MaxMessageSize = 2 * 1024 * 1024 };
        IMessageConnection client = new FragmentingConnection(new ReliableConnection(new FaultInjectingLink(a, schedule, LinkDirection.AToB), reliable), limits, 8 * 1024);
        IMessageConnection server = new FragmentingConnection(new ReliableConnection(new FaultInjectingLink(b, schedule, LinkDirection.BToA), reliable), limits, 8 * 1024);
        return Task.FromResult((client, server));
    }
}

public sealed class FragmentingOverTcpConnectionTests : MessageConnectionTests
{
    protected override async Task<(IMessageConnection, IMessageConnection)> ConnectAsync()
    {
        var small = new SocketTransportOptions { MaxMessageSize = 4096 };
        await using var listener = SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), ServerId, small);
        var accept = listener.AcceptAsync();
        var client = await SocketTransport.ConnectTcpAsync((IPEndPoint)listener.LocalEndPoint, ClientId, small);
        var limits = new VerifiedIpc.Reference.Streams.FragmentationOptions { MaxMessageSize = 1024 * 1024 };
        return (new FragmentingConnection(client, limits), new FragmentingConnection(await accept, limits));
    }

    [Fact]
    public void Packets_are_sized_to_the_inner_connection()
    {
        var fragmenting = (FragmentingConnection)Client;
        Assert.Equal(4096 - VerifiedIpc.Reference.Streams.Packet.HeaderSize, fragmenting.Options.PacketPayloadSize);
        Assert.Equal(1024 * 1024, Client.MaxMessageSize);
    }
}
