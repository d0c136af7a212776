namespace VerifiedIpc.Reference.Direct;

/// <summary>Where the buffers of a direct (process-id addressed) network live. Both are the seed's layouts.</summary>
public enum DirectLayout
{
    /// <summary>
    /// One buffer at each receiver, shared by all who send to it, with its own lock. Receive from any: O(1) (the
    /// head). Receive from one named sender: a search of the receiver's buffer, O(n) in the messages queued ahead
    /// of the first one from that sender. Capacity bounds each receiver's buffer; a sender blocks while the
    /// destination's buffer is full.
    /// </summary>
    ReceiverBuffer,

    /// <summary>
    /// One buffer at each sender, holding its messages for all destinations. Receive from a named sender: a search
    /// of that sender's buffer for the first message addressed to the receiver, O(n) in that buffer. Receive from
    /// any: the first match in every sender's buffer, O(total buffered). Capacity bounds each sender's buffer; a
    /// sender blocks while its own buffer is full. All sender buffers share one lock, because a receive from any
    /// must see every buffer at one instant (otherwise a message could pass unseen between two buffers' locks).
    /// </summary>
    SenderBuffer,
}

/// <summary>Configuration of a <see cref="DirectNetwork{T}"/>.</summary>
public sealed class DirectOptions
{
    private readonly int? _capacity = 64;

    /// <summary>Which side holds the buffers. Default: <see cref="DirectLayout.ReceiverBuffer"/>.</summary>
    public DirectLayout Layout { get; init; } = DirectLayout.ReceiverBuffer;

    /// <summary>
    /// Messages each buffer holds before senders block (Mesa monitor: a sender waits while the buffer is full).
    /// Null: unbounded, senders never block. Must be at least 1; default 64.
    /// </summary>
    public int? Capacity
    {
        get => _capacity;
        init
        {
            if (value is < 1) throw new ArgumentOutOfRangeException(nameof(Capacity), value, "A buffer's capacity must be at least 1 (or null for unbounded).");
            _capacity = value;
        }
    }

    /// <summary>Name used in errors and traces.</summary>
    public string Name { get; init; } = "direct";

    /// <summary>Optional tracer called on each step (see <see cref="IIpcTracer"/>).</summary>
    public IIpcTracer? Tracer { get; init; }

    /// <summary>Clock for timeouts; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal int EffectiveCapacity => _capacity ?? int.MaxValue;
}
