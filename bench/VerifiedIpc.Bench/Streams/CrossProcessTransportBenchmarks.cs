using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.IO.Pipes;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Bench.Streams;

/// <summary>
/// Message throughput (a burst of 256 messages to a child process, which answers one byte after the last) and
/// ping-pong latency (one message to a child that echoes it) over TCP loopback, Unix domain sockets, named pipes and
/// anonymous pipes, between two OS processes. Each library figure has its raw baseline in the same run: the same
/// kind of socket or pipe to a child that uses it directly with a 4-byte length prefix (no handshake, header,
/// checksum or validation).
/// </summary>
/// <remarks>
/// The child is this executable again (<see cref="CrossProcessChild"/>), one per benchmark case, started in the
/// targeted global setups and ended in <see cref="Cleanup"/>. The job runs in process so that the benchmark code
/// knows the bench assembly's path and the children it starts belong to the process that measures.
/// </remarks>
[Config(typeof(CrossProcessConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CrossProcessTransportBenchmarks
{
    private const int Burst = 256;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private Process? _child;
    private string? _dir;
    private RawChannel? _raw;
    private IMessageConnection? _library;
    private byte[] _message = [];
    private byte[] _frame = [];
    private readonly byte[] _header = new byte[4];
    private readonly byte[] _ack = new byte[1];

    /// <summary>The transport between the two processes.</summary>
    [Params("tcp", "unix", "namedpipe", "pipe")]
    public string Transport { get; set; } = "tcp";

    /// <summary>The message size in bytes.</summary>
    [Params(64, 4096, 65536)]
    public int Size { get; set; }

    /// <summary>Starts a raw sink child and accepts its socket.</summary>
    [GlobalSetup(Target = nameof(RawBurst))]
    public Task SetupRawBurst() => StartRaw("raw-sink");

    /// <summary>Starts a raw echo child and accepts its socket.</summary>
    [GlobalSetup(Target = nameof(RawPingPong))]
    public Task SetupRawPingPong() => StartRaw("raw-echo");

    /// <summary>Starts a library sink child and accepts its connection.</summary>
    [GlobalSetup(Target = nameof(LibraryBurst))]
    public Task SetupLibraryBurst() => StartLibrary("lib-sink");

    /// <summary>Starts a library echo child and accepts its connection.</summary>
    [GlobalSetup(Target = nameof(LibraryPingPong))]
    public Task SetupLibraryPingPong() => StartLibrary("lib-echo");

    /// <summary>Closes the connection (the child exits on the end of stream) and waits for the child, killing it if it lingers.</summary>
    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_raw is not null)
        {
            await _raw.DisposeAsync();
            _raw = null;
        }
        if (_library is not null)
        {
            await _library.DisposeAsync();
            _library = null;
        }
        if (_child is not null)
        {
            using var wait = new CancellationTokenSource(ExitTimeout);
            try
            {
                await _child.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _child.Kill(entireProcessTree: true);
                await _child.WaitForExitAsync();
            }
            _child.Dispose();
            _child = null;
        }
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
            _dir = null;
        }
    }

    /// <summary>256 length-prefixed messages on the raw socket, then the child's one-byte answer.</summary>
    [Benchmark(Baseline = true, Description = "raw socket, length-prefixed: burst")]
    [BenchmarkCategory("burst")]
    public async Task<int> RawBurst()
    {
        for (int i = 0; i < Burst; i++)
            await _raw!.SendAsync(_frame);
        await _raw!.ReceiveAsync(_ack);
        return _ack[0];
    }

    /// <summary>256 messages through <see cref="IMessageConnection"/>, then the child's one-byte answer.</summary>
    [Benchmark(Description = "IMessageConnection: burst")]
    [BenchmarkCategory("burst")]
    public async Task<int> LibraryBurst()
    {
        for (int i = 0; i < Burst; i++)
            await _library!.SendAsync(_message);
        return (await _library!.ReceiveAsync())!.Length;
    }

    /// <summary>One length-prefixed message to the raw echo child and its copy back.</summary>
    [Benchmark(Baseline = true, Description = "raw socket, length-prefixed: ping-pong")]
    [BenchmarkCategory("ping-pong")]
    public async Task<int> RawPingPong()
    {
        await _raw!.SendAsync(_frame);
        await _raw!.ReceiveAsync(_header);
        // A fresh array per reply, as the library's ReceiveAsync returns one.
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(_header)];
        await _raw!.ReceiveAsync(body);
        return body.Length;
    }

    /// <summary>One message through <see cref="IMessageConnection"/> to the library echo child and its copy back.</summary>
    [Benchmark(Description = "IMessageConnection: ping-pong")]
    [BenchmarkCategory("ping-pong")]
    public async Task<int> LibraryPingPong()
    {
        await _library!.SendAsync(_message);
        return (await _library!.ReceiveAsync())!.Length;
    }

    private async Task StartRaw(string mode)
    {
        Prepare();
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        switch (Transport)
        {
            case "namedpipe":
            {
                string name = PipeName();
                var server = new NamedPipeServerStream(name, PipeDirection.InOut, 1, PipeTransmissionMode.Byte,
                    System.IO.Pipes.PipeOptions.Asynchronous | System.IO.Pipes.PipeOptions.CurrentUserOnly);
                _raw = new StreamChannel(server, server);
                _child = StartChild(name, mode);
                await AwaitChild(Connected(server.WaitForConnectionAsync(timeout.Token)), mode);
                break;
            }
            case "pipe":
            {
                // Inheritable until the child has started, then only the child holds its ends (its death ends our reads).
                var toChild = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.Inheritable);
                var fromChild = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
                _raw = new StreamChannel(fromChild, toChild);
                _child = StartChild($"{toChild.GetClientHandleAsString()},{fromChild.GetClientHandleAsString()}", mode);
                toChild.DisposeLocalCopyOfClientHandle();
                fromChild.DisposeLocalCopyOfClientHandle();
                break;
            }
            default:
            {
                using var listener = CrossProcessChild.NewSocket(Transport);
                string address = Transport == "tcp" ? "" : Path.Combine(_dir!, "raw");
                listener.Bind(Transport == "tcp" ? new IPEndPoint(IPAddress.Loopback, 0) : new UnixDomainSocketEndPoint(address));
                listener.Listen(1);
                if (Transport == "tcp")
                    address = ((IPEndPoint)listener.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
                _child = StartChild(address, mode);
                var socket = await AwaitChild(listener.AcceptAsync(timeout.Token).AsTask(), mode);
                if (Transport == "tcp")
                    socket.NoDelay = true; // as the library's listener does; a Unix socket has no such option
                _raw = new SocketChannel(socket);
                break;
            }
        }
    }

    private async Task StartLibrary(string mode)
    {
        Prepare();
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        switch (Transport)
        {
            case "namedpipe":
            {
                string name = PipeName();
                await using var listener = PipeTransport.ListenNamed(name, CrossProcessChild.Parent, CrossProcessChild.PipeOptions);
                _child = StartChild(name, mode);
                _library = await AwaitChild(listener.AcceptAsync(timeout.Token), mode);
                break;
            }
            case "pipe":
            {
                await using var pipes = PipeTransport.CreateForChild(CrossProcessChild.PipeOptions);
                _child = StartChild(pipes.ChildArgument, mode);
                pipes.ReleaseChildHandles();
                _library = await AwaitChild(pipes.ConnectAsync(CrossProcessChild.Parent, timeout.Token), mode);
                break;
            }
            default:
            {
                await using var listener = Transport == "tcp"
                    ? SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), CrossProcessChild.Parent, CrossProcessChild.Options)
                    : SocketTransport.ListenUnix(Path.Combine(_dir!, "lib"), CrossProcessChild.Parent, CrossProcessChild.Options);
                string address = Transport == "tcp"
                    ? ((IPEndPoint)listener.LocalEndPoint).Port.ToString(CultureInfo.InvariantCulture)
                    : Path.Combine(_dir!, "lib");
                _child = StartChild(address, mode);
                _library = await AwaitChild(listener.AcceptAsync(timeout.Token), mode);
                break;
            }
        }
    }

    private static string PipeName() => "vipc-xbench-" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<bool> Connected(Task connecting)
    {
        await connecting;
        return true;
    }

    private void Prepare()
    {
        _message = new byte[Size];
        _frame = new byte[Size + 4];
        BinaryPrimitives.WriteInt32BigEndian(_frame, Size);
        if (Transport == "unix")
            _dir = SocketTransport.CreatePrivateDirectory();
    }

    private Process StartChild(string address, string mode)
    {
        // The host that runs this process when it was started as "dotnet VerifiedIpc.Bench.dll"; "dotnet" on the PATH otherwise.
        string host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        foreach (string arg in new[]
                 {
                     typeof(CrossProcessChild).Assembly.Location, CrossProcessChild.Switch, Transport, address, mode,
                     Burst.ToString(CultureInfo.InvariantCulture),
                 })
            start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start the {mode} child ({host})");
    }

    /// <summary>The accepted connection, or an error saying the child exited first (with its exit code) or never connected.</summary>
    private async Task<T> AwaitChild<T>(Task<T> accept, string mode)
    {
        var exited = _child!.WaitForExitAsync();
        if (await Task.WhenAny(accept, exited) == exited && !accept.IsCompleted)
            throw new InvalidOperationException($"the {Transport} {mode} child exited with code {_child.ExitCode} before connecting");
        try
        {
            return await accept;
        }
        catch (OperationCanceledException e)
        {
            _child.Kill(entireProcessTree: true);
            throw new TimeoutException($"the {Transport} {mode} child did not connect within {ConnectTimeout}", e);
        }
    }
}

/// <summary>
/// A short in-process job for <see cref="CrossProcessTransportBenchmarks"/> (48 cases in about 5 minutes on a loaded
/// 2-core machine) with the median beside the mean, since load spikes skew the mean.
/// </summary>
public sealed class CrossProcessConfig : ManualConfig
{
    /// <summary>The job and the median column.</summary>
    public CrossProcessConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("xproc"));
        AddColumn(StatisticColumn.Median, StatisticColumn.P95);
    }
}
