using System.Globalization;

namespace VerifiedIpc.Report;

/// <summary>A rejected trace in words: one headline and a few facts, as HTML (already escaped).</summary>
internal sealed record RejectionExplanation(string Headline, IReadOnlyList<string> Facts);

/// <summary>
/// Says in words why a trace was rejected. The validator reports only where the trace stops matching; the words come
/// from the trace itself, read with what message passing means (a buffer's capacity, a message taken once, a
/// rendezvous send returning only when taken), so they also cover rejections of correct code. When no rule
/// recognises the event, the text says plainly that no action of the spec can take it from the candidate states.
/// </summary>
internal static class RejectionText
{
    public static RejectionExplanation Explain(TraceWorkloadResult w, TraceRejection rej, IReadOnlyList<TraceEvent> events, TlaFormatter formatter)
    {
        var k = rej.EventIndex;
        var facts = new List<string>();
        if (rej.IncompleteEnd)
        {
            var pred = Html.Escape(rej.CompletionPredicate ?? "the completion predicate");
            var blocked = Waiting(events.ToList());
            facts.Add($"Every one of the {events.Count} events is explained: the spec allows each step; what it does not allow is stopping here.");
            if (blocked.Count > 0)
                facts.Add("Still waiting when the run ended: " + string.Join(", ", blocked.Select(x => $"{Html.Escape(x.Proc)} (since event {x.Index})")) + ".");
            if (rej.ExpectedIndex is { } xe)
                facts.Add(xe == k
                    ? "An independent check of the trace, written from the seeded bug's description rather than from the spec, also says the bug shows at the end of the run."
                    : $"<b class=\"fail\">An independent check of the trace names event {xe}, not the end of the run.</b>");
            AddEnvironment(w, facts);
            return new RejectionExplanation(
                $"The run stops where {Html.Escape(w.Spec)} cannot: after all {events.Count} events, no state the spec can be in satisfies <code>{pred}</code>; the spec still owes steps (a waiter woken, a message delivered) that the implementation never took.",
                facts);
        }
        if (k < 1 || k > events.Count)
        {
            facts.Add($"The validator matched {rej.EventsMatched} of {events.Count} events.");
            return new RejectionExplanation($"The trace is not allowed by {Html.Escape(w.Spec)}.", facts);
        }
        var e = events[k - 1];
        var who = $"<code>{Html.Escape(e.Kind)}</code> by {Html.Escape(e.Proc)}" + (e.Message is null ? "" : $" of {Html.Escape(formatter.Format(e.Message))}");
        var reason = Reason(w, events, e, formatter) ?? $"no action of the spec can take this step from any state the spec can be in after event {k - 1}";
        var headline = $"Event {k}, {who}, is not allowed by {Html.Escape(w.Spec)}: {reason}.";

        facts.Add(rej.EventsMatched == 0
            ? "Longest matched prefix: none, the first event is already unexplained."
            : rej.EventsMatched == 1 ? $"Longest matched prefix: event 1 of {events.Count}; the spec explains it."
            : $"Longest matched prefix: events 1–{rej.EventsMatched} of {events.Count}; the spec explains each of them.");
        if (rej.ExpectedIndex is { } x)
            facts.Add(x == k
                ? $"An independent check of the trace, written from the seeded bug's description rather than from the spec, names event {x} as where the bug first shows: the same event."
                : $"<b class=\"fail\">An independent check of the trace names event {x} as where the bug first shows, not event {k}.</b>");
        if (k < events.Count)
            facts.Add(k + 1 == events.Count ? $"Event {events.Count} (grey) came after it and was not judged." : $"Events {k + 1}–{events.Count} (grey) came after it and were not judged.");
        facts.Add($"Event {k} as logged: <code>{Html.Escape(e.Line)}</code>");
        AddEnvironment(w, facts);
        return new RejectionExplanation(headline, facts);
    }

    private static void AddEnvironment(TraceWorkloadResult w, List<string> facts)
    {
        if (w.Environment.Count > 0)
            facts.Add("The trace module was also told: " + string.Join(", ", w.Environment.Select(kv => $"<code>{Html.Escape(kv.Key)}={Html.Escape(kv.Value)}</code>")) +
                      (w.Environment.ContainsKey("VIPC_CAPACITY") ? " (the buffer's capacity, which the trace does not log)." : "."));
    }

    private static string? Reason(TraceWorkloadResult w, IReadOnlyList<TraceEvent> events, TraceEvent e, TlaFormatter formatter)
    {
        var before = events.Take(e.Index - 1).ToList();
        long? capacity = w.Environment.TryGetValue("VIPC_CAPACITY", out var c) && long.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var cap) ? cap : null;
        var lastCount = before.LastOrDefault(x => x.Count is not null && x.Obj == e.Obj);
        string Holds() => lastCount is null ? "" : $" (after event {lastCount.Index} the buffer holds {lastCount.Count}{(capacity is { } cc ? $" of {cc}" : "")})";

        if (e.Kind == "Send" && capacity is { } capN && e.Count > capN)
            return $"it leaves {e.Count} messages in a buffer of capacity {capN}; the spec sends only into a buffer with room{Holds()}";
        if (e.Kind == "Receive" && e.Role != "sender" && (e.Count < 0 || (e.Message is null && lastCount?.Count == 0)))
            return $"there is nothing to take{Holds()}; the spec receives only from a buffer that holds a message";
        if (e.Kind == "Signal")
        {
            var waiting = Waiting(before);
            var who = waiting.Count == 0 ? "" : $" ({string.Join(" and ", waiting.Select(x => $"{Html.Escape(x.Proc)} waits since event {x.Index}"))})";
            return $"it is a <code>Monitor.Pulse</code>, which wakes just one waiting thread{who}, perhaps one that cannot proceed, "
                   + "while the spec's monitor wakes every waiter (<code>PulseAll</code>, its <code>Broadcast</code>): no action of the spec is a single-thread signal";
        }
        if (SecondDelivery(before, e) is { } first)
            return first.Proc == e.Proc
                ? $"{Html.Escape(e.Proc)} already {(first.Kind == "Deliver" ? "delivered" : "received")} message {Describe(e, formatter)}{From(e)} at event {first.Index}: this is a duplicate; "
                  + "in the spec each message is delivered exactly once"
                : $"message {Describe(e, formatter)} was already {(first.Kind == "Deliver" ? "delivered" : "received")} by {Html.Escape(first.Proc)} at event {first.Index}; "
                  + "in the spec each message goes to exactly one receiver";
        if (e.Kind == "Ack" && e.Field("ack") is IntValue ack && e.Field("peer") is StringValue ackPeer)
        {
            var delivered = before.Where(x => x.Proc == e.Proc && x.Kind == "Deliver" && x.Field("peer") is StringValue p && p.Value == ackPeer.Value)
                .Select(x => x.Field("seq")).OfType<IntValue>().Select(v => v.Value).Distinct().Count();
            if (ack.Value > delivered)
                return $"{Html.Escape(e.Proc)} acknowledges {ack.Value} of {Html.Escape(ackPeer.Value)}'s messages (ack {ack.Value}) but has delivered only {delivered}; "
                       + "the spec's receiver acknowledges only what it has delivered";
        }
        if (e.Kind is "Send" && e.Field("seq") is IntValue seqN && e.Field("peer") is StringValue sendPeer
            && w.Environment.TryGetValue("VIPC_WINDOW", out var wtext) && long.TryParse(wtext, NumberStyles.Integer, CultureInfo.InvariantCulture, out var window))
        {
            var acked = before.Where(x => x.Proc == e.Proc && x.Kind == "AckReceived" && x.Field("peer") is StringValue p && p.Value == sendPeer.Value)
                .Select(x => x.Field("ack")).OfType<IntValue>().Select(v => v.Value).DefaultIfEmpty(0).Max();
            if (seqN.Value - acked + 1 > window)
                return $"with it {seqN.Value - acked + 1} messages are unacknowledged (seq {acked}–{seqN.Value}; acknowledged so far: {acked}), "
                       + $"but the window is {window}: the spec's sender never has more than {window} message{(window == 1 ? "" : "s")} in flight";
        }
        if (BusyHandler(events, e) is var (handOver, owned))
            return $"{(handOver.Index == e.Index ? "it hands" : $"with event {handOver.Index} it hands")} message {Describe(handOver, formatter)} to {Html.Escape(handOver.Proc)}, whose handler still owns "
                   + $"message {Describe(owned, formatter)} (handed over at event {owned.Index}, no <code>HandlerEnd</code> since); a sequential subscription is handed its next message only after its handler has returned";
        if (BlockedBefore(before, e) is { } blocked)
            return $"{Html.Escape(e.Proc)} has been blocked in <code>{Html.Escape(blocked.Kind)}</code> since event {blocked.Index} and no event gave it a message or woke it; "
                   + "in the spec a blocked receiver's next step is to take a message (a wait that returns without one and is not re-tested, <code>if</code> instead of <code>while</code>, shows this way)";
        if (ParkedEarlier(before, e) is { } parked)
            return $"{Html.Escape(e.Proc)} is already on to its next message while its previous one, {Html.Escape(formatter.Format(parked.Message!))} "
                   + $"(offered at event {parked.Index}), has not been taken by any receiver; in a rendezvous a send returns only once its message is taken";
        return null;
    }

    // The processes blocked at the end of the prefix: their last Wait is not followed by a Wake (in trace order).
    private static List<TraceEvent> Waiting(List<TraceEvent> before)
    {
        var last = new Dictionary<string, TraceEvent>();
        foreach (var x in before)
            if (x.Kind is "Wait" or "Wake") last[x.Proc] = x;
        return [.. last.Values.Where(x => x.Kind == "Wait").OrderBy(x => x.Index)];
    }

    // A message handed (a Deliver: this event, or the next one when this is its Send) to a handler receiver whose previous
    // message's handler run has not ended: the overlapping runs a sequential subscription must never have.
    private static (TraceEvent HandOver, TraceEvent Owned)? BusyHandler(IReadOnlyList<TraceEvent> events, TraceEvent e)
    {
        var handOver = e.Kind == "Deliver" ? e
            : e.Kind == "Send" && e.Index < events.Count && events[e.Index] is { Kind: "Deliver" } next && next.Field("seq") is { } q && q.Equals(e.Field("seq")) ? next
            : null;
        if (handOver is null || !events.Any(x => x.Kind == "HandlerStart" && x.Proc == handOver.Proc)) return null;
        var owned = events.Take(e.Index - 1).LastOrDefault(x => x.Proc == handOver.Proc && x.Kind is "Deliver" or "Receive");
        if (owned is null) return null;
        var ended = events.Skip(owned.Index).Take(handOver.Index - owned.Index - 1)
            .Any(x => x.Proc == handOver.Proc && x.Kind == "HandlerEnd" && x.Field("seq") is { } sq && sq.Equals(owned.Field("seq")));
        return ended ? null : (handOver, owned);
    }

    // The process's own previous event, when it is a block (ReceiveBlocked, a receiver's Wait) and the event is not what
    // ends a block (a wake-up or a receive).
    private static TraceEvent? BlockedBefore(List<TraceEvent> before, TraceEvent e)
    {
        if (e.Kind is "Wake" or "Deliver" or "Receive" or "Timeout" or "Cancel" or "Abort") return null;
        var previous = before.LastOrDefault(x => x.Proc == e.Proc);
        return previous is { Kind: "ReceiveBlocked" } || previous is { Kind: "Wait", Role: "receiver" } && e.Kind != "Wait" ? previous : null;
    }

    private static string From(TraceEvent e) => e.Field("peer") is StringValue p && e.Message is null ? $" from {Html.Escape(p.Value)}" : "";

    private static string Describe(TraceEvent e, TlaFormatter formatter)
    {
        var seq = e.Extra.FirstOrDefault(f => f.Key == "seq").Value;
        var text = seq is null ? "" : "seq " + formatter.Format(seq);
        if (e.Message is not null) text += (text.Length > 0 ? " " : "") + formatter.Format(e.Message);
        return Html.Escape(text);
    }

    // The earlier Receive/Deliver of the same message (by the mailbox's seq, else by value) to a receiver.
    private static TraceEvent? SecondDelivery(List<TraceEvent> before, TraceEvent e)
    {
        if (e.Kind is not ("Receive" or "Deliver")) return null;
        var seq = e.Extra.FirstOrDefault(f => f.Key == "seq").Value;
        if (seq is null) return null;
        return before.FirstOrDefault(x => x.Kind is "Receive" or "Deliver" && x.Obj == e.Obj && x.Extra.FirstOrDefault(f => f.Key == "seq").Value?.Equals(seq) == true);
    }

    // A sender's step about a later message while an earlier one it offered (Wait) is neither received nor handed back.
    private static TraceEvent? ParkedEarlier(List<TraceEvent> before, TraceEvent e)
    {
        if (e.Role != "sender" || e.Kind is not ("Wait" or "Send") || e.Message is not ArrayValue { Items: [StringValue sender, IntValue n] }) return null;
        var parked = new Dictionary<long, TraceEvent>();
        foreach (var x in before)
        {
            if (x.Message is not ArrayValue { Items: [StringValue s, IntValue m] } || s.Value != sender.Value) continue;
            if (x.Kind == "Wait" && x.Role == "sender") parked.TryAdd(m.Value, x);
            else if (x.Kind is "Receive" or "HandBack") parked.Remove(m.Value);
        }
        return parked.Where(p => p.Key < n.Value).Select(p => p.Value).OrderBy(p => p.Index).FirstOrDefault();
    }
}
