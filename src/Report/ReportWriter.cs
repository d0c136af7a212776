using System.Globalization;
using System.Text;

namespace VerifiedIpc.Report;

/// <summary>
/// Writes a self-contained HTML report (inline CSS and SVG, no scripts, no external resources): a summary table of
/// all models, then for every counterexample a header saying what was violated in words, a message sequence chart
/// and a state table with the changed variables highlighted.
/// </summary>
public static class ReportWriter
{
    /// <summary>Writes the report for <paramref name="models"/> to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, IEnumerable<ReportModel> models, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        Write(output, new VerificationReport { Models = models.ToList() }, options);
    }

    /// <summary>
    /// Writes the report of everything <paramref name="report"/> holds: the models (summary, then a section per model),
    /// the Coyote suite and trace validation, with a summary at the top that counts all three parts.
    /// </summary>
    public static void Write(TextWriter output, VerificationReport report, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        options ??= new ReportOptions();
        var list = report.Models.ToList();
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
        sb.Append($"<title>{Html.Escape(options.Title)}</title>\n<style>\n{Css}\n{SuiteSections.Css}\n</style>\n</head>\n<body>\n");
        sb.Append($"<header class=\"page\"><h1>{Html.Escape(options.Title)}</h1>");
        if (options.Subtitle is not null) sb.Append($"<p class=\"sub\">{Html.Escape(options.Subtitle)}</p>");
        var unexpected = list.Count(m => !m.Passed);
        var counterexamples = list.Count(m => m.Counterexample is not null);
        var modelLine = $"{list.Count} model{(list.Count == 1 ? "" : "s")}, "
            + (unexpected == 0 ? "every verdict as expected" : $"{unexpected} unexpected verdict{(unexpected == 1 ? "" : "s")}")
            + $", {counterexamples} counterexample{(counterexamples == 1 ? "" : "s")}.";
        if (report.Coyote is null && report.Validation is null)
        {
            sb.Append($"<p class=\"overall {(unexpected == 0 ? "ok" : "bad")}\">{Html.Escape(modelLine)}</p></header>\n");
        }
        else
        {
            var total = unexpected + (report.Coyote?.Unexpected ?? 0) + (report.Validation?.Unexpected ?? 0);
            sb.Append($"<p class=\"overall {(total == 0 ? "ok" : "bad")}\">{(total == 0 ? "Every result as expected." : $"{total} UNEXPECTED result{(total == 1 ? "" : "s")}: see the red rows.")}</p>\n<ul class=\"top\">\n");
            sb.Append($"<li class=\"{(unexpected == 0 ? "ok" : "bad")}\"><a href=\"#models\">Models</a>: {Html.Escape(modelLine)}</li>\n");
            if (report.Coyote is { } c)
                sb.Append($"<li class=\"{(c.Unexpected == 0 ? "ok" : "bad")}\"><a href=\"#{SuiteSections.CoyoteAnchor}\">Coyote suite</a>: {Html.Escape(SuiteSections.CoyoteLine(c))}</li>\n");
            if (report.Validation is { } v)
                sb.Append($"<li class=\"{(v.Unexpected == 0 ? "ok" : "bad")}\"><a href=\"#{SuiteSections.ValidationAnchor}\">Trace validation</a>: {Html.Escape(SuiteSections.ValidationLine(v))}</li>\n");
            sb.Append("</ul></header>\n");
        }

        if (list.Count > 1) WriteSummary(sb, list);
        for (var i = 0; i < list.Count; i++) WriteModel(sb, list[i], i);
        if (report.Coyote is { } coyote) SuiteSections.WriteCoyote(sb, coyote);
        if (report.Validation is { } validation) SuiteSections.WriteValidation(sb, validation, 0);
        var traceCharts = report.Validation?.Workloads.Any(w => w.Rejections.Count > 0) == true;
        if (list.Any(m => m.Counterexample is not null) || traceCharts) WriteLegend(sb, traceCharts);
        sb.Append("</body>\n</html>\n");
        output.Write(sb.ToString());
    }

    /// <summary>The report as a string.</summary>
    public static string ToHtml(IEnumerable<ReportModel> models, ReportOptions? options = null)
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        Write(w, models, options);
        return w.ToString();
    }

    /// <summary>The report of <paramref name="report"/> as a string.</summary>
    public static string ToHtml(VerificationReport report, ReportOptions? options = null)
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        Write(w, report, options);
        return w.ToString();
    }

    private static void WriteSummary(StringBuilder sb, List<ReportModel> list)
    {
        sb.Append("<section class=\"summary\" id=\"models\"><h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr><th>Model</th><th>Expected</th><th>Verdict</th><th>Property</th><th class=\"num\">Distinct states</th><th class=\"num\">Depth</th><th class=\"num\">Time</th><th>Result</th></tr></thead>\n<tbody>\n");
        for (var i = 0; i < list.Count; i++)
        {
            var m = list[i];
            sb.Append($"<tr class=\"{(m.Passed ? "ok" : "bad")}\">");
            sb.Append($"<td><a href=\"#{Anchor(m, i)}\">{Html.Escape(m.Name)}</a></td>");
            sb.Append($"<td>{Html.Escape(m.Expected ?? "–")}</td>");
            sb.Append($"<td><span class=\"verdict {VerdictClass(m.Verdict)}\">{Html.Escape(m.Verdict)}</span></td>");
            sb.Append($"<td>{Html.Escape(m.ViolatedProperty ?? "")}</td>");
            sb.Append($"<td class=\"num\">{Num(m.DistinctStates)}</td><td class=\"num\">{Num(m.Depth)}</td><td class=\"num\">{Time(m.Elapsed)}</td>");
            sb.Append($"<td>{(m.Passed ? "<span class=\"pass\">✔ as expected</span>" : "<span class=\"fail\">✘ unexpected</span>")}</td></tr>\n");
        }
        sb.Append("</tbody></table></section>\n");
    }

    private static void WriteModel(StringBuilder sb, ReportModel m, int index)
    {
        var mapping = m.Mapping ?? ChartMapping.Automatic;
        // Without declared model values, strings that are action parameters are taken as model values: TLC splits
        // actions over constant sets such as Senders = {s1, s2}, which are almost always model values.
        var inferred = mapping.ModelValues.IsEmpty && m.ModelValues.Count == 0 && m.Counterexample is { } ce
            ? ce.Steps.SelectMany(s => s.Parameters).Select(p => p.Value).OfType<StringValue>().Select(s => s.Value)
            : [];
        var formatter = mapping.CreateFormatter(m.ModelValues.Concat(inferred));
        var trace = m.Counterexample;
        sb.Append($"<section class=\"model\" id=\"{Anchor(m, index)}\">\n");
        sb.Append($"<h2>{Html.Escape(m.Name)} <span class=\"verdict {VerdictClass(m.Verdict)}\">{Html.Escape(m.Verdict)}</span>");
        if (m.Expected is not null || m.ExpectedProperty is not null)
        {
            var expected = string.Join(" ", new[] { m.Expected, m.ExpectedProperty }.Where(x => x is not null));
            sb.Append(!m.AsExpected ? $" <span class=\"fail\">✘ expected {Html.Escape(expected)}</span>"
                : m.Mismatch is { } mismatch ? $" <span class=\"fail\">✘ {Html.Escape(mismatch)}</span>"
                : " <span class=\"pass\">✔ as expected</span>");
        }
        sb.Append("</h2>\n");
        sb.Append($"<p class=\"what\">{Html.Escape(Headline(m))}</p>\n");
        if (m.ViolatedProperty is { } prop && mapping.Properties.TryGetValue(prop, out var words))
            sb.Append($"<p class=\"prop\"><b>{Html.Escape(prop)}</b> says: {Html.Escape(words)}</p>\n");
        if (m.Description is not null) sb.Append($"<p class=\"desc\">{Html.EscapeProse(m.Description)}</p>\n");
        if (m.ErrorMessage is not null) sb.Append($"<p class=\"err\"><code>{Html.Escape(m.ErrorMessage)}</code></p>\n");
        var stats = new List<string>();
        if (m.DistinctStates is not null) stats.Add($"{Num(m.DistinctStates)} distinct states");
        if (m.StatesGenerated is not null) stats.Add($"{Num(m.StatesGenerated)} generated");
        if (m.Depth is not null) stats.Add($"depth {m.Depth}");
        if (m.Elapsed is not null) stats.Add(Time(m.Elapsed));
        if (trace is not null) stats.Add($"trace of {trace.States.Length} state{(trace.States.Length == 1 ? "" : "s")}" + trace.Kind switch
        {
            TraceKind.Lasso => $", looping back to state {trace.LoopBackTo}",
            TraceKind.Stuttering => ", ending in stuttering",
            _ => "",
        });
        if (stats.Count > 0) sb.Append($"<p class=\"stats\">{Html.Escape(string.Join(" · ", stats))}</p>\n");

        if (trace is not null)
        {
            var chart = ChartBuilder.Build(trace, mapping, formatter);
            // Two lifelines get wider columns: their slanted arrows and labels otherwise crowd each other.
            var svg = SvgChartWriter.Write(chart, new SvgChartOptions($"msc{index}", Banner(m, trace)) { MinColumn = chart.Lifelines.Length <= 2 ? 260 : 190 }, out var chartWidth);
            // Side by side when both fit a common screen; otherwise the table goes under the chart at full width
            // rather than being squeezed into a column of broken values.
            var stacked = chartWidth + EstimateTableWidth(trace, formatter) + 80 > 1340;
            sb.Append($"<div class=\"ce{(stacked ? " stacked" : "")}\">\n<figure class=\"chart\">\n");
            sb.Append(svg);
            // The caption must not make the figure wider than its chart (that would push the table off the page).
            sb.Append($"\n<figcaption style=\"max-width: {Html.N(chartWidth)}px\">Message sequence chart: {chart.Lifelines.Length} lifeline{(chart.Lifelines.Length == 1 ? "" : "s")}, {chart.Messages.Length} message{(chart.Messages.Length == 1 ? "" : "s")}");
            sb.Append(chart.Channels.IsEmpty ? ", no channel variables" : $" over {string.Join(", ", chart.Channels)}");
            sb.Append(m.Mapping is null ? " (automatic mapping)" : "");
            sb.Append(". Numbers are state numbers, as in the table.</figcaption>\n</figure>\n");
            WriteStateTable(sb, m, trace, formatter);
            sb.Append("</div>\n");
        }
        sb.Append("</section>\n");
    }

    private static void WriteStateTable(StringBuilder sb, ReportModel m, Counterexample trace, TlaFormatter formatter)
    {
        var ambiguous = trace.Steps.GroupBy(s => s.ActionName)
            .Where(g => g.Select(s => s.Location?.BeginLine).Distinct().Count() > 1 && g.All(s => s.Parameters.IsEmpty))
            .Select(g => g.Key).ToHashSet();
        sb.Append("<div class=\"table\"><table class=\"states\">\n<thead><tr><th>State</th><th>Action</th>");
        foreach (var v in trace.Variables) sb.Append($"<th>{Html.Escape(v)}</th>");
        sb.Append("</tr></thead>\n<tbody>\n");
        var lastFinite = trace.Kind == TraceKind.Finite;
        for (var i = 0; i < trace.States.Length; i++)
        {
            var state = trace.States[i];
            var step = i == 0 ? null : trace.Steps[i - 1];
            var prev = i == 0 ? null : trace.States[i - 1];
            var changed = prev is null ? [] : ValueDiff.ChangedVariables(prev, state);
            var classes = new List<string>();
            if (trace.LoopBackTo == state.Number) classes.Add("loop-start");
            if (lastFinite && i == trace.States.Length - 1 && IsSafetyViolation(m.Verdict)) classes.Add("violation");
            sb.Append($"<tr{(classes.Count > 0 ? $" class=\"{string.Join(' ', classes)}\"" : "")}><th class=\"no\">{state.Number}</th>");
            sb.Append($"<td class=\"action\">{(step is null ? "<i>initial state</i>" : Html.Escape(StepLabel(m, step, formatter, ambiguous)))}");
            if (trace.LoopBackTo == state.Number) sb.Append("<div class=\"tag loop\">loop starts</div>");
            if (classes.Contains("violation") && m.ViolatedProperty is not null) sb.Append($"<div class=\"tag bad\">violates {Html.Escape(m.ViolatedProperty)}</div>");
            sb.Append("</td>");
            foreach (var v in trace.Variables)
            {
                var text = formatter.FormatVariable(v, state.Values[v]);
                if (changed.Contains(v))
                {
                    var was = prev![v] is { } old ? formatter.FormatVariable(v, old) : "";
                    var delta = Delta(v, prev[v], state.Values[v], formatter);
                    sb.Append($"<td class=\"changed{(text.Length > LongCell ? " long" : "")}\" title=\"was {Html.Escape(was)}\">{Html.Escape(text)}");
                    if (delta is not null) sb.Append($"<div class=\"delta\">{Html.Escape(delta)}</div>");
                    sb.Append("</td>");
                }
                else sb.Append($"<td{(text.Length > LongCell ? " class=\"long\"" : "")}>{Html.Escape(text)}</td>");
            }
            sb.Append("</tr>\n");
        }
        if (trace.Kind != TraceKind.Finite)
        {
            var last = trace.Steps[^1];
            var span = trace.Variables.Length + 1;
            if (trace.Kind == TraceKind.Lasso)
                sb.Append($"<tr class=\"back\"><th class=\"no\">↺</th><td colspan=\"{span}\">{Html.Escape(StepLabel(m, last, formatter, ambiguous))} leads <b>back to state {trace.LoopBackTo}</b>; states {trace.LoopBackTo}–{trace.States.Length} repeat forever.</td></tr>\n");
            else
                sb.Append($"<tr class=\"back\"><th class=\"no\">⟳</th><td colspan=\"{span}\"><b>Stuttering</b>: state {trace.States.Length} repeats forever; nothing changes again.</td></tr>\n");
        }
        sb.Append("</tbody></table></div>\n");
    }

    // Values up to this many characters stay on one line; longer ones wrap inside a bounded column.
    private const int LongCell = 40;

    private static double EstimateTableWidth(Counterexample trace, TlaFormatter formatter)
    {
        const double charW = 7.3;
        var width = 60.0 + 18 + charW * trace.Steps.Select(s => ChartBuilder.Label(s, formatter, false).Length).DefaultIfEmpty(14).Max();
        foreach (var v in trace.Variables)
        {
            var longest = trace.States.Select(s => Math.Min(formatter.FormatVariable(v, s.Values[v]).Length, LongCell)).Append(v.Length).Max();
            width += longest * charW + 18;
        }
        return width;
    }

    /// <summary>
    /// What changed inside a compound value, in a few words: the entries of a function or record that changed
    /// (<c>c1: "acq" → "chk"</c>), or the elements a collection gained and lost (<c>+&lt;&lt;sa, 2&gt;&gt;  −&lt;&lt;sa, 1&gt;&gt;</c>).
    /// Null for scalars, whose new value says it all.
    /// </summary>
    internal static string? Delta(string variable, TraceValue? before, TraceValue after, TlaFormatter formatter)
    {
        const int MaxParts = 3;
        var shape = formatter.ShapeOf(variable);
        var parts = new List<string>();
        if (before is ObjectValue bo && after is ObjectValue ao)
        {
            foreach (var f in ao.Fields)
            {
                var old = bo[f.Key];
                if (old is not null && old.Equals(f.Value)) continue;
                parts.Add(old is null ? $"{f.Key}: new {formatter.Format(f.Value, shape.Inner)}" : $"{f.Key}: {formatter.Format(old, shape.Inner)} → {formatter.Format(f.Value, shape.Inner)}");
            }
            parts.AddRange(bo.Fields.Where(f => ao[f.Key] is null).Select(f => $"{f.Key}: removed"));
        }
        else if (before is ArrayValue ba && after is ArrayValue aa)
        {
            // Same length and few changes read best as positions (pc = <<"idle", "wait">>); otherwise as elements.
            var changedAt = Enumerable.Range(0, Math.Min(ba.Items.Length, aa.Items.Length)).Where(i => !ba.Items[i].Equals(aa.Items[i])).ToList();
            if (ba.Items.Length == aa.Items.Length && shape.Kind != ShapeKind.Set && changedAt.Count <= 2)
                parts.AddRange(changedAt.Select(i => $"[{i + 1}]: {formatter.Format(ba.Items[i], shape.Inner)} → {formatter.Format(aa.Items[i], shape.Inner)}"));
            else
            {
                var d = ValueDiff.Diff(ba, aa);
                parts.AddRange(d.Added.Select(x => "+" + formatter.Format(x, shape.Inner)));
                parts.AddRange(d.Removed.Select(x => "−" + formatter.Format(x, shape.Inner)));
            }
        }
        else return null;
        if (parts.Count == 0) return null;
        return string.Join("  ", parts.Take(MaxParts)) + (parts.Count > MaxParts ? $"  (+{parts.Count - MaxParts} more)" : "");
    }

    // The mapping's label when it gives one (it is what the chart shows), else the action with its parameters.
    private static string StepLabel(ReportModel m, TraceStep step, TlaFormatter formatter, HashSet<string> ambiguous) =>
        m.Mapping?.ActionFor(step)?.Label ?? ChartBuilder.Label(step, formatter, ambiguous.Contains(step.ActionName));

    private static void WriteLegend(StringBuilder sb, bool traceCharts = false)
    {
        sb.Append("<section class=\"legend\"><h2>How to read the charts</h2><ul>\n");
        static void Item(StringBuilder sb, string svg, string text) =>
            sb.Append($"<li><svg width=\"90\" height=\"22\" viewBox=\"0 0 90 22\">{svg}</svg><span>{text}</span></li>\n");
        const string head = "<path d=\"M 70 6 L 80 11 L 70 16 z\" fill=\"{0}\"/>";
        Item(sb, "<line x1=\"6\" y1=\"11\" x2=\"72\" y2=\"11\" stroke=\"#1f4e79\" stroke-width=\"1.8\"/>" + string.Format(CultureInfo.InvariantCulture, head, "#1f4e79"),
            "a message, from the step that sent it to the step that received it");
        Item(sb, "<line x1=\"6\" y1=\"11\" x2=\"72\" y2=\"11\" stroke=\"#7b3fa0\" stroke-width=\"5\"/><line x1=\"6\" y1=\"11\" x2=\"72\" y2=\"11\" stroke=\"#fff\" stroke-width=\"1.6\"/>" + string.Format(CultureInfo.InvariantCulture, head, "#7b3fa0"),
            "a duplicate: a copy of a message sent before (retransmission or link duplication), or the same message delivered again");
        Item(sb, "<line x1=\"6\" y1=\"11\" x2=\"62\" y2=\"11\" stroke=\"#c0392b\" stroke-width=\"1.8\"/><line x1=\"56\" y1=\"5\" x2=\"68\" y2=\"17\" stroke=\"#c0392b\" stroke-width=\"3\"/><line x1=\"56\" y1=\"17\" x2=\"68\" y2=\"5\" stroke=\"#c0392b\" stroke-width=\"3\"/>",
            "a lost message: the cross is at the step that lost it");
        Item(sb, "<line x1=\"6\" y1=\"11\" x2=\"76\" y2=\"11\" stroke=\"#7f8c8d\" stroke-width=\"1.8\" stroke-dasharray=\"7 5\"/><path d=\"M 70 6 L 80 11 L 70 16\" fill=\"none\" stroke=\"#7f8c8d\" stroke-width=\"1.6\"/>",
            "a message still in flight when the trace ends");
        Item(sb, "<rect x=\"10\" y=\"2\" width=\"70\" height=\"18\" rx=\"4\" fill=\"#fdf2e0\" stroke=\"#c98a2b\"/><circle cx=\"10\" cy=\"11\" r=\"8\" fill=\"#2c3e50\"/><text x=\"10\" y=\"15\" fill=\"#fff\" font-size=\"10\" text-anchor=\"middle\">4</text>",
            "an internal step of a process (blue boxes send or receive); the number is the state it leads to");
        Item(sb, "<line x1=\"6\" y1=\"11\" x2=\"76\" y2=\"11\" stroke=\"#b9770e\" stroke-width=\"1.8\" stroke-dasharray=\"4 3\"/><circle cx=\"80\" cy=\"11\" r=\"3.5\" fill=\"#b9770e\"/>",
            "a wake-up: the step notifies a waiting process");
        Item(sb, "<path d=\"M 10 18 H 60 V 4 H 20\" fill=\"none\" stroke=\"#b9770e\" stroke-width=\"2.2\"/><path d=\"M 26 0 L 16 4 L 26 8 z\" fill=\"#b9770e\"/>",
            "a lasso: the last step leads back to an earlier state and the loop repeats forever");
        Item(sb, "<rect x=\"4\" y=\"2\" width=\"82\" height=\"18\" fill=\"#fff3b0\" stroke=\"#e0c341\"/>",
            "a table cell whose variable changed in that step; the small line under it says what changed inside (hover for the old value)");
        if (traceCharts)
        {
            Item(sb, "<rect x=\"14\" y=\"2\" width=\"66\" height=\"18\" rx=\"4\" fill=\"#fadbd8\" stroke=\"#c0392b\" stroke-width=\"2.5\"/><circle cx=\"14\" cy=\"11\" r=\"8\" fill=\"#c0392b\"/><text x=\"14\" y=\"15\" fill=\"#fff\" font-size=\"10\" text-anchor=\"middle\">7</text>",
                "in an implementation trace: the first event no action of the spec explains (its row is pale red); the number is the event's place in the trace");
            Item(sb, "<rect x=\"14\" y=\"2\" width=\"66\" height=\"18\" rx=\"4\" fill=\"#f4f6f7\" stroke=\"#b3bcc6\" opacity=\"0.6\"/><circle cx=\"14\" cy=\"11\" r=\"8\" fill=\"#b3bcc6\"/><text x=\"14\" y=\"15\" fill=\"#fff\" font-size=\"10\" text-anchor=\"middle\">8</text>",
                "in an implementation trace: an event after the unexplained one, which validation did not judge");
            Item(sb, "<rect x=\"10\" y=\"2\" width=\"70\" height=\"18\" rx=\"4\" fill=\"#e8f0fb\" stroke=\"#5b7db1\"/><text x=\"45\" y=\"15\" fill=\"#1b2631\" font-size=\"10\" text-anchor=\"middle\">holds 1</text>",
                "in an implementation trace: the primitive's lifeline (buffer, mailbox); its box says how many messages it holds after the step");
        }
        sb.Append("</ul>\n<p class=\"note\">Values are printed in TLA+ syntax. TLC's JSON traces write sets and sequences alike as arrays; they are shown as <code>&lt;&lt;…&gt;&gt;</code> unless the model's chart mapping declares a set.</p></section>\n");
    }

    /// <summary>The verdict in words, e.g. which state breaks which invariant, or how the lasso loops.</summary>
    internal static string Headline(ReportModel m)
    {
        var t = m.Counterexample;
        var p = m.ViolatedProperty is null ? "a property" : m.ViolatedProperty;
        var n = t?.States.Length ?? 0;
        return m.Verdict.ToLowerInvariant() switch
        {
            "success" => "No error: every reachable state satisfies the invariants and every behaviour the properties.",
            "invariant" => t is null
                ? $"Invariant {p} is violated."
                : n == 1 ? $"Invariant {p} is violated already in the initial state."
                : $"Invariant {p} is violated: state {n}, reached after {n - 1} step{(n == 2 ? "" : "s")}, does not satisfy it.",
            "property" => t?.Kind switch
            {
                TraceKind.Lasso => $"Temporal property {p} is violated by an infinite behaviour: " + (t.LoopBackTo == 1 ? "" : t.LoopBackTo == 2 ? "state 1, then " : $"states 1–{t.LoopBackTo - 1}, then ") + $"the cycle of states {t.LoopBackTo}–{n} repeated forever (the last step leads back to state {t.LoopBackTo}).",
                TraceKind.Stuttering => $"Temporal property {p} is violated by a behaviour that stops: after state {n} nothing happens any more (it stutters forever).",
                TraceKind.Finite => $"Property {p} is violated by the step into state {n}.",
                _ => $"Property {p} is violated.",
            },
            "deadlock" => t is null ? "Deadlock reached." : $"Deadlock: in state {n} no action is enabled.",
            "eval-error" => $"The checker could not evaluate the spec{(t is null ? "" : $" in the step after state {n}")}" + (m.ErrorMessage is null ? "." : $": {m.ErrorMessage}"),
            "assume" => "An ASSUME of the spec is false" + (m.ErrorMessage is null ? "." : $": {m.ErrorMessage}"),
            "parse-error" => "The spec does not parse" + (m.ErrorMessage is null ? "." : $": {m.ErrorMessage}"),
            "semantic-error" => "The spec is not well-formed" + (m.ErrorMessage is null ? "." : $": {m.ErrorMessage}"),
            _ => $"Verdict: {m.Verdict}" + (m.ErrorMessage is null ? "." : $": {m.ErrorMessage}"),
        };
    }

    private static string? Banner(ReportModel m, Counterexample t) => m.Verdict.ToLowerInvariant() switch
    {
        "invariant" => $"✘ state {t.States.Length} violates {m.ViolatedProperty ?? "an invariant"}",
        "deadlock" => $"✘ deadlock in state {t.States.Length}",
        "property" when t.Kind == TraceKind.Lasso => $"✘ {m.ViolatedProperty ?? "property"} violated: loops back to state {t.LoopBackTo} forever",
        "property" when t.Kind == TraceKind.Stuttering => $"✘ {m.ViolatedProperty ?? "property"} violated: stutters in state {t.States.Length} forever",
        "property" => $"✘ {m.ViolatedProperty ?? "property"} violated by the step into state {t.States.Length}",
        "eval-error" => $"✘ evaluation error after state {t.States.Length}",
        _ => null,
    };

    private static bool IsSafetyViolation(string verdict) => verdict.ToLowerInvariant() is "invariant" or "deadlock" or "eval-error" or "property";

    private static string Anchor(ReportModel m, int i)
    {
        var sb = new StringBuilder("m").Append(i).Append('-');
        foreach (var c in m.Name) sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        return sb.ToString();
    }

    private static string VerdictClass(string verdict) => verdict.ToLowerInvariant() == "success" ? "v-ok" : "v-err";

    private static string Num(long? v) => v is null ? "–" : v.Value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Num(int? v) => v is null ? "–" : v.Value.ToString(CultureInfo.InvariantCulture);

    private static string Time(TimeSpan? t) => t is null ? "–"
        : t.Value.TotalSeconds < 10 ? t.Value.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : t.Value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private const string Css = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1b2631; margin: 24px 32px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 8px; }
.sub { color: #5d6d7e; margin: 0 0 6px; }
.overall.ok { color: #1e8449; font-weight: bold; } .overall.bad { color: #c0392b; font-weight: bold; }
section { margin: 22px 0 34px; }
section.model { border-top: 2px solid #d5dbe3; padding-top: 16px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d5dbe3; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #2c3e50; color: #fff; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary tr.bad td { background: #fdecea; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: bold; vertical-align: middle; }
.v-ok { background: #d5f5e3; color: #1e8449; } .v-err { background: #fadbd8; color: #a93226; }
.pass { color: #1e8449; font-size: 13px; font-weight: bold; } .fail { color: #c0392b; font-size: 13px; font-weight: bold; }
p.what { font-size: 16px; font-weight: bold; margin: 6px 0; }
p.prop, p.desc { margin: 4px 0; } p.err code { color: #a93226; }
p.stats { color: #5d6d7e; font-size: 13px; margin: 4px 0 12px; }
.ce { display: flex; flex-wrap: wrap; gap: 20px 28px; align-items: flex-start; }
figure.chart { margin: 0; overflow-x: auto; max-width: 100%; border: 1px solid #d5dbe3; border-radius: 6px; padding: 6px; background: #fff; }
figure.chart svg { display: block; }
figcaption { color: #5d6d7e; font-size: 12px; margin-top: 4px; max-width: 60em; }
.table { overflow-x: auto; max-width: 100%; flex: 1 1 420px; }
table.states td { font-family: "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; font-size: 12px; white-space: nowrap; }
table.states td.long { white-space: normal; min-width: 18em; max-width: 34em; overflow-wrap: break-word; }
.ce.stacked { flex-direction: column; }
.ce.stacked .table { flex: none; }
table.states th.no { text-align: right; background: #eef2f7; }
table.states td.action { font-weight: bold; white-space: nowrap; }
table.states td.changed { background: #fff3b0; box-shadow: inset 0 0 0 1px #e0c341; }
table.states .delta { color: #7e5109; font-size: 11px; margin-top: 2px; white-space: normal; }
table.states tr.violation th.no, table.states tr.violation td.action { background: #fdecea; }
table.states tr.violation { outline: 2px solid #c0392b; }
table.states tr.loop-start th.no { background: #fcf3cf; }
table.states tr.back td, table.states tr.back th { background: #fcf3cf; font-family: inherit; color: #7e5109; }
.tag { font-size: 11px; font-weight: bold; margin-top: 2px; } .tag.loop { color: #b9770e; } .tag.bad { color: #c0392b; }
.legend ul { list-style: none; padding: 0; margin: 0; columns: 2 28em; }
.legend li { display: flex; align-items: center; gap: 10px; margin: 4px 0; break-inside: avoid; font-size: 13px; }
.legend svg { flex: none; }
.note { color: #5d6d7e; font-size: 12px; }
""";
}
