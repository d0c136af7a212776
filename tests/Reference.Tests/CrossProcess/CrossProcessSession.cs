using System.Globalization;
using System.Net;
using System.Net.Sockets;
using VerifiedIpc.ProcessHost;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Reference.Tests.CrossProcess;

/// <summary>The transports a child can be reached over.</summary>
public enum Transport
{
    Uds,
    Tcp,
    Udp,
    Pipe,
    NamedPipe,
}

/// <summary>
/// A parent's end of one transport and the child connected over it. The parent opens its side (listens, creates
/// the pipes or binds UDP), starts the child with the matching address, and accepts; <see cref="DisposeAsync"/>
/// kills the child if it still runs and removes every socket file and directory the session made.
/// </summary>
internal sealed class CrossProcessSession : IAsyncDisposable
{
    private readonly List<Func<ValueTask>> _cleanup = [];

    private CrossProcessSession(Transport transport) => Transport = transport;

    public Transport Transport { get; }
    public ChildHost Child { get; private set; } = null!;
    public IMessageConnection Connection { get; private set; } = null!;

    /// <summary>The Unix socket path or named pipe name, for checks on what is left behind.</summary>
    public string? Address { get; private set; }

    /// <summary>Faults injected on UDP (both directions, from <see cref="Seed"/>); none when null.</summary>
    public FaultRates? Rates { get; init; }

    public ulong Seed { get; init; } = 7;

    /// <summary>Opens the parent's side, starts the child (<paramref name="roleAndOptions"/> after the address), connects.</summary>
    public static async Task<CrossProcessSession> StartAsync(Transport transport, string[] roleAndOptions, CancellationToken ct,
        FaultRates? rates = null, ulong seed = 7, bool fragment = false)
    {
        var s = new CrossProcessSession(transport) { Rates = rates, Seed = seed };
        try
        {
            await s.OpenAsync(roleAndOptions, ct);
            if (fragment)
                s.Connection = new FragmentingConnection(s.Connection);
            return s;
        }
        catch
        {
            await s.DisposeAsync();
            throw;
        }
    }

    private async Task OpenAsync(string[] roleAndOptions, CancellationToken ct)
    {
        switch (Transport)
        {
            case Transport.Uds:
            {
                string dir = SocketTransport.CreatePrivateDirectory();
                _cleanup.Add(() => { Directory.Delete(dir, recursive: true); return ValueTask.CompletedTask; });
                Address = Path.Combine(dir, "host.sock");
                var listener = SocketTransport.ListenUnix(Address, HostWire.Parent);
                _cleanup.Add(listener.DisposeAsync);
                Child = ChildHost.Start(["uds", Address, .. roleAndOptions]);
                Connection = await Child.UnlessExitedAsync(listener.AcceptAsync(ct), ct);
                break;
            }
            case Transport.Tcp:
            {
                var listener = SocketTransport.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0), HostWire.Parent);
                _cleanup.Add(listener.DisposeAsync);
                int port = ((IPEndPoint)listener.LocalEndPoint).Port;
                Child = ChildHost.Start(["tcp", port.ToString(CultureInfo.InvariantCulture), .. roleAndOptions]);
                Connection = await Child.UnlessExitedAsync(listener.AcceptAsync(ct), ct);
                break;
            }
            case Transport.Udp:
            {
                // Each side must know the other's port: the parent binds its link (holding the port), the child binds
                // its own and reports it, then the parent connects. The port is never released in between.
                var udp = UdpDatagramLink.Bind(new IPEndPoint(IPAddress.Loopback, 0), HostWire.Parent, HostWire.Child);
                try
                {
                    int port = ((IPEndPoint)udp.LocalEndPoint).Port;
                    Child = ChildHost.Start(["udp", port.ToString(CultureInfo.InvariantCulture), .. roleAndOptions, .. FaultArgs()]);
                    string line = await Child.LineStartingWithAsync(HostWire.UdpPortPrefix, ct);
                    udp.Connect(new IPEndPoint(IPAddress.Loopback, HostWire.ParsePort(line[HostWire.UdpPortPrefix.Length..])));
                }
                catch
                {
                    udp.Dispose();
                    throw;
                }
                Connection = HostWire.UdpReliable(udp, isParent: true, Rates, Seed);
                break;
            }
            case Transport.Pipe:
            {
                var pipes = PipeTransport.CreateForChild();
                _cleanup.Add(pipes.DisposeAsync);
                Child = ChildHost.Start(["pipe", pipes.ChildArgument, .. roleAndOptions]);
                pipes.ReleaseChildHandles();
                Connection = await Child.UnlessExitedAsync(pipes.ConnectAsync(HostWire.Parent, ct), ct);
                break;
            }
            case Transport.NamedPipe:
            {
                Address = "vipc-test-" + Guid.NewGuid().ToString("N")[..12];
                var listener = PipeTransport.ListenNamed(Address, HostWire.Parent);
                _cleanup.Add(listener.DisposeAsync);
                Child = ChildHost.Start(["namedpipe", Address, .. roleAndOptions]);
                Connection = await Child.UnlessExitedAsync(listener.AcceptAsync(ct), ct);
                break;
            }
        }
    }

    private string[] FaultArgs() => Rates is null
        ? ["--seed", Seed.ToString(CultureInfo.InvariantCulture)]
        :
        [
            "--loss", Rates.Loss.ToString(CultureInfo.InvariantCulture), "--dup", Rates.Duplication.ToString(CultureInfo.InvariantCulture),
            "--reorder", Rates.Reorder.ToString(CultureInfo.InvariantCulture), "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        ];

    public async ValueTask DisposeAsync()
    {
        // The child first: a session never outlives its child, whatever the test did.
        if (Child is not null)
            await Child.DisposeAsync();
        if (Connection is not null)
            await Connection.DisposeAsync();
        for (int i = _cleanup.Count - 1; i >= 0; i--)
            await _cleanup[i]();
    }
}
