using System.Globalization;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.ProcessHost;

/// <summary>
/// The child process of the cross-process tests:
/// <c>VerifiedIpc.ProcessHost TRANSPORT ADDRESS ROLE [--count N] [--size B] [--ack] [--fragment] [--packet B]
/// [--loss P] [--dup P] [--reorder P] [--seed N] [--retries N] [--bug-ack-ahead]</c>.
/// <list type="bullet">
/// <item>TRANSPORT ADDRESS: <c>uds PATH</c>, <c>tcp PORT</c>, <c>udp PORT</c> (the parent's port; the child prints
/// <c>udp-port N</c> with its own), <c>pipe IN,OUT</c> (inherited anonymous pipe handles), <c>namedpipe NAME</c>.</item>
/// <item>ROLE: <c>echo</c> (sends every message back; an empty message ends it), <c>sink</c> (receives
/// <c>--count</c> sequence-numbered messages, checks each is the next one and intact, prints <c>recv N</c> flushed
/// per message before acknowledging it with <c>--ack</c>, then a summary line and a final <c>done</c> message), or
/// <c>source</c> (sends <c>--count</c> messages, then <c>done</c>).</item>
/// </list>
/// <c>--bug-ack-ahead</c> is a seeded bug for the tests' own checks: the sink acknowledges one message more than it
/// has recorded.
/// Exit codes: 0 done; 2 bad command line; 3 transport error (printed as <c>error: TYPE: MESSAGE</c>); 4 a
/// message out of order or corrupted.
/// </summary>
public static class HostProgram
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public static async Task<int> Main(string[] args)
    {
        var output = Console.Out;
        string transport, address, role;
        HostOptions options;
        try
        {
            (transport, address, role, options) = Parse(args);
        }
        catch (ArgumentException e)
        {
            output.WriteLine($"usage error: {e.Message}");
            return 2;
        }

        // The host never outlives a wedged parent by more than the bound: no orphans even if a test forgets it.
        using var cts = new CancellationTokenSource(Bound);
        IMessageConnection? connection = null;
        try
        {
            connection = await HostWire.ConnectChildAsync(transport, address, options, output, cts.Token);
            if (options.Fragment)
                connection = new FragmentingConnection(connection, packetPayloadSize: options.PacketSize);
            output.WriteLine("connected");
            output.Flush();
            return role switch
            {
                "echo" => await EchoAsync(connection, output, cts.Token),
                "sink" => await SinkAsync(connection, options, output, cts.Token),
                "source" => await SourceAsync(connection, options, transport == "udp", output, cts.Token),
                _ => throw new ArgumentException($"Unknown role '{role}': expected echo, sink or source."),
            };
        }
        catch (ArgumentException e)
        {
            output.WriteLine($"usage error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IpcException or IOException or OperationCanceledException or System.Net.Sockets.SocketException
                                      or UnauthorizedAccessException or TimeoutException)
        {
            output.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            return 3;
        }
        finally
        {
            output.Flush();
            if (connection is not null)
                await connection.DisposeAsync();
        }
    }

    private static async Task<int> EchoAsync(IMessageConnection connection, TextWriter output, CancellationToken ct)
    {
        long n = 0;
        while (await connection.ReceiveAsync(ct) is { } m)
        {
            await connection.SendAsync(m, ct);
            n++;
            if (m.Length == 0)
                break;
        }
        output.WriteLine($"echo: {n} messages");
        return 0;
    }

    private static async Task<int> SinkAsync(IMessageConnection connection, HostOptions options, TextWriter output, CancellationToken ct)
    {
        long expected = 0, bytes = 0;
        while (expected < options.Count)
        {
            var m = await connection.ReceiveAsync(ct);
            if (m is null)
            {
                output.WriteLine($"sink: the peer closed after {expected} of {options.Count} messages");
                return 3;
            }
            var (seq, error) = HostWire.Check(m);
            if (error is null && seq != expected)
                error = $"received message {seq} where {expected} was next";
            if (error is not null)
            {
                output.WriteLine($"sink: ERROR {error}");
                return 4;
            }
            // Written and flushed before it is acknowledged: whatever the parent saw acknowledged is on record even if
            // this process is killed the next instant.
            output.WriteLine($"recv {seq}");
            output.Flush();
            if (options.Ack)
                await connection.SendAsync(HostWire.Ack(options.AckAhead ? seq + 1 : seq), ct);
            expected++;
            bytes += m.Length;
        }
        long duplicates = connection is ReliableConnection r ? r.Endpoint.Statistics.DuplicatesDiscarded : 0;
        output.WriteLine($"sink: received {expected} messages in order, {bytes} bytes, duplicates removed {duplicates}");
        output.Flush();
        await connection.SendAsync(HostWire.Done, ct);
        return 0;
    }

    private static async Task<int> SourceAsync(IMessageConnection connection, HostOptions options, bool pipelined, TextWriter output,
        CancellationToken ct)
    {
        // Over the reliable layer a send completes on acknowledgement; awaiting each would cost a round trip per message,
        // so sends are queued together (the layer keeps their order) and awaited at the end.
        var pending = new List<Task>();
        for (long seq = 0; seq < options.Count; seq++)
        {
            var send = connection.SendAsync(HostWire.Create(seq, options.Size), ct);
            if (pipelined)
                pending.Add(send);
            else
                await send;
        }
        await Task.WhenAll(pending);
        output.WriteLine($"source: sent {options.Count} messages");
        output.Flush();
        await connection.SendAsync(HostWire.Done, ct);
        // Wait for the parent to close (streams) or to acknowledge (reliable: the send above completed on its ack).
        if (!pipelined)
            _ = await connection.ReceiveAsync(ct);
        return 0;
    }

    private static (string Transport, string Address, string Role, HostOptions Options) Parse(string[] args)
    {
        if (args.Length < 3)
            throw new ArgumentException("expected TRANSPORT ADDRESS ROLE [options]");
        var o = new HostOptions();
        for (int i = 3; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {name} needs a value");
            o = name switch
            {
                "--count" => o with { Count = ParseLong(name, Value()) },
                "--size" => o with { Size = (int)ParseLong(name, Value()) },
                "--packet" => o with { PacketSize = (int)ParseLong(name, Value()) },
                "--seed" => o with { Seed = (ulong)ParseLong(name, Value()) },
                "--retries" => o with { Retries = (int)ParseLong(name, Value()) },
                "--loss" => o with { Loss = ParseProbability(name, Value()) },
                "--dup" => o with { Dup = ParseProbability(name, Value()) },
                "--reorder" => o with { Reorder = ParseProbability(name, Value()) },
                "--ack" => o with { Ack = true },
                "--fragment" => o with { Fragment = true },
                "--bug-ack-ahead" => o with { Ack = true, AckAhead = true },
                _ => throw new ArgumentException($"unknown option '{name}' (argument {i + 1})"),
            };
        }
        if (args[2] is not ("echo" or "sink" or "source"))
            throw new ArgumentException($"unknown role '{args[2]}' (argument 3): expected echo, sink or source");
        if (args[0] is not ("uds" or "tcp" or "udp" or "pipe" or "namedpipe"))
            throw new ArgumentException($"unknown transport '{args[0]}' (argument 1): expected uds, tcp, udp, pipe or namedpipe");
        return (args[0], args[1], args[2], o);
    }

    private static long ParseLong(string name, string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v <= int.MaxValue
            ? v
            : throw new ArgumentException($"option {name}: '{text}' is not a non-negative integer");

    private static double ParseProbability(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p is >= 0 and <= 1
            ? p
            : throw new ArgumentException($"option {name}: '{text}' is not a probability between 0 and 1");
}
