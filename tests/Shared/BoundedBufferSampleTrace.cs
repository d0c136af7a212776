namespace VerifiedIpc.Tests.Shared;

/// <summary>
/// A hand-written NDJSON trace of the reference bounded buffer (capacity 1), in the format of docs/tracing.md: c1
/// waits on the empty buffer, p1 sends twice, blocking once on the full buffer. Compiled into the checker's and the
/// CLI's test projects, which validate it through the API and through <c>vipc validate</c>.
/// </summary>
internal static class BoundedBufferSampleTrace
{
    /// <summary>One event line.</summary>
    public static string Ev(string proc, int clock, string kind, string role, int count, int? item = null, string? producer = null) =>
        $"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"buffer\",\"role\":\"{role}\"" +
        (item is { } n ? $",\"msg\":[\"{producer ?? proc}\",{n}]" : "") + $",\"count\":{count}}}";

    /// <summary>The correct trace: ten events the spec allows.</summary>
    public static string[] Correct() =>
    [
        Ev("c1", 1, "Wait", "receiver", 0),
        Ev("p1", 2, "Broadcast", "buffer", 0),
        Ev("p1", 3, "Send", "sender", 1, 1),
        Ev("p1", 4, "Wait", "sender", 1),
        Ev("c1", 5, "Wake", "receiver", 1),
        Ev("c1", 6, "Broadcast", "buffer", 1),
        Ev("c1", 7, "Receive", "receiver", 0, 1, "p1"),
        Ev("p1", 8, "Wake", "sender", 0),
        Ev("p1", 9, "Send", "sender", 1, 2),
        Ev("c1", 10, "Receive", "receiver", 0, 2, "p1"),
    ];
}
