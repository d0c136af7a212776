using VerifiedIpc.Coyote.Tests.Harness;
using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>Mailboxes (each policy), direct links and handlers; seeded direct-communication faults found and replayed (see <see cref="MailboxScenarios"/>).</summary>
public sealed class MailboxTests(ITestOutputHelper output) : CoyoteTest(output)
{
    [Theory]
    [InlineData("mailboxes.arbitrary.longest-waiting.2s2r")]
    [InlineData("mailboxes.arbitrary.seeded-random.2s2r")]
    [InlineData("mailboxes.arbitrary.longest-waiting.2s2r.async")]
    [InlineData("mailboxes.single-receiver.2s1r")]
    [InlineData("mailboxes.two-party.exchange")]
    [InlineData("handlers.mailbox.2s")]
    [InlineData("direct.receiver-buffer.by-source")]
    [InlineData("direct.sender-buffer.by-source")]
    public void Holds_under_every_explored_schedule(string scenario) => AssertNoBug(scenario);

    [Theory]
    [InlineData("mailboxes.arbitrary.2s2r!SplitTakeCheck")]
    [InlineData("mailboxes.arbitrary.2s2r!LostWakeupOnClose")]
    [InlineData("mailboxes.arbitrary.2s2r!IfInsteadOfWhile")]
    [InlineData("handlers.mailbox.2s!HandlerReentrancy")]
    public void Seeded_bug_is_found_and_its_trace_replays(string scenario) => AssertFindsAndReplays(scenario);
}
