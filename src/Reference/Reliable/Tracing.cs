namespace VerifiedIpc.Reference.Reliable;

/// <summary>
/// Events of reliable delivery and of the links under it, named after the actions of the AckRetransmit and
/// SlidingWindow TLA+ specifications so that a trace can be checked against them step by step.
/// </summary>
public enum DeliveryAction
{
    /// <summary>The sender transmits a data message for the first time (spec: Send).</summary>
    Send,

    /// <summary>The sender transmits a data message again (spec: Retransmit).</summary>
    Retransmit,

    /// <summary>The receiver hands a message to its application, in order, exactly once (spec: Deliver).</summary>
    Deliver,

    /// <summary>The receiver sends a cumulative acknowledgement, alone, piggy-backed or in a negative ack (spec: Ack).</summary>
    Ack,

    /// <summary>The sender's retransmission timer expires (spec: Timeout).</summary>
    Timeout,

    /// <summary>The link loses a datagram (spec: Drop).</summary>
    Drop,

    /// <summary>The link delivers a datagram twice (spec: Duplicate).</summary>
    Duplicate,

    /// <summary>The sender takes in an acknowledgement that advances its window (spec: RecvAck).</summary>
    AckReceived,

    /// <summary>The receiver discards a data message it already has (spec: DiscardDuplicate).</summary>
    DiscardDuplicate,

    /// <summary>The sender gives up after its retry bound (spec: GiveUp).</summary>
    GiveUp,
}

/// <summary>
/// One traced event. <see cref="Sequence"/> is the data message's sequence number (Send, Retransmit, Deliver,
/// Timeout, DiscardDuplicate, GiveUp) and <see cref="Ack"/> the cumulative acknowledgement — the next sequence
/// number expected (Ack, AckReceived). Link events (Drop, Duplicate) carry the raw <see cref="Datagram"/> and its
/// <see cref="LinkIndex"/> instead; a consumer that wants their sequence decodes the frame.
/// </summary>
public readonly record struct DeliveryTraceEvent(
    DeliveryAction Action,
    ProcessId Process,
    ProcessId Peer,
    DateTimeOffset Time,
    ulong Sequence = 0,
    ulong Ack = 0,
    long LinkIndex = -1,
    ReadOnlyMemory<byte> Datagram = default)
{
    public override string ToString() => Action switch
    {
        DeliveryAction.Ack or DeliveryAction.AckReceived => $"{Action}({Process}→{Peer}, ack={Ack})",
        DeliveryAction.Drop or DeliveryAction.Duplicate => $"{Action}({Process}→{Peer}, datagram #{LinkIndex})",
        _ => $"{Action}({Process}→{Peer}, seq={Sequence})",
    };
}

/// <summary>
/// Receives trace events. Called synchronously on the thread that caused the event; a reliable endpoint calls it
/// while holding its lock, so that events appear in exactly the order of the state changes they describe (what
/// trace validation needs). It must be cheap, must not block and must not call back into the endpoint.
/// Null (the default everywhere) means tracing is off and costs one null check per event.
/// </summary>
public interface IDeliveryTracer
{
    void Trace(in DeliveryTraceEvent e);
}

/// <summary>A tracer that keeps every event in memory, in order (thread-safe).</summary>
public sealed class RecordingTracer : IDeliveryTracer
{
    private readonly object _gate = new();
    private readonly List<DeliveryTraceEvent> _events = [];

    public void Trace(in DeliveryTraceEvent e)
    {
        lock (_gate)
            _events.Add(e);
    }

    /// <summary>A snapshot of the events so far.</summary>
    public IReadOnlyList<DeliveryTraceEvent> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    public int Count(DeliveryAction action)
    {
        lock (_gate)
            return _events.Count(e => e.Action == action);
    }
}
