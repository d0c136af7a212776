using VerifiedIpc.Coyote.Tests.Harness;
using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>Reliable delivery over the faulty link with scheduler-controlled timers; seeded protocol bugs found and replayed (see <see cref="ReliableScenarios"/>).</summary>
public sealed class ReliableTests(ITestOutputHelper output) : CoyoteTest(output)
{
    [Theory]
    [InlineData("reliable.lossy-link.3msgs")]
    [InlineData("reliable.lossy-link.3msgs.pct")]
    [InlineData("reliable.clean-link.3msgs")]
    [InlineData("reliable.first-data-delayed.window1")]
    public void Holds_under_every_explored_schedule(string scenario) => AssertNoBug(scenario);

    [Theory]
    [InlineData("reliable!MissingDuplicateCheck")]
    [InlineData("reliable!AckWrongSequence")]
    [InlineData("reliable!WindowOverrun")]
    public void Seeded_bug_is_found_and_its_trace_replays(string scenario) => AssertFindsAndReplays(scenario);
}
