namespace VerifiedIpc.Reference;

/// <summary>
/// Root of every error the reference implementation raises on purpose. Argument errors that .NET already
/// names precisely (<see cref="ArgumentNullException"/>, <see cref="ArgumentOutOfRangeException"/>) are used as
/// they are; everything about the state of a link or its messages derives from this type.
/// </summary>
public abstract class IpcException : Exception
{
    protected IpcException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// The endpoint was closed: raised to a caller that uses it afterwards, and to callers that were blocked in it
/// when it closed. A send that did not complete hands its message back in <see cref="Undelivered"/>, so no
/// message is ever dropped silently.
/// </summary>
public sealed class EndpointClosedException : IpcException
{
    public EndpointClosedException(string endpoint, object? undelivered = null, bool hasUndelivered = false)
        : base(hasUndelivered
            ? $"'{endpoint}' is closed; the message was not delivered and is handed back in Undelivered."
            : $"'{endpoint}' is closed.")
    {
        Endpoint = endpoint;
        Undelivered = undelivered;
        HasUndelivered = hasUndelivered;
    }

    /// <summary>Name of the closed endpoint (buffer, mailbox, pipe, link).</summary>
    public string Endpoint { get; }

    /// <summary>The message of the failed send, when <see cref="HasUndelivered"/>.</summary>
    public object? Undelivered { get; }

    /// <summary>Whether this exception carries a message that was not delivered.</summary>
    public bool HasUndelivered { get; }
}

/// <summary>A message (or the sum of its packets) is larger than the configured cap; nothing was sent.</summary>
public sealed class MessageTooLargeException : IpcException
{
    public MessageTooLargeException(long size, long limit, string what = "message")
        : base($"The {what} is {size} bytes, over the cap of {limit} bytes; nothing was sent.")
    {
        Size = size;
        Limit = limit;
    }

    public long Size { get; }
    public long Limit { get; }
}

/// <summary>A process used a mailbox (or other shared link) it has not opened, or has already closed.</summary>
public sealed class NotOpenedException : IpcException
{
    public NotOpenedException(string endpoint, ProcessId process, string operation)
        : base($"Process {process} called {operation} on '{endpoint}' without having opened it.")
    {
        Endpoint = endpoint;
        Process = process;
    }

    public string Endpoint { get; }
    public ProcessId Process { get; }
}

/// <summary>The operation is not allowed by the link's policy (e.g. a third process binding a two-party link).</summary>
public sealed class PolicyViolationException : IpcException
{
    public PolicyViolationException(string endpoint, string message) : base($"'{endpoint}': {message}")
    {
        Endpoint = endpoint;
    }

    public string Endpoint { get; }
}
