using VerifiedIpc.Coyote.Tests.Harness;
using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>Buffers: invariants under exploration, and every seeded buffer fault found and replayed (strategy and budget in <see cref="BufferScenarios"/>).</summary>
public sealed class BufferTests(ITestOutputHelper output) : CoyoteTest(output)
{
    [Theory]
    [InlineData("buffers.bounded.2p2c")]
    [InlineData("buffers.bounded.3p1c.cap2")]
    [InlineData("buffers.bounded.2p2c.async")]
    [InlineData("buffers.bounded.2p2c.mixed")]
    [InlineData("buffers.unbounded.2p2c")]
    [InlineData("buffers.unbounded.2p2c.async")]
    [InlineData("buffers.rendezvous.2p2c")]
    [InlineData("buffers.rendezvous.2p2c.mixed")]
    [InlineData("buffers.bounded.close-race")]
    [InlineData("buffers.bounded.drain-race")]
    [InlineData("buffers.rendezvous.close-race")]
    public void Holds_under_every_explored_schedule(string scenario) => AssertNoBug(scenario);

    [Theory]
    [InlineData("buffers.bounded.2p2c!IfInsteadOfWhile")]
    [InlineData("buffers.bounded.2p2c!PulseInsteadOfPulseAll")]
    [InlineData("buffers.bounded.2p2c!CheckThenAct")]
    [InlineData("buffers.bounded.2p2c!LostWakeupOnClose")]
    [InlineData("buffers.rendezvous.2p2c!LostWakeupOnClose")]
    [InlineData("buffers.rendezvous.2p2c!IfInsteadOfWhile")]
    public void Seeded_bug_is_found_and_its_trace_replays(string scenario) => AssertFindsAndReplays(scenario);
}
