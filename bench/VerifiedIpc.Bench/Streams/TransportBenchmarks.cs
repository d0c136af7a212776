using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.Bench.Streams;

/// <summary>
/// Message throughput (a burst of messages one way) and ping-pong latency over TCP loopback and Unix domain
/// sockets, inside one process. Anchor in the same run: the same kind of socket used directly with a 4-byte
/// length prefix and no library (no handshake, header, checksum or validation).
/// </summary>
[MemoryDiagnoser]
public class TransportBenchmarks
{
    private const int Burst = 256;
    private IMessageConnection _client = null!;
    private IMessageConnection _server = null!;
    private SocketMessageListener? _listener;
    private Socket _rawClient = null!;
    private Socket _rawServer = null!;
    private byte[] _message = [];
    private byte[] _rawBuffer = [];
    private string? _dir;

    [Params("tcp", "unix")]
    public string Transport { get; set; } = "tcp";

    [Params(64, 4096, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _message = new byte[Size];
        _rawBuffer = new byte[Size + 4];
        var options = new SocketTransportOptions { MaxMessageSize = 1 << 20 };
        if (Transport == "tcp")
        {
            _listener = SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), new ProcessId(1), options);
            var accept = _listener.AcceptAsync();
            _client = await SocketTransport.ConnectTcpAsync((IPEndPoint)_listener.LocalEndPoint, new ProcessId(2), options);
            _server = await accept;
            using var rawListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            rawListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            rawListener.Listen(1);
            _rawClient = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _rawClient.ConnectAsync(rawListener.LocalEndPoint!);
            _rawServer = await rawListener.AcceptAsync();
            _rawServer.NoDelay = true;
        }
        else
        {
            _dir = SocketTransport.CreatePrivateDirectory();
            string path = Path.Combine(_dir, "bench");
            _listener = SocketTransport.ListenUnix(path, new ProcessId(1), options);
            var accept = _listener.AcceptAsync();
            _client = await SocketTransport.ConnectUnixAsync(path, new ProcessId(2), options);
            _server = await accept;
            string rawPath = Path.Combine(_dir, "raw");
            using var rawListener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            rawListener.Bind(new UnixDomainSocketEndPoint(rawPath));
            rawListener.Listen(1);
            _rawClient = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await _rawClient.ConnectAsync(new UnixDomainSocketEndPoint(rawPath));
            _rawServer = await rawListener.AcceptAsync();
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        if (_listener is not null) await _listener.DisposeAsync();
        _rawClient.Dispose();
        _rawServer.Dispose();
        if (_dir is not null) Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "raw socket, length-prefixed: burst")]
    public async Task<long> RawBurst()
    {
        var receiving = Task.Run(async () =>
        {
            long got = 0;
            for (int i = 0; i < Burst; i++)
                got += await RawReceive(_rawServer);
            return got;
        });
        for (int i = 0; i < Burst; i++)
            await RawSend(_rawClient);
        return await receiving;
    }

    [Benchmark(Description = "IMessageConnection: burst")]
    public async Task<long> LibraryBurst()
    {
        var receiving = Task.Run(async () =>
        {
            long got = 0;
            for (int i = 0; i < Burst; i++)
                got += (await _server.ReceiveAsync())!.Length;
            return got;
        });
        for (int i = 0; i < Burst; i++)
            await _client.SendAsync(_message);
        return await receiving;
    }

    [Benchmark(Description = "raw socket, length-prefixed: ping-pong")]
    public async Task<int> RawPingPong()
    {
        var echo = Task.Run(async () =>
        {
            await RawReceive(_rawServer);
            await RawSend(_rawServer);
        });
        await RawSend(_rawClient);
        int n = await RawReceive(_rawClient);
        await echo;
        return n;
    }

    [Benchmark(Description = "IMessageConnection: ping-pong")]
    public async Task<int> LibraryPingPong()
    {
        var echo = Task.Run(async () =>
        {
            var m = await _server.ReceiveAsync();
            await _server.SendAsync(m!);
        });
        await _client.SendAsync(_message);
        var reply = await _client.ReceiveAsync();
        await echo;
        return reply!.Length;
    }

    private async Task RawSend(Socket s)
    {
        BinaryPrimitives.WriteInt32BigEndian(_rawBuffer, Size);
        _message.CopyTo(_rawBuffer.AsSpan(4));
        int sent = 0;
        while (sent < Size + 4)
            sent += await s.SendAsync(_rawBuffer.AsMemory(sent, Size + 4 - sent));
    }

    private static async Task<int> RawReceive(Socket s)
    {
        var header = new byte[4];
        await ReceiveExactly(s, header);
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        var body = new byte[length];
        await ReceiveExactly(s, body);
        return length;
    }

    private static async Task ReceiveExactly(Socket s, Memory<byte> buffer)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await s.ReceiveAsync(buffer[got..]);
            if (n == 0) throw new EndOfStreamException();
            got += n;
        }
    }
}
