using VerifiedIpc.Coyote.Tests.Harness;
using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>Pipe: byte stream, close and cancel races (strategy and budget are in <see cref="PipeScenarios"/>).</summary>
public sealed class PipeTests(ITestOutputHelper output) : CoyoteTest(output)
{
    [Theory]
    [InlineData("pipe.sync")]
    [InlineData("pipe.async")]
    [InlineData("pipe.mixed")]
    [InlineData("pipe.close-reader-race")]
    public void Holds_under_every_explored_schedule(string scenario) => AssertNoBug(scenario);
}
