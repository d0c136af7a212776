using System.Text;

namespace VerifiedIpc.Report;

/// <summary>Options for drawing a chart.</summary>
/// <param name="IdPrefix">Prefix of element ids (markers), unique per chart within one HTML document.</param>
/// <param name="Banner">Text of the closing banner under the last row (e.g. which invariant the last state violates).</param>
public sealed record SvgChartOptions(string IdPrefix = "msc", string? Banner = null)
{
    /// <summary>
    /// Rows are events of an implementation trace (<see cref="TraceChart"/>), not states: row r is labelled r + 1 and
    /// has no "init" row.
    /// </summary>
    public bool EventRows { get; init; }

    /// <summary>
    /// The row (step) of the first event the spec does not explain: its boxes and arrows are drawn in red, the rows
    /// after it greyed out (class <c>unexplained</c> and <c>after</c>).
    /// </summary>
    public int? Marked { get; init; }

    /// <summary>The narrowest lifeline column in pixels; event-row charts, whose labels are short, use less than the default.</summary>
    public double MinColumn { get; init; } = 190;

    /// <summary>A short note drawn right of the marked row (e.g. "✘ not allowed by BoundedBuffer").</summary>
    public string? MarkedNote { get; init; }
}

/// <summary>
/// Draws a <see cref="Chart"/> as inline SVG: one lifeline per process, one row per step (row k shows the step
/// into state k + 1), event boxes with the state number, arrows for messages (solid: delivered; ending in a
/// cross: lost; doubled: a duplicate; dashed: still in flight), a bracket for a lasso's loop-back.
/// Class names on the elements (<c>lifeline</c>, <c>event</c>, <c>msg delivered|lost|inflight</c>, <c>dup</c>,
/// <c>loss-mark</c>, <c>loopback</c>, <c>stutter</c>) are part of the contract tests rely on.
/// </summary>
public static class SvgChartWriter
{
    private const double CharW = 7.3;      // DejaVu Sans Mono at 12px
    private const double Gutter = 64;
    private const double HeadTop = 12;
    private const double HeadH = 30;
    private const double RowH = 54;
    private const double BoxH = 24;
    private const int MaxLabel = 34;

    /// <summary>Writes the SVG element.</summary>
    public static string Write(Chart chart, SvgChartOptions? options = null) => Write(chart, options, out _);

    /// <summary>Writes the SVG element and reports its width in pixels (for the page layout).</summary>
    internal static string Write(Chart chart, SvgChartOptions? options, out double svgWidth)
    {
        options ??= new SvgChartOptions();
        var p = options.IdPrefix;
        var cols = chart.Lifelines.Select(l => Math.Max(options.MinColumn, Math.Max(
            TextW(Html.Clip(l, 24)) + 36,
            chart.Events.Where(e => e.Lifeline == l).Select(e => TextW(Html.Clip(e.Label, MaxLabel)) + 60).DefaultIfEmpty(0).Max()))).ToArray();
        var centers = new double[cols.Length];
        var acc = Gutter;
        for (var i = 0; i < cols.Length; i++)
        {
            centers[i] = acc + cols[i] / 2;
            acc += cols[i];
        }
        var lifelinesRight = acc;
        var watchX = new List<(WatchColumn Column, double X, double W)>();
        // Room for self-messages of the last lifeline, which bend out to the right.
        if (!chart.Watches.IsEmpty) acc += 40;
        foreach (var w in chart.Watches)
        {
            var cw = Math.Max(TextW(Html.Clip(w.Variable, 20)), w.Values.Select((v, r) => TextW(WatchText(w, r))).DefaultIfEmpty(0).Max()) + 20;
            watchX.Add((w, acc + 8, cw));
            acc += cw + 8;
        }
        var contentRight = acc;
        var marked = options.Marked;
        bool After(int step) => marked is { } m && step > m;
        if (options.MarkedNote is { } note) acc += TextW(note) + 24;
        var hasLoop = chart.Kind == TraceKind.Lasso && chart.LoopBackTo is not null;
        var width = acc + (hasLoop ? 150 : 40);
        var row0 = HeadTop + HeadH + 30;
        double Y(int row) => row0 + row * RowH;
        var lastRow = chart.Rows;
        var bottom = Y(lastRow) + RowH * (chart.Messages.Any(m => m.Fate == MessageFate.InFlight) ? 1.0 : 0.6);
        var bannerY = bottom + 8;
        var height = bannerY + (options.Banner is null ? 10 : 40);
        // Wide enough for the closing texts even when there is a single lifeline.
        width = Math.Max(width, Math.Max(options.Banner is null ? 0 : TextW(options.Banner) + 46, chart.Kind == TraceKind.Stuttering ? Gutter + TextW(StutterText(chart)) + 24 : 0));
        width = Math.Max(width, 320);

        double X(string? lifeline)
        {
            var i = lifeline is null ? -1 : chart.Lifelines.IndexOf(lifeline);
            return i < 0 ? Gutter / 2 : centers[i];
        }

        var eventAt = new Dictionary<(int Row, string Lifeline), ChartEvent>();
        foreach (var e in chart.Events)
            if (e.Lifeline is not null) eventAt[(e.Step, e.Lifeline)] = e;
        double HalfBox(int row, string? lifeline) =>
            lifeline is not null && eventAt.TryGetValue((row, lifeline), out var e) ? BoxW(e) / 2 : 0;

        svgWidth = width;
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"msc\" width=\"{Html.N(width)}\" height=\"{Html.N(height)}\" viewBox=\"0 0 {Html.N(width)} {Html.N(height)}\" role=\"img\" aria-label=\"message sequence chart\" font-family=\"'DejaVu Sans Mono', ui-monospace, Menlo, Consolas, monospace\" font-size=\"12\">\n");
        sb.Append("<title>Message sequence chart</title>\n");
        sb.Append("<defs>\n");
        Marker(sb, p + "-arrow", "#1f4e79", filled: true);
        Marker(sb, p + "-arrow-dup", "#7b3fa0", filled: true);
        Marker(sb, p + "-arrow-open", "#7f8c8d", filled: false);
        Marker(sb, p + "-arrow-loop", "#b9770e", filled: true);
        if (marked is not null)
        {
            Marker(sb, p + "-arrow-bad", "#c0392b", filled: true);
            Marker(sb, p + "-arrow-after", "#b3bcc6", filled: true);
        }
        sb.Append("</defs>\n");

        // Row stripes and state numbers: row r shows the step into state r + 1, the same number as the state table.
        sb.Append("<g class=\"rows\">\n");
        for (var r = 0; r <= lastRow; r++)
        {
            var y = Y(r);
            if (r == marked)
                sb.Append($"<rect class=\"unexplained-row\" x=\"0\" y=\"{Html.N(y - RowH / 2)}\" width=\"{Html.N(width)}\" height=\"{Html.N(RowH)}\" fill=\"#fdecea\"/>\n");
            else if (r % 2 == 0)
                sb.Append($"<rect x=\"0\" y=\"{Html.N(y - RowH / 2)}\" width=\"{Html.N(width)}\" height=\"{Html.N(RowH)}\" fill=\"#f6f8fb\"/>\n");
            var stateNo = r + 1;
            var text = r == 0 && !options.EventRows ? "1 init" : (r == lastRow && chart.Kind != TraceKind.Finite ? "" : stateNo.ToString());
            if (r == lastRow && chart.Kind == TraceKind.Lasso) text = $"→{chart.LoopBackTo}";
            if (r == lastRow && chart.Kind == TraceKind.Stuttering) text = $"{chart.LastState} ⟳";
            var numberColour = r == marked ? "#c0392b" : After(r) ? "#b3bcc6" : "#5d6d7e";
            sb.Append($"<text x=\"8\" y=\"{Html.N(y + 4)}\" fill=\"{numberColour}\" font-size=\"11\"{(r == marked ? " font-weight=\"bold\"" : "")}>{Html.Escape(text)}</text>\n");
        }
        sb.Append("</g>\n");

        // Lifelines.
        for (var i = 0; i < chart.Lifelines.Length; i++)
        {
            var x = centers[i];
            var name = chart.Lifelines[i];
            var w = Math.Max(TextW(Html.Clip(name, 24)) + 24, 70);
            sb.Append($"<g class=\"lifeline\" data-lifeline=\"{Html.Escape(name)}\">");
            sb.Append($"<line x1=\"{Html.N(x)}\" y1=\"{Html.N(HeadTop + HeadH)}\" x2=\"{Html.N(x)}\" y2=\"{Html.N(bottom)}\" stroke=\"#95a5a6\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
            sb.Append($"<rect x=\"{Html.N(x - w / 2)}\" y=\"{Html.N(HeadTop)}\" width=\"{Html.N(w)}\" height=\"{Html.N(HeadH)}\" rx=\"6\" fill=\"#2c3e50\"/>");
            sb.Append($"<text x=\"{Html.N(x)}\" y=\"{Html.N(HeadTop + HeadH / 2 + 4.5)}\" text-anchor=\"middle\" fill=\"#fff\" font-weight=\"bold\">{Html.Escape(Html.Clip(name, 24))}</text>");
            sb.Append("</g>\n");
        }

        // Occupied areas, so message labels can be placed where they hide neither boxes nor other labels.
        var occupied = new List<(double X1, double Y1, double X2, double Y2)>();
        foreach (var e in chart.Events)
        {
            if (e.Lifeline is null) continue;
            var w = BoxW(e);
            occupied.Add((X(e.Lifeline) - w / 2 - 12, Y(e.Step) - BoxH / 2, X(e.Lifeline) + w / 2, Y(e.Step) + BoxH / 2));
        }
        (double X, double Y) PlaceLabel(double sx, double sy, double ex, double ey, string text)
        {
            var w = text.Length * CharW * 11 / 12 + 6;
            const double h = 13;
            foreach (var dy in new[] { -5.0, 14.0 })
                foreach (var t in new[] { 0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8 })
                {
                    var x = sx + (ex - sx) * t;
                    var y = sy + (ey - sy) * t + dy;
                    var r = (X1: x - w / 2, Y1: y - h + 2, X2: x + w / 2, Y2: y + 3);
                    if (!occupied.Any(o => o.X1 < r.X2 && r.X1 < o.X2 && o.Y1 < r.Y2 && r.Y1 < o.Y2))
                    {
                        occupied.Add(r);
                        return (x, y);
                    }
                }
            var fx = sx + (ex - sx) * 0.5;
            var fy = sy + (ey - sy) * 0.5 - 5;
            occupied.Add((fx - w / 2, fy - h + 2, fx + w / 2, fy + 3));
            return (fx, fy);
        }

        // Messages under the boxes, so arrows meet box edges cleanly.
        sb.Append("<g class=\"messages\">\n");
        var labelSlot = new Dictionary<(int, int), int>();
        // Where a link step (loss, duplication) is drawn: at its cross, or at the start of the copy it made.
        var linkAnchor = new Dictionary<int, (double X, double Y)>();
        // First the geometry of every arrow, so that crosses and the labels of link steps are known before any
        // message label is placed; then the drawing.
        var geometry = new List<(ChartMessage M, double Sx, double Y1, double Ex, double Ey, bool Self)>();
        foreach (var m in chart.Messages)
        {
            var y1 = Y(m.SendStep);
            var x1 = X(m.From);
            var endRow = m.EndStep ?? lastRow;
            // An undelivered message is a short stub towards its receiver, so several of them do not converge in one point.
            var y2 = m.Fate == MessageFate.InFlight ? Math.Min(Y(m.SendStep) + RowH * 0.9, bottom - 8) : Y(endRow);
            var hasTarget = m.To is not null && chart.Lifelines.Contains(m.To);
            var xt = hasTarget ? X(m.To) : x1 + (x1 + 120 < lifelinesRight ? 110 : -110);
            var selfMsg = hasTarget && m.To == m.From;
            // Stagger arrows that leave the same box in the same row.
            var slotKey = (m.SendStep, chart.Lifelines.IndexOf(m.From));
            var slot = labelSlot.TryGetValue(slotKey, out var s) ? s : 0;
            labelSlot[slotKey] = slot + 1;
            y1 += slot * 5;

            var dir = xt >= x1 ? 1 : -1;
            var sx = x1 + dir * HalfBox(m.SendStep, m.From);
            var ex = m.Fate switch
            {
                MessageFate.Delivered => selfMsg ? x1 + HalfBox(endRow, m.To) : xt - dir * (HalfBox(endRow, m.To) + 1),
                MessageFate.Lost => x1 + (xt - x1) * (hasTarget ? 0.62 : 1.0),
                _ => x1 + (xt - x1) * 0.55,
            };
            if (selfMsg)
            {
                // A message to oneself (e.g. into one's own slot) bends out to the right and back.
                sx = x1 + HalfBox(m.SendStep, m.From);
                ex = m.Fate == MessageFate.Delivered ? x1 + HalfBox(endRow, m.To) + 2 : Math.Max(sx, x1 + HalfBox(endRow, m.To)) + 46;
            }
            geometry.Add((m, sx, y1, ex, y2, selfMsg));
            if (m.Fate == MessageFate.Lost && m.EndStep is { } lostAt)
            {
                linkAnchor.TryAdd(lostAt, (ex + 14, y2));
                occupied.Add((ex - 9, y2 - 9, ex + 9, y2 + 9));
            }
            if (m.IsDuplicate && m.SendStep > 0) linkAnchor.TryAdd(m.SendStep, (sx - 6, y1 - 14));
        }
        // A link step's label goes right of its anchor, or left of it when it would run into the watch columns.
        var linkLabel = new Dictionary<int, (double BadgeX, double Y, bool Left)>();
        foreach (var e in chart.Events)
            if (e.Lifeline is null && linkAnchor.TryGetValue(e.Step, out var a))
            {
                var tw = TextW(Html.Clip(e.Label, MaxLabel));
                var left = a.X + 24 + tw > lifelinesRight + 8 && a.X - 48 - tw > Gutter;
                var bx = left ? a.X - 38 : a.X + 10;
                linkLabel[e.Step] = (bx, a.Y, left);
                occupied.Add(left ? (bx - 16 - tw, a.Y - 10, bx + 10, a.Y + 10) : (bx - 10, a.Y - 10, bx + 14 + tw, a.Y + 10));
            }

        foreach (var (m, sx, y1, ex, ey, selfMsg) in geometry)
        {
            // A message sent or received by the unexplained event is part of it; one received after it was not judged.
            var badMsg = marked is not null && (m.SendStep == marked || m.EndStep == marked);
            var afterMsg = !badMsg && (After(m.SendStep) || (m.EndStep is { } end && After(end)));
            var cls = "msg " + m.Fate switch { MessageFate.Delivered => "delivered", MessageFate.Lost => "lost", _ => "inflight" } + (m.IsDuplicate ? " dup" : "")
                + (badMsg ? " unexplained" : afterMsg ? " after" : "");
            var color = m.Fate switch
            {
                _ when badMsg => "#c0392b",
                _ when afterMsg => "#b3bcc6",
                MessageFate.Lost => "#c0392b",
                MessageFate.InFlight => "#7f8c8d",
                _ => m.IsDuplicate ? "#7b3fa0" : "#1f4e79",
            };
            var marker = m.Fate switch
            {
                _ when badMsg => p + "-arrow-bad",
                _ when afterMsg => p + "-arrow-after",
                MessageFate.Lost => null,
                MessageFate.InFlight => p + "-arrow-open",
                _ => m.IsDuplicate ? p + "-arrow-dup" : p + "-arrow",
            };
            var d = selfMsg
                ? $"M {Html.N(sx)} {Html.N(y1)} C {Html.N(sx + 70)} {Html.N(y1)} {Html.N(ex + 70)} {Html.N(ey)} {Html.N(ex)} {Html.N(ey)}"
                : $"M {Html.N(sx)} {Html.N(y1)} L {Html.N(ex)} {Html.N(ey)}";
            var title = $"{m.Label} on {m.Channel}: sent by {m.From}" + (m.SendStep == 0 ? " before state 1" : $" into state {m.SendStep + 1}") + m.Fate switch
            {
                MessageFate.Delivered => $", received by {m.To} into state {m.EndStep + 1}",
                MessageFate.Lost => $", lost into state {m.EndStep + 1}",
                _ => ", still in flight at the end",
            } + (m.IsDuplicate ? " (a duplicate)" : "");
            sb.Append($"<g class=\"{cls}\" data-id=\"{m.Id}\" data-channel=\"{Html.Escape(m.Channel)}\" data-from=\"{Html.Escape(m.From)}\" data-to=\"{Html.Escape(m.To ?? "")}\" data-send-step=\"{m.SendStep}\" data-end-step=\"{(m.EndStep?.ToString() ?? "")}\">");
            sb.Append($"<title>{Html.Escape(title)}</title>");
            if (m.IsDuplicate)
            {
                // A doubled line: a wide coloured stroke with a white core.
                sb.Append($"<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"5\"/>");
                sb.Append($"<path d=\"{d}\" fill=\"none\" stroke=\"#fff\" stroke-width=\"1.6\"/>");
                sb.Append($"<path d=\"{d}\" fill=\"none\" stroke=\"none\" marker-end=\"url(#{marker})\"/>");
            }
            else
            {
                var dash = m.Fate == MessageFate.InFlight ? " stroke-dasharray=\"7 5\"" : "";
                var mk = marker is null ? "" : $" marker-end=\"url(#{marker})\"";
                sb.Append($"<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{dash}{mk}/>");
            }
            if (m.Fate == MessageFate.Lost)
            {
                const double c = 7;
                sb.Append($"<g class=\"loss-mark\"><line x1=\"{Html.N(ex - c)}\" y1=\"{Html.N(ey - c)}\" x2=\"{Html.N(ex + c)}\" y2=\"{Html.N(ey + c)}\" stroke=\"#c0392b\" stroke-width=\"3\"/><line x1=\"{Html.N(ex - c)}\" y1=\"{Html.N(ey + c)}\" x2=\"{Html.N(ex + c)}\" y2=\"{Html.N(ey - c)}\" stroke=\"#c0392b\" stroke-width=\"3\"/></g>");
            }
            // Label near the middle of the arrow, on a white halo so crossing lines do not hide it.
            var text = Html.Clip(m.Label, 28) + (m.IsDuplicate ? " (dup)" : "") + m.Fate switch { MessageFate.Lost => " lost", MessageFate.InFlight => " in flight", _ => "" };
            var (lx, ly) = selfMsg ? PlaceLabel(sx + 58, y1, sx + 58, ey, text) : PlaceLabel(sx, y1, ex, ey, text);
            sb.Append($"<text x=\"{Html.N(lx)}\" y=\"{Html.N(ly)}\" text-anchor=\"middle\" fill=\"{color}\" font-size=\"11\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\" stroke-linejoin=\"round\">{Html.Escape(text)}</text>");
            sb.Append("</g>\n");
        }
        sb.Append("</g>\n");

        // Wake-ups: a dashed arrow within the row, from the notifying box to the woken lifeline.
        foreach (var sg in chart.Signals)
        {
            var y = Y(sg.Step) + 6;
            var fx = X(sg.From);
            var tx = X(sg.To);
            if (Math.Abs(tx - fx) < 1) continue;
            var dir = tx > fx ? 1 : -1;
            var sx = fx + dir * HalfBox(sg.Step, sg.From);
            var ex = tx - dir * 3;
            sb.Append($"<g class=\"signal\" data-step=\"{sg.Step}\" data-from=\"{Html.Escape(sg.From)}\" data-to=\"{Html.Escape(sg.To)}\"><title>{Html.Escape($"{sg.From} wakes {sg.To} (into state {sg.Step + 1})")}</title>");
            sb.Append($"<path d=\"M {Html.N(sx)} {Html.N(y)} L {Html.N(ex)} {Html.N(y)}\" fill=\"none\" stroke=\"#b9770e\" stroke-width=\"1.8\" stroke-dasharray=\"4 3\" marker-end=\"url(#{p}-arrow-loop)\"/>");
            sb.Append($"<circle cx=\"{Html.N(tx)}\" cy=\"{Html.N(y)}\" r=\"3.5\" fill=\"#b9770e\"/>");
            sb.Append($"<text x=\"{Html.N((sx + ex) / 2)}\" y=\"{Html.N(y + 14)}\" text-anchor=\"middle\" fill=\"#b9770e\" font-size=\"11\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">wakes {Html.Escape(Html.Clip(sg.To, 20))}</text></g>\n");
        }

        // Watched variables: a small table at the right, one cell per row, changed values highlighted.
        foreach (var (w, wx, ww) in watchX)
        {
            sb.Append($"<g class=\"watch\" data-variable=\"{Html.Escape(w.Variable)}\">");
            sb.Append($"<rect x=\"{Html.N(wx)}\" y=\"{Html.N(HeadTop)}\" width=\"{Html.N(ww)}\" height=\"{Html.N(HeadH)}\" rx=\"6\" fill=\"#5d6d7e\"/>");
            sb.Append($"<text x=\"{Html.N(wx + ww / 2)}\" y=\"{Html.N(HeadTop + HeadH / 2 + 4.5)}\" text-anchor=\"middle\" fill=\"#fff\" font-weight=\"bold\">{Html.Escape(Html.Clip(w.Variable, 20))}</text>");
            for (var r = 0; r < w.Values.Length && r <= lastRow; r++)
            {
                var y = Y(r);
                var cls = w.Changed[r] ? "watch-cell changed" : "watch-cell";
                sb.Append($"<g class=\"{cls}\"><rect x=\"{Html.N(wx)}\" y=\"{Html.N(y - 11)}\" width=\"{Html.N(ww)}\" height=\"22\" rx=\"3\" fill=\"{(w.Changed[r] ? "#fff3b0" : "#fff")}\" stroke=\"{(w.Changed[r] ? "#e0c341" : "#d5dbe3")}\"/>");
                sb.Append($"<text x=\"{Html.N(wx + ww / 2)}\" y=\"{Html.N(y + 4)}\" text-anchor=\"middle\" fill=\"#1b2631\">{Html.Escape(WatchText(w, r))}</text>{(WatchText(w, r) != w.Values[r] ? $"<title>{Html.Escape(w.Values[r])}</title>" : "")}</g>");
            }
            sb.Append("</g>\n");
        }

        // Event boxes.
        sb.Append("<g class=\"events\">\n");
        foreach (var e in chart.Events)
        {
            var y = Y(e.Step);
            var label = Html.Clip(e.Label, MaxLabel);
            var kindCls = e.Kind switch
            {
                EventKind.Loss => "loss",
                EventKind.Duplication => "duplication",
                _ => e.Sent > 0 && e.Received > 0 ? "send receive" : e.Sent > 0 ? "send" : e.Received > 0 ? "receive" : "internal",
            };
            var bad = e.Step == marked;
            var after = After(e.Step);
            if (bad) kindCls += " unexplained";
            else if (after) kindCls += " after";
            var title = options.EventRows ? $"event {e.State}: {e.Label}" : $"state {e.State}: {e.Label}";
            if (bad) title += " (the first event the spec does not explain)";
            else if (after) title += " (after the first unexplained event: not judged)";
            sb.Append($"<g class=\"event {kindCls}\" data-step=\"{e.Step}\" data-state=\"{e.State}\" data-lifeline=\"{Html.Escape(e.Lifeline ?? "")}\"{(after ? " opacity=\"0.4\"" : "")}><title>{Html.Escape(title)}</title>");
            if (e.Lifeline is not null)
            {
                var x = X(e.Lifeline);
                var w = BoxW(e);
                var internalStep = kindCls.StartsWith("internal", StringComparison.Ordinal);
                var (fill, stroke, strokeW) = bad ? ("#fadbd8", "#c0392b", "2.5")
                    : after ? ("#f4f6f7", "#b3bcc6", "1.2")
                    : internalStep ? ("#fdf2e0", "#c98a2b", "1.2") : ("#e8f0fb", "#5b7db1", "1.2");
                sb.Append($"<rect x=\"{Html.N(x - w / 2)}\" y=\"{Html.N(y - BoxH / 2)}\" width=\"{Html.N(w)}\" height=\"{BoxH}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{strokeW}\"/>");
                if (e.Numbered) Badge(sb, x - w / 2, y, e.State, bad ? "#c0392b" : after ? "#b3bcc6" : "#2c3e50");
                sb.Append($"<text x=\"{Html.N(x + 8)}\" y=\"{Html.N(y + 4)}\" text-anchor=\"middle\" fill=\"{(bad ? "#a93226" : "#1b2631")}\"{(bad ? " font-weight=\"bold\"" : "")}>{Html.Escape(label)}</text>");
            }
            else
            {
                // A link step (loss or duplication) has no process: it is labelled beside the cross or the copy it
                // made, or at the left of its row when it touched no drawn message.
                var fill = e.Kind == EventKind.Loss ? "#c0392b" : "#7b3fa0";
                var (ax, ay, left) = linkLabel.TryGetValue(e.Step, out var placed) ? placed : (Gutter + 4, y, false);
                Badge(sb, ax, ay, e.State);
                sb.Append(left
                    ? $"<text x=\"{Html.N(ax - 14)}\" y=\"{Html.N(ay + 4)}\" text-anchor=\"end\" fill=\"{fill}\" font-style=\"italic\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">{Html.Escape(label)}</text>"
                    : $"<text x=\"{Html.N(ax + 14)}\" y=\"{Html.N(ay + 4)}\" fill=\"{fill}\" font-style=\"italic\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">{Html.Escape(label)}</text>");
            }
            sb.Append("</g>\n");
        }
        sb.Append("</g>\n");

        if (marked is { } markedRow && options.MarkedNote is { } markNote)
        {
            sb.Append($"<text class=\"unexplained-note\" x=\"{Html.N(contentRight + 12)}\" y=\"{Html.N(Y(markedRow) + 4)}\" fill=\"#a93226\" font-weight=\"bold\">{Html.Escape(markNote)}</text>\n");
        }
        if (hasLoop)
        {
            var top = Y(chart.LoopBackTo!.Value - 1);
            var bot = Y(lastRow);
            var x = contentRight + 22;
            sb.Append("<g class=\"loopback\" data-back-to=\"").Append(chart.LoopBackTo).Append("\">");
            sb.Append($"<title>{Html.Escape($"The last step leads back to state {chart.LoopBackTo}: the steps from there on repeat forever.")}</title>");
            sb.Append($"<path d=\"M {Html.N(contentRight - 8)} {Html.N(bot)} H {Html.N(x)} V {Html.N(top)} H {Html.N(contentRight - 4)}\" fill=\"none\" stroke=\"#b9770e\" stroke-width=\"2.2\" marker-end=\"url(#{p}-arrow-loop)\"/>");
            sb.Append($"<text x=\"{Html.N(x + 8)}\" y=\"{Html.N((top + bot) / 2 - 6)}\" fill=\"#b9770e\" font-weight=\"bold\">back to</text>");
            sb.Append($"<text x=\"{Html.N(x + 8)}\" y=\"{Html.N((top + bot) / 2 + 9)}\" fill=\"#b9770e\" font-weight=\"bold\">state {chart.LoopBackTo}</text>");
            sb.Append($"<text x=\"{Html.N(x + 8)}\" y=\"{Html.N((top + bot) / 2 + 24)}\" fill=\"#b9770e\">(forever)</text>");
            sb.Append("</g>\n");
        }
        if (chart.Kind == TraceKind.Stuttering)
        {
            var y = Y(lastRow);
            sb.Append("<g class=\"stutter\">");
            sb.Append($"<line x1=\"{Html.N(Gutter)}\" y1=\"{Html.N(y)}\" x2=\"{Html.N(Math.Max(lifelinesRight, Gutter + TextW(StutterText(chart)) + 8))}\" y2=\"{Html.N(y)}\" stroke=\"#b9770e\" stroke-width=\"2\" stroke-dasharray=\"2 4\"/>");
            sb.Append($"<text x=\"{Html.N(Gutter + 4)}\" y=\"{Html.N(y - 6)}\" fill=\"#b9770e\" font-weight=\"bold\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">{Html.Escape(StutterText(chart))}</text>");
            sb.Append("</g>\n");
        }
        if (options.Banner is { } banner)
        {
            var bw = Math.Min(width - 16, TextW(banner) + 30);
            sb.Append($"<g class=\"banner\"><rect x=\"8\" y=\"{Html.N(bannerY)}\" width=\"{Html.N(bw)}\" height=\"26\" rx=\"5\" fill=\"#fdecea\" stroke=\"#c0392b\"/>");
            sb.Append($"<text x=\"20\" y=\"{Html.N(bannerY + 17)}\" fill=\"#a93226\" font-weight=\"bold\">{Html.Escape(banner)}</text></g>\n");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static double TextW(string s) => s.Length * CharW;

    // A value too long for its column: where it changed, what changed inside it is shown instead (the full value is the
    // cell's tooltip and in the state table); otherwise its start.
    private static string WatchText(WatchColumn w, int row)
    {
        var value = w.Values[row];
        if (value.Length <= 24) return value;
        if (w.Changed[row] && row < w.Deltas.Length && w.Deltas[row] is { } delta) return "Δ " + Html.Clip(delta, 34);
        return Html.Clip(value, 24);
    }

    private static string StutterText(Chart chart) => $"state {chart.LastState} stutters forever: no process takes another step";

    private static double BoxW(ChartEvent e) => TextW(Html.Clip(e.Label, MaxLabel)) + 36;

    private static void Badge(StringBuilder sb, double x, double y, int number, string fill = "#2c3e50")
    {
        sb.Append($"<circle cx=\"{Html.N(x)}\" cy=\"{Html.N(y)}\" r=\"10\" fill=\"{fill}\"/>");
        sb.Append($"<text x=\"{Html.N(x)}\" y=\"{Html.N(y + 4)}\" text-anchor=\"middle\" fill=\"#fff\" font-size=\"11\" font-weight=\"bold\">{number}</text>");
    }

    private static void Marker(StringBuilder sb, string id, string color, bool filled)
    {
        sb.Append($"<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto-start-reverse\">");
        sb.Append(filled
            ? $"<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"{color}\"/>"
            : $"<path d=\"M 0 0 L 10 5 L 0 10\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\"/>");
        sb.Append("</marker>\n");
    }
}
