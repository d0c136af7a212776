using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Tests.Reliable;

/// <summary>
/// The checks of <see cref="ReliableDeliveryTests"/> must be able to fail: each seeded defect is caught by the same
/// seed sweep and property check that passes on the correct protocol, and the failing seed replays to the same
/// violation.
/// </summary>
public sealed class SeededBugTests
{
    private static readonly FaultRates Harsh = new()
    {
        Loss = 0.25, Duplication = 0.2, Reorder = 0.3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxReorderDelay = TimeSpan.FromMilliseconds(25),
    };

    private static string? Run(ulong seed, SeededBugs bugs)
    {
        using var sim = new Simulation(new SeededFaultSchedule(seed, Harsh),
            new ReliableOptions { WindowSize = 8, MaxRetransmissions = 8 }, bugs);
        sim.Queue(40, bothWays: seed % 2 == 0);
        sim.RunUntilSendsComplete(maxSteps: 60_000);
        return sim.Violation();
    }

    [Theory]
    [InlineData("MissingDuplicateCheck", "duplicate")]
    [InlineData("AckWrongSequence", "a send failed")]
    [InlineData("WindowOverrun", "window")]
    public void Each_seeded_bug_is_caught_by_the_seed_sweep_and_its_seed_replays(string bugName, string expected)
    {
        // The switch is internal (unreachable from production), so the theory names it.
        var bug = Enum.Parse<SeededBugs>(bugName);
        ulong? failing = null;
        string? violation = null;
        for (ulong seed = 1; seed <= 40 && failing is null; seed++)
        {
            violation = Run(seed, bug);
            if (violation is not null)
                failing = seed;
        }
        Assert.True(failing is not null, $"{bug} went unnoticed by 40 seeds");
        Assert.Contains(expected, violation);
        Assert.Equal(violation, Run(failing.Value, bug)); // the failure is data: same seed, same failure
        Assert.Null(Run(failing.Value, SeededBugs.None)); // and it is the bug, not the schedule
    }
}
