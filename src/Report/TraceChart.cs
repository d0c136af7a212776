using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace VerifiedIpc.Report;

/// <summary>One event of an implementation trace (a line of the shared NDJSON format, docs/tracing.md).</summary>
/// <param name="Index">The event's number in the trace, from 1.</param>
/// <param name="Proc">The process that took the step.</param>
/// <param name="Kind">The step (<c>Send</c>, <c>Receive</c>, <c>Wait</c>, ...).</param>
/// <param name="Obj">The primitive's name, if logged.</param>
/// <param name="Role">The process's role (<c>sender</c>, <c>receiver</c>, <c>buffer</c>), if logged.</param>
/// <param name="Message">The message, if logged.</param>
/// <param name="Count">Messages buffered after the step, if logged.</param>
/// <param name="Extra">Other fields, in order (e.g. a mailbox's <c>seq</c>).</param>
/// <param name="Line">The line as logged.</param>
public sealed record TraceEvent(
    int Index, string Proc, string Kind, string? Obj, string? Role, TraceValue? Message, long? Count,
    ImmutableArray<KeyValuePair<string, TraceValue>> Extra, string Line)
{
    /// <summary>An extra field by name (<c>peer</c>, <c>seq</c>, <c>ack</c>), or null.</summary>
    public TraceValue? Field(string name) => Extra.FirstOrDefault(f => f.Key == name).Value;

    /// <summary>
    /// Reads NDJSON lines (blank lines skipped). A line that is not a JSON object, or lacks <c>proc</c> or <c>kind</c>,
    /// is a <see cref="TraceFormatException"/> naming the line.
    /// </summary>
    public static ImmutableArray<TraceEvent> ParseAll(IEnumerable<string> lines)
    {
        var events = ImmutableArray.CreateBuilder<TraceEvent>();
        var lineNo = 0;
        foreach (var raw in lines)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var where = $"line {lineNo}";
            TraceValue value;
            try
            {
                using var doc = JsonDocument.Parse(raw);
                value = TraceJson.ReadValue(doc.RootElement, where, 0);
            }
            catch (JsonException e)
            {
                throw new TraceFormatException(where, "not JSON: " + e.Message);
            }
            if (value is not ObjectValue o) throw new TraceFormatException(where, "an event must be a JSON object");
            string Text(string field) => o[field] switch
            {
                StringValue s => s.Value,
                null => throw new TraceFormatException(where, $"the event has no '{field}'"),
                var v => v.ToString(),
            };
            string? Optional(string field) => o[field] is StringValue s ? s.Value : null;
            var known = new HashSet<string>(StringComparer.Ordinal) { "proc", "clock", "kind", "obj", "role", "msg", "count" };
            events.Add(new TraceEvent(
                events.Count + 1, Text("proc"), Text("kind"), Optional("obj"), Optional("role"), o["msg"],
                o["count"] is IntValue c ? c.Value : null, [.. o.Fields.Where(f => !known.Contains(f.Key))], raw));
        }
        return events.ToImmutable();
    }
}

/// <summary>
/// A message sequence chart of an implementation trace, for the trace-validation part of a report: one lifeline per
/// process, senders left of the primitive and receivers right of it, one row per event. A <c>Send</c> is an arrow from
/// the process to the primitive, a <c>Receive</c> one from the primitive to the process, and the primitive's box in that
/// row says how many messages it holds afterwards (<c>count</c>). Draw it with <see cref="SvgChartWriter"/> and
/// <see cref="SvgChartOptions.Marked"/> to mark the first event the spec does not explain.
/// </summary>
public static class TraceChart
{
    /// <summary>Builds the chart of <paramref name="events"/>. Row r (from 0) shows event r + 1; each box's badge is its event number.</summary>
    public static Chart Build(IReadOnlyList<TraceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var formatter = Formatter(events);
        // Endpoints that log no messages but name a peer and a sequence number (reliable delivery) talk to each other, not
        // through a shared primitive: their arrows run from a Send to the Deliver of the same sequence number.
        if (events.All(e => e.Message is null) && events.Any(e => e.Field("peer") is not null))
            return PeerChart(events, formatter);
        var objects = events.Select(e => e.Obj).OfType<string>().Distinct().ToList();
        // Processes that act only as senders go left of the primitive, the rest right of it: arrows then run left to right.
        var procs = events.Select(e => e.Proc).Distinct().Where(p => !objects.Contains(p)).ToList();
        bool Sends(string p) => events.Any(e => e.Proc == p && e.Role == "sender");
        bool Receives(string p) => events.Any(e => e.Proc == p && e.Role == "receiver");
        var left = procs.Where(p => Sends(p) && !Receives(p)).ToList();
        var right = procs.Where(p => !left.Contains(p)).ToList();
        var lifelines = left.Concat(objects).Concat(right).ToImmutableArray();

        var chartEvents = ImmutableArray.CreateBuilder<ChartEvent>();
        var messages = ImmutableArray.CreateBuilder<ChartMessage>();
        var lastCount = new Dictionary<string, long>();
        foreach (var e in events)
        {
            var row = e.Index - 1;
            var before = e.Obj is not null && lastCount.TryGetValue(e.Obj, out var b) ? b : 0;
            if (e.Obj is not null && e.Count is { } now) lastCount[e.Obj] = now;
            // A sender's Send puts its message into the primitive, and so does a Wait that parks it (a rendezvous: the
            // count goes up); a Wait for room (a full bounded buffer: the count stays) does not. A HandBack returns a
            // message to its sender; a receiver's Receive, Deliver or Take takes one out (a handler's start or end only
            // names the message it already has).
            var isSend = e.Message is not null && e.Role == "sender" && e.Kind != "HandBack" && (e.Kind != "Wait" || e.Count > before);
            var isReceive = e.Message is not null && ((e.Role == "receiver" && e.Kind is "Receive" or "Deliver" or "Take") || e.Kind == "HandBack");
            if ((isSend || isReceive) && e.Obj is { } obj && obj != e.Proc)
            {
                messages.Add(new ChartMessage
                {
                    Id = messages.Count + 1,
                    Channel = obj,
                    Value = e.Message!,
                    Label = formatter.Format(e.Message!),
                    SendStep = row,
                    From = isSend ? e.Proc : obj,
                    EndStep = row,
                    To = isSend ? obj : e.Proc,
                    Fate = MessageFate.Delivered,
                });
                chartEvents.Add(new ChartEvent(row, e.Index, EventKind.Action, e.Proc, Label(e, formatter), isSend ? 1 : 0, isReceive ? 1 : 0));
                chartEvents.Add(new ChartEvent(row, e.Index, EventKind.Action, obj, Holds(e), isReceive ? 1 : 0, isSend ? 1 : 0) { Numbered = false });
            }
            else
            {
                chartEvents.Add(new ChartEvent(row, e.Index, EventKind.Action, e.Proc, Label(e, formatter, drawn: false), 0, 0));
            }
        }
        return new Chart(lifelines, chartEvents.ToImmutable(), messages.ToImmutable(), [.. objects], Math.Max(0, events.Count - 1),
            TraceKind.Finite, null, events.Count);
    }

    private static Chart PeerChart(IReadOnlyList<TraceEvent> events, TlaFormatter formatter)
    {
        var procs = events.Select(e => e.Proc).Distinct().ToList();
        var left = procs.Where(p => events.Any(e => e.Proc == p && e.Role == "sender")).ToList();
        var lifelines = left.Concat(procs.Where(p => !left.Contains(p))).ToImmutableArray();
        var chartEvents = ImmutableArray.CreateBuilder<ChartEvent>();
        var messages = ImmutableArray.CreateBuilder<ChartMessage>();
        var matched = new HashSet<int>();
        var sentCount = new Dictionary<int, int>();
        var receivedCount = new Dictionary<int, int>();
        foreach (var e in events)
        {
            var peer = e.Field("peer") is StringValue pv ? pv.Value : null;
            // A receive (or an acknowledgement's arrival) takes the latest matching send before it; a second receive of
            // the same send is a duplicate delivery.
            var (sendKinds, key) = e.Kind switch
            {
                "Deliver" or "DiscardDuplicate" or "Receive" => (new[] { "Send", "Retransmit" }, "seq"),
                "AckReceived" => (new[] { "Ack" }, "ack"),
                _ => (Array.Empty<string>(), ""),
            };
            if (peer is not null && sendKinds.Length > 0 && e.Field(key) is { } k)
            {
                var send = events.Take(e.Index - 1).LastOrDefault(x => x.Proc == peer && sendKinds.Contains(x.Kind)
                    && x.Field("peer") is StringValue to && to.Value == e.Proc && k.Equals(x.Field(key)));
                if (send is not null)
                {
                    var again = !matched.Add(send.Index);
                    messages.Add(new ChartMessage
                    {
                        Id = messages.Count + 1, Channel = e.Obj ?? "link", Value = k, Label = $"{key} {formatter.Format(k)}",
                        SendStep = send.Index - 1, From = send.Proc, EndStep = e.Index - 1, To = e.Proc, Fate = MessageFate.Delivered,
                        IsDuplicate = again,
                    });
                    sentCount[send.Index] = 1;
                    receivedCount[e.Index] = 1;
                }
            }
        }
        foreach (var x in events.Where(x => x.Kind is "Send" or "Retransmit" or "Ack" && !matched.Contains(x.Index) && x.Field("peer") is StringValue))
        {
            var key = x.Kind == "Ack" ? "ack" : "seq";
            if (x.Field(key) is not { } k) continue;
            messages.Add(new ChartMessage
            {
                Id = messages.Count + 1, Channel = x.Obj ?? "link", Value = k, Label = $"{key} {formatter.Format(k)}",
                SendStep = x.Index - 1, From = x.Proc, To = ((StringValue)x.Field("peer")!).Value, Fate = MessageFate.InFlight,
            });
            sentCount[x.Index] = 1;
        }
        foreach (var e in events)
            chartEvents.Add(new ChartEvent(e.Index - 1, e.Index, EventKind.Action, e.Proc, Label(e, formatter),
                sentCount.GetValueOrDefault(e.Index), receivedCount.GetValueOrDefault(e.Index)));
        return new Chart(lifelines, chartEvents.ToImmutable(), [.. messages.OrderBy(m => m.SendStep).ThenBy(m => m.Id)], [],
            Math.Max(0, events.Count - 1), TraceKind.Finite, null, events.Count);
    }

    /// <summary>Prints messages in TLA+ syntax with the trace's processes as model values (<c>&lt;&lt;p1, 1&gt;&gt;</c>).</summary>
    public static TlaFormatter Formatter(IReadOnlyList<TraceEvent> events) =>
        new(events.Select(e => e.Proc).Distinct(), new Dictionary<string, ValueShape>());

    /// <summary>
    /// The event box's text: the kind, and what a reader needs of the other fields: how many messages a waiter saw, a
    /// mailbox's sequence number (its <c>peer</c> is the message's sender, already on the arrow).
    /// </summary>
    public static string Label(TraceEvent e, TlaFormatter formatter, bool drawn = true)
    {
        var parts = new List<string> { e.Kind };
        if (e.Kind == "Wait" && (e.Message is null || !drawn) && e.Count is { } c) parts.Add($"(saw {c.ToString(CultureInfo.InvariantCulture)})");
        // The peer is on the arrow or is the message's sender; a timestamp says nothing the row order does not.
        foreach (var f in e.Extra.Where(f => f.Key is not ("peer" or "time")).Take(2))
            parts.Add($"{f.Key}={formatter.Format(f.Value)}");
        return string.Join(" ", parts);
    }

    private static string Holds(TraceEvent e) =>
        e.Count is { } c ? $"holds {c.ToString(CultureInfo.InvariantCulture)}" : e.Role == "receiver" ? "hands over" : "takes";
}
