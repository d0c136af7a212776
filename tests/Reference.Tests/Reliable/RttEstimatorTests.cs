using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Tests.Reliable;

public sealed class RttEstimatorTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Follows_RFC_6298_on_known_samples()
    {
        var rtt = new RttEstimator(initial: Ms(1000), min: Ms(1), max: Ms(60_000));
        Assert.Null(rtt.SmoothedRtt);
        Assert.Equal(Ms(1000), rtt.Timeout);

        rtt.Sample(Ms(100)); // first: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR
        Assert.Equal(Ms(100), rtt.SmoothedRtt);
        Assert.Equal(Ms(50), rtt.RttVariation);
        Assert.Equal(Ms(300), rtt.Timeout);

        rtt.Sample(Ms(200)); // RTTVAR = ¾·50 + ¼·|100 − 200| = 62.5; SRTT = ⅞·100 + ⅛·200 = 112.5
        Assert.Equal(Ms(62.5), rtt.RttVariation);
        Assert.Equal(Ms(112.5), rtt.SmoothedRtt);
        Assert.Equal(Ms(362.5), rtt.Timeout);
    }

    [Fact]
    public void Backs_off_by_doubling_up_to_the_maximum_and_a_sample_resets_it()
    {
        var rtt = new RttEstimator(initial: Ms(100), min: Ms(10), max: Ms(500));
        rtt.BackOff();
        Assert.Equal(Ms(200), rtt.Timeout);
        rtt.BackOff();
        rtt.BackOff();
        Assert.Equal(Ms(500), rtt.Timeout);
        rtt.Sample(Ms(20));
        Assert.Equal(Ms(60), rtt.Timeout);
    }

    [Fact]
    public void Stays_within_its_bounds()
    {
        var rtt = new RttEstimator(initial: Ms(100), min: Ms(50), max: Ms(500));
        for (int i = 0; i < 50; i++) rtt.Sample(Ms(1));
        Assert.Equal(Ms(50), rtt.Timeout);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RttEstimator(Ms(1), Ms(10), Ms(100)));
    }
}
