using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.ProcessHost;

/// <summary>
/// What the parent (a test) and the child host agree on: the test messages (an 8-byte sequence number and a
/// payload derived from it, so either side can check a message it did not send), the process ids, and the settings
/// of the reliable layer over UDP.
/// </summary>
public static class HostWire
{
    /// <summary>The parent's process id.</summary>
    public static readonly ProcessId Parent = new(1);

    /// <summary>The child's process id.</summary>
    public static readonly ProcessId Child = new(2);

    /// <summary>The line a UDP child prints first: <c>udp-port N</c>, the port its link is bound to.</summary>
    public const string UdpPortPrefix = "udp-port ";

    /// <summary>The message a sink or source sends last, after its summary line, so the parent knows it is done.</summary>
    public static readonly byte[] Done = "done"u8.ToArray();

    /// <summary>Message number <paramref name="sequence"/> of <paramref name="size"/> bytes (at least 8).</summary>
    public static byte[] Create(long sequence, int size)
    {
        var m = new byte[Math.Max(8, size)];
        BinaryPrimitives.WriteInt64LittleEndian(m, sequence);
        for (int i = 8; i < m.Length; i++)
            m[i] = Pattern(sequence, i);
        return m;
    }

    /// <summary>The sequence number of a message, or an explanation of what is wrong with it.</summary>
    public static (long Sequence, string? Error) Check(ReadOnlySpan<byte> message)
    {
        if (message.Length < 8)
            return (-1, $"message of {message.Length} bytes is shorter than its 8-byte sequence number");
        long seq = BinaryPrimitives.ReadInt64LittleEndian(message);
        for (int i = 8; i < message.Length; i++)
            if (message[i] != Pattern(seq, i))
                return (seq, $"message {seq} is corrupted at byte {i}");
        return (seq, null);
    }

    /// <summary>An acknowledgement of message <paramref name="sequence"/> (the sink's reply with <c>--ack</c>).</summary>
    public static byte[] Ack(long sequence)
    {
        var a = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(a, sequence);
        return a;
    }

    /// <summary>Reads an acknowledgement.</summary>
    public static long ReadAck(ReadOnlySpan<byte> ack) =>
        ack.Length == 8 ? BinaryPrimitives.ReadInt64LittleEndian(ack) : throw new FormatException($"an ack is 8 bytes, not {ack.Length}");

    /// <summary>
    /// Reliable-layer settings for the cross-process runs: a low retry bound and timeout cap, so that a vanished peer
    /// is reported in about a second rather than the library default's tens of seconds.
    /// </summary>
    public static ReliableOptions Reliable(int maxRetransmissions = 8) => new()
    {
        MaxRetransmissions = maxRetransmissions,
        MaxRetransmitTimeout = TimeSpan.FromMilliseconds(250),
        InitialRetransmitTimeout = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>Fault rates from command-line probabilities (delays fit a loopback run).</summary>
    public static FaultRates Rates(double loss, double dup, double reorder) => new()
    {
        Loss = loss,
        Duplication = dup,
        Reorder = reorder,
        BaseDelay = TimeSpan.Zero,
        MaxReorderDelay = TimeSpan.FromMilliseconds(5),
    };

    /// <summary>
    /// One end of a reliable connection over UDP on the loopback interface, with faults injected into what this end
    /// sends when <paramref name="rates"/> is given (the parent uses direction A→B, the child B→A, both from the
    /// same seed, so a run replays).
    /// </summary>
    /// <returns>The connection and the local port it is bound to.</returns>
    public static (ReliableConnection Connection, int LocalPort) UdpReliable(int localPort, int remotePort, bool isParent, FaultRates? rates,
        ulong seed, int maxRetransmissions = 8)
    {
        var (local, remote) = isParent ? (Parent, Child) : (Child, Parent);
        var udp = new UdpDatagramLink(new IPEndPoint(IPAddress.Loopback, localPort), new IPEndPoint(IPAddress.Loopback, remotePort),
            local, remote);
        return (UdpReliable(udp, isParent, rates, seed, maxRetransmissions), ((IPEndPoint)udp.LocalEndPoint).Port);
    }

    /// <summary>The reliable layer (with faults when <paramref name="rates"/> is set) on a connected UDP link.</summary>
    public static ReliableConnection UdpReliable(UdpDatagramLink udp, bool isParent, FaultRates? rates, ulong seed, int maxRetransmissions = 8)
    {
        IDatagramLink link = udp;
        if (rates is not null)
            link = new FaultInjectingLink(link, new SeededFaultSchedule(seed, rates), isParent ? LinkDirection.AToB : LinkDirection.BToA);
        return new ReliableConnection(link, Reliable(maxRetransmissions));
    }

    /// <summary>The child's side of each transport: connects to what the parent has opened.</summary>
    /// <exception cref="ArgumentException">Unknown transport or malformed address.</exception>
    public static async Task<IMessageConnection> ConnectChildAsync(string transport, string address, HostOptions options,
        TextWriter output, CancellationToken cancellationToken)
    {
        switch (transport)
        {
            case "uds":
                return await SocketTransport.ConnectUnixAsync(address, Child, cancellationToken: cancellationToken);
            case "tcp":
                return await SocketTransport.ConnectTcpAsync(new IPEndPoint(IPAddress.Loopback, ParsePort(address)), Child,
                    cancellationToken: cancellationToken);
            case "udp":
            {
                var rates = options.Loss + options.Dup + options.Reorder > 0 ? Rates(options.Loss, options.Dup, options.Reorder) : null;
                var (connection, port) = UdpReliable(0, ParsePort(address), isParent: false, rates, options.Seed, options.Retries);
                output.WriteLine(UdpPortPrefix + port.ToString(CultureInfo.InvariantCulture));
                output.Flush();
                return connection;
            }
            case "pipe":
                return await PipeTransport.ConnectToParentAsync(address, Child, cancellationToken: cancellationToken);
            case "namedpipe":
                return await PipeTransport.ConnectNamedAsync(address, Child, cancellationToken: cancellationToken);
            default:
                throw new ArgumentException($"Unknown transport '{transport}': expected uds, tcp, udp, pipe or namedpipe.", nameof(transport));
        }
    }

    /// <summary>Parses a TCP/UDP port number.</summary>
    /// <exception cref="ArgumentException">Not a number between 1 and 65535.</exception>
    public static int ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535
            ? port
            : throw new ArgumentException($"Port '{text}' is not a number between 1 and 65535.", nameof(text));

    private static byte Pattern(long sequence, int index) => (byte)(sequence * 31 + index * 7 + (index >> 8));
}

/// <summary>Options of the child host (see <see cref="HostProgram"/>).</summary>
public sealed record HostOptions
{
    public long Count { get; init; } = 100;
    public int Size { get; init; } = 64;
    public bool Ack { get; init; }

    /// <summary>Seeded bug: acknowledge message n+1 on receiving n.</summary>
    public bool AckAhead { get; init; }
    public bool Fragment { get; init; }
    public int? PacketSize { get; init; }
    public double Loss { get; init; }
    public double Dup { get; init; }
    public double Reorder { get; init; }
    public ulong Seed { get; init; } = 1;
    public int Retries { get; init; } = 8;
}
