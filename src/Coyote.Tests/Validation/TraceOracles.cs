using System.Text.Json;

namespace VerifiedIpc.Coyote.Tests.Validation;

/// <summary>
/// Where each seeded bug first shows in a trace, found by a plain scan written from the bug's description rather
/// than from the spec: the index (1-based) the validator must name as the first unexplained event. That the two
/// agree is the evidence that validation rejects a buggy trace at the right step, not merely somewhere.
/// </summary>
public static class TraceOracles
{
    /// <summary>A bounded buffer holding more than <paramref name="capacity"/> messages after a Send, or a Receive
    /// with no message (taken from an empty buffer): what <c>if</c> instead of <c>while</c> and check-then-act do.</summary>
    public static int? FirstOverfullOrEmptyTake(IReadOnlyList<string> trace, int capacity) =>
        First(trace, e => (Kind(e) == "Send" && e.GetProperty("count").GetInt32() > capacity)
                          || (Kind(e) == "Receive" && !e.TryGetProperty("msg", out _)));

    /// <summary>The first <c>Monitor.Pulse</c> where the build uses <c>PulseAll</c>.</summary>
    public static int? FirstSignal(IReadOnlyList<string> trace) => First(trace, e => Kind(e) == "Signal");

    /// <summary>
    /// Rendezvous: the first step of a sender about a message while its previous message is still parked (neither
    /// received nor handed back) — only possible if its previous send returned before a receiver took the message.
    /// </summary>
    public static int? FirstSendWhilePreviousParked(IReadOnlyList<string> trace)
    {
        var parked = new Dictionary<string, HashSet<int>>();
        for (int i = 0; i < trace.Count; i++)
        {
            var e = JsonDocument.Parse(trace[i]).RootElement;
            if (!e.TryGetProperty("msg", out var msg) || msg.ValueKind != JsonValueKind.Array) continue;
            string sender = msg[0].GetString()!;
            int n = msg[1].GetInt32();
            var mine = parked.TryGetValue(sender, out var set) ? set : parked[sender] = [];
            switch (Kind(e))
            {
                case "Wait" or "Send" when Role(e) == "sender":
                    if (mine.Any(m => m < n)) return i + 1;
                    if (Kind(e) == "Wait") mine.Add(n);
                    break;
                case "Receive" or "HandBack":
                    mine.Remove(n);
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// A lost wake-up on close (rendezvous), as the validator must report it: the index of the first exchange (a
    /// Send or Receive) after Close — a waiter Close should have released, still queued, meeting a late partner,
    /// which the spec forbids once closed — or, failing that, <c>trace.Count + 1</c> (the end of the trace) when a
    /// receiver blocked or a sender parked at Close never logs its release (no Closed, no HandBack) before the
    /// trace ends. Null when Close released everyone it had to, or there was no Close.
    /// </summary>
    public static int? LostWakeupOnClose(IReadOnlyList<string> trace)
    {
        var blocked = new HashSet<string>();
        bool closed = false;
        HashSet<string> blockedAtClose = [];
        for (int i = 0; i < trace.Count; i++)
        {
            var e = JsonDocument.Parse(trace[i]).RootElement;
            var proc = e.GetProperty("proc").GetString()!;
            switch (Kind(e))
            {
                case "Wait":
                    blocked.Add(proc);
                    break;
                case "Send" or "Receive" when closed:
                    return i + 1;
                case "Send" or "Receive" or "Closed" or "HandBack":
                    // A hand-over, a take-over, a release or a hand-back ends the process's wait (the step is logged
                    // under the waiter's own name, whoever performed it).
                    blocked.Remove(proc);
                    blockedAtClose.Remove(proc);
                    break;
                case "Close":
                    closed = true;
                    blockedAtClose = [.. blocked];
                    break;
            }
        }
        return blockedAtClose.Count > 0 ? trace.Count + 1 : null;
    }

    private static int? First(IReadOnlyList<string> trace, Func<JsonElement, bool> bad)
    {
        for (int i = 0; i < trace.Count; i++)
        {
            if (bad(JsonDocument.Parse(trace[i]).RootElement)) return i + 1;
        }
        return null;
    }

    private static string Kind(JsonElement e) => e.GetProperty("kind").GetString()!;

    private static string Role(JsonElement e) => e.TryGetProperty("role", out var r) ? r.GetString()! : "";
}

/// <summary>Where the seeded mailbox bugs first show in a mailbox trace (<c>IIpcTracer</c> events, which number
/// messages by the mailbox's own sequence, <c>seq</c>).</summary>
public static class MailboxTraceOracles
{
    /// <summary>
    /// The split take (<c>DirectFaults.SplitTakeCheck</c>): the first Receive or Deliver of a message that an earlier
    /// Receive or Deliver already gave to a receiver.
    /// </summary>
    public static int? FirstSecondDelivery(IReadOnlyList<string> trace)
    {
        var delivered = new HashSet<long>();
        for (int i = 0; i < trace.Count; i++)
        {
            var e = JsonDocument.Parse(trace[i]).RootElement;
            var kind = e.GetProperty("kind").GetString();
            if (kind is not ("Receive" or "Deliver") || !e.TryGetProperty("seq", out var seq)) continue;
            if (!delivered.Add(seq.GetInt64())) return i + 1;
        }
        return null;
    }
}
