using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Tests.Reliable;

/// <summary>
/// The reliable endpoint's option checks and the retransmission-timeout estimator at their boundaries: each bad
/// value is refused naming its option, each least good value is accepted. Written from the mutants Stryker left
/// alive in <c>ReliableOptions.cs</c> and <c>RttEstimator.cs</c> (docs/mutation.md, run 12).
/// </summary>
public sealed class ReliableOptionsMutationTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    public static TheoryData<string, ReliableOptions> BadOptions() => new()
    {
        { nameof(ReliableOptions.WindowSize), new ReliableOptions { WindowSize = 0 } },
        { nameof(ReliableOptions.MaxRetransmissions), new ReliableOptions { MaxRetransmissions = -1 } },
        { nameof(ReliableOptions.AckEvery), new ReliableOptions { AckEvery = 0 } },
        { nameof(ReliableOptions.DuplicateAckThreshold), new ReliableOptions { DuplicateAckThreshold = 0 } },
        { nameof(ReliableOptions.AckDelay), new ReliableOptions { AckDelay = Ms(-1) } },
        { nameof(ReliableOptions.MaxRetransmitTimeout), new ReliableOptions { MaxRetransmitTimeout = TimeSpan.FromHours(1) + Ms(1) } },
        // The timeouts must satisfy 0 < min ≤ initial ≤ max (checked by building the estimator).
        { "initial", new ReliableOptions { MinRetransmitTimeout = Ms(10), InitialRetransmitTimeout = Ms(5) } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_option_is_refused_naming_it(string option, ReliableOptions options)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, e.ParamName);
    }

    [Fact]
    public void The_least_values_allowed_are_accepted()
    {
        new ReliableOptions
        {
            WindowSize = 1, MaxRetransmissions = 0, AckEvery = 1, DuplicateAckThreshold = 1, AckDelay = TimeSpan.Zero,
            MinRetransmitTimeout = Ms(1), InitialRetransmitTimeout = Ms(1), MaxRetransmitTimeout = TimeSpan.FromHours(1),
        }.Validate();
    }

    [Theory]
    [InlineData(0, 1, 1)]    // min must be positive
    [InlineData(5, 5, 4)]    // max below min
    [InlineData(5, 4, 10)]   // initial below min
    [InlineData(5, 11, 10)]  // initial above max
    public void The_estimator_refuses_bounds_out_of_order(double min, double initial, double max)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RttEstimator(Ms(initial), Ms(min), Ms(max)));
    }

    [Fact]
    public void The_estimator_accepts_equal_bounds_and_starts_at_the_initial_timeout()
    {
        var rto = new RttEstimator(Ms(5), Ms(5), Ms(5));
        Assert.Equal(Ms(5), rto.Timeout);
        Assert.Null(rto.SmoothedRtt);
        Assert.Equal(0, rto.Samples);
    }

    [Fact]
    public void A_negative_sample_counts_as_zero()
    {
        var a = new RttEstimator(Ms(100), Ms(1), Ms(1000));
        var b = new RttEstimator(Ms(100), Ms(1), Ms(1000));
        a.Sample(Ms(-30));
        b.Sample(TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, a.SmoothedRtt);
        Assert.Equal(b.Timeout, a.Timeout);
        Assert.Equal(1, a.Samples);
    }

    [Fact]
    public void The_timeout_is_srtt_plus_the_larger_of_the_clock_granularity_and_four_deviations_clamped_to_the_bounds()
    {
        // First sample 20 ms: SRTT 20, RTTVAR 10, RTO = 20 + 40 = 60.
        var rto = new RttEstimator(Ms(100), Ms(1), Ms(1000), clockGranularity: Ms(1));
        rto.Sample(Ms(20));
        Assert.Equal(Ms(60), rto.Timeout);
        // Second sample 20 ms: RTTVAR 7.5, SRTT 20, RTO 50.
        rto.Sample(Ms(20));
        Assert.Equal(Ms(7.5), rto.RttVariation);
        Assert.Equal(Ms(50), rto.Timeout);

        // With a coarse clock the granularity wins over a small deviation: 0 + max(100, 4·0) = 100.
        var coarse = new RttEstimator(Ms(100), Ms(1), Ms(1000), clockGranularity: Ms(100));
        coarse.Sample(TimeSpan.Zero);
        Assert.Equal(Ms(100), coarse.Timeout);

        // Clamped below by min and above by max, also when backing off.
        var low = new RttEstimator(Ms(50), Ms(50), Ms(1000), clockGranularity: Ms(1));
        low.Sample(Ms(1));
        Assert.Equal(Ms(50), low.Timeout);
        var high = new RttEstimator(Ms(100), Ms(1), Ms(300));
        high.BackOff();
        Assert.Equal(Ms(200), high.Timeout);
        high.BackOff();
        Assert.Equal(Ms(300), high.Timeout);
        high.ResetBackOff();
        Assert.Equal(Ms(100), high.Timeout); // no sample yet: back to the initial timeout
    }
}
