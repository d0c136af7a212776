using VerifiedIpc.Reference.Links;

namespace VerifiedIpc.Reference.Tests.Links;

/// <summary>
/// Fault rates, the seeded schedule and the scripted one at their edges: each probability refused outside [0, 1]
/// by name, the extreme rates doing exactly what they say, delays within their stated bounds, decisions independent
/// of the order they are asked in, and a script handing over to its successor at the right index. Written from the
/// mutants Stryker left alive in <c>FaultSchedule.cs</c> (docs/mutation.md, run 12).
/// </summary>
public sealed class FaultScheduleMutationTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    public static TheoryData<string, FaultRates> BadRates() => new()
    {
        { nameof(FaultRates.Loss), new FaultRates { Loss = -0.01 } },
        { nameof(FaultRates.Loss), new FaultRates { Loss = 1.01 } },
        { nameof(FaultRates.Loss), new FaultRates { Loss = double.NaN } },
        { nameof(FaultRates.Duplication), new FaultRates { Duplication = 1.5 } },
        { nameof(FaultRates.Reorder), new FaultRates { Reorder = -1 } },
        { nameof(FaultRates.BaseDelay), new FaultRates { BaseDelay = Ms(-1) } },
        { nameof(FaultRates.MaxReorderDelay), new FaultRates { MaxReorderDelay = Ms(-1) } },
    };

    [Theory]
    [MemberData(nameof(BadRates))]
    public void A_bad_rate_is_refused_naming_it(string name, FaultRates rates)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SeededFaultSchedule(1, rates));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Certain_loss_drops_everything_in_both_directions()
    {
        var s = new SeededFaultSchedule(3, new FaultRates { Loss = 1, Duplication = 1, Reorder = 1 });
        for (long i = 0; i < 200; i++)
        {
            Assert.Equal(FaultAction.Drop, s.Decide(LinkDirection.AToB, i).Action);
            Assert.Equal(FaultAction.Drop, s.Decide(LinkDirection.BToA, i).Action);
        }
    }

    [Fact]
    public void No_faults_delivers_everything_after_exactly_the_base_delay()
    {
        var s = new SeededFaultSchedule(3, new FaultRates { BaseDelay = Ms(4) });
        for (long i = 0; i < 200; i++)
            Assert.Equal(FaultDecision.Deliver(Ms(4)), s.Decide(LinkDirection.AToB, i));
    }

    [Fact]
    public void Certain_duplication_and_reordering_keep_every_delay_within_base_plus_the_reorder_bound()
    {
        var rates = new FaultRates { Duplication = 1, Reorder = 1, BaseDelay = Ms(2), MaxReorderDelay = Ms(10) };
        var s = new SeededFaultSchedule(5, rates);
        var firsts = new HashSet<TimeSpan>();
        for (long i = 0; i < 500; i++)
        {
            var d = s.Decide(LinkDirection.AToB, i);
            Assert.Equal(FaultAction.Duplicate, d.Action);
            Assert.InRange(d.Delay, Ms(2), Ms(12));
            Assert.InRange(d.DuplicateDelay, Ms(2), Ms(12));
            firsts.Add(d.Delay);
        }
        Assert.True(firsts.Count > 100, "reordering should spread the delays");
    }

    [Fact]
    public void Rates_in_between_give_about_their_share()
    {
        var s = new SeededFaultSchedule(11, new FaultRates { Loss = 0.3 });
        int dropped = 0;
        for (long i = 0; i < 10_000; i++)
            if (s.Decide(LinkDirection.AToB, i).Action == FaultAction.Drop) dropped++;
        Assert.InRange(dropped, 2_700, 3_300);
    }

    [Fact]
    public void Decisions_depend_on_seed_direction_and_index_only()
    {
        var rates = new FaultRates { Loss = 0.2, Duplication = 0.2, Reorder = 0.5 };
        var a = new SeededFaultSchedule(9, rates);
        var b = new SeededFaultSchedule(9, rates);
        var forward = Enumerable.Range(0, 100).Select(i => a.Decide(LinkDirection.AToB, i)).ToList();
        var backward = Enumerable.Range(0, 100).Reverse().Select(i => b.Decide(LinkDirection.AToB, i)).Reverse().ToList();
        Assert.Equal(forward, backward);
        var otherWay = Enumerable.Range(0, 100).Select(i => a.Decide(LinkDirection.BToA, i)).ToList();
        Assert.NotEqual(forward, otherWay);
        var otherSeed = new SeededFaultSchedule(10, rates);
        Assert.NotEqual(forward, Enumerable.Range(0, 100).Select(i => otherSeed.Decide(LinkDirection.AToB, i)).ToList());
        Assert.Equal(9UL, a.Seed);
        Assert.Same(rates, a.Rates);
        Assert.StartsWith("seed 9, ", a.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_script_hands_over_to_its_successor_past_its_end_with_the_same_index()
    {
        var after = new SeededFaultSchedule(2, new FaultRates { Loss = 0.5 });
        var s = new ScriptedFaultSchedule([FaultDecision.Drop(), FaultDecision.Deliver(Ms(1))], [FaultDecision.Duplicate(Ms(1), Ms(2))], after);
        Assert.Equal(FaultDecision.Drop(), s.Decide(LinkDirection.AToB, 0));
        Assert.Equal(FaultDecision.Deliver(Ms(1)), s.Decide(LinkDirection.AToB, 1));
        Assert.Equal(after.Decide(LinkDirection.AToB, 2), s.Decide(LinkDirection.AToB, 2));
        Assert.Equal(FaultDecision.Duplicate(Ms(1), Ms(2)), s.Decide(LinkDirection.BToA, 0));
        Assert.Equal(after.Decide(LinkDirection.BToA, 1), s.Decide(LinkDirection.BToA, 1));
        Assert.Same(after, s.After);
        // Without a successor, the script is followed by a fault-free schedule.
        Assert.Equal(FaultAction.Deliver, new ScriptedFaultSchedule([], []).Decide(LinkDirection.AToB, 7).Action);
    }

    [Fact]
    public void A_script_with_a_negative_delay_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptedFaultSchedule([FaultDecision.Deliver(Ms(-1))], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptedFaultSchedule([], [FaultDecision.Duplicate(Ms(1), Ms(-1))]));
    }

    [Fact]
    public void Decisions_print_as_what_they_do()
    {
        Assert.Equal("deliver+3ms", FaultDecision.Deliver(Ms(3)).ToString());
        Assert.Equal("drop", FaultDecision.Drop().ToString());
        Assert.Equal("dup+1ms/+2ms", FaultDecision.Duplicate(Ms(1), Ms(2)).ToString());
    }
}
