using VerifiedIpc.Checker.TraceValidation;

namespace VerifiedIpc.Checker.Tests;

/// <summary>Hand-written traces of the reference mailbox (arbitrary receiver) against spec/MailboxTrace.tla.</summary>
public sealed class TraceValidationMailboxTests
{
    private static string Module => Path.Combine(SpecManifest.SpecDir, "MailboxTrace.tla");

    private static string Ev(string proc, int clock, string kind, string role, int count = 0, string? source = null, int? seq = null, string? peer = null)
    {
        var line = $"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"box\",\"role\":\"{role}\"";
        if (source is not null && seq is { } q) line += $",\"msg\":[\"{source}\",{q}]";
        if ((peer ?? source) is { } p) line += $",\"peer\":\"{p}\"";
        if (seq is { } n) line += $",\"seq\":{n}";
        return line + $",\"count\":{count}}}";
    }

    private static TraceValidationResult Validate(params string[] lines) =>
        TraceValidator.Validate(new TraceValidationRequest { TraceModulePath = Module, TraceLines = lines });

    /// <summary>
    /// Two senders with two messages each, two receivers. p12 blocks and p1's first message is handed to it; p2's
    /// first and p1's second are buffered and taken by p11 and p12; p2's second is still in the mailbox when the
    /// last process closes, so it is handed back before that Close.
    /// </summary>
    private static string[] Run() =>
    [
        Ev("p1", 1, "Open", "buffer"),
        Ev("p2", 2, "Open", "buffer"),
        Ev("p11", 3, "Open", "buffer"),
        Ev("p12", 4, "Open", "buffer"),
        Ev("p12", 5, "ReceiveBlocked", "receiver"),
        Ev("p1", 6, "Send", "sender", 0, "p1", 1),
        Ev("p12", 7, "Deliver", "receiver", 0, "p1", 1),
        Ev("p2", 8, "Send", "sender", 1, "p2", 2),
        Ev("p1", 9, "Send", "sender", 2, "p1", 3),
        Ev("p11", 10, "Receive", "receiver", 1, "p2", 2),
        Ev("p12", 11, "Receive", "receiver", 0, "p1", 3),
        Ev("p1", 12, "Close", "buffer"),
        Ev("p2", 13, "Send", "sender", 1, "p2", 4),
        Ev("p2", 14, "Close", "buffer"),
        Ev("p11", 15, "Close", "buffer"),
        Ev("p12", 16, "HandBack", "buffer", 0, seq: 4, peer: "p2"),
        Ev("p12", 17, "Close", "buffer", 1),
    ];

    [Fact]
    public void A_run_with_a_hand_over_buffered_receives_and_a_hand_back_is_accepted()
    {
        var r = Validate(Run());
        Assert.True(r.Accepted, $"{r.FirstUnexplained}\n{string.Join("\n", r.CandidateStates)}");
        Assert.Equal(17, r.EventsMatched);
    }

    /// <summary>
    /// The split take (DirectFaults.SplitTakeCheck): p11 and p12 both choose p2's message 2; p12 removes it and
    /// returns it, then p11 removes whatever is first now (p1's message 3) and returns message 2 again.
    /// </summary>
    [Fact]
    public void A_message_delivered_to_two_receivers_is_rejected_at_the_second_delivery()
    {
        var t = Run()[..11];
        t[9] = Ev("p12", 10, "Receive", "receiver", 1, "p2", 2);
        t[10] = Ev("p11", 11, "Receive", "receiver", 0, "p2", 2);
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(10, r.EventsMatched);
        Assert.Equal(11, r.FirstUnexplained!.Index);
    }

    [Fact]
    public void A_receive_out_of_send_order_is_rejected()
    {
        var t = Run()[..10];
        t[9] = Ev("p11", 10, "Receive", "receiver", 1, "p1", 3);
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(10, r.FirstUnexplained!.Index);
    }

    [Fact]
    public void A_hand_over_to_a_receiver_that_is_not_waiting_is_rejected_at_the_send()
    {
        var t = Run();
        t[4] = Ev("p11", 5, "ReceiveBlocked", "receiver");
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(6, r.FirstUnexplained!.Index);
    }

    [Fact]
    public void A_message_handed_back_twice_or_never_is_rejected()
    {
        var twice = Run().Take(16).Append(Ev("p12", 17, "HandBack", "buffer", 0, seq: 4, peer: "p2")).ToArray();
        var r = Validate(twice);
        Assert.False(r.Accepted);
        Assert.Equal(17, r.FirstUnexplained!.Index);

        var never = Run().Take(15).Append(Ev("p12", 16, "Close", "buffer", 1)).ToArray();
        var s = Validate(never);
        Assert.False(s.Accepted);
        Assert.Equal(16, s.FirstUnexplained!.Index);
    }

    [Fact]
    public void A_sender_closing_before_its_last_message_is_rejected()
    {
        // Senders, receivers and messages per sender come from the trace: p2 sends two, so p1 owes a second one.
        string[] t =
        [
            .. Run()[..8],
            Ev("p11", 9, "Receive", "receiver", 0, "p2", 2),
            Ev("p2", 10, "Send", "sender", 1, "p2", 3),
            Ev("p1", 11, "Close", "buffer"),
        ];
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(10, r.EventsMatched);
        Assert.Equal(11, r.FirstUnexplained!.Index);
    }
}
