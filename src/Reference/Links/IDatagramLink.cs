namespace VerifiedIpc.Reference.Links;

/// <summary>
/// One end of an unreliable datagram link between two processes: what is sent may be lost, duplicated, reordered
/// or delayed, but a datagram that arrives arrives whole. The in-process <see cref="FaultyLink"/> and the UDP
/// transport implement it; the reliable layer (<see cref="Reliable.ReliableEndpoint"/>) runs on top of it.
/// </summary>
/// <remarks>
/// Delivery is a push: the link calls the handler given to <see cref="Attach"/> for every datagram that arrives,
/// on the link's own thread or timer (never while the sender holds a lock of the link). Handlers of one link are
/// never run concurrently with each other. The memory handed to the handler may be the link's receive buffer:
/// it is valid only during the call, so a handler that keeps a datagram copies it. Datagrams arriving before
/// <see cref="Attach"/> are lost, as on any datagram link with no reader.
/// </remarks>
public interface IDatagramLink : IDisposable
{
    /// <summary>This end's process.</summary>
    ProcessId Local { get; }

    /// <summary>The process at the other end.</summary>
    ProcessId Remote { get; }

    /// <summary>Largest datagram <see cref="Send"/> accepts.</summary>
    int MaxDatagramSize { get; }

    /// <summary>
    /// Sends one datagram without waiting for it to arrive (it may not). The bytes are copied before returning.
    /// </summary>
    /// <exception cref="MessageTooLargeException">Over <see cref="MaxDatagramSize"/>.</exception>
    /// <exception cref="EndpointClosedException">The link is closed; the datagram is handed back.</exception>
    void Send(ReadOnlySpan<byte> datagram);

    /// <summary>Sets the handler that receives arriving datagrams; once.</summary>
    void Attach(Action<ReadOnlyMemory<byte>> onDatagram);
}
