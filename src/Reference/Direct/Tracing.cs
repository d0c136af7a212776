namespace VerifiedIpc.Reference.Direct;

/// <summary>
/// Names of the observable steps of direct links and mailboxes, in the vocabulary of spec/Mailbox.tla so that a
/// recorded trace can be validated against the spec and replayed. Mapping to the spec's actions:
/// <list type="bullet">
/// <item><see cref="Open"/> → Open(p); <see cref="Close"/> → Close(p) (with the <see cref="HandBack"/>s it caused
/// just before it: the spec's <c>returned</c>).</item>
/// <item><see cref="Send"/> → Send(s): the message entered the buffer (for a blocked sender, when it was admitted).</item>
/// <item><see cref="ReceiveBlocked"/> → Receive(r): r starts waiting; a later <see cref="Deliver"/> to r (always
/// right after the <see cref="Send"/> of the message) → Deliver(r).</item>
/// <item><see cref="Receive"/> → Receive(r) immediately followed by Deliver(r): the message was already there.</item>
/// <item><see cref="SendBlocked"/>, <see cref="Abort"/>, <see cref="HandlerStart"/>, <see cref="HandlerEnd"/>:
/// stuttering steps for the spec (blocking, cancellation and handlers are refinements it does not model).</item>
/// </list>
/// </summary>
public enum IpcAction
{
    /// <summary>A process opened a mailbox (or attached to a direct network).</summary>
    Open,
    /// <summary>A process closed its end; <see cref="IpcTraceEvent.Count"/> messages were handed back.</summary>
    Close,
    /// <summary>A message entered a buffer (the sender's part is done).</summary>
    Send,
    /// <summary>A sender found the buffer full and started to wait.</summary>
    SendBlocked,
    /// <summary>A message went straight from a sender to a waiting receiver or handler (no buffering).</summary>
    Deliver,
    /// <summary>A receiver took a message out of a buffer.</summary>
    Receive,
    /// <summary>A receiver found no message it accepts and started to wait.</summary>
    ReceiveBlocked,
    /// <summary>A blocked send or receive gave up (cancellation or timeout); nothing was transferred.</summary>
    Abort,
    /// <summary>A message was handed back undelivered (to its sender or to the closer).</summary>
    HandBack,
    /// <summary>A subscription's handler started on a message.</summary>
    HandlerStart,
    /// <summary>A subscription's handler finished on a message (normally or by throwing).</summary>
    HandlerEnd,
}

/// <summary>One traced step.</summary>
/// <param name="Action">Which spec action this step is.</param>
/// <param name="Endpoint">Name of the network, buffer or mailbox.</param>
/// <param name="Process">The acting process (sender for Send, receiver for Receive...).</param>
/// <param name="Peer">The other side when known (receiver of a Deliver, source of a Receive); <see cref="ProcessId.Any"/> otherwise.</param>
/// <param name="Sequence">The message's sequence number within the endpoint (0 when no message is involved).</param>
/// <param name="Count">Messages in the buffer after the step (or handed back, for Close).</param>
public readonly record struct IpcTraceEvent(IpcAction Action, string Endpoint, ProcessId Process, ProcessId Peer, long Sequence, int Count);

/// <summary>
/// Receives every step of a link. Called <b>under the link's lock</b>, so the order of calls is the order in which
/// the steps took effect (what trace validation needs). An implementation must be quick, must not block and must
/// not call back into the link. Null (the default) costs one null test per step.
/// </summary>
public interface IIpcTracer
{
    void OnEvent(in IpcTraceEvent e);
}
