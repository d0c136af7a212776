using System.Xml.Linq;

namespace VerifiedIpc.Report.Tests;

/// <summary>
/// The Coyote-suite and trace-validation sections, on the results of a real <c>vipc verify</c> run at budget 20
/// (Data/suite-*.json, as the suite wrote them: the validation run after reltrace's workloads landed; the Coyote run happened to miss <c>reliable!AckWrongSequence</c> within
/// its budget, which gives the report a real unexpected row).
/// </summary>
public sealed class SuiteSectionsTests
{
    private static string Data(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", name));

    internal static CoyoteSuiteReport Coyote() => new() { Budget = 20, Scenarios = SuiteResultsJson.ReadScenarios(Data("suite-coyote.json")) };

    internal static TraceValidationReport Validation() => new() { Budget = 20, Workloads = SuiteResultsJson.ReadWorkloads(Data("suite-validation.json")) };

    private static XDocument Page(VerificationReport report) => Corpus.Html(ReportWriter.ToHtml(report));

    private static List<XElement> BodyRows(XElement table) =>
        table.Descendants().Single(e => e.Name.LocalName == "tbody").Elements().ToList();

    private static XElement Rejection(XDocument doc, string workload) =>
        doc.Root!.WithClass("rejection").Single(r => r.Descendants().First(e => e.Name.LocalName == "h3").Value.StartsWith(workload + (workload.Contains('!') ? "" : "!"), StringComparison.Ordinal));

    [Fact]
    public void The_coyote_table_has_a_row_per_scenario_and_the_unexpected_one_stands_out()
    {
        var coyote = Coyote();
        var doc = Page(new VerificationReport { Coyote = coyote });
        var rows = BodyRows(doc.Root!.WithClass("summary", "coyote").Single());
        Assert.Equal(coyote.Scenarios.Count, rows.Count);
        Assert.Equal(42, rows.Count);

        var bad = Assert.Single(rows, r => r.Attribute("class")!.Value == "bad");
        Assert.StartsWith("reliable!AckWrongSequence", bad.Elements().First().Value, StringComparison.Ordinal);
        Assert.Contains("UNEXPECTED: seeded bug not found in 100 iterations", bad.Value);

        var found = rows.Single(r => r.Elements().First().Value.StartsWith("buffers.bounded.2p2c!IfInsteadOfWhile", StringComparison.Ordinal));
        Assert.Contains("expected bug found at iteration 2", found.Value);
        Assert.Contains("seeded bug", found.Elements().First().Value);
        // The bug's own words, without Coyote's "Unhandled exception." and the exception's namespace; and its saved schedule.
        Assert.Contains("BufferInvariantException: 'bounded buffer': a receiver took from an empty buffer", found.Value);
        Assert.DoesNotContain("Unhandled exception", found.Value);
        Assert.Contains("buffers.bounded.2p2c!IfInsteadOfWhile.random.trace.json", found.Value);

        var clean = rows.Single(r => r.Elements().First().Value.StartsWith("pipe.sync", StringComparison.Ordinal));
        Assert.Contains("no bug, as expected", clean.Value);
        Assert.Contains("correct code", clean.Value);

        var top = doc.Root!.WithClass("top").Single().Value;
        Assert.Contains("42 scenarios", top);
        Assert.Contains("13 of 14 seeded bugs found; 1 UNEXPECTED.", top);
        Assert.Contains("1 UNEXPECTED result", doc.Root!.WithClass("overall").Single().Value);
    }

    [Fact]
    public void The_validation_table_has_a_row_per_workload_and_each_rejected_trace_is_drawn_with_its_unexplained_event_in_red()
    {
        var validation = Validation();
        var doc = Page(new VerificationReport { Validation = validation });
        var rows = BodyRows(doc.Root!.WithClass("summary", "validation").Single());
        Assert.Equal(20, rows.Count);
        Assert.All(rows, r => Assert.Equal("ok", r.Attribute("class")!.Value));
        var rendezvous = rows.Single(r => r.Elements().First().Value.StartsWith("traced.rendezvous.2p2c!SendReturnsBeforeTaken", StringComparison.Ordinal));
        var cells = rendezvous.Elements().Select(e => e.Value).ToList();
        Assert.Equal(["Rendezvous (RendezvousTrace.tla)", "20", "17", "0", "17"], [cells[1], cells[2], cells[3], cells[5], cells[6]]);

        var rejections = doc.Root!.WithClass("rejection").ToList();
        Assert.Equal(validation.Workloads.Sum(w => w.Rejections.Count), rejections.Count);
        Assert.Equal(9, rejections.Count);
        foreach (var w in validation.Workloads.Where(w => w.Rejections.Count > 0))
        {
            var rej = w.Rejections[0];
            var block = Rejection(doc, w.Name);
            var svg = block.Descendants().Single(e => e.Name.LocalName == "svg");
            if (rej.IncompleteEnd)
            {
                // Every event explained: nothing red, nothing grey, and the banner says why the run may not end there.
                Assert.Empty(svg.WithClass("event", "unexplained"));
                Assert.Empty(svg.WithClass("event", "after"));
                Assert.Contains($"✘ the run ends after event {rej.Trace.Count}, where {w.Spec} cannot stop (TraceComplete is false)", svg.Value);
                continue;
            }
            // Exactly the boxes of the first unexplained event are red; every later event is greyed.
            var red = svg.WithClass("event", "unexplained").ToList();
            Assert.NotEmpty(red);
            Assert.All(red, e => Assert.Equal(rej.EventIndex.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Attribute("data-state")!.Value));
            var after = svg.WithClass("event", "after").Select(e => int.Parse(e.Attribute("data-state")!.Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
            Assert.Equal(Enumerable.Range(rej.EventIndex + 1, rej.Trace.Count - rej.EventIndex), after.Order());
            Assert.DoesNotContain(svg.WithClass("event"), e => int.Parse(e.Attribute("data-state")!.Value, System.Globalization.CultureInfo.InvariantCulture) < rej.EventIndex
                && e.Attribute("class")!.Value.Split(' ').Intersect(["unexplained", "after"]).Any());
            // One lifeline per process, plus the primitive unless the processes talk directly (reliable delivery).
            var procs = TraceEvent.ParseAll(rej.Trace).Select(e => e.Proc).Distinct().Count();
            Assert.Equal(procs + (w.Name.StartsWith("traced.reliable", StringComparison.Ordinal) ? 0 : 1), svg.WithClass("lifeline").Count());
            Assert.Contains($"✘ event {rej.EventIndex}: no action of {w.Spec} explains it", svg.Value);
            // The candidate states beside the chart, one column each.
            var cands = block.WithClass("cands").Single();
            Assert.Equal(Math.Min(rej.CandidateCount, rej.CandidateStates.Count) + 1, cands.Descendants().First(e => e.Name.LocalName == "tr").Elements().Count());
            Assert.Contains($"events 1–{rej.EventsMatched} of", block.Value.Replace("event 1 of", "events 1–1 of", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Each_rejection_says_in_words_what_went_wrong()
    {
        var doc = Page(new VerificationReport { Validation = Validation() });
        string Headline(string workload) => Rejection(doc, workload).WithClass("what").Single().Value;

        Assert.Equal(
            "Event 2, Wait by p2 of <<p2, 2>>, is not allowed by Rendezvous: p2 is already on to its next message while its previous one, <<p2, 1>> (offered at event 1), " +
            "has not been taken by any receiver; in a rendezvous a send returns only once its message is taken.",
            Headline("traced.rendezvous.2p2c"));
        Assert.StartsWith("Event 4, Signal by c2, is not allowed by BoundedBuffer: it is a Monitor.Pulse, which wakes just one waiting thread (p2 waits since event 2 and p1 waits since event 3)", Headline("traced.bounded.2p2c"));
        Assert.Equal(
            "Event 14, Receive by p11 of <<p2, 2>>, is not allowed by Mailbox: message seq 2 <<p2, 2>> was already received by p12 at event 12; in the spec each message goes to exactly one receiver.",
            Headline("traced.mailbox.arbitrary.2s2r"));
        Assert.Equal("Event 4, Deliver by p2, is not allowed by SlidingWindow: p2 already delivered message seq 0 from p1 at event 2: this is a duplicate; in the spec each message is delivered exactly once.",
            Headline("traced.reliable.lossy.w2!MissingDuplicateCheck"));
        Assert.Equal("Event 5, Ack by p2, is not allowed by SlidingWindow: p2 acknowledges 1 of p1's messages (ack 1) but has delivered only 0; the spec's receiver acknowledges only what it has delivered.",
            Headline("traced.reliable.lossy.w2!AckWrongSequence"));
        Assert.Equal("Event 6, Send by p1, is not allowed by SlidingWindow: with it 2 messages are unacknowledged (seq 1–2; acknowledged so far: 1), but the window is 1: the spec's sender never has more than 1 message in flight.",
            Headline("traced.reliable.clean.w1!WindowOverrun"));
        Assert.StartsWith("Event 8, Close by p12, is not allowed by Mailbox: p12 has been blocked in ReceiveBlocked since event 5 and no event gave it a message or woke it", Headline("traced.mailbox.spurious-wakeup.1s2r!IfInsteadOfWhile"));
        Assert.StartsWith("The run stops where Rendezvous cannot: after all 10 events, no state the spec can be in satisfies TraceComplete", Headline("traced.rendezvous.close.2p2c!LostWakeupOnClose"));
        Assert.Contains("Still waiting when the run ended: c1 (since event 6).", Rejection(doc, "traced.rendezvous.close.2p2c!LostWakeupOnClose").WithClass("facts").Single().Value);
        // The Send is rejected because the next event hands its message to a handler still busy with the previous one.
        Assert.Equal("Event 6, Send by p2 of <<p2, 2>>, is not allowed by MailboxHandler: with event 7 it hands message seq 2 <<p2, 2>> to p11, whose handler still owns message seq 1 <<p2, 1>> " +
            "(handed over at event 5, no HandlerEnd since); a sequential subscription is handed its next message only after its handler has returned.",
            Headline("traced.handler.mailbox.2s!HandlerReentrancy"));
        var facts = Rejection(doc, "traced.bounded.2p2c").WithClass("facts").Single().Value;
        Assert.Contains("Longest matched prefix: events 1–3 of 14", facts);
        Assert.Contains("names event 4 as where the bug first shows: the same event", facts);
        Assert.Contains("Events 5–14 (grey) came after it and were not judged.", facts);
        Assert.Contains("VIPC_CAPACITY=1", facts);
    }

    [Fact]
    public void A_rejected_trace_of_correct_code_and_an_oracle_that_disagrees_are_marked_unexpected()
    {
        // An overfilling Send in a correct workload: the words come from the trace (count 2 in a buffer of capacity 1),
        // not from the name of a seeded bug.
        string Ev(string proc, int clock, string kind, string role, int count, int? n = null) =>
            $"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"buffer\",\"role\":\"{role}\"" + (n is { } i ? $",\"msg\":[\"{proc}\",{i}]" : "") + $",\"count\":{count}}}";
        var workload = new TraceWorkloadResult
        {
            Name = "traced.bounded.1p1c", Module = "BoundedBufferTrace.tla", Budget = 20, Iterations = 20, Distinct = 3, Events = 12, Rejected = 1,
            Verdict = "FAIL (correct code rejected)", Passed = false, Environment = new Dictionary<string, string> { ["VIPC_CAPACITY"] = "1" },
            Rejections = [new TraceRejection
            {
                Trace = [Ev("p1", 1, "Send", "sender", 1, 1), Ev("p1", 2, "Send", "sender", 2, 2), Ev("c1", 3, "Receive", "receiver", 1, 1)],
                EventIndex = 2, EventsMatched = 1, ExpectedIndex = 3, CandidateStates = ["/\\ count = 1\n/\\ slots = (0 :> <<\"p1\", 1>>)"], CandidateCount = 1,
            }],
        };
        var doc = Page(new VerificationReport { Validation = new TraceValidationReport { Budget = 20, Workloads = [workload] } });
        var row = Assert.Single(BodyRows(doc.Root!.WithClass("summary", "validation").Single()));
        Assert.Equal("bad", row.Attribute("class")!.Value);
        Assert.Contains("UNEXPECTED: FAIL (correct code rejected)", row.Value);
        var block = doc.Root!.WithClass("rejection").Single();
        Assert.Contains("UNEXPECTED: a trace of correct code rejected", block.Value);
        Assert.Equal("Event 2, Send by p1 of <<p1, 2>>, is not allowed by BoundedBuffer: it leaves 2 messages in a buffer of capacity 1; the spec sends only into a buffer with room (after event 1 the buffer holds 1 of 1).",
            block.WithClass("what").Single().Value);
        Assert.Contains("names event 3 as where the bug first shows, not event 2", block.WithClass("facts").Single().Value);
        var cand = block.WithClass("cands").Single();
        Assert.Equal(["count", "slots"], cand.Descendants().Where(e => e.Attribute("class")?.Value == "var").Select(e => e.Value));
        Assert.Contains("1 UNEXPECTED result", doc.Root!.WithClass("overall").Single().Value);
    }

    [Fact]
    public void Names_messages_and_trace_lines_are_escaped()
    {
        const string evil = "</script><script>alert(1)</script>";
        var line = $"{{\"proc\":\"p<1>\",\"clock\":1,\"kind\":\"Send\",\"obj\":\"buf&fer\",\"role\":\"sender\",\"msg\":[\"{evil.Replace("/", "\\/", StringComparison.Ordinal)}\",1],\"count\":1}}";
        var report = new VerificationReport
        {
            Coyote = new CoyoteSuiteReport { Budget = 1, Scenarios = [new CoyoteScenarioResult { Name = "x!<img src=x>", SeededBug = true, Passed = true, Iterations = 1, Bug = evil, TraceFile = "/t/<b>.json" }] },
            Validation = new TraceValidationReport
            {
                Budget = 1,
                Workloads = [new TraceWorkloadResult
                {
                    Name = "w!<svg onload=x>", Module = "<X>Trace.tla", SeededBug = true, Passed = true, Distinct = 1, Rejected = 1, Showing = 1,
                    Rejections = [new TraceRejection { Trace = [line], EventIndex = 1, EventsMatched = 0, CandidateStates = [$"/\\ v = \"{evil}\""], CandidateCount = 1 }],
                }],
            },
        };
        var html = ReportWriter.ToHtml(report);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg onload", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>.json", html, StringComparison.Ordinal);
        Assert.Contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Corpus.Html(html); // still well-formed
    }

    [Fact]
    public void A_part_that_did_not_run_says_why()
    {
        var doc = Page(new VerificationReport
        {
            Coyote = new CoyoteSuiteReport { Budget = 20, NotRun = "the Coyote suite is not built" },
            Validation = new TraceValidationReport { Budget = 20, NotRun = "the Coyote suite was not found" },
        });
        Assert.Contains("Not run: the Coyote suite is not built", doc.Root!.WithClass("part", "coyote").Single().Value);
        Assert.Contains("2 UNEXPECTED results", doc.Root!.WithClass("overall").Single().Value);
    }

    [Fact]
    public void Malformed_results_are_a_typed_error_with_the_json_path()
    {
        var e = Assert.Throws<TraceFormatException>(() => SuiteResultsJson.ReadWorkloads("""[{"name":"w","module":"M.tla","distinct":"many"}]"""));
        Assert.Equal("$[0].distinct", e.Where);
        Assert.Throws<TraceFormatException>(() => SuiteResultsJson.ReadScenarios("not json"));
    }
}
