using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Coyote.Tests.Validation;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;
using Xunit.Abstractions;
using static VerifiedIpc.Coyote.Tests.TracedReliableScenarios;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Reliable delivery under Coyote with its traces validated against <c>spec/SlidingWindowTrace.tla</c>
/// (<see cref="TracedReliableScenarios"/>: a one-way transfer of three messages over the faulty in-process link).
/// Correct code: every distinct trace accepted. Each seeded reliable bug: every trace in which it shows is rejected
/// at the event <see cref="ReliableTraceOracles"/> names, every other trace accepted; the workload's own checks are
/// off there, so validation alone judges the bug and the exploration is not cut short.
/// </summary>
/// <remarks>Budget: <c>VIPC_TRACE_BUDGET</c> (default <see cref="TracedCoyoteTest.DefaultBudget"/>); strategy random, seed 7.</remarks>
public sealed class ReliableTraceValidationTests(ITestOutputHelper output) : TracedCoyoteTest(output)
{
    private static string Module => SpecTraces.Module("SlidingWindowTrace.tla");

    private void AssertAllAccepted(ExplorationResult result, TraceSink sink, int window)
    {
        Assert.True(result.Bug is null, result.Summary);
        Assert.Equal(result.Iterations, sink.Traces.Count);
        var summary = SpecTraces.ValidateAll(Module, sink.Traces, Window(window));
        Log("[validate] " + summary.Summary);
        Assert.True(summary.Rejected.Count == 0,
            $"{summary.Summary}\n{string.Join("\n\n", summary.Rejected.Take(2).Select(r => SpecTraces.Explain(r.Trace, r.Result)))}");
        Assert.True(summary.Events > 0, "no event was validated");
        Assert.All(sink.Traces, t => Assert.Equal(Messages, t.Count(l => l.Contains("\"kind\":\"Deliver\"", StringComparison.Ordinal))));
    }

    private static bool AnyKind(TraceSink sink, string kind) =>
        sink.Traces.Any(t => t.Any(l => l.Contains($"\"kind\":\"{kind}\"", StringComparison.Ordinal)));

    [Fact]
    public void Reliable_lossy_link_window_2_every_explored_trace_is_allowed_by_the_spec()
    {
        var (result, sink) = Explore("traced.reliable.lossy.w2", s => Body(s, SeededBugs.None, Controlled(3), window: 2));
        AssertAllAccepted(result, sink, 2);
        // Reachability: repairs, duplicates discarded and timeouts all happened, so the accepted traces are not all clean runs.
        Assert.True(AnyKind(sink, "Retransmit") && AnyKind(sink, "DiscardDuplicate") && AnyKind(sink, "Timeout"),
            "the lossy exploration never retransmitted, discarded a duplicate or timed out");
        // And a selective repair (a message above the window's left edge sent again), the step mapped as abstracted.
        var selective = sink.Traces.GroupBy(t => string.Join("\n", t)).Count(g => RepairsAboveLeftEdge(g.First()));
        Log($"[reach] distinct traces with a selective repair: {selective}");
        Assert.True(selective > 0, "no explored trace repaired a message above the window's left edge");
    }

    private static bool RepairsAboveLeftEdge(IReadOnlyList<string> trace)
    {
        long acked = 0;
        foreach (var line in trace)
        {
            var e = System.Text.Json.JsonDocument.Parse(line).RootElement;
            switch (e.GetProperty("kind").GetString())
            {
                case "AckReceived":
                    acked = Math.Max(acked, e.GetProperty("ack").GetInt64());
                    break;
                case "Retransmit" when e.GetProperty("seq").GetInt64() > acked:
                    return true;
            }
        }
        return false;
    }

    [Fact]
    public void Reliable_lossy_link_window_2_with_negative_acks_every_explored_trace_is_allowed_by_the_spec()
    {
        var nacksBefore = NacksSent;
        var (result, sink) = Explore("traced.reliable.lossy.w2.nacks", s => Body(s, SeededBugs.None, Controlled(3), window: 2, negativeAcks: true));
        AssertAllAccepted(result, sink, 2);
        Log($"[reach] negative acks sent: {NacksSent - nacksBefore}");
        Assert.True(NacksSent > nacksBefore, "no run sent a negative ack");
        var selective = sink.Traces.GroupBy(t => string.Join("\n", t)).Count(g => RepairsAboveLeftEdge(g.First()));
        Log($"[reach] distinct traces with a selective repair: {selective}");
        Assert.True(selective > 0, "no explored trace repaired a message above the window's left edge");
    }

    [Fact]
    public void Reliable_lossy_link_window_1_every_explored_trace_is_allowed_by_both_specs()
    {
        var (result, sink) = Explore("traced.reliable.lossy.w1", s => Body(s, SeededBugs.None, Controlled(3), window: 1));
        AssertAllAccepted(result, sink, 1);
        Assert.True(AnyKind(sink, "Retransmit") && AnyKind(sink, "DiscardDuplicate"), "the lossy exploration never retransmitted or discarded a duplicate");
        // Stop-and-wait is also AckRetransmit's protocol.
        var summary = SpecTraces.ValidateAll(StopAndWaitModule, sink.Traces);
        Log("[validate] " + summary.Summary);
        Assert.True(summary.Rejected.Count == 0,
            $"{summary.Summary}\n{string.Join("\n\n", summary.Rejected.Take(2).Select(r => SpecTraces.Explain(r.Trace, r.Result)))}");
    }

    private static string StopAndWaitModule => SpecTraces.Module("AckRetransmitTrace.tla");

    /// <summary>The seeded bugs with a window of one, judged by <c>AckRetransmitTrace.tla</c> (same oracles).</summary>
    [Theory]
    [InlineData("MissingDuplicateCheck")]
    [InlineData("AckWrongSequence")]
    [InlineData("WindowOverrun")]
    public void Stop_and_wait_seeded_bugs_are_rejected_by_the_ack_retransmit_spec_where_they_show(string bug)
    {
        var (bugs, oracle, what) = bug switch
        {
            "MissingDuplicateCheck" => (SeededBugs.MissingDuplicateCheck, (Func<IReadOnlyList<string>, int?>)ReliableTraceOracles.FirstRedelivery, "a message delivered twice"),
            "AckWrongSequence" => (SeededBugs.AckWrongSequence, ReliableTraceOracles.FirstAckBeyondDelivered, "an ack beyond the messages delivered"),
            _ => (SeededBugs.WindowOverrun, t => ReliableTraceOracles.FirstSendBeyondWindow(t, 1), "a send beyond the window"),
        };
        var (result, sink) = Explore($"traced.reliable.lossy.w1!{bug}", s => Body(s, bugs, Controlled(3), window: 1, check: false));
        Assert.True(result.Bug is null, "the workload makes no delivery checks here and must not hang: " + result.Summary);
        var (distinct, showing) = ValidationAsserts.RejectedWhereTheBugShows(StopAndWaitModule, sink, oracle, what);
        Log($"[validate] AckRetransmitTrace.tla: distinct traces={distinct}, with {what}={showing}, each rejected where the oracle says");
    }

    private void AssertRejectedWhereShown(TraceSink sink, Func<IReadOnlyList<string>, int?> oracle, string what, int window)
    {
        var (distinct, showing) = ValidationAsserts.RejectedWhereTheBugShows(Module, sink, oracle, what, Window(window));
        Log($"[validate] SlidingWindowTrace.tla: distinct traces={distinct}, with {what}={showing}, each rejected where the oracle says");
    }

    [Fact]
    public void Missing_duplicate_check_traces_are_rejected_at_the_second_delivery_of_a_message()
    {
        var (result, sink) = Explore("traced.reliable.lossy.w2!MissingDuplicateCheck",
            s => Body(s, SeededBugs.MissingDuplicateCheck, Controlled(3), window: 2, check: false));
        Assert.True(result.Bug is null, "the workload makes no delivery checks here and must not hang: " + result.Summary);
        AssertRejectedWhereShown(sink, ReliableTraceOracles.FirstRedelivery, "a message delivered twice", 2);
    }

    [Fact]
    public void Ack_wrong_sequence_traces_are_rejected_at_the_first_ack_beyond_what_was_delivered()
    {
        var (result, sink) = Explore("traced.reliable.lossy.w2!AckWrongSequence",
            s => Body(s, SeededBugs.AckWrongSequence, Controlled(3), window: 2, check: false));
        Assert.True(result.Bug is null, "the workload makes no delivery checks here and must not hang: " + result.Summary);
        AssertRejectedWhereShown(sink, ReliableTraceOracles.FirstAckBeyondDelivered, "an ack beyond the messages delivered", 2);
    }

    [Fact]
    public void Window_overrun_traces_are_rejected_at_the_first_send_beyond_the_window()
    {
        var (result, sink) = Explore("traced.reliable.clean.w1!WindowOverrun",
            s => Body(s, SeededBugs.WindowOverrun, () => new SeededFaultSchedule(1, FaultRates.None), window: 1, check: false));
        Assert.True(result.Bug is null, "the workload makes no delivery checks here and must not hang: " + result.Summary);
        AssertRejectedWhereShown(sink, t => ReliableTraceOracles.FirstSendBeyondWindow(t, 1), "a send beyond the window", 1);
    }

    // ---------------------------------------------------------------- hand-written traces: what the module rejects

    private static string Event(int clock, string kind, int? seq = null, int? ack = null)
    {
        var (proc, peer, role) = kind is "Send" or "Retransmit" or "Timeout" or "AckReceived" or "GiveUp"
            ? ("p1", "p2", "sender")
            : ("p2", "p1", "receiver");
        var payload = seq is { } s ? $",\"seq\":{s}" : $",\"ack\":{ack}";
        return $"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"delivery\",\"role\":\"{role}\",\"peer\":\"{peer}\"{payload}}}";
    }

    private static IReadOnlyList<string> Lines(params (string Kind, int? Seq, int? Ack)[] events) =>
        [.. events.Select((e, i) => Event(i + 1, e.Kind, e.Seq, e.Ack))];

    private static (string, int?, int?) Data(string kind, int seq) => (kind, seq, null);

    private static (string, int?, int?) AckEvent(string kind, int ack) => (kind, null, ack);

    public static TheoryData<string, int?> HandWritten => new()
    {
        // Two messages in a window of 2, delivered in order, one cumulative ack: allowed.
        { "clean", null },
        // A loss repaired by the timer: allowed.
        { "timeout", null },
        // The second message handed to the application before the first.
        { "out-of-order delivery", 3 },
        // The sender takes in an ack the receiver never sent.
        { "ack nobody sent", 4 },
        // The receiver acknowledges a message it has not delivered (what AckWrongSequence does).
        { "ack beyond delivered", 4 },
        // A message acknowledged and then sent again.
        { "retransmit after ack", 7 },
        // A third message while two are unacknowledged (what WindowOverrun does).
        { "window overrun", 3 },
    };

    private static IReadOnlyList<string> Scenario(string name) => name switch
    {
        "clean" => Lines(Data("Send", 0), Data("Send", 1), Data("Deliver", 0), Data("Deliver", 1), AckEvent("Ack", 2), AckEvent("AckReceived", 2)),
        "timeout" => Lines(Data("Send", 0), Data("Timeout", 0), Data("Retransmit", 0), Data("Deliver", 0), AckEvent("Ack", 1), AckEvent("AckReceived", 1)),
        "out-of-order delivery" => Lines(Data("Send", 0), Data("Send", 1), Data("Deliver", 1), Data("Deliver", 0)),
        "ack nobody sent" => Lines(Data("Send", 0), Data("Send", 1), Data("Deliver", 0), AckEvent("AckReceived", 2)),
        "ack beyond delivered" => Lines(Data("Send", 0), Data("Send", 1), Data("Deliver", 0), AckEvent("Ack", 2)),
        "retransmit after ack" => Lines(Data("Send", 0), Data("Send", 1), Data("Deliver", 0), Data("Deliver", 1), AckEvent("Ack", 2), AckEvent("AckReceived", 2),
            Data("Retransmit", 1)),
        "window overrun" => Lines(Data("Send", 0), Data("Send", 1), Data("Send", 2)),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such hand-written trace"),
    };

    [Theory]
    [MemberData(nameof(HandWritten))]
    public void Hand_written_traces_are_judged_at_the_right_event(string name, int? rejectedAt)
    {
        var trace = Scenario(name);
        var verdict = SpecTraces.Validate(Module, trace, Window(2));
        Log(SpecTraces.Explain(trace, verdict));
        if (rejectedAt is null)
        {
            Assert.True(verdict.Accepted, SpecTraces.Explain(trace, verdict));
            return;
        }
        Assert.False(verdict.Accepted, $"{name}: accepted");
        Assert.Equal(rejectedAt, verdict.FirstUnexplained!.Index);
        Assert.Equal(rejectedAt - 1, verdict.EventsMatched);
    }
}
