using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Transports;

/// <summary>
/// <see cref="IMessageConnection"/> over an unreliable datagram link (UDP, possibly with injected faults): a
/// <see cref="ReliableEndpoint"/> on the link. <see cref="SendAsync"/> completes when the peer has acknowledged.
/// </summary>
/// <remarks>
/// There is no close handshake on a datagram link, so <see cref="ReceiveAsync"/> never reports an orderly end:
/// a vanished peer shows as <see cref="RetriesExhaustedException"/> on the next send, and receives end with
/// <see cref="EndpointClosedException"/> when this side is disposed.
/// </remarks>
public sealed class ReliableConnection : IMessageConnection
{
    private readonly IDatagramLink _link;

    /// <param name="link">The datagram link; owned from now on.</param>
    /// <param name="options">Window, timeouts and retries of the reliable layer.</param>
    /// <param name="timeProvider">Clock of its timers; the system clock when null.</param>
    /// <param name="tracer">Receives its protocol events; null for none.</param>
    public ReliableConnection(IDatagramLink link, ReliableOptions? options = null, TimeProvider? timeProvider = null,
        IDeliveryTracer? tracer = null)
    {
        ArgumentNullException.ThrowIfNull(link);
        _link = link;
        Endpoint = new ReliableEndpoint(link, options, timeProvider, onDelivered: null, tracer);
    }

    /// <summary>The reliable layer underneath (statistics, unacknowledged count).</summary>
    public ReliableEndpoint Endpoint { get; }

    public ProcessId Local => _link.Local;
    public ProcessId Remote => _link.Remote;
    public int MaxMessageSize => Endpoint.MaxMessageSize;

    public Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default) =>
        Endpoint.SendAsync(message, cancellationToken);

    public async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken = default) =>
        await Endpoint.ReceiveAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync()
    {
        Endpoint.Dispose();
        _link.Dispose();
        return ValueTask.CompletedTask;
    }
}
