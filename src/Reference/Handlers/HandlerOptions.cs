namespace VerifiedIpc.Reference.Handlers;

/// <summary>How a subscription (the seed's <c>hrecv(src, msg, func)</c>) runs its handler.</summary>
public sealed class HandlerOptions
{
    /// <summary>Default: one invocation at a time, in arrival order.</summary>
    public static HandlerOptions Sequential { get; } = new();

    /// <summary>
    /// How many invocations of the handler may run at once. 1 (the default): invocations never overlap and see
    /// messages in arrival order. Above 1: up to that many run concurrently and order between them is not kept —
    /// the handler must then be thread-safe.
    /// </summary>
    public int MaxDegreeOfParallelism
    {
        get => _max;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxDegreeOfParallelism));
            _max = value;
        }
    }

    private readonly int _max = 1;
}
