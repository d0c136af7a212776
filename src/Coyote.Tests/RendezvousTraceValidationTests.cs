using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Tracing;
using Xunit.Abstractions;
using static VerifiedIpc.Coyote.Tests.TracedBufferScenarios;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// The rendezvous under Coyote with its traces validated against <c>spec/RendezvousTrace.tla</c>, and the seeded bug
/// that only validation catches: <see cref="BufferFaults.SendReturnsBeforeTaken"/>, a synchronous send that returns
/// while its message is still parked. Every message is still delivered exactly once and in order, so the workload's
/// own checks (no loss, no duplication, order) pass on every schedule; the spec's <c>SendReturnsOnlyWhenTaken</c>
/// does not allow it, and validation rejects the trace at the sender's next step.
/// </summary>
public sealed class RendezvousTraceValidationTests(ITestOutputHelper output) : TracedCoyoteTest(output)
{
    [Fact]
    public void Rendezvous_2p2c_every_explored_trace_is_allowed_by_the_spec()
    {
        var (result, sink) = Explore("traced.rendezvous.2p2c", s => Body(s, Kind.Rendezvous, producers: 2, items: 2, consumers: 2), Budget);
        Assert.True(result.Bug is null, result.Summary);
        Assert.Equal(result.Iterations, sink.Traces.Count);
        var summary = SpecTraces.ValidateAll(SpecTraces.Rendezvous, sink.Traces);
        Log("[validate] " + summary.Summary);
        Assert.True(summary.Rejected.Count == 0,
            $"{summary.Summary}\n{string.Join("\n\n", summary.Rejected.Take(2).Select(r => SpecTraces.Explain(r.Trace, r.Result)))}");
        // Reachability: both ways of meeting happened (a parked sender taken; a waiting receiver handed a message).
        Assert.Contains(sink.Traces, t => t.Any(l => l.Contains("\"kind\":\"Wait\",\"obj\":\"buffer\",\"role\":\"sender\"", StringComparison.Ordinal)));
        Assert.Contains(sink.Traces, t => t.Any(l => l.Contains("\"kind\":\"Wait\",\"obj\":\"buffer\",\"role\":\"receiver\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void Rendezvous_2p2c_asynchronous_every_explored_trace_is_allowed_by_the_spec()
    {
        var (result, sink) = Explore("traced.rendezvous.2p2c.async", s => Body(s, Kind.Rendezvous, 2, 2, 2, asynchronous: true), Budget);
        Assert.True(result.Bug is null, result.Summary);
        var summary = SpecTraces.ValidateAll(SpecTraces.Rendezvous, sink.Traces);
        Log("[validate] " + summary.Summary);
        Assert.True(summary.Rejected.Count == 0,
            $"{summary.Summary}\n{string.Join("\n\n", summary.Rejected.Take(2).Select(r => SpecTraces.Explain(r.Trace, r.Result)))}");
        Assert.True(summary.Events > 0, "no event was validated");
    }

    [Fact]
    public void Send_returning_before_taken_passes_every_assertion_and_is_rejected_by_validation_at_the_senders_next_step()
    {
        var (result, sink) = Explore("traced.rendezvous.2p2c!SendReturnsBeforeTaken",
            s => Body(s, Kind.Rendezvous, 2, 2, 2, faults: BufferFaults.SendReturnsBeforeTaken), budget: 100);
        // The ordinary checks see nothing wrong on any explored schedule...
        Assert.True(result.Bug is null, "the workload's own assertions were expected to pass on this bug: " + result.Summary);
        Assert.Equal(100, result.Iterations);

        // ...and validation rejects every trace in which a send returned early, at the event the oracle names.
        var (distinct, showing) = ValidationAsserts.RejectedWhereTheBugShows(SpecTraces.Rendezvous, sink,
            TraceOracles.FirstSendWhilePreviousParked, "a send that returned early");
        Log($"[validate] RendezvousTrace.tla: distinct traces={distinct}, with an early return={showing}, each rejected at the sender's next step");
    }

    [Fact]
    public void If_instead_of_while_traces_are_rejected_where_a_woken_sender_returned_early()
    {
        // With `if`, a sender woken by any PulseAll takes the wake-up as its partner's arrival and returns with its
        // message still parked (the receiver side of the same bug returns with no message, which the workload's
        // own check then reports; its trace shows nothing wrong before that).
        var (result, sink) = Explore("traced.rendezvous.2p2c!IfInsteadOfWhile",
            s => Body(s, Kind.Rendezvous, 2, 2, 2, faults: BufferFaults.IfInsteadOfWhile), budget: 200);
        Log($"  the scenario's own checks: {(result.Bug is null ? "passed every iteration" : "failed: " + result.Bug)}");
        var (distinct, showing) = ValidationAsserts.RejectedWhereTheBugShows(SpecTraces.Rendezvous, sink,
            TraceOracles.FirstSendWhilePreviousParked, "a send that returned early");
        Log($"[validate] RendezvousTrace.tla: distinct traces={distinct}, with an early return={showing}, each rejected at the sender's next step");
    }

    [Fact]
    public void The_early_return_is_rejected_at_the_second_send_of_a_minimal_run()
    {
        // p1 sends twice with no receiver there: a correct rendezvous would block in the first Send. The mutant parks
        // both messages; c1 then receives them in order — delivery looks perfect.
        var writer = NdjsonTraceWriter.InMemory();
        var rv = new RendezvousBuffer<(string, int)>(new BufferOptions { Name = "buffer", Tracer = writer }, BufferFaults.SendReturnsBeforeTaken);
        using (TraceProcess.Use("p1"))
        {
            rv.Send(("p1", 1));
            rv.Send(("p1", 2));
        }
        using (TraceProcess.Use("c1"))
        {
            Assert.Equal(("p1", 1), rv.Receive());
            Assert.Equal(("p1", 2), rv.Receive());
        }

        var trace = writer.Lines;
        var verdict = SpecTraces.Validate(SpecTraces.Rendezvous, trace);
        Log(SpecTraces.Explain(trace, verdict));
        Assert.False(verdict.Accepted);
        Assert.Equal(2, verdict.FirstUnexplained!.Index); // p1's Wait with ("p1", 2) while ("p1", 1) is still parked
        Assert.Equal(1, verdict.EventsMatched);
        Assert.Equal(2, TraceOracles.FirstSendWhilePreviousParked(trace));
    }
}
