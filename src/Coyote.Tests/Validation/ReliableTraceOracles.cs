using System.Text.Json;

namespace VerifiedIpc.Coyote.Tests.Validation;

/// <summary>
/// Where the seeded reliable-delivery bugs first show in a trace of a one-way transfer (<c>IDeliveryTracer</c> events:
/// <c>seq</c> numbers data messages from 0, <c>ack</c> is the cumulative "every message below this"). Plain scans
/// written from each bug's description, not from the spec: the 1-based index the validator must name as the first
/// unexplained event.
/// </summary>
public static class ReliableTraceOracles
{
    /// <summary><c>MissingDuplicateCheck</c>: the first Deliver of a message already delivered.</summary>
    public static int? FirstRedelivery(IReadOnlyList<string> trace)
    {
        var delivered = new HashSet<long>();
        for (int i = 0; i < trace.Count; i++)
        {
            var e = Parse(trace[i]);
            if (Kind(e) == "Deliver" && !delivered.Add(e.GetProperty("seq").GetInt64())) return i + 1;
        }
        return null;
    }

    /// <summary><c>AckWrongSequence</c>: the first Ack that claims more messages than its receiver has delivered.</summary>
    public static int? FirstAckBeyondDelivered(IReadOnlyList<string> trace)
    {
        var delivered = new Dictionary<string, long>();
        for (int i = 0; i < trace.Count; i++)
        {
            var e = Parse(trace[i]);
            var proc = e.GetProperty("proc").GetString()!;
            switch (Kind(e))
            {
                case "Deliver":
                    delivered[proc] = delivered.GetValueOrDefault(proc) + 1;
                    break;
                case "Ack" when e.GetProperty("ack").GetInt64() > delivered.GetValueOrDefault(proc):
                    return i + 1;
            }
        }
        return null;
    }

    /// <summary><c>WindowOverrun</c>: the first Send of a message <paramref name="window"/> or more above the
    /// highest acknowledgement its sender has taken in.</summary>
    public static int? FirstSendBeyondWindow(IReadOnlyList<string> trace, int window)
    {
        var acked = new Dictionary<string, long>();
        for (int i = 0; i < trace.Count; i++)
        {
            var e = Parse(trace[i]);
            var proc = e.GetProperty("proc").GetString()!;
            switch (Kind(e))
            {
                case "AckReceived":
                    acked[proc] = Math.Max(acked.GetValueOrDefault(proc), e.GetProperty("ack").GetInt64());
                    break;
                case "Send" when e.GetProperty("seq").GetInt64() >= acked.GetValueOrDefault(proc) + window:
                    return i + 1;
            }
        }
        return null;
    }

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement;

    private static string Kind(JsonElement e) => e.GetProperty("kind").GetString()!;
}
