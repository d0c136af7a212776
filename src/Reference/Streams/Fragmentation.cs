using System.Diagnostics;

namespace VerifiedIpc.Reference.Streams;

/// <summary>Limits shared by a <see cref="Fragmenter"/> and the <see cref="Reassembler"/> at the other end.</summary>
public sealed record FragmentationOptions
{
    /// <summary>Payload bytes per packet (the link's packet size minus <see cref="Packet.HeaderSize"/>).</summary>
    public int PacketPayloadSize { get; init; } = 1024;

    /// <summary>Largest message, in bytes, that may be split or reassembled.</summary>
    public int MaxMessageSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>Messages the receiver holds partly received at once; a packet of one more is rejected.</summary>
    public int MaxPartialMessages { get; init; } = 16;

    /// <summary>
    /// Ids of recently completed messages remembered so late duplicates of their packets are ignored rather than
    /// starting a new partial message. Older duplicates are not recognised; put the reliable layer underneath
    /// when the link duplicates without bound.
    /// </summary>
    public int CompletedIdMemory { get; init; } = 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PacketPayloadSize, 1, nameof(PacketPayloadSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 0, nameof(MaxMessageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPartialMessages, 1, nameof(MaxPartialMessages));
        ArgumentOutOfRangeException.ThrowIfLessThan(CompletedIdMemory, 0, nameof(CompletedIdMemory));
    }

    /// <summary>Most packets a message within the cap can need (an empty message still takes one).</summary>
    internal int MaxPackets => Math.Max(1, (int)(((long)MaxMessageSize + PacketPayloadSize - 1) / PacketPayloadSize));
}

/// <summary>
/// Splits messages into <see cref="Packet"/>s of <see cref="FragmentationOptions.PacketPayloadSize"/> payload
/// bytes (the seed: "one can break a large message into packets"). Thread-safe; ids are unique per fragmenter.
/// </summary>
public sealed class Fragmenter
{
    private long _nextId;

    public Fragmenter(FragmentationOptions? options = null)
    {
        Options = options ?? new FragmentationOptions();
        Options.Validate();
    }

    public FragmentationOptions Options { get; }

    /// <summary>Splits <paramref name="message"/> under a fresh message id.</summary>
    public Packet[] Split(ReadOnlyMemory<byte> message) =>
        Split(message, (ulong)Interlocked.Increment(ref _nextId));

    /// <summary>
    /// Splits <paramref name="message"/> under <paramref name="messageId"/>. Packets alias the message's memory
    /// (no copy), so it must stay unchanged until they are sent.
    /// </summary>
    /// <exception cref="MessageTooLargeException">Over <see cref="FragmentationOptions.MaxMessageSize"/>; checked
    /// before any packet exists, so nothing is sent.</exception>
    public Packet[] Split(ReadOnlyMemory<byte> message, ulong messageId)
    {
        if (message.Length > Options.MaxMessageSize)
            throw new MessageTooLargeException(message.Length, Options.MaxMessageSize);
        int size = Options.PacketPayloadSize;
        int count = Math.Max(1, (message.Length + size - 1) / size);
        var packets = new Packet[count];
        for (int i = 0; i < count; i++)
        {
            int start = i * size;
            packets[i] = new Packet(messageId, i, count, message.Slice(start, Math.Min(size, message.Length - start)));
        }
        return packets;
    }
}

/// <summary>What <see cref="Reassembler.Accept(Packet, out byte[])"/> did with a packet.</summary>
public enum ReassemblyOutcome
{
    /// <summary>Kept; its message still lacks packets.</summary>
    Stored,

    /// <summary>It was the last missing packet; the whole message is returned.</summary>
    Completed,

    /// <summary>A copy of a packet already held or of a message already completed; ignored.</summary>
    Duplicate,
}

/// <summary>
/// Puts messages back together from packets arriving in any order, ignoring duplicates, within the limits of
/// <see cref="FragmentationOptions"/>. Memory held is bounded by
/// <c>MaxPartialMessages × (MaxMessageSize + PacketPayloadSize)</c> whatever the packets claim, because a
/// packet's claims are checked against the limits before anything is allocated for it.
/// </summary>
/// <remarks>Thread-safe (one private lock); normally a single receive loop owns it.</remarks>
public sealed class Reassembler
{
    private readonly object _gate = new();
    private readonly Dictionary<ulong, Partial> _partials = [];
    private readonly HashSet<ulong> _completed = [];
    private readonly Queue<ulong> _completedOrder = new();

    public Reassembler(FragmentationOptions? options = null)
    {
        Options = options ?? new FragmentationOptions();
        Options.Validate();
    }

    public FragmentationOptions Options { get; }

    /// <summary>Messages partly received now.</summary>
    public int PartialCount
    {
        get { lock (_gate) return _partials.Count; }
    }

    /// <summary>Parses a datagram as a packet and accepts it.</summary>
    public ReassemblyOutcome Accept(ReadOnlyMemory<byte> datagram, out byte[]? message) =>
        Accept(Packet.Parse(datagram), out message);

    /// <summary>
    /// Takes one packet. On <see cref="ReassemblyOutcome.Completed"/>, <paramref name="message"/> is the whole
    /// message; otherwise it is null.
    /// </summary>
    /// <exception cref="MalformedPacketException">The packet breaks the limits or contradicts earlier packets of
    /// its message; nothing changes.</exception>
    /// <exception cref="TooManyPartialMessagesException">It would start one partial message too many.</exception>
    public ReassemblyOutcome Accept(Packet packet, out byte[]? message)
    {
        message = null;
        int size = Options.PacketPayloadSize;
        var payload = packet.Payload.Span;

        // Shape and limits first: nothing below allocates by what the packet claims until these pass.
        if (packet.Count < 1 || packet.Index < 0 || packet.Index >= packet.Count)
            throw new MalformedPacketException("index", 8, $"packet index {packet.Index} is outside 0..{packet.Count - 1}");
        if (packet.Count > Options.MaxPackets)
            throw new MalformedPacketException("count", 12,
                $"{packet.Count} packets of {size} bytes exceed the message cap of {Options.MaxMessageSize} bytes");
        if (payload.Length > size)
            throw new MalformedPacketException("payload", Packet.HeaderSize,
                $"{payload.Length} payload bytes exceed the packet size of {size}");
        if (!packet.IsLast && payload.Length != size)
            throw new MalformedPacketException("payload", Packet.HeaderSize,
                $"packet {packet.Index} of {packet.Count} carries {payload.Length} bytes; every packet before the last carries exactly {size}");
        if (packet.IsLast && packet.Count > 1 && payload.Length == 0)
            throw new MalformedPacketException("payload", Packet.HeaderSize, "the last packet of a multi-packet message is empty");
        if (packet.IsLast && (long)(packet.Count - 1) * size + payload.Length > Options.MaxMessageSize)
            throw new MalformedPacketException("payload", Packet.HeaderSize,
                $"the message would be {(long)(packet.Count - 1) * size + payload.Length} bytes, over the cap of {Options.MaxMessageSize}");

        lock (_gate)
        {
            if (_completed.Contains(packet.MessageId))
                return ReassemblyOutcome.Duplicate;

            if (!_partials.TryGetValue(packet.MessageId, out Partial? partial))
            {
                if (packet.Count == 1)
                {
                    message = payload.ToArray();
                    RememberCompleted(packet.MessageId);
                    return ReassemblyOutcome.Completed;
                }
                if (_partials.Count >= Options.MaxPartialMessages)
                    throw new TooManyPartialMessagesException(packet.MessageId, Options.MaxPartialMessages);
                partial = new Partial(packet.Count);
                _partials.Add(packet.MessageId, partial);
            }
            else if (partial.Count != packet.Count)
            {
                throw new MalformedPacketException("count", 12,
                    $"message {packet.MessageId} was announced with {partial.Count} packets, this packet says {packet.Count}");
            }

            if (partial.Fragments.ContainsKey(packet.Index))
                return ReassemblyOutcome.Duplicate;
            partial.Fragments.Add(packet.Index, payload.ToArray());
            partial.Bytes += payload.Length;

            if (partial.Fragments.Count < partial.Count)
            {
                AssertInvariants();
                return ReassemblyOutcome.Stored;
            }

            message = new byte[checked((int)partial.Bytes)];
            foreach (var (index, bytes) in partial.Fragments)
                bytes.CopyTo(message.AsSpan(index * size));
            _partials.Remove(packet.MessageId);
            RememberCompleted(packet.MessageId);
            AssertInvariants();
            return ReassemblyOutcome.Completed;
        }
    }

    /// <summary>Drops a partly received message (e.g. its sender is gone); true if it was held.</summary>
    public bool Abandon(ulong messageId)
    {
        lock (_gate)
            return _partials.Remove(messageId);
    }

    private void RememberCompleted(ulong id)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        if (Options.CompletedIdMemory == 0)
            return;
        if (_completedOrder.Count == Options.CompletedIdMemory)
            _completed.Remove(_completedOrder.Dequeue());
        _completed.Add(id);
        _completedOrder.Enqueue(id);
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        Debug.Assert(_partials.Count <= Options.MaxPartialMessages, "partial messages within their cap");
        Debug.Assert(_completed.Count == _completedOrder.Count, "completed-id set and its eviction order agree");
        foreach (var (id, p) in _partials)
        {
            Debug.Assert(!_completed.Contains(id), "a message is partial or completed, not both");
            Debug.Assert(p.Fragments.Count < p.Count, "a partial message lacks at least one packet");
            Debug.Assert(p.Bytes <= (long)Options.MaxMessageSize + Options.PacketPayloadSize, "partial bytes bounded by the cap");
        }
    }

    private sealed class Partial(int count)
    {
        public int Count { get; } = count;
        public Dictionary<int, byte[]> Fragments { get; } = [];
        public long Bytes { get; set; }
    }
}
