using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;
using VerifiedIpc.Reference.Tracing;
using Xunit.Abstractions;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// The arbitrary-receiver mailbox under Coyote with its traces validated against <c>spec/MailboxTrace.tla</c>
/// (<see cref="TracedMailboxScenarios"/>: 2 senders × 2 messages, 2 receivers). Correct code: every distinct trace
/// accepted. The seeded split take (<see cref="DirectFaults.SplitTakeCheck"/>, a receive that chooses its message and
/// removes it in two critical sections): every trace in which a message reaches two receivers is rejected at the
/// second delivery, the event <see cref="MailboxTraceOracles.FirstSecondDelivery"/> names.
/// </summary>
/// <remarks>Budget: <c>VIPC_TRACE_BUDGET</c> (default <see cref="TracedCoyoteTest.DefaultBudget"/>); strategy random, seed 7.</remarks>
public sealed class MailboxTraceValidationTests(ITestOutputHelper output) : TracedCoyoteTest(output)
{
    private static string Module => SpecTraces.Module("MailboxTrace.tla");

    private void AssertAllAccepted(ExplorationResult result, TraceSink sink)
    {
        Assert.True(result.Bug is null, result.Summary);
        Assert.Equal(result.Iterations, sink.Traces.Count);
        var summary = SpecTraces.ValidateAll(Module, sink.Traces);
        Log("[validate] " + summary.Summary);
        Assert.True(summary.Rejected.Count == 0,
            $"{summary.Summary}\n{string.Join("\n\n", summary.Rejected.Take(2).Select(r => SpecTraces.Explain(r.Trace, r.Result)))}");
        Assert.True(summary.Events > 0, "no event was validated");
        // Reachability: both ways a message reaches a receiver happened (from the buffer; handed to a waiting one).
        Assert.Contains(sink.Traces, t => t.Any(l => l.Contains("\"kind\":\"Receive\"", StringComparison.Ordinal)));
        Assert.Contains(sink.Traces, t => t.Any(l => l.Contains("\"kind\":\"Deliver\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void Mailbox_arbitrary_longest_waiting_2s2r_every_explored_trace_is_allowed_by_the_spec()
    {
        var (result, sink) = Explore("traced.mailbox.arbitrary.longest-waiting.2s2r",
            s => TracedMailboxScenarios.Body(s, 2, DirectFaults.None, ReceiverSelection.LongestWaiting, checkDelivery: true), Budget);
        AssertAllAccepted(result, sink);
    }

    [Fact]
    public void Mailbox_arbitrary_seeded_random_2s2r_every_explored_trace_is_allowed_by_the_spec()
    {
        var (result, sink) = Explore("traced.mailbox.arbitrary.seeded-random.2s2r",
            s => TracedMailboxScenarios.Body(s, 2, DirectFaults.None, ReceiverSelection.SeededRandom, checkDelivery: true), Budget);
        AssertAllAccepted(result, sink);
    }

    [Fact]
    public void Mailbox_arbitrary_2s2r_asynchronous_every_explored_trace_is_allowed_by_the_spec()
    {
        var (result, sink) = Explore("traced.mailbox.arbitrary.longest-waiting.2s2r.async",
            s => TracedMailboxScenarios.Body(s, 2, DirectFaults.None, ReceiverSelection.LongestWaiting, checkDelivery: true, asynchronous: true), Budget);
        AssertAllAccepted(result, sink);
    }

    private void AssertRejectedWhereShown(TraceSink sink, Func<IReadOnlyList<string>, int?> oracle, string what)
    {
        var (distinct, showing) = ValidationAsserts.RejectedWhereTheBugShows(Module, sink, oracle, what);
        Log($"[validate] MailboxTrace.tla: distinct traces={distinct}, with {what}={showing}, each rejected where the oracle says");
    }

    [Fact]
    public void Split_take_traces_are_rejected_at_the_second_delivery_of_a_message()
    {
        var (result, sink) = Explore("traced.mailbox.arbitrary.2s2r!SplitTakeCheck",
            s => TracedMailboxScenarios.Body(s, 2, new DirectFaults { SplitTakeCheck = true }, ReceiverSelection.LongestWaiting, checkDelivery: false), Budget);
        Assert.True(result.Bug is null, "the workload makes no delivery checks here and must not hang: " + result.Summary);
        AssertRejectedWhereShown(sink, MailboxTraceOracles.FirstSecondDelivery, "a message delivered twice");
    }

    [Fact]
    public void The_split_take_is_rejected_at_the_second_receive_of_a_minimal_run()
    {
        // p11 chooses p1's first message and, in the window before it removes it, p12 receives that same message; p11
        // then removes the message now first (p1's second) and returns the first one again. Deterministic: the
        // window hook runs p12's receive on p11's thread, with the lock released, once.
        var writer = NdjsonTraceWriter.InMemory();
        ProcessId sender = new(1), first = new(11), second = new(12);
        Mailbox<int>? box = null;
        var secondGot = new List<int>();
        var windowUsed = false;
        var faults = new DirectFaults
        {
            SplitTakeCheck = true,
            SplitTakeWindow = () =>
            {
                if (windowUsed) return;
                windowUsed = true;
                Assert.True(box!.TryReceive(second, out var m));
                secondGot.Add(m.Body);
            },
        };
        box = new Mailbox<int>(new MailboxOptions { Name = "box", Tracer = writer }, faults);
        foreach (var p in new[] { sender, first, second }) box.Open(p);
        box.Send(sender, 1);
        box.Send(sender, 2);
        var firstGot = box.Receive(first).Body;
        Assert.Equal([1], secondGot);
        Assert.Equal(1, firstGot); // delivered twice; message 2 was removed undelivered
        Assert.Equal(0, box.Count);

        var trace = writer.Lines;
        var verdict = SpecTraces.Validate(Module, trace);
        Log(SpecTraces.Explain(trace, verdict));
        Assert.False(verdict.Accepted);
        Assert.Equal(7, verdict.FirstUnexplained!.Index); // p11's Receive of the message p12 already received
        Assert.Equal(6, verdict.EventsMatched);
        Assert.Equal(7, MailboxTraceOracles.FirstSecondDelivery(trace));
    }
}
