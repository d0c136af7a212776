using VerifiedIpc.Checker.TraceValidation;

namespace VerifiedIpc.Checker.Tests;

/// <summary>Hand-written traces of the reference bounded buffer against spec/BoundedBufferTrace.tla.</summary>
public sealed class TraceValidationBoundedBufferTests
{
    internal static string Module => Path.Combine(SpecManifest.SpecDir, "BoundedBufferTrace.tla");

    internal static string Ev(string proc, int clock, string kind, string role, int count, int? item = null, string? producer = null) =>
        $"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"buffer\",\"role\":\"{role}\"" +
        (item is { } n ? $",\"msg\":[\"{producer ?? proc}\",{n}]" : "") + $",\"count\":{count}}}";

    /// <summary>Capacity 1; c1 waits on the empty buffer, p1 sends twice, blocking once on the full buffer.</summary>
    internal static string[] CorrectTrace() =>
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

    private static TraceValidationResult Validate(IReadOnlyList<string> lines, IReadOnlyDictionary<string, string>? env = null) =>
        TraceValidator.Validate(new TraceValidationRequest { TraceModulePath = Module, TraceLines = lines, Environment = env });

    [Fact]
    public void A_correct_trace_is_accepted()
    {
        var r = Validate(CorrectTrace());
        Assert.True(r.Accepted, string.Join("\n", r.CandidateStates));
        Assert.Equal(10, r.EventsMatched);
        Assert.Equal(10, r.TotalEvents);
        Assert.Null(r.FirstUnexplained);
    }

    [Fact]
    public void Messages_received_out_of_order_are_rejected_at_the_first_wrong_receive()
    {
        var t = CorrectTrace();
        // The consumer claims p1's second item while the first is still the oldest.
        t[6] = Ev("c1", 7, "Receive", "receiver", 0, 2, "p1");
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(6, r.EventsMatched);
        Assert.Equal(7, r.FirstUnexplained!.Index);
        Assert.Equal(7, r.FirstUnexplained.LineNumber);
        Assert.Equal(t[6], r.FirstUnexplained.Line);
        Assert.NotEmpty(r.CandidateStates);
        Assert.Contains("slots = ", r.CandidateStates[0]);
    }
}
