namespace VerifiedIpc.Reference.Mailboxes;

/// <summary>
/// What a synchronous mailbox send gives back: the send itself is over (the message is in the mailbox or with a
/// receiver), and this receipt later names the process that received it — the seed's "sender is notified who the
/// receiver was". Await <see cref="Receiver"/>, or poll <see cref="IsReceived"/>/<see cref="TryGetReceiver"/>. If the message is handed
/// back undelivered (the mailbox was destroyed), awaiting it throws <see cref="EndpointClosedException"/> carrying it.
/// </summary>
public sealed class DeliveryReceipt
{
    internal DeliveryReceipt(Task<ProcessId> receiver) => Receiver = receiver;

    /// <summary>Completes with the receiving process.</summary>
    public Task<ProcessId> Receiver { get; }

    /// <summary>True once a process has taken the message.</summary>
    public bool IsReceived => Receiver.IsCompletedSuccessfully;

    /// <summary>
    /// A receipt can stand where the receiver task is expected (e.g. a list of <c>Task&lt;ProcessId&gt;</c>). Note that
    /// it also makes <c>() =&gt; box.Send(...)</c> a valid <c>Func&lt;Task&gt;</c>: with overloads such as xunit's
    /// <c>Assert.Throws</c>, write the lambda as a block (<c>() =&gt; { box.Send(...); }</c>).
    /// </summary>
    public static implicit operator Task<ProcessId>(DeliveryReceipt receipt) => receipt.Receiver;

    /// <summary>The receiving process, if the message has been received.</summary>
    public bool TryGetReceiver(out ProcessId receiver)
    {
        receiver = Receiver.IsCompletedSuccessfully ? Receiver.Result : default;
        return Receiver.IsCompletedSuccessfully;
    }
}
