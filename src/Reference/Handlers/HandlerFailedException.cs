namespace VerifiedIpc.Reference.Handlers;

/// <summary>
/// A subscription's handler threw. The subscription stops (no further message is taken for it) and its
/// <see cref="Subscription.Completion"/> faults with this exception; the message the handler was given is carried
/// here, since it was taken from the buffer and must not vanish with the failure.
/// </summary>
public sealed class HandlerFailedException : IpcException
{
    public HandlerFailedException(string endpoint, ProcessId receiver, ProcessId source, object? failedMessage, Exception inner)
        : base($"The handler of {receiver}'s subscription on '{endpoint}' threw on a message from {source}: {inner.Message}", inner)
    {
        Endpoint = endpoint;
        Receiver = receiver;
        Sender = source;
        FailedMessage = failedMessage;
    }

    public string Endpoint { get; }
    public ProcessId Receiver { get; }
    /// <summary>Sender of the message the handler failed on.</summary>
    public ProcessId Sender { get; }
    /// <summary>Body of the message the handler failed on.</summary>
    public object? FailedMessage { get; }
}
