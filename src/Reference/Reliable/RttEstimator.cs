namespace VerifiedIpc.Reference.Reliable;

/// <summary>
/// The adaptive retransmission timeout: smoothed round-trip time and its mean deviation, after V. Jacobson and
/// M. J. Karels, "Congestion Avoidance and Control" (SIGCOMM 1988), as standardised in RFC 6298 (Paxson, Allman,
/// Chu, Sargent, 2011): gains α = 1/8 and β = 1/4, RTO = SRTT + max(G, 4·RTTVAR), doubled on every timeout
/// (exponential back-off) and clamped to [min, max]. Samples come only from messages sent once (Karn's rule:
/// an ack for a retransmitted message cannot say which transmission it answers).
/// </summary>
/// <remarks>Not thread-safe: the owning endpoint calls it under its lock.</remarks>
public sealed class RttEstimator
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly TimeSpan _granularity;
    private readonly TimeSpan _initial;

    public RttEstimator(TimeSpan initial, TimeSpan min, TimeSpan max, TimeSpan? clockGranularity = null)
    {
        if (min <= TimeSpan.Zero || max < min || initial < min || initial > max)
            throw new ArgumentOutOfRangeException(nameof(initial), "Need 0 < min ≤ initial ≤ max.");
        _min = min;
        _max = max;
        _granularity = clockGranularity ?? TimeSpan.FromMilliseconds(1);
        _initial = initial;
        Timeout = initial;
    }

    /// <summary>Smoothed round-trip time; null before the first sample.</summary>
    public TimeSpan? SmoothedRtt { get; private set; }

    /// <summary>Round-trip time variation (mean deviation); meaningful after the first sample.</summary>
    public TimeSpan RttVariation { get; private set; }

    /// <summary>The current retransmission timeout.</summary>
    public TimeSpan Timeout { get; private set; }

    /// <summary>Samples taken so far.</summary>
    public long Samples { get; private set; }

    /// <summary>Takes one round-trip measurement and recomputes the timeout (RFC 6298 §2.2–2.3).</summary>
    public void Sample(TimeSpan rtt)
    {
        if (rtt < TimeSpan.Zero)
            rtt = TimeSpan.Zero;
        if (SmoothedRtt is not { } srtt)
        {
            SmoothedRtt = rtt;
            RttVariation = rtt / 2;
        }
        else
        {
            // Order matters: RTTVAR uses the SRTT from before this sample.
            RttVariation = RttVariation * 0.75 + (srtt - rtt).Duration() * 0.25;
            SmoothedRtt = srtt * 0.875 + rtt * 0.125;
        }
        Samples++;
        ResetBackOff();
    }

    /// <summary>
    /// Drops any back-off and returns to the timeout the measurements give (or the initial one before any).
    /// The endpoint calls this when an acknowledgement brings progress: the path evidently works again, and
    /// keeping a doubled timeout until the next unambiguous sample (RFC 6298 §5.7 allows it) stalls recovery
    /// for seconds on a lossy link where clean samples are rare.
    /// </summary>
    public void ResetBackOff()
    {
        if (SmoothedRtt is not { } srtt)
        {
            Timeout = _initial;
            return;
        }
        var k = RttVariation * 4;
        Timeout = Clamp(srtt + (k > _granularity ? k : _granularity));
    }

    /// <summary>A retransmission timer expired: back off (RFC 6298 §5.5).</summary>
    public void BackOff() => Timeout = Clamp(Timeout * 2);

    private TimeSpan Clamp(TimeSpan t) => t < _min ? _min : t > _max ? _max : t;
}
