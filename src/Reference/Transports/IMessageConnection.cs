namespace VerifiedIpc.Reference.Transports;

/// <summary>
/// A two-party, ordered, reliable message connection between processes — what every transport offers, whatever
/// carries it: frames over a Unix domain socket or TCP stream (<see cref="StreamFrameConnection"/>), or frames in
/// UDP datagrams under the ack/retransmit layer (<see cref="ReliableConnection"/>).
/// </summary>
/// <remarks>
/// The seed's sockets vocabulary maps onto it: <c>socket + bind + listen</c> is <see cref="SocketTransport"/>'s
/// <c>Listen…</c>, <c>accept</c> is <see cref="SocketMessageListener.AcceptAsync"/>, <c>socket + connect</c> is
/// <c>Connect…Async</c>, and <c>close</c> is <see cref="IAsyncDisposable.DisposeAsync"/>. Message boundaries are
/// kept (unlike a <see cref="Streams.Pipe"/>).
/// </remarks>
public interface IMessageConnection : IAsyncDisposable
{
    /// <summary>This process, as announced to the peer.</summary>
    ProcessId Local { get; }

    /// <summary>The peer process, as it announced itself.</summary>
    ProcessId Remote { get; }

    /// <summary>Largest message <see cref="SendAsync"/> accepts.</summary>
    int MaxMessageSize { get; }

    /// <summary>
    /// Sends one message. Completes when it is out of the caller's memory and in the transport's hands: written to
    /// the socket (stream transports) or acknowledged by the peer (reliable datagram transport).
    /// </summary>
    /// <exception cref="MessageTooLargeException">Over <see cref="MaxMessageSize"/>; nothing is sent.</exception>
    /// <exception cref="EndpointClosedException">The connection is closed or broken.</exception>
    Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);

    /// <summary>
    /// The next message, in order; null once the peer has closed its side in an orderly way.
    /// </summary>
    /// <exception cref="Framing.FrameFormatException">The peer sent bytes that are not a valid frame; a stream
    /// connection is closed afterwards (its frame boundaries are lost).</exception>
    /// <exception cref="EndpointClosedException">The peer vanished without closing (e.g. its process died), or
    /// this side was closed.</exception>
    Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken = default);
}
