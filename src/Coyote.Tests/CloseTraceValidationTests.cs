using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference.Buffers;
using Xunit.Abstractions;
using static VerifiedIpc.Coyote.Tests.TracedBufferScenarios;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Trace validation of complete runs: a rendezvous closed while senders are parked and receivers blocked. Every
/// iteration's run ends (it returns, or Coyote finds it deadlocked), so its trace is validated with the trace module's
/// completion predicate (<c>TraceComplete</c>): what the spec's one-step Close owes afterwards — each released
/// receiver's Closed, each parked message's HandBack — must be in the trace. That is what rejects the seeded lost
/// wake-up on close, whose every trace the spec allows as a prefix.
/// </summary>
/// <remarks>Budget: <c>VIPC_TRACE_BUDGET</c> (default <see cref="TracedCoyoteTest.DefaultBudget"/>), random
/// strategy with a fixed seed, pulses delivered when called (as in <see cref="TraceValidationTests"/>).</remarks>
public sealed class CloseTraceValidationTests(ITestOutputHelper output) : TracedCoyoteTest(output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rendezvous_closed_in_use_every_complete_trace_is_allowed_by_the_spec(bool asynchronous)
    {
        var (result, sink) = Explore("traced.rendezvous.close.2p2c" + (asynchronous ? ".async" : ""),
            s => CloseBody(s, producers: 2, items: 2, consumers: 2, asynchronous: asynchronous));
        Assert.True(result.Bug is null, result.Summary);
        var summary = SpecTraces.ValidateAll(SpecTraces.Rendezvous, sink.Traces, completion: SpecTraces.Completion);
        Log("[validate] " + summary.Summary + " (complete runs)");
        Assert.True(summary.Rejected.Count == 0,
            $"{summary.Summary}\n{string.Join("\n\n", summary.Rejected.Take(2).Select(r => SpecTraces.Explain(r.Trace, r.Result)))}");
        // Reachability: Close did find receivers blocked and messages parked, and released them, in some schedules —
        // so the completion predicate was exercised, not vacuously true.
        Assert.Contains(sink.Traces, t => ReleasedAfterClose(t, "Closed"));
        Assert.Contains(sink.Traces, t => ReleasedAfterClose(t, "HandBack"));
    }

    [Fact]
    public void Rendezvous_lost_wakeup_on_close_is_rejected_at_the_end_of_every_trace_that_shows_it()
    {
        var (result, sink) = Explore("traced.rendezvous.close.2p2c!LostWakeupOnClose",
            s => CloseBody(s, 2, 2, 2, BufferFaults.LostWakeupOnClose), budget: Math.Max(Budget, 100));
        Assert.True(result.Bug?.Contains("Deadlock", StringComparison.Ordinal), $"Coyote should see the blocked receivers: {result.Summary}");
        // Every iteration ended: returned normally, or (the last) deadlocked — a complete run either way.
        AssertRejectedWhereCloseFailsToRelease(sink);
    }

    /// <summary>The seeded <see cref="BufferFaults.CloseDropsOffers"/> (the implementation side of
    /// spec/mutants/Rendezvous_CloseDropsOffers.tla): Close completes a parked asynchronous send as if taken, and its
    /// message is gone. Every event the trace shows is allowed; what is missing is the HandBack the spec's Close owes.</summary>
    [Fact]
    public void Rendezvous_close_dropping_parked_messages_is_rejected_at_the_end_of_every_trace_that_shows_it()
    {
        var (result, sink) = Explore("traced.rendezvous.close.2p2c.async!CloseDropsOffers",
            s => CloseBody(s, 2, 2, 2, BufferFaults.CloseDropsOffers, asynchronous: true), budget: Math.Max(Budget, 100));
        // The workload's own check sees the loss (a send returned, its message never received); the run still ended
        // (the check runs after every task finished), so the trace is complete.
        Assert.True(result.Bug?.Contains("loss", StringComparison.Ordinal), $"the workload should see the dropped message: {result.Summary}");
        AssertRejectedWhereCloseFailsToRelease(sink);
    }

    private void AssertRejectedWhereCloseFailsToRelease(TraceSink sink)
    {
        var distinct = sink.Traces.GroupBy(t => string.Join('\n', t)).Select(g => g.First()).ToList();
        int showing = 0, atEnd = 0;
        foreach (var trace in distinct)
        {
            var expected = TraceOracles.UnreleasedAtClose(trace);
            var complete = SpecTraces.Validate(SpecTraces.Rendezvous, trace, completion: SpecTraces.Completion);
            if (expected is null)
            {
                Assert.True(complete.Accepted, SpecTraces.Explain(trace, complete));
                continue;
            }
            showing++;
            Assert.False(complete.Accepted, $"the oracle expects a rejection at {expected}, yet the complete trace was accepted:\n" + string.Join('\n', trace));
            if (expected == trace.Count + 1)
            {
                // Every event explained; the run stopped with processes Close should have released.
                atEnd++;
                Assert.True(complete.IncompleteEnd, SpecTraces.Explain(trace, complete));
                Assert.Equal(trace.Count, complete.EventsMatched);
                // As a prefix the same trace is allowed: only completeness tells the lost wake-up from a run cut short.
                Assert.True(SpecTraces.Validate(SpecTraces.Rendezvous, trace).Accepted);
            }
            else
            {
                // A waiter Close left queued met a late partner: an exchange on a closed channel.
                Assert.Equal(expected, complete.FirstUnexplained?.Index);
            }
        }
        Log($"[validate] {distinct.Count} distinct traces, {showing} show the bug: {atEnd} rejected at their end (waiters Close never released), " +
            $"{showing - atEnd} at an exchange after Close");
        Assert.True(atEnd > 0, "no explored schedule ended with a waiter Close never released");
    }

    private static bool ReleasedAfterClose(IReadOnlyList<string> trace, string kind)
    {
        int close = trace.ToList().FindIndex(l => l.Contains("\"kind\":\"Close\"", StringComparison.Ordinal));
        return close >= 0 && trace.Skip(close + 1).Any(l => l.Contains($"\"kind\":\"{kind}\"", StringComparison.Ordinal))
            && trace.Take(close).Any(l => l.Contains("\"kind\":\"Wait\"", StringComparison.Ordinal));
    }
}
