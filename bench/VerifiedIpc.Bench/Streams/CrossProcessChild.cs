using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Bench.Streams;

/// <summary>
/// The far end of <see cref="CrossProcessTransportBenchmarks"/>: the bench executable started again with
/// <c>--xproc-child TRANSPORT ADDRESS MODE [BURST]</c>. TRANSPORT and ADDRESS: <c>tcp PORT</c>, <c>unix PATH</c>,
/// <c>namedpipe NAME</c>, or <c>pipe IN,OUT</c> (the inherited anonymous pipe handles). It connects to the parent, serves one connection and exits
/// when the parent closes it, or after <see cref="Lifetime"/> at the latest, so a crashed parent leaves no orphan.
/// </summary>
/// <remarks>
/// Modes: <c>raw-echo</c> and <c>raw-sink</c> use the socket directly (4-byte big-endian length prefix, no library);
/// (for pipes: the pipe stream directly); <c>lib-echo</c> and <c>lib-sink</c> use the library's <see cref="IMessageConnection"/>. An echo sends every
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

    /// <summary>Library options of the pipe transports.</summary>
    public static PipeTransportOptions PipeOptions => new() { MaxMessageSize = MaxMessageSize };

    /// <summary>The transports this child speaks.</summary>
    public static readonly string[] Transports = ["tcp", "unix", "namedpipe", "pipe"];

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
        if (Array.IndexOf(Transports, transport) < 0)
        {
            error.WriteLine($"{Switch}: unknown transport '{transport}' (expected {string.Join(", ", Transports)}).");
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
        catch (OperationCanceledException e)
        {
            // The library's handshake deadline: the parent was not there, or did not answer in time.
            error.WriteLine($"{Switch} {transport} {mode}: no connection to the parent at '{address}' in time ({e.Message})");
            return 1;
        }
        catch (Exception e) when (e is IOException or SocketException or IpcException or FormatException or InvalidDataException
                                       or ArgumentException)
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
        await using var channel = await ConnectRaw(transport, address, ct);
        var header = new byte[4];
        var frame = new byte[MaxMessageSize + 4];
        var ack = new byte[] { 1 };
        int count = 0;
        while (await channel.ReceiveAsync(header, endAllowed: true, ct))
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (length is < 0 or > MaxMessageSize)
                throw new InvalidDataException($"length prefix {length} is outside 0..{MaxMessageSize}");
            await channel.ReceiveAsync(frame.AsMemory(4, length), endAllowed: false, ct);
            if (echo)
            {
                header.CopyTo(frame, 0);
                await channel.SendAsync(frame.AsMemory(0, length + 4), ct);
            }
            else if (++count == burst)
            {
                count = 0;
                await channel.SendAsync(ack, ct);
            }
        }
    }

    private static async Task<RawChannel> ConnectRaw(string transport, string address, CancellationToken ct)
    {
        switch (transport)
        {
            case "namedpipe":
            {
                var client = new NamedPipeClientStream(".", address, PipeDirection.InOut,
                    System.IO.Pipes.PipeOptions.Asynchronous | System.IO.Pipes.PipeOptions.CurrentUserOnly);
                await client.ConnectAsync(ct);
                return new StreamChannel(client, client);
            }
            case "pipe":
            {
                var (input, output) = PipeTransport.ParseHandles(address);
                return new StreamChannel(new AnonymousPipeClientStream(PipeDirection.In, input),
                    new AnonymousPipeClientStream(PipeDirection.Out, output));
            }
            default:
            {
                var socket = NewSocket(transport);
                await socket.ConnectAsync(EndPointOf(transport, address), ct);
                return new SocketChannel(socket);
            }
        }
    }

    private static async Task RunLibrary(string transport, string address, bool echo, int burst, CancellationToken ct)
    {
        IMessageConnection connection = transport switch
        {
            "tcp" => await SocketTransport.ConnectTcpAsync((IPEndPoint)EndPointOf(transport, address), Child, Options, ct),
            "unix" => await SocketTransport.ConnectUnixAsync(address, Child, Options, ct),
            "namedpipe" => await PipeTransport.ConnectNamedAsync(address, Child, PipeOptions, ct),
            _ => await PipeTransport.ConnectToParentAsync(address, Child, PipeOptions, ct),
        };
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
}

/// <summary>One raw byte channel to the peer: a socket used directly, or a pipe stream pair. No library code.</summary>
public abstract class RawChannel : IAsyncDisposable
{
    /// <summary>Sends all of <paramref name="data"/>.</summary>
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default);

    /// <summary>Fills <paramref name="buffer"/>; false on an orderly end before the first byte when <paramref name="endAllowed"/>.</summary>
    /// <exception cref="EndOfStreamException">The stream ended inside the buffer.</exception>
    public abstract ValueTask<bool> ReceiveAsync(Memory<byte> buffer, bool endAllowed = false, CancellationToken ct = default);

    /// <summary>Closes the channel (the peer reads the end of stream).</summary>
    public abstract ValueTask DisposeAsync();

    /// <summary>The error for a stream that ended after <paramref name="got"/> of <paramref name="wanted"/> bytes.</summary>
    protected static EndOfStreamException Ended(int got, int wanted) => new($"the peer closed after {got} of {wanted} bytes");
}

/// <summary>A connected stream socket (TCP or Unix) used directly.</summary>
public sealed class SocketChannel(Socket socket) : RawChannel
{
    /// <inheritdoc/>
    public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        int sent = 0;
        while (sent < data.Length)
            sent += await socket.SendAsync(data[sent..], SocketFlags.None, ct);
    }

    /// <inheritdoc/>
    public override async ValueTask<bool> ReceiveAsync(Memory<byte> buffer, bool endAllowed = false, CancellationToken ct = default)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[got..], SocketFlags.None, ct);
            if (n == 0)
                return got == 0 && endAllowed ? false : throw Ended(got, buffer.Length);
            got += n;
        }
        return true;
    }

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer: closing is all that is left.
        }
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A pipe used directly: one stream to read (<paramref name="input"/>), one to write (the same for a named pipe).</summary>
public sealed class StreamChannel(Stream input, Stream output) : RawChannel
{
    /// <inheritdoc/>
    public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default) => output.WriteAsync(data, ct);

    /// <inheritdoc/>
    public override async ValueTask<bool> ReceiveAsync(Memory<byte> buffer, bool endAllowed = false, CancellationToken ct = default)
    {
        int got = await input.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (got == buffer.Length)
            return true;
        return got == 0 && endAllowed ? false : throw Ended(got, buffer.Length);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await output.DisposeAsync();
        if (!ReferenceEquals(input, output))
            await input.DisposeAsync();
    }
}
