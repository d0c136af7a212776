using System.Text.Json;

namespace VerifiedIpc.Coyote.Tests.Validation;

/// <summary>
/// Where the seeded handler and wake-up bugs of the mailbox first show in its trace (<c>IIpcTracer</c> events). Plain
/// scans written from each bug's description, not from the spec: the 1-based index the validator must name.
/// A hand-over is logged as a Send followed by the receiver's Deliver, and validation matches the pair as one spec step
/// at its Send, so a bad hand-over is named by its Send's index.
/// </summary>
public static class HandlerTraceOracles
{
    /// <summary>
    /// <c>HandlerReentrancy</c>: the first message given to a sequential handler (a receiver with HandlerStart events)
    /// while its run on the previous message has not ended (no HandlerEnd for it yet).
    /// </summary>
    public static int? FirstOverlappingHandlerRun(IReadOnlyList<string> trace)
    {
        var events = trace.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var handlers = events.Where(e => Kind(e) == "HandlerStart").Select(Proc).ToHashSet();
        var owns = new HashSet<string>();
        for (int i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var proc = Proc(e);
            if (!handlers.Contains(proc)) continue;
            switch (Kind(e))
            {
                case "Receive" or "Deliver" when !owns.Add(proc):
                    return Kind(e) == "Deliver" && i > 0 && Kind(events[i - 1]) == "Send" ? i : i + 1;
                case "HandlerEnd":
                    owns.Remove(proc);
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// <c>IfInsteadOfWhile</c>: the first step of a receiver whose receive blocked and was neither handed a message
    /// nor aborted since — it can only have returned from that receive empty-handed.
    /// </summary>
    public static int? FirstStepWhileBlocked(IReadOnlyList<string> trace)
    {
        var blocked = new HashSet<string>();
        for (int i = 0; i < trace.Count; i++)
        {
            var e = JsonDocument.Parse(trace[i]).RootElement;
            var proc = Proc(e);
            switch (Kind(e))
            {
                case "ReceiveBlocked" when !blocked.Add(proc):
                    return i + 1;
                case "ReceiveBlocked":
                    break;
                case "Deliver" or "Abort":
                    blocked.Remove(proc);
                    break;
                default:
                    if (blocked.Contains(proc)) return i + 1;
                    break;
            }
        }
        return null;
    }

    private static string Kind(JsonElement e) => e.GetProperty("kind").GetString()!;

    private static string Proc(JsonElement e) => e.GetProperty("proc").GetString()!;
}
