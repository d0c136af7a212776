using System.Globalization;
using System.Text;

namespace VerifiedIpc.Report;

/// <summary>
/// The report's Coyote-suite and trace-validation sections: a table each, and for every rejected trace shown, what
/// went wrong in words, the longest matched prefix, a message sequence chart of the implementation trace with the
/// first unexplained event in red, and the candidate spec states at the point of rejection.
/// </summary>
internal static class SuiteSections
{
    /// <summary>The anchor of the Coyote section.</summary>
    public const string CoyoteAnchor = "coyote";

    /// <summary>The anchor of the trace-validation section.</summary>
    public const string ValidationAnchor = "validation";

    public static void WriteCoyote(StringBuilder sb, CoyoteSuiteReport r)
    {
        sb.Append($"<section class=\"part coyote\" id=\"{CoyoteAnchor}\">\n<h2>Coyote suite: the implementation under systematic exploration</h2>\n");
        if (r.NotRun is { } why)
        {
            sb.Append($"<p class=\"what bad\">✘ Not run: {Html.Escape(why)}</p>\n</section>\n");
            return;
        }
        sb.Append("<p class=\"desc\">Each scenario runs the real code under Coyote's scheduler, one schedule per iteration. A <b>correct</b> scenario passes when no iteration fails; ");
        sb.Append("a <b>seeded bug</b> scenario (its name says the bug after <code>!</code>) passes when exploration finds the expected failure within its budget. ");
        sb.Append($"Budget: {r.Budget.ToString(CultureInfo.InvariantCulture)} iterations per correct scenario, a seeded bug at least its own stated budget. A found bug's schedule is saved; <code>vipc replay FILE</code> re-runs it.</p>\n");
        sb.Append($"<p class=\"stats\">{Html.Escape(CoyoteLine(r))}</p>\n");
        sb.Append("<table class=\"summary coyote\">\n<thead><tr><th>Scenario</th><th>Strategy</th><th class=\"num\">Budget</th><th class=\"num\">Iterations</th><th class=\"num\">Distinct schedules</th><th class=\"num\">Time</th><th>Verdict</th><th>Bug found, and its saved schedule</th></tr></thead>\n<tbody>\n");
        foreach (var s in r.Scenarios)
        {
            var (name, bug) = SplitName(s.Name);
            sb.Append($"<tr class=\"{(s.Passed ? "ok" : "bad")}\"><td class=\"name\">{Html.Escape(name)}{(bug is null ? "" : $"<b>!{Html.Escape(bug)}</b>")}");
            sb.Append(s.SeededBug ? "<div class=\"tag seeded\">seeded bug</div>" : "<div class=\"tag correct\">correct code</div>");
            sb.Append("</td>");
            sb.Append($"<td>{Html.Escape(s.Strategy)}</td><td class=\"num\">{s.Budget.ToString(CultureInfo.InvariantCulture)}</td><td class=\"num\">{s.Iterations.ToString(CultureInfo.InvariantCulture)}</td>");
            sb.Append($"<td class=\"num\">{s.DistinctSchedules.ToString(CultureInfo.InvariantCulture)}</td><td class=\"num\">{Seconds(s.Seconds)}</td>");
            sb.Append($"<td>{VerdictCell(s)}</td><td class=\"bug\">");
            if (s.Bug is not null)
            {
                sb.Append($"<div class=\"bugmsg\">{Html.Escape(ShortBug(s.Bug))}</div>");
                if (s.TraceFile is not null) sb.Append($"<div class=\"file\" title=\"{Html.Escape(s.TraceFile)}\">schedule: <code>{Html.Escape(Path.GetFileName(s.TraceFile))}</code></div>");
            }
            else sb.Append("<span class=\"none\">–</span>");
            sb.Append("</td></tr>\n");
        }
        sb.Append("</tbody></table>\n</section>\n");
    }

    /// <summary>One line on the whole suite, as the page's top summary and the section say it.</summary>
    public static string CoyoteLine(CoyoteSuiteReport r)
    {
        if (r.NotRun is not null) return "not run";
        var seeded = r.Scenarios.Count(s => s.SeededBug);
        var found = r.Scenarios.Count(s => s.SeededBug && s.Passed);
        var correct = r.Scenarios.Count - seeded;
        var clean = r.Scenarios.Count(s => !s.SeededBug && s.Passed);
        var it = r.Scenarios.Sum(s => (long)s.Iterations);
        var sched = r.Scenarios.Sum(s => (long)s.DistinctSchedules);
        return $"{r.Scenarios.Count} scenario{Plural(r.Scenarios.Count)}, {it:N0} iterations, {sched:N0} distinct schedules: " +
               $"{clean} of {correct} correct scenario{Plural(correct)} without a bug, {found} of {seeded} seeded bug{Plural(seeded)} found" +
               (r.Unexpected == 0 ? "; every result as expected." : $"; {r.Unexpected} UNEXPECTED.");
    }

    // Coyote's "Unhandled exception." and the exception's namespace say nothing to a reader; the exception's name and message do.
    internal static string ShortBug(string bug)
    {
        var text = bug.StartsWith("Unhandled exception. ", StringComparison.Ordinal) ? bug["Unhandled exception. ".Length..] : bug;
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        var type = colon > 0 ? text[..colon] : "";
        if (type.Length > 0 && !type.Contains(' ', StringComparison.Ordinal) && type.LastIndexOf('.') is var dot and > 0)
            text = text[(dot + 1)..];
        return text;
    }

    private static string VerdictCell(CoyoteScenarioResult s) => (s.SeededBug, s.Bug is not null, s.Passed) switch
    {
        (true, true, true) => $"<span class=\"pass\">✔ expected bug found at iteration {s.Iterations.ToString(CultureInfo.InvariantCulture)}</span>",
        (false, false, true) => "<span class=\"pass\">✔ no bug, as expected</span>",
        (true, false, _) => $"<span class=\"fail\">✘ UNEXPECTED: seeded bug not found in {s.Iterations.ToString(CultureInfo.InvariantCulture)} iterations</span>",
        (true, true, false) => $"<span class=\"fail\">✘ UNEXPECTED: a failure other than the seeded bug's, at iteration {s.Iterations.ToString(CultureInfo.InvariantCulture)}</span>",
        (false, true, _) => $"<span class=\"fail\">✘ UNEXPECTED: bug in correct code at iteration {s.Iterations.ToString(CultureInfo.InvariantCulture)}</span>",
        _ => $"<span class=\"fail\">✘ UNEXPECTED: {Html.Escape(s.Verdict)}</span>",
    };

    public static void WriteValidation(StringBuilder sb, TraceValidationReport r, int index)
    {
        sb.Append($"<section class=\"part validation\" id=\"{ValidationAnchor}\">\n<h2>Trace validation: the implementation's traces judged by the specs</h2>\n");
        if (r.NotRun is { } why)
        {
            sb.Append($"<p class=\"what bad\">✘ Not run: {Html.Escape(why)}</p>\n</section>\n");
            return;
        }
        sb.Append("<p class=\"desc\">Each traced workload runs the real buffers or mailbox under Coyote; every iteration logs its events (one JSON object per line), ");
        sb.Append("and every distinct trace is checked against the spec's trace module: does some behaviour of the spec take exactly these steps? ");
        sb.Append("On <b>correct</b> code every trace must be <b>accepted</b>. With a <b>seeded bug</b>, every trace in which the bug shows must be <b>rejected</b>, at the event that an independent check of the trace names. ");
        sb.Append("For each workload with a rejection, the shortest rejected trace is drawn below.</p>\n");
        sb.Append($"<p class=\"stats\">{Html.Escape(ValidationLine(r))}</p>\n");
        sb.Append("<table class=\"summary validation\">\n<thead><tr><th>Workload</th><th>Spec</th><th class=\"num\">Iterations</th><th class=\"num\">Distinct traces</th><th class=\"num\">Events</th><th class=\"num\">Accepted</th><th class=\"num\">Rejected</th><th>Expected</th><th>Verdict</th></tr></thead>\n<tbody>\n");
        for (var i = 0; i < r.Workloads.Count; i++)
        {
            var w = r.Workloads[i];
            var (name, bug) = SplitName(w.Name);
            var link = w.Rejections.Count > 0 ? $"<a href=\"#{RejectionAnchor(index, i)}\">" : "";
            sb.Append($"<tr class=\"{(w.Passed ? "ok" : "bad")}\"><td class=\"name\">{link}{Html.Escape(name)}{(bug is null ? "" : $"<b>!{Html.Escape(bug)}</b>")}{(link.Length > 0 ? "</a>" : "")}");
            sb.Append(w.SeededBug ? "<div class=\"tag seeded\">seeded bug</div>" : "<div class=\"tag correct\">correct code</div>");
            sb.Append("</td>");
            sb.Append($"<td>{Html.Escape(w.Spec)} <span class=\"note\">({Html.Escape(w.Module)})</span></td>");
            sb.Append($"<td class=\"num\">{w.Iterations.ToString(CultureInfo.InvariantCulture)}</td><td class=\"num\">{w.Distinct.ToString(CultureInfo.InvariantCulture)}</td><td class=\"num\">{w.Events.ToString("N0", CultureInfo.InvariantCulture)}</td>");
            sb.Append($"<td class=\"num\">{w.Accepted.ToString(CultureInfo.InvariantCulture)}</td><td class=\"num{(w.Rejected > 0 ? " rej" : "")}\">{w.Rejected.ToString(CultureInfo.InvariantCulture)}</td>");
            sb.Append($"<td>{(w.SeededBug ? $"the {w.Showing.ToString(CultureInfo.InvariantCulture)} trace{Plural(w.Showing)} showing the bug rejected, at the right event" : "all accepted")}</td>");
            sb.Append($"<td>{(w.Passed ? $"<span class=\"pass\">✔ {(w.SeededBug ? "seeded bug rejected" : "all accepted")}</span>" : $"<span class=\"fail\">✘ UNEXPECTED: {Html.Escape(w.Verdict)}</span>")}");
            if (w.OwnCheckFailure is not null) sb.Append($"<div class=\"note\">the workload's own check failed: {Html.Escape(w.OwnCheckFailure)}</div>");
            sb.Append("</td></tr>\n");
        }
        sb.Append("</tbody></table>\n");
        for (var i = 0; i < r.Workloads.Count; i++)
            for (var j = 0; j < r.Workloads[i].Rejections.Count; j++)
                WriteRejection(sb, r.Workloads[i], r.Workloads[i].Rejections[j], RejectionAnchor(index, i) + (j == 0 ? "" : "-" + j.ToString(CultureInfo.InvariantCulture)));
        sb.Append("</section>\n");
    }

    /// <summary>One line on all of trace validation.</summary>
    public static string ValidationLine(TraceValidationReport r)
    {
        if (r.NotRun is not null) return "not run";
        var seeded = r.Workloads.Count(w => w.SeededBug);
        var correct = r.Workloads.Count - seeded;
        return $"{r.Workloads.Count} traced workload{Plural(r.Workloads.Count)}, {r.Workloads.Sum(w => (long)w.Distinct):N0} distinct traces, {r.Workloads.Sum(w => w.Events):N0} events validated: " +
               $"{r.Workloads.Count(w => !w.SeededBug && w.Passed)} of {correct} correct workload{Plural(correct)} with every trace accepted, " +
               $"{r.Workloads.Count(w => w.SeededBug && w.Passed)} of {seeded} seeded bug{Plural(seeded)} rejected at the right event" +
               (r.Unexpected == 0 ? "; every result as expected." : $"; {r.Unexpected} UNEXPECTED.");
    }

    private static void WriteRejection(StringBuilder sb, TraceWorkloadResult w, TraceRejection rej, string anchor)
    {
        var events = TraceEvent.ParseAll(rej.Trace);
        var formatter = TraceChart.Formatter(events);
        var explanation = RejectionText.Explain(w, rej, events, formatter);
        var (name, bug) = SplitName(w.Name);
        sb.Append($"<div class=\"rejection\" id=\"{anchor}\">\n");
        sb.Append($"<h3>{Html.Escape(name)}{(bug is null ? "" : $"<b>!{Html.Escape(bug)}</b>")}: a rejected trace of {events.Length} event{Plural(events.Length)} " +
                  (w.SeededBug ? "<span class=\"pass\">✔ rejected, as expected</span>" : "<span class=\"fail\">✘ UNEXPECTED: a trace of correct code rejected</span>") + "</h3>\n");
        sb.Append($"<p class=\"what\">{explanation.Headline}</p>\n<ul class=\"facts\">\n");
        foreach (var f in explanation.Facts) sb.Append($"<li>{f}</li>\n");
        sb.Append("</ul>\n<div class=\"ce\">\n<figure class=\"chart\">\n");
        var chart = TraceChart.Build(events);
        var marked = rej.EventIndex - 1;
        var banner = rej.IncompleteEnd
            ? $"✘ the run ends after event {events.Length}, where {w.Spec} cannot stop ({rej.CompletionPredicate ?? "completion"} is false)"
            : $"✘ event {rej.EventIndex}: no action of {w.Spec} explains it";
        var svg = SvgChartWriter.Write(chart, new SvgChartOptions(anchor + "-msc", banner)
        {
            EventRows = true,
            // Few lifelines (two endpoints talking directly) get room for their slanted arrows and labels.
            MinColumn = chart.Lifelines.Length <= 3 ? 250 : 140,
            Marked = marked >= 0 && marked < events.Length ? marked : null,
        }, out var chartWidth);
        sb.Append(svg);
        sb.Append($"\n<figcaption style=\"max-width: {Html.N(chartWidth)}px\">The implementation trace: one lifeline per process and one for the primitive ");
        sb.Append("(its box says how many messages it holds after the step); one row per event, numbered as in the trace. ");
        sb.Append(rej.IncompleteEnd
            ? $"Every event is explained; the red banner says why the run may not end where it does.</figcaption>\n</figure>\n"
            : $"Red: event {rej.EventIndex}, the first that no action of {Html.Escape(w.Spec)} explains. Grey: the events after it, not judged.</figcaption>\n</figure>\n");
        WriteCandidates(sb, rej);
        sb.Append("</div>\n</div>\n");
    }

    private static void WriteCandidates(StringBuilder sb, TraceRejection rej)
    {
        var states = rej.CandidateStates.Select(ParseState).ToList();
        sb.Append("<div class=\"table\">");
        var after = rej.EventsMatched == 0 ? "before any event (the initial states)" : $"after event {rej.EventsMatched}";
        var cannot = rej.IncompleteEnd ? $"None of them satisfies {Html.Escape(rej.CompletionPredicate ?? "the completion predicate")}." : $"From none of them can the spec take event {rej.EventIndex}.";
        if (states.Count == 0)
        {
            sb.Append($"<p class=\"note\">No candidate spec state {Html.Escape(after)}.</p></div>\n");
            return;
        }
        sb.Append($"<p class=\"cand-head\"><b>Where the spec can be {Html.Escape(after)}</b>: {rej.CandidateCount.ToString(CultureInfo.InvariantCulture)} candidate state{Plural(rej.CandidateCount)}" +
                  (states.Count < rej.CandidateCount ? $", the first {states.Count.ToString(CultureInfo.InvariantCulture)} shown" : "") +
                  $". {cannot}</p>\n");
        var variables = states.SelectMany(s => s.Select(kv => kv.Key)).Distinct().ToList();
        sb.Append("<table class=\"states cands\">\n<thead><tr><th>Variable</th>");
        for (var i = 0; i < states.Count; i++) sb.Append($"<th>{(states.Count == 1 ? "Value" : "State " + (i + 1).ToString(CultureInfo.InvariantCulture))}</th>");
        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (var v in variables)
        {
            var values = states.Select(s => s.FirstOrDefault(kv => kv.Key == v).Value ?? "").ToList();
            var differs = values.Distinct().Count() > 1;
            sb.Append($"<tr><th class=\"var\">{Html.Escape(v)}</th>");
            foreach (var value in values)
                sb.Append($"<td{(differs ? " class=\"changed\"" : value.Length > 40 ? " class=\"long\"" : "")}>{Html.Escape(value)}</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody></table>");
        if (states.Count > 1) sb.Append("<p class=\"note\">Highlighted: variables on which the candidate states differ (the spec does not know which of these it is in).</p>");
        sb.Append("</div>\n");
    }

    /// <summary>A state as TLC prints it (<c>/\ x = 1</c> lines, values possibly spanning lines) as variable/value pairs.</summary>
    internal static List<KeyValuePair<string, string>> ParseState(string text)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var raw in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("/\\ ", StringComparison.Ordinal) && line.IndexOf(" = ", StringComparison.Ordinal) is var eq and > 3)
                result.Add(new(line[3..eq].Trim(), line[(eq + 3)..].Trim()));
            else if (result.Count > 0)
                result[^1] = new(result[^1].Key, result[^1].Value + " " + line);
            else
                result.Add(new("(state)", line));
        }
        return result;
    }

    private static string RejectionAnchor(int index, int workload) =>
        $"v{index.ToString(CultureInfo.InvariantCulture)}-{workload.ToString(CultureInfo.InvariantCulture)}";

    /// <summary><c>traced.bounded.2p2c!PulseInsteadOfPulseAll</c> as the workload and the seeded bug.</summary>
    internal static (string Name, string? Bug) SplitName(string name)
    {
        var cut = name.IndexOf('!', StringComparison.Ordinal);
        return cut < 0 ? (name, null) : (name[..cut], name[(cut + 1)..]);
    }

    private static string Seconds(double s) => s.ToString(s < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " s";

    private static string Plural(int n) => n == 1 ? "" : "s";

    public const string Css = """
section.part { border-top: 2px solid #d5dbe3; padding-top: 16px; }
table.coyote td.name, table.validation td.name { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 12px; white-space: nowrap; }
table.coyote td.name b, table.validation td.name b, .rejection h3 b { color: #a93226; }
table.coyote td.bug { max-width: 520px; font-size: 12px; }
table.coyote, table.validation { max-width: 100%; }
td.name .tag { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; font-weight: normal; margin-top: 1px; }
td.name .tag.seeded { color: #a93226; } td.name .tag.correct { color: #5d6d7e; }
table.coyote .bugmsg { color: #7b241c; }
table.coyote .file { color: #5d6d7e; margin-top: 2px; overflow-wrap: anywhere; }
table.validation td.rej { color: #a93226; font-weight: bold; }
table.coyote td.num, table.validation td.num { white-space: nowrap; }
.none { color: #aab7b8; }
p.what.bad { color: #c0392b; }
.rejection { margin: 26px 0 10px; padding-top: 12px; border-top: 1px dashed #d5dbe3; }
.rejection h3 { font-size: 16px; margin: 0 0 6px; font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-weight: normal; }
.rejection h3 .pass, .rejection h3 .fail { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
.rejection p.what code { background: #fdecea; padding: 0 4px; border-radius: 3px; }
ul.facts { margin: 4px 0 12px; padding-left: 22px; font-size: 14px; }
ul.facts li { margin: 2px 0; }
ul.facts code { font-size: 12px; overflow-wrap: anywhere; }
table.cands td { white-space: normal; overflow-wrap: anywhere; max-width: 26em; }
table.cands th.var { background: #eef2f7; font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
p.cand-head { margin: 0 0 6px; font-size: 13px; max-width: 40em; }
ul.top { list-style: none; padding: 0; margin: 6px 0 0; font-size: 15px; }
ul.top li { margin: 3px 0; }
ul.top li.ok::before { content: "✔ "; color: #1e8449; font-weight: bold; }
ul.top li.bad::before { content: "✘ "; color: #c0392b; font-weight: bold; }
ul.top li.bad { color: #a93226; font-weight: bold; }
""";
}
