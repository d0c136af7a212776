using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference.Direct;
using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// The mailbox's handlers and wake-ups under Coyote with their traces validated (<see cref="TracedHandlerScenarios"/>).
/// A sequential subscription against <c>spec/MailboxHandlerTrace.tla</c>: correct code, every trace accepted; the seeded
/// <see cref="DirectFaults.HandlerReentrancy"/>, every trace with two overlapping runs rejected where
/// <see cref="HandlerTraceOracles.FirstOverlappingHandlerRun"/> says. Two receivers blocked before the first message,
/// against <c>spec/MailboxTrace.tla</c>: correct code accepted; the seeded <see cref="DirectFaults.IfInsteadOfWhile"/>,
/// every trace where a receiver returns from a blocked receive without a message rejected at its next step.
/// </summary>
/// <remarks>Budget: <c>VIPC_TRACE_BUDGET</c> (default <see cref="TracedCoyoteTest.DefaultBudget"/>); strategy random, seed 7.</remarks>
public sealed class MailboxHandlerTraceValidationTests(ITestOutputHelper output) : TracedCoyoteTest(output)
{
    private static string HandlerModule => SpecTraces.Module("MailboxHandlerTrace.tla");

    private static string MailboxModule => SpecTraces.Module("MailboxTrace.tla");

    private void AssertAllAccepted(ExplorationResult result, TraceSink sink, string module)
    {
        Assert.True(result.Bug is null, result.Summary);
        Assert.Equal(result.Iterations, sink.Traces.Count);
        var summary = SpecTraces.ValidateAll(module, sink.Traces);
        Log("[validate] " + summary.Summary);
        Assert.True(summary.Rejected.Count == 0,
            $"{summary.Summary}\n{string.Join("\n\n", summary.Rejected.Take(2).Select(r => SpecTraces.Explain(r.Trace, r.Result)))}");
        Assert.True(summary.Events > 0, "no event was validated");
    }

    private void AssertRejectedWhereShown(string module, TraceSink sink, Func<IReadOnlyList<string>, int?> oracle, string what)
    {
        var (distinct, showing) = ValidationAsserts.RejectedWhereTheBugShows(module, sink, oracle, what);
        Log($"[validate] {Path.GetFileName(module)}: distinct traces={distinct}, with {what}={showing}, each rejected where the oracle says");
    }

    [Fact]
    public void Sequential_handler_every_explored_trace_is_allowed_by_the_spec()
    {
        var (result, sink) = Explore("traced.handler.mailbox.2s", s => TracedHandlerScenarios.Handler(s, DirectFaults.None, check: true));
        AssertAllAccepted(result, sink, HandlerModule);
        // Reachability: the handler was handed messages both ways (straight from a send, and from the buffer after a run).
        Assert.Contains(sink.Traces, t => t.Any(l => l.Contains("\"kind\":\"Deliver\"", StringComparison.Ordinal)));
        Assert.Contains(sink.Traces, t => t.Any(l => l.Contains("\"kind\":\"Receive\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void Handler_reentrancy_traces_are_rejected_where_a_second_run_overlaps_the_first()
    {
        var (result, sink) = Explore("traced.handler.mailbox.2s!HandlerReentrancy",
            s => TracedHandlerScenarios.Handler(s, new DirectFaults { HandlerReentrancy = true }, check: false));
        Assert.True(result.Bug is null, "the workload makes no handler checks here and must not hang: " + result.Summary);
        AssertRejectedWhereShown(HandlerModule, sink, HandlerTraceOracles.FirstOverlappingHandlerRun, "overlapping handler runs");
    }

    [Fact]
    public void Two_blocked_receivers_every_explored_trace_is_allowed_by_the_spec()
    {
        var (result, sink) = Explore("traced.mailbox.spurious-wakeup.1s2r", s => TracedHandlerScenarios.SpuriousWakeup(s, DirectFaults.None));
        AssertAllAccepted(result, sink, MailboxModule);
        // Reachability: both receivers were blocked at once at least once, which is where a spurious wake-up can happen.
        Assert.Contains(sink.Traces, t => t.Count(l => l.Contains("\"kind\":\"ReceiveBlocked\"", StringComparison.Ordinal)) == 2);
    }

    [Fact]
    public void If_instead_of_while_traces_are_rejected_at_the_step_of_a_receiver_still_blocked()
    {
        var (result, sink) = Explore("traced.mailbox.spurious-wakeup.1s2r!IfInsteadOfWhile",
            s => TracedHandlerScenarios.SpuriousWakeup(s, new DirectFaults { IfInsteadOfWhile = true }));
        Assert.True(result.Bug is null, "the workload makes no delivery checks here and must not hang: " + result.Summary);
        AssertRejectedWhereShown(MailboxModule, sink, HandlerTraceOracles.FirstStepWhileBlocked, "a receiver acting while its receive is blocked");
    }
}
