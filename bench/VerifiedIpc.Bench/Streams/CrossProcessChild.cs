using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.Bench.Streams;

/// <summary>
/// The far end of <see cref="CrossProcessTransportBenchmarks"/>: the bench executable started again with
/// <c>--xproc-child TRANSPORT ADDRESS MODE [BURST]</c>. It connects to the parent, serves one connection and exits
/// when the parent closes it, or after <see cref="Lifetime"/> at the latest, so a crashed parent leaves no orphan.
/// </summary>
/// <remarks>
/// Modes: <c>raw-echo</c> and <c>raw-sink</c> use the socket directly (4-byte big-endian length prefix, no library);
/// <c>lib-echo</c> and <c>lib-sink</c> use the library's <see cref="IMessageConnection"/>. An echo sends every
/// message back; a sink answers one byte after every BURST messages.
/// </remarks>
public static class CrossProcessChild
{
    /// <summary>The command-line switch that selects this mode in <see cref="Program"/>.</summary>
    public const string Switch = "--xproc-child";

    /// <summary>How long a child lives at most, whatever the parent does.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>The largest message either side exchanges (the raw child's buffer and the library's limit).</summary>
    public const int MaxMessageSize = 1 << 20;

    /// <summary>The library's process id of the parent (benchmark) side.</summary>
    public static readonly ProcessId Parent = new(1);

    /// <summary>The library's process id of the child side.</summary>
    public static readonly ProcessId Child = new(2);

    /// <summary>Library options both sides use.</summary>
    public static SocketTransportOptions Options => new() { MaxMessageSize = MaxMessageSize };

    /// <summary>Runs the child with the arguments after <see cref="Switch"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter error)
    {
        if (args.Length is < 3 or > 4)
        {
            error.WriteLine($"{Switch}: expected TRANSPORT ADDRESS MODE [BURST], got {args.Length} arguments.");
            return 2;
        }
        string transport = args[0], address = args[1], mode = args[2];
        int burst = 1;
        if (args.Length == 4 && (!int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out burst) || burst < 1))
        {
            error.WriteLine($"{Switch}: BURST '{args[3]}' is not a positive number.");
            return 2;
        }
        if (transport is not ("tcp" or "unix"))
        {
            error.WriteLine($"{Switch}: unknown transport '{transport}' (expected tcp or unix).");
            return 2;
        }
        if (mode is not ("raw-echo" or "raw-sink" or "lib-echo" or "lib-sink"))
        {
            error.WriteLine($"{Switch}: unknown mode '{mode}' (expected raw-echo, raw-sink, lib-echo or lib-sink).");
            return 2;
        }
        using var lifetime = new CancellationTokenSource(Lifetime);
        try
        {
            bool echo = mode.EndsWith("echo", StringComparison.Ordinal);
            if (mode.StartsWith("raw", StringComparison.Ordinal))
                RunRaw(transport, address, echo, burst, lifetime.Token).GetAwaiter().GetResult();
            else
                RunLibrary(transport, address, echo, burst, lifetime.Token).GetAwaiter().GetResult();
            return 0;
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            error.WriteLine($"{Switch}: lifetime of {Lifetime} reached; exiting.");
            return 3;
        }
        catch (Exception e) when (e is IOException or SocketException or IpcException or FormatException or InvalidDataException)
        {
            error.WriteLine($"{Switch} {transport} {mode}: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>The endpoint of <paramref name="transport"/> at <paramref name="address"/> (a TCP port or a socket path).</summary>
    public static EndPoint EndPointOf(string transport, string address) => transport == "tcp"
        ? new IPEndPoint(IPAddress.Loopback, int.Parse(address, NumberStyles.None, CultureInfo.InvariantCulture))
        : new UnixDomainSocketEndPoint(address);

    /// <summary>A stream socket of <paramref name="transport"/>, with Nagle off for TCP as the library does.</summary>
    public static Socket NewSocket(string transport) => transport == "tcp"
        ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
        : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    private static async Task RunRaw(string transport, string address, bool echo, int burst, CancellationToken ct)
    {
        using var socket = NewSocket(transport);
        await socket.ConnectAsync(EndPointOf(transport, address), ct);
        var header = new byte[4];
        var frame = new byte[MaxMessageSize + 4];
        var ack = new byte[] { 1 };
        int count = 0;
        while (await ReceiveExactly(socket, header, ct, endAllowed: true))
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (length is < 0 or > MaxMessageSize)
                throw new InvalidDataException($"length prefix {length} is outside 0..{MaxMessageSize}");
            await ReceiveExactly(socket, frame.AsMemory(4, length), ct, endAllowed: false);
            if (echo)
            {
                header.CopyTo(frame, 0);
                await SendAll(socket, frame.AsMemory(0, length + 4), ct);
            }
            else if (++count == burst)
            {
                count = 0;
                await SendAll(socket, ack, ct);
            }
        }
    }

    private static async Task RunLibrary(string transport, string address, bool echo, int burst, CancellationToken ct)
    {
        IMessageConnection connection = transport == "tcp"
            ? await SocketTransport.ConnectTcpAsync((IPEndPoint)EndPointOf(transport, address), Child, Options, ct)
            : await SocketTransport.ConnectUnixAsync(address, Child, Options, ct);
        await using var _ = connection;
        var ack = new byte[] { 1 };
        int count = 0;
        while (await connection.ReceiveAsync(ct) is { } message)
        {
            if (echo)
                await connection.SendAsync(message, ct);
            else if (++count == burst)
            {
                count = 0;
                await connection.SendAsync(ack, ct);
            }
        }
    }

    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public static async Task SendAll(Socket socket, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        int sent = 0;
        while (sent < data.Length)
            sent += await socket.SendAsync(data[sent..], SocketFlags.None, ct);
    }

    /// <summary>Fills <paramref name="buffer"/>; false on an orderly end before the first byte when <paramref name="endAllowed"/>.</summary>
    /// <exception cref="EndOfStreamException">The stream ended inside the buffer.</exception>
    public static async Task<bool> ReceiveExactly(Socket socket, Memory<byte> buffer, CancellationToken ct = default, bool endAllowed = false)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[got..], SocketFlags.None, ct);
            if (n == 0)
            {
                if (got == 0 && endAllowed)
                    return false;
                throw new EndOfStreamException($"the peer closed after {got} of {buffer.Length} bytes");
            }
            got += n;
        }
        return true;
    }
}
