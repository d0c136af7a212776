using System.Threading.Channels;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.Cli;

/// <summary>
/// A datagram link carried by a message connection (a Unix socket, TCP or pipe): each datagram is one message.
/// The stream itself never loses anything; the demo puts a <see cref="FaultInjectingLink"/> on top of this so that
/// loss, duplication and reordering, and their repair by the reliable layer, can be shown over every transport.
/// </summary>
internal sealed class NetDemoLink : IDatagramLink
{
    private readonly IMessageConnection _connection;
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sendLoop;
    private Task _receiveLoop = Task.CompletedTask;
    private int _attached;
    private int _disposed;

    /// <param name="connection">Carries the datagrams; owned.</param>
    public NetDemoLink(IMessageConnection connection)
    {
        _connection = connection;
        _sendLoop = Task.Run(SendLoopAsync);
    }

    public ProcessId Local => _connection.Local;
    public ProcessId Remote => _connection.Remote;
    public int MaxDatagramSize => _connection.MaxMessageSize;

    /// <summary>Completes when the peer has closed the connection (or it broke).</summary>
    public Task Closed => _receiveLoop;

    public void Send(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxDatagramSize)
            throw new MessageTooLargeException(datagram.Length, MaxDatagramSize, "datagram");
        // Queued rather than written here: Send must not wait, and the fault injector calls it from timer threads.
        if (Volatile.Read(ref _disposed) == 1 || !_outgoing.Writer.TryWrite(datagram.ToArray()))
            throw new EndpointClosedException($"demo link {Local}→{Remote}", datagram.ToArray(), hasUndelivered: true);
    }

    public void Attach(Action<ReadOnlyMemory<byte>> onDatagram)
    {
        if (Interlocked.Exchange(ref _attached, 1) == 1)
            throw new InvalidOperationException("A handler is already attached.");
        _receiveLoop = Task.Run(async () =>
        {
            try
            {
                while (await _connection.ReceiveAsync(_stop.Token).ConfigureAwait(false) is { } m)
                    onDatagram(m);
            }
            catch (Exception e) when (e is IpcException or OperationCanceledException or IOException)
            {
                // The carrier is gone: for the layer above, every later datagram is lost, which it reports itself.
            }
        });
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var datagram in _outgoing.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                await _connection.SendAsync(datagram, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IpcException or OperationCanceledException or IOException)
        {
            // As above: a broken carrier loses datagrams; the reliable layer's retry bound turns that into an error.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _outgoing.Writer.TryComplete();
        // Let queued datagrams (the last acks) go out before the carrier closes; bounded so a dead peer cannot hold us.
        _sendLoop.Wait(TimeSpan.FromSeconds(1));
        _stop.Cancel();
        _connection.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }
}
