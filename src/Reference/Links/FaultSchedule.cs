namespace VerifiedIpc.Reference.Links;

/// <summary>Which way a datagram travels on a two-ended link.</summary>
public enum LinkDirection
{
    /// <summary>From end A to end B.</summary>
    AToB,

    /// <summary>From end B to end A.</summary>
    BToA,
}

/// <summary>What the link does with one datagram.</summary>
public enum FaultAction
{
    /// <summary>Delivered once, after <see cref="FaultDecision.Delay"/>.</summary>
    Deliver,

    /// <summary>Lost.</summary>
    Drop,

    /// <summary>Delivered twice: after <see cref="FaultDecision.Delay"/> and after <see cref="FaultDecision.DuplicateDelay"/>.</summary>
    Duplicate,
}

/// <summary>
/// The link's decision for one datagram. Reordering is not a separate action: a datagram given a longer delay
/// than the ones sent after it is overtaken by them.
/// </summary>
public readonly record struct FaultDecision(FaultAction Action, TimeSpan Delay, TimeSpan DuplicateDelay)
{
    public static FaultDecision Deliver(TimeSpan delay) => new(FaultAction.Deliver, delay, TimeSpan.Zero);

    public static FaultDecision Drop() => new(FaultAction.Drop, TimeSpan.Zero, TimeSpan.Zero);

    public static FaultDecision Duplicate(TimeSpan delay, TimeSpan secondDelay) => new(FaultAction.Duplicate, delay, secondDelay);

    public override string ToString() => Action switch
    {
        FaultAction.Deliver => $"deliver+{Delay.TotalMilliseconds}ms",
        FaultAction.Drop => "drop",
        _ => $"dup+{Delay.TotalMilliseconds}ms/+{DuplicateDelay.TotalMilliseconds}ms",
    };
}

/// <summary>
/// Decides the fate of each datagram. A schedule is data: decision <c>n</c> of a direction depends only on the
/// schedule's inputs and <c>(direction, n)</c>, never on timing or on the other direction's traffic, so the same
/// traffic under the same schedule meets the same faults — a failure replays from its seed or its decision list.
/// </summary>
public interface IFaultSchedule
{
    /// <summary>The decision for the <paramref name="index"/>-th datagram (from 0) sent in <paramref name="direction"/>.</summary>
    FaultDecision Decide(LinkDirection direction, long index);
}

/// <summary>Probabilities and delays for a <see cref="SeededFaultSchedule"/>.</summary>
public sealed record FaultRates
{
    /// <summary>Probability that a datagram is lost.</summary>
    public double Loss { get; init; }

    /// <summary>Probability that a datagram (not lost) is delivered twice.</summary>
    public double Duplication { get; init; }

    /// <summary>Probability that a datagram (not lost) is held back by up to <see cref="MaxReorderDelay"/>.</summary>
    public double Reorder { get; init; }

    /// <summary>Delay of every delivery (the link's latency).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Largest extra delay of a reordered datagram or of a duplicate's second copy.</summary>
    public TimeSpan MaxReorderDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>No faults.</summary>
    public static FaultRates None => new();

    internal void Validate()
    {
        foreach (var (p, name) in new[] { (Loss, nameof(Loss)), (Duplication, nameof(Duplication)), (Reorder, nameof(Reorder)) })
            if (p is < 0 or > 1 || double.IsNaN(p))
                throw new ArgumentOutOfRangeException(name, p, "A probability is between 0 and 1.");
        ArgumentOutOfRangeException.ThrowIfLessThan(BaseDelay, TimeSpan.Zero, nameof(BaseDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReorderDelay, TimeSpan.Zero, nameof(MaxReorderDelay));
    }
}

/// <summary>
/// Pseudo-random faults from a seed. Each decision is computed from <c>(seed, direction, index)</c> by a
/// counter-based generator (SplitMix64 finalizer; Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014), so decisions are independent of the order in which they are asked for.
/// </summary>
public sealed class SeededFaultSchedule : IFaultSchedule
{
    public SeededFaultSchedule(ulong seed, FaultRates rates)
    {
        ArgumentNullException.ThrowIfNull(rates);
        rates.Validate();
        Seed = seed;
        Rates = rates;
    }

    public ulong Seed { get; }
    public FaultRates Rates { get; }

    public FaultDecision Decide(LinkDirection direction, long index)
    {
        ulong stream = Mix(Seed ^ Mix(((ulong)direction << 62) ^ (ulong)index));
        double Next()
        {
            stream = Mix(stream + 0x9E3779B97F4A7C15UL);
            return (stream >> 11) * (1.0 / (1UL << 53));
        }
        TimeSpan Extra() => TimeSpan.FromTicks((long)(Next() * Rates.MaxReorderDelay.Ticks));

        double loss = Next(), dup = Next(), reorder = Next();
        if (loss < Rates.Loss)
            return FaultDecision.Drop();
        TimeSpan delay = Rates.BaseDelay + (reorder < Rates.Reorder ? Extra() : TimeSpan.Zero);
        if (dup < Rates.Duplication)
            return FaultDecision.Duplicate(delay, Rates.BaseDelay + Extra());
        return FaultDecision.Deliver(delay);
    }

    public override string ToString() => $"seed {Seed}, {Rates}";

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// An explicit list of decisions per direction — a replay of a recorded run, or a hand-written scenario
/// ("drop the first ack"). Past the end of a list, <see cref="After"/> decides.
/// </summary>
public sealed class ScriptedFaultSchedule : IFaultSchedule
{
    private readonly FaultDecision[] _aToB;
    private readonly FaultDecision[] _bToA;

    public ScriptedFaultSchedule(IEnumerable<FaultDecision> aToB, IEnumerable<FaultDecision> bToA, IFaultSchedule? after = null)
    {
        _aToB = [.. aToB];
        _bToA = [.. bToA];
        foreach (var d in _aToB.Concat(_bToA))
            if (d.Delay < TimeSpan.Zero || d.DuplicateDelay < TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(aToB), d, "Delays are not negative.");
        After = after ?? new SeededFaultSchedule(0, FaultRates.None);
    }

    public IFaultSchedule After { get; }

    public FaultDecision Decide(LinkDirection direction, long index)
    {
        var list = direction == LinkDirection.AToB ? _aToB : _bToA;
        return index < list.Length ? list[index] : After.Decide(direction, index);
    }
}
