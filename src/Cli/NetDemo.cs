using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Cli;

/// <summary>Settings of <c>vipc demo --transport …</c>.</summary>
internal sealed record NetDemoOptions(string Transport, double Loss, double Dup, double Reorder, ulong Seed, int Count, int Size)
{
    public FaultRates Rates => new()
    {
        Loss = Loss,
        Duplication = Dup,
        Reorder = Reorder,
        BaseDelay = TimeSpan.Zero,
        MaxReorderDelay = TimeSpan.FromMilliseconds(5),
    };

    /// <summary>A clear complaint about an out-of-range value, or null.</summary>
    public string? Validate()
    {
        foreach (var (p, name) in new[] { (Loss, "--loss"), (Dup, "--dup"), (Reorder, "--reorder") })
            if (p is < 0 or >= 1 || double.IsNaN(p))
                return $"{name} {p.ToString(CultureInfo.InvariantCulture)}: a probability at least 0 and below 1 is expected";
        if (Count < 1)
            return $"--count {Count}: at least 1 message is expected";
        if (Size is < 8 or > 16 * 1024 * 1024)
            return $"--size {Size}: between 8 bytes and 16 MiB is expected";
        return null;
    }

    /// <summary>The options as the peer's command line repeats them.</summary>
    public IEnumerable<string> ToArguments() =>
    [
        "--transport", Transport, "--loss", Loss.ToString("R", CultureInfo.InvariantCulture), "--dup", Dup.ToString("R", CultureInfo.InvariantCulture),
        "--reorder", Reorder.ToString("R", CultureInfo.InvariantCulture), "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--count", Count.ToString(CultureInfo.InvariantCulture), "--size", Size.ToString(CultureInfo.InvariantCulture),
    ];
}

/// <summary>
/// <c>vipc demo --transport uds|tcp|udp|pipe</c>: two OS processes — this one and a copy of vipc started as
/// <c>vipc demo peer</c> — exchange sequence-numbered messages over the chosen transport through the reliable layer,
/// with loss, duplication and reordering injected on a seeded schedule into both directions. A progress line per
/// second, then one summary line: sent, delivered (in order), retransmits, duplicates removed, goodput.
/// </summary>
/// <remarks>
/// Over UDP the reliable layer runs on the datagram socket itself. Over the stream transports (Unix socket, TCP,
/// anonymous pipes) it runs on a datagram link carried by the stream (<see cref="NetDemoLink"/>): the stream never
/// loses anything by itself, so the faults shown are exactly the injected ones. Exit codes: 0 every message
/// delivered once in order; 1 not; 2 bad options or the peer could not be started.
/// </remarks>
internal static class NetDemo
{
    public static readonly string[] Transports = ["uds", "tcp", "udp", "pipe"];
    private static readonly ProcessId ParentId = new(1), PeerId = new(2);
    private const string UdpPortPrefix = "udp-port ";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private static ReliableOptions Reliable => new()
    {
        InitialRetransmitTimeout = TimeSpan.FromMilliseconds(50),
        MaxRetransmitTimeout = TimeSpan.FromMilliseconds(500),
        MaxRetransmissions = 16,
    };

    /// <summary>Adds the options to <paramref name="demo"/> and the hidden <c>peer</c> sub-command; returns the transport option.</summary>
    public static Func<ParseResult, NetDemoOptions?> AddTo(Command demo)
    {
        var transport = new Option<string?>("--transport")
        { Recursive = true,
            Description = "Run two OS processes over this transport (uds, tcp, udp, pipe) instead of the in-process tour.",
        };
        transport.AcceptOnlyFromAmong(Transports);
        var loss = new Option<double>("--loss") { Recursive = true, Description = "Probability that a datagram is lost (with --transport).", DefaultValueFactory = _ => 0.1 };
        var dup = new Option<double>("--dup") { Recursive = true, Description = "Probability that a datagram is duplicated.", DefaultValueFactory = _ => 0.05 };
        var reorder = new Option<double>("--reorder") { Recursive = true, Description = "Probability that a datagram is held back and overtaken.", DefaultValueFactory = _ => 0.1 };
        var seed = new Option<ulong>("--seed") { Recursive = true, Description = "Seed of the fault schedule (the same seed, the same faults).", DefaultValueFactory = _ => 1 };
        var count = new Option<int>("--count") { Recursive = true, Description = "Messages to send.", DefaultValueFactory = _ => 2000 };
        var size = new Option<int>("--size") { Recursive = true, Description = "Bytes per message.", DefaultValueFactory = _ => 1024 };
        demo.Options.Add(transport);
        demo.Options.Add(loss);
        demo.Options.Add(dup);
        demo.Options.Add(reorder);
        demo.Options.Add(seed);
        demo.Options.Add(count);
        demo.Options.Add(size);

        NetDemoOptions? Read(ParseResult p) => p.GetValue(transport) is { } t
            ? new NetDemoOptions(t, p.GetValue(loss), p.GetValue(dup), p.GetValue(reorder), p.GetValue(seed), p.GetValue(count), p.GetValue(size))
            : null;

        var address = new Option<string>("--address") { Description = "Where the parent waits (path, port or pipe handles).", Required = true };
        var peer = new Command("peer", "The second process of 'vipc demo --transport' (started by it).") { Hidden = true };
        peer.Options.Add(address);
        peer.SetAction(p => RunPeer(Read(p)!, p.GetValue(address)!, p.InvocationConfiguration.Output));
        demo.Subcommands.Add(peer);
        return Read;
    }

    /// <summary>The parent: opens the transport, starts the peer, sends, reports.</summary>
    public static int Run(NetDemoOptions options, TextWriter output)
    {
        if (options.Validate() is { } complaint)
        {
            output.WriteLine($"vipc demo: {complaint}");
            return 2;
        }
        using var cts = new CancellationTokenSource(Bound);
        // Ctrl+C or a termination signal cancels the run instead of ending the process at once, so the finally blocks
        // still kill the peer and remove the socket directory.
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            cts.Cancel();
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            return RunAsync(options, output, cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IpcException or IOException or SocketException or OperationCanceledException or InvalidOperationException
                                      or System.ComponentModel.Win32Exception)
        {
            output.WriteLine($"demo FAILED: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(NetDemoOptions o, TextWriter output, CancellationToken ct)
    {
        output.WriteLine($"demo over {o.Transport}: {o.Count} messages of {o.Size} B from p1 (this process) to p2 (a second vipc process)");
        output.WriteLine($"  injected faults, each direction: loss {o.Loss:P0}, duplication {o.Dup:P0}, reordering {o.Reorder:P0}; seed {o.Seed}");
        var cleanup = new List<Func<ValueTask>>();
        Process? child = null;
        IMessageConnection? connection = null;
        Task peerOutput = Task.CompletedTask;
        try
        {
            IDatagramLink link;
            switch (o.Transport)
            {
                case "uds":
                {
                    string dir = SocketTransport.CreatePrivateDirectory();
                    cleanup.Add(() => { Directory.Delete(dir, recursive: true); return ValueTask.CompletedTask; });
                    string path = Path.Combine(dir, "demo.sock");
                    var listener = SocketTransport.ListenUnix(path, ParentId);
                    cleanup.Add(listener.DisposeAsync);
                    child = StartPeer(o, path);
                    peerOutput = ForwardPeerOutput(child, output);
                    link = new NetDemoLink(await UnlessPeerExits(listener.AcceptAsync(ct), child, ct));
                    break;
                }
                case "tcp":
                {
                    var listener = SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), ParentId);
                    cleanup.Add(listener.DisposeAsync);
                    child = StartPeer(o, ((IPEndPoint)listener.LocalEndPoint).Port.ToString(CultureInfo.InvariantCulture));
                    peerOutput = ForwardPeerOutput(child, output);
                    link = new NetDemoLink(await UnlessPeerExits(listener.AcceptAsync(ct), child, ct));
                    break;
                }
                case "pipe":
                {
                    var pipes = PipeTransport.CreateForChild();
                    cleanup.Add(pipes.DisposeAsync);
                    child = StartPeer(o, pipes.ChildArgument);
                    pipes.ReleaseChildHandles();
                    peerOutput = ForwardPeerOutput(child, output);
                    link = new NetDemoLink(await UnlessPeerExits(pipes.ConnectAsync(ParentId, ct), child, ct));
                    break;
                }
                default:
                {
                    // Bind now and hold the port (no window in which another process could take it), tell the peer,
                    // read the port the peer bound, then connect to it.
                    var udp = UdpDatagramLink.Bind(new IPEndPoint(IPAddress.Loopback, 0), ParentId, PeerId);
                    cleanup.Add(() => { udp.Dispose(); return ValueTask.CompletedTask; }); // idempotent; the connection owns it once made
                    int port = ((IPEndPoint)udp.LocalEndPoint).Port;
                    child = StartPeer(o, port.ToString(CultureInfo.InvariantCulture));
                    string? line;
                    while ((line = await child.StandardOutput.ReadLineAsync(ct)) is not null && !line.StartsWith(UdpPortPrefix, StringComparison.Ordinal))
                        output.WriteLine($"  peer: {line}");
                    if (line is null)
                        throw new InvalidOperationException("the peer ended before reporting its UDP port");
                    int peerPort = int.Parse(line.AsSpan(UdpPortPrefix.Length), CultureInfo.InvariantCulture);
                    udp.Connect(new IPEndPoint(IPAddress.Loopback, peerPort));
                    link = udp;
                    peerOutput = ForwardPeerOutput(child, output);
                    break;
                }
            }
            var reliable = new ReliableConnection(new FaultInjectingLink(link, new SeededFaultSchedule(o.Seed, o.Rates), LinkDirection.AToB), Reliable);
            connection = reliable;
            IMessageConnection messages = o.Size > reliable.MaxMessageSize ? new FragmentingConnection(reliable) : reliable;

            var clock = Stopwatch.StartNew();
            long acknowledged = 0;
            var sending = SendAllAsync(messages, o, () => Interlocked.Increment(ref acknowledged), ct);
            // The report travels unfragmented (the peer sends it on the reliable connection itself).
            var report = reliable.ReceiveAsync(ct);
            // Progress, once a second while the transfer runs (a display, not synchronisation).
            while (true)
            {
                var done = await Task.WhenAny(sending, report, Task.Delay(TimeSpan.FromSeconds(1), ct));
                ct.ThrowIfCancellationRequested();
                if (done == sending || done == report)
                    break;
                output.WriteLine($"  {clock.Elapsed.TotalSeconds,5:F1} s  acknowledged {Interlocked.Read(ref acknowledged)}/{o.Count}, " +
                                 $"retransmits {reliable.Endpoint.Statistics.Retransmissions}");
            }
            await sending;
            var reportBytes = await report ?? throw new InvalidOperationException("the peer closed without its report");
            double seconds = clock.Elapsed.TotalSeconds;
            var peer = PeerReport.Parse(reportBytes);
            var stats = reliable.Endpoint.Statistics;
            await (child.WaitForExitAsync(ct));
            await peerOutput;

            bool ok = peer.Delivered == o.Count && peer.InOrder && child.ExitCode == 0;
            double goodput = (double)peer.Delivered * o.Size / seconds / (1024 * 1024);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"summary: sent {o.Count}, delivered {peer.Delivered}{(peer.InOrder ? " in order" : " OUT OF ORDER")}, retransmits {stats.Retransmissions}, " +
                $"duplicates removed {peer.DuplicatesRemoved}, goodput {goodput:F2} MiB/s ({peer.Delivered / seconds:F0} msg/s over {seconds:F2} s)"));
            return ok ? 0 : 1;
        }
        finally
        {
            if (connection is not null)
                await connection.DisposeAsync();
            if (child is not null)
            {
                if (!child.HasExited)
                    child.Kill(entireProcessTree: true);
                child.Dispose();
            }
            for (int i = cleanup.Count - 1; i >= 0; i--)
                await cleanup[i]();
        }
    }

    /// <summary>
    /// Sends every message, keeping at most <see cref="MaxOutstanding"/> unacknowledged (so the window stays full while
    /// memory stays bounded whatever <c>--count</c> is); <paramref name="acknowledged"/> runs as each oldest completes.
    /// </summary>
    private static async Task SendAllAsync(IMessageConnection messages, NetDemoOptions o, Action acknowledged, CancellationToken ct)
    {
        var pending = new Queue<Task>();
        for (int seq = 0; seq < o.Count; seq++)
        {
            ct.ThrowIfCancellationRequested();
            pending.Enqueue(messages.SendAsync(Message(seq, o.Size), ct));
            if (pending.Count >= MaxOutstanding)
            {
                await pending.Dequeue();
                acknowledged();
            }
        }
        while (pending.TryDequeue(out var send))
        {
            await send;
            acknowledged();
        }
    }

    private const int MaxOutstanding = 512;

    /// <summary>The peer: connects to the parent, receives and checks every message, replies with its report.</summary>
    private static int RunPeer(NetDemoOptions o, string address, TextWriter output)
    {
        using var cts = new CancellationTokenSource(Bound);
        try
        {
            return RunPeerAsync(o, address, output, cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IpcException or IOException or SocketException or OperationCanceledException or ArgumentException)
        {
            output.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            return 3;
        }
    }

    private static async Task<int> RunPeerAsync(NetDemoOptions o, string address, TextWriter output, CancellationToken ct)
    {
        IDatagramLink link = o.Transport switch
        {
            "uds" => new NetDemoLink(await SocketTransport.ConnectUnixAsync(address, PeerId, cancellationToken: ct)),
            "tcp" => new NetDemoLink(await SocketTransport.ConnectTcpAsync(new IPEndPoint(IPAddress.Loopback, Port(address)), PeerId, cancellationToken: ct)),
            "pipe" => new NetDemoLink(await PipeTransport.ConnectToParentAsync(address, PeerId, cancellationToken: ct)),
            _ => new UdpDatagramLink(new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, Port(address)), PeerId, ParentId),
        };
        if (link is UdpDatagramLink udp)
        {
            output.WriteLine(UdpPortPrefix + ((IPEndPoint)udp.LocalEndPoint).Port.ToString(CultureInfo.InvariantCulture));
            output.Flush();
        }
        await using var reliable = new ReliableConnection(new FaultInjectingLink(link, new SeededFaultSchedule(o.Seed, o.Rates), LinkDirection.BToA), Reliable);
        IMessageConnection messages = o.Size > reliable.MaxMessageSize ? new FragmentingConnection(reliable) : reliable;
        long delivered = 0;
        bool inOrder = true;
        while (delivered < o.Count)
        {
            var m = await messages.ReceiveAsync(ct) ?? throw new EndpointClosedException("demo parent");
            if (m.Length != o.Size || BinaryPrimitives.ReadInt64LittleEndian(m) != delivered || !m.AsSpan(8).SequenceEqual(Message(delivered, o.Size).AsSpan(8)))
                inOrder = false;
            delivered++;
        }
        var report = new PeerReport(delivered, inOrder, reliable.Endpoint.Statistics.DuplicatesDiscarded);
        // Completes when the parent has acknowledged it, so the parent surely has everything it needs to finish.
        await reliable.SendAsync(report.ToBytes(), ct);
        return inOrder ? 0 : 1;
    }

    /// <summary>The connection, or a clear error as soon as the peer exits without connecting (a bad command line, say).</summary>
    private static async Task<T> UnlessPeerExits<T>(Task<T> connecting, Process peer, CancellationToken ct)
    {
        var exited = peer.WaitForExitAsync(ct);
        if (await Task.WhenAny(connecting, exited) == connecting)
            return await connecting;
        throw new InvalidOperationException($"the peer process exited (code {peer.ExitCode}) before connecting; its output is above");
    }

    private static Process StartPeer(NetDemoOptions o, string address)
    {
        var (file, prefix) = Self();
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in prefix.Concat(["demo", "peer", "--address", address]).Concat(o.ToArguments()))
            info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    }

    /// <summary>How to start vipc again: the apphost itself, or the dotnet host with vipc.dll (under `dotnet vipc.dll` or a test host).</summary>
    private static (string File, string[] Prefix) Self()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "vipc")
            return (self, []);
        string dll = typeof(NetDemo).Assembly.Location;
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host))
            host = self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        return (host, [dll]);
    }

    /// <summary>Copies the peer's remaining stdout and stderr (errors, if any) into the demo's output.</summary>
    private static async Task ForwardPeerOutput(Process child, TextWriter output)
    {
        var err = child.StandardError.ReadToEndAsync();
        while (await child.StandardOutput.ReadLineAsync() is { } line)
            lock (output)
                output.WriteLine($"  peer: {line}");
        string e = await err;
        if (e.Length > 0)
            lock (output)
                output.WriteLine($"  peer stderr: {e.Trim()}");
    }

    private static int Port(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and <= 65535
            ? p
            : throw new ArgumentException($"--address '{text}' is not a port number");

    private static byte[] Message(long seq, int size)
    {
        var m = new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(m, seq);
        for (int i = 8; i < size; i++)
            m[i] = (byte)(seq + i);
        return m;
    }

    private readonly record struct PeerReport(long Delivered, bool InOrder, long DuplicatesRemoved)
    {
        public byte[] ToBytes() => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Delivered} {(InOrder ? 1 : 0)} {DuplicatesRemoved}"));

        public static PeerReport Parse(byte[] bytes)
        {
            var parts = Encoding.ASCII.GetString(bytes).Split(' ');
            if (parts.Length != 3 || !long.TryParse(parts[0], CultureInfo.InvariantCulture, out long d) || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out long dup))
                throw new InvalidOperationException($"the peer's report '{Encoding.ASCII.GetString(bytes)}' is malformed");
            return new PeerReport(d, parts[1] == "1", dup);
        }
    }
}
