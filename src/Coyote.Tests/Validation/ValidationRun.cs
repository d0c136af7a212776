using System.Globalization;
using VerifiedIpc.Coyote.Tests.Harness;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Mailboxes;
using VerifiedIpc.Reference.Reliable;
using static VerifiedIpc.Coyote.Tests.TracedBufferScenarios;

namespace VerifiedIpc.Coyote.Tests.Validation;

/// <summary>
/// The trace-validation part of <c>vipc verify</c>: traced workloads of the real buffers and mailbox explored by Coyote at a
/// budget, every distinct trace validated against the spec's trace module. Correct code must have every trace
/// accepted; the seeded <see cref="BufferFaults.SendReturnsBeforeTaken"/> (which the workload's own assertions do not
/// see), <see cref="BufferFaults.PulseInsteadOfPulseAll"/>, the mailbox's split take and <c>IfInsteadOfWhile</c>, handler
/// re-entrancy and the three seeded reliable-delivery bugs must have at least one trace rejected, at the event the
/// independent oracle names. The xunit tests (<c>TraceValidationTests</c>, <c>RendezvousTraceValidationTests</c>)
/// assert the same over more workloads.
/// </summary>
internal static class ValidationRun
{
    // Complete: every iteration's run ends (returns, or deadlocks), so its trace is validated as complete: the
    // module's completion predicate must hold at the end, and a rejection there counts as at index count + 1.
    private sealed record Workload(
        string Name, Func<TraceSink, Func<Task>> Body, string Module, int? Capacity, Func<IReadOnlyList<string>, int?>? Oracle,
        uint MinBudget = 1, bool Complete = false, IReadOnlyDictionary<string, string>? Environment = null);

    private static IEnumerable<Workload> Workloads()
    {
        yield return new("traced.bounded.2p2c.cap1", s => Body(s, Kind.Bounded, 2, 2, 2, capacity: 1), SpecTraces.BoundedBuffer, 1, null);
        yield return new("traced.bounded.2p2c.cap1.async", s => Body(s, Kind.Bounded, 2, 2, 2, capacity: 1, asynchronous: true), SpecTraces.BoundedBuffer, 1, null);
        yield return new("traced.rendezvous.2p2c", s => Body(s, Kind.Rendezvous, 2, 2, 2), SpecTraces.Rendezvous, null, null);
        yield return new("traced.rendezvous.2p2c.async", s => Body(s, Kind.Rendezvous, 2, 2, 2, asynchronous: true), SpecTraces.Rendezvous, null, null);
        yield return new("traced.rendezvous.2p2c!SendReturnsBeforeTaken",
            s => Body(s, Kind.Rendezvous, 2, 2, 2, faults: BufferFaults.SendReturnsBeforeTaken), SpecTraces.Rendezvous, null,
            TraceOracles.FirstSendWhilePreviousParked);
        yield return new("traced.bounded.2p2c!PulseInsteadOfPulseAll",
            s => Body(s, Kind.Bounded, 2, 2, 2, 1, BufferFaults.PulseInsteadOfPulseAll), SpecTraces.BoundedBuffer, 1, TraceOracles.FirstSignal);
        yield return new("traced.rendezvous.close.2p2c", s => CloseBody(s, 2, 2, 2), SpecTraces.Rendezvous, null, null, Complete: true);
        // Close leaves blocked processes blocked: a liveness bug, caught because the run's trace is complete.
        yield return new("traced.rendezvous.close.2p2c!LostWakeupOnClose", s => CloseBody(s, 2, 2, 2, BufferFaults.LostWakeupOnClose),
            SpecTraces.Rendezvous, null, TraceOracles.UnreleasedAtClose, Complete: true);
        // Close completes a parked send as if taken: the HandBack the spec's Close owes never comes.
        yield return new("traced.rendezvous.close.2p2c.async!CloseDropsOffers",
            s => CloseBody(s, 2, 2, 2, BufferFaults.CloseDropsOffers, asynchronous: true),
            SpecTraces.Rendezvous, null, TraceOracles.UnreleasedAtClose, Complete: true);
        var mailbox = SpecTraces.Module("MailboxTrace.tla");
        yield return new("traced.mailbox.arbitrary.2s2r", s => TracedMailboxScenarios.Body(s, 2, new DirectFaults(), ReceiverSelection.LongestWaiting, checkDelivery: true),
            mailbox, null, null);
        // The split take shows in few schedules (3 of 60 distinct traces at 100 iterations with the fixed seed), so it
        // runs at least 100 iterations: a small verify budget must not turn it into a seeded bug that is never shown.
        yield return new("traced.mailbox.arbitrary.2s2r!SplitTakeCheck",
            s => TracedMailboxScenarios.Body(s, 2, new DirectFaults { SplitTakeCheck = true }, ReceiverSelection.LongestWaiting, checkDelivery: false),
            mailbox, null, MailboxTraceOracles.FirstSecondDelivery, MinBudget: 100);

        // Reliable delivery against SlidingWindowTrace.tla (one-way transfer of 3 messages, link faults chosen by Coyote).
        var window = SpecTraces.Module("SlidingWindowTrace.tla");
        yield return new("traced.reliable.lossy.w2", s => TracedReliableScenarios.Body(s, SeededBugs.None, TracedReliableScenarios.Controlled(3), 2),
            window, null, null, Environment: TracedReliableScenarios.Window(2));
        yield return new("traced.reliable.lossy.w2.nacks",
            s => TracedReliableScenarios.Body(s, SeededBugs.None, TracedReliableScenarios.Controlled(3), 2, negativeAcks: true),
            window, null, null, Environment: TracedReliableScenarios.Window(2));
        // Window 1 is stop-and-wait: AckRetransmit's protocol, judged by AckRetransmitTrace.tla.
        yield return new("traced.reliable.lossy.w1", s => TracedReliableScenarios.Body(s, SeededBugs.None, TracedReliableScenarios.Controlled(3), 1),
            SpecTraces.Module("AckRetransmitTrace.tla"), null, null);
        yield return new("traced.reliable.lossy.w2!MissingDuplicateCheck",
            s => TracedReliableScenarios.Body(s, SeededBugs.MissingDuplicateCheck, TracedReliableScenarios.Controlled(3), 2, check: false),
            window, null, ReliableTraceOracles.FirstRedelivery, Environment: TracedReliableScenarios.Window(2));
        yield return new("traced.reliable.lossy.w2!AckWrongSequence",
            s => TracedReliableScenarios.Body(s, SeededBugs.AckWrongSequence, TracedReliableScenarios.Controlled(3), 2, check: false),
            window, null, ReliableTraceOracles.FirstAckBeyondDelivered, Environment: TracedReliableScenarios.Window(2));
        yield return new("traced.reliable.clean.w1!WindowOverrun",
            s => TracedReliableScenarios.Body(s, SeededBugs.WindowOverrun, () => new SeededFaultSchedule(1, FaultRates.None), 1, check: false),
            window, null, t => ReliableTraceOracles.FirstSendBeyondWindow(t, 1), Environment: TracedReliableScenarios.Window(1));
        // Sequential handlers against MailboxHandlerTrace.tla; two receivers blocked at once against MailboxTrace.tla.
        var handler = SpecTraces.Module("MailboxHandlerTrace.tla");
        yield return new("traced.handler.mailbox.2s", s => TracedHandlerScenarios.Handler(s, new DirectFaults(), check: true), handler, null, null);
        yield return new("traced.handler.mailbox.2s!HandlerReentrancy",
            s => TracedHandlerScenarios.Handler(s, new DirectFaults { HandlerReentrancy = true }, check: false), handler, null,
            HandlerTraceOracles.FirstOverlappingHandlerRun);
        yield return new("traced.mailbox.spurious-wakeup.1s2r", s => TracedHandlerScenarios.SpuriousWakeup(s, new DirectFaults()), mailbox, null, null);
        // The early return shows in few schedules (6 of 29 distinct traces at 100 iterations), so at least 100.
        yield return new("traced.mailbox.spurious-wakeup.1s2r!IfInsteadOfWhile",
            s => TracedHandlerScenarios.SpuriousWakeup(s, new DirectFaults { IfInsteadOfWhile = true }), mailbox, null,
            HandlerTraceOracles.FirstStepWhileBlocked, MinBudget: 100);
    }

    /// <summary>Runs every workload at <paramref name="budget"/> iterations; one line each and a total.</summary>
    public static int Run(uint budget, TextWriter output) => Run(budget, output, null, null);

    /// <summary>
    /// Runs the workloads whose name contains <paramref name="filter"/> (all when null); adds what each did to
    /// <paramref name="outcomes"/> when given (the HTML report's rows).
    /// </summary>
    public static int Run(uint budget, TextWriter output, string? filter, List<WorkloadOutcome>? outcomes)
    {
        int failures = 0, workloads = 0;
        long iterations = 0, distinctTraces = 0, events = 0;
        foreach (var w in Workloads().Where(w => filter is null || w.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)))
        {
            workloads++;
            var iterationsAsked = Math.Max(budget, w.MinBudget);
            var (result, sink) = TracedCoyoteTest.ExploreTraced(w.Name, w.Body, iterationsAsked);
            iterations += result.Iterations;
            var environment = w.Capacity is { } c
                ? new Dictionary<string, string> { ["VIPC_CAPACITY"] = c.ToString(CultureInfo.InvariantCulture) }
                : w.Environment;
            var traces = sink.Traces.GroupBy(t => string.Join('\n', t)).Select(g => g.First()).ToList();
            distinctTraces += traces.Count;
            int rejected = 0, misplaced = 0, showing = 0;
            long workloadEvents = 0;
            string? firstRejection = null;
            RejectionOutcome? shortest = null;
            foreach (var trace in traces)
            {
                var verdict = SpecTraces.Validate(w.Module, trace, environment, w.Complete ? SpecTraces.Completion : null);
                events += verdict.TotalEvents;
                workloadEvents += verdict.TotalEvents;
                var expected = w.Oracle?.Invoke(trace);
                if (expected is not null) showing++;
                if (verdict.Accepted)
                {
                    if (expected is not null) misplaced++;
                    continue;
                }
                rejected++;
                if (expected != (verdict.IncompleteEnd ? verdict.TotalEvents + 1 : verdict.FirstUnexplained?.Index)) misplaced++;
                firstRejection ??= verdict.IncompleteEnd
                    ? $"the end of the trace (all {verdict.TotalEvents} events explained; {verdict.CompletionPredicate} false: the spec owes steps the run never took)"
                    : $"event {verdict.FirstUnexplained?.Index}: {verdict.FirstUnexplained?.Line}";
                // The report draws one rejected trace per workload: the shortest reads best.
                if (shortest is null || trace.Count < shortest.Trace.Count)
                    shortest = new RejectionOutcome(trace, verdict.IncompleteEnd ? verdict.TotalEvents + 1 : verdict.FirstUnexplained?.Index ?? verdict.EventsMatched + 1,
                        verdict.EventsMatched, expected, verdict.CandidateStates.Take(3).ToList(), verdict.CandidateCount,
                        verdict.IncompleteEnd, verdict.CompletionPredicate);
            }

            var module = Path.GetFileName(w.Module);
            var seeded = w.Oracle is not null;
            string status;
            if (!seeded)
                status = result.Bug is null && rejected == 0 ? "ok" : "FAIL (correct code rejected)";
            else if (showing == 0)
                status = "FAIL (seeded bug not shown)";
            else
                status = misplaced == 0 ? "ok (seeded bug rejected)" : "FAIL (rejection missing or misplaced)";
            if (status.StartsWith("FAIL", StringComparison.Ordinal)) failures++;
            output.WriteLine($"{status,-26} {w.Name}: budget={iterationsAsked} iterations={result.Iterations} distinct-traces={traces.Count} " +
                $"rejected={rejected} against {module}; own checks: {(result.Bug is null ? "passed" : "failed: " + result.Bug)}");
            if (firstRejection is not null) output.WriteLine($"{"",-26}   first rejection at {firstRejection}");
            outcomes?.Add(new WorkloadOutcome(
                w.Name, module, seeded, iterationsAsked, result.Iterations, traces.Count, workloadEvents, rejected, showing, status,
                !status.StartsWith("FAIL", StringComparison.Ordinal), result.Bug, environment ?? new Dictionary<string, string>(),
                shortest is null ? [] : [shortest]));
        }

        output.WriteLine($"{workloads} traced workloads, {iterations} iterations, {distinctTraces} distinct traces, {events} events validated, {failures} failed.");
        return failures == 0 ? SuiteRunner.Ok : SuiteRunner.Failed;
    }
}
