using VerifiedIpc.Checker.TraceValidation;

namespace VerifiedIpc.Checker.Tests;

/// <summary>Hand-written traces of the reference rendezvous against spec/RendezvousTrace.tla.</summary>
public sealed class TraceValidationRendezvousTests
{
    private static string Module => Path.Combine(SpecManifest.SpecDir, "RendezvousTrace.tla");

    private static string Ev(string proc, int clock, string kind, string role, int count, int? item = null, string? sender = null) =>
        $"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"rendezvous\",\"role\":\"{role}\"" +
        (item is { } n ? $",\"msg\":[\"{sender ?? proc}\",{n}]" : "") + $",\"count\":{count}}}";

    private static TraceValidationResult Validate(params string[] lines) =>
        TraceValidator.Validate(new TraceValidationRequest { TraceModulePath = Module, TraceLines = lines });

    /// <summary>r1 waits and s1 hands message 1 over; then s1 parks message 2 and r1 takes it over.</summary>
    private static string[] Exchanges() =>
    [
        Ev("r1", 1, "Wait", "receiver", 0),
        Ev("s1", 2, "Broadcast", "buffer", 0),
        Ev("s1", 3, "Send", "sender", 0, 1),
        Ev("r1", 4, "Receive", "receiver", 0, 1, "s1"),
        Ev("r1", 5, "Wake", "receiver", 0),
        Ev("s1", 6, "Wait", "sender", 1),
        Ev("r1", 7, "Broadcast", "buffer", 1),
        Ev("s1", 8, "Send", "sender", 0, 2),
        Ev("r1", 9, "Receive", "receiver", 0, 2, "s1"),
        Ev("s1", 10, "Wake", "sender", 0),
    ];

    [Fact]
    public void Hand_over_and_take_over_are_accepted()
    {
        var r = Validate(Exchanges());
        Assert.True(r.Accepted, $"{r.FirstUnexplained}\n{string.Join("\n", r.CandidateStates)}");
        Assert.Equal(10, r.EventsMatched);
    }

    [Fact]
    public void A_message_received_twice_is_rejected_at_its_second_exchange()
    {
        var t = Exchanges();
        t[7] = Ev("s1", 8, "Send", "sender", 0, 1);
        t[8] = Ev("r1", 9, "Receive", "receiver", 0, 1, "s1");
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(8, r.FirstUnexplained!.Index);
    }

    /// <summary>The send-returns-early bug (spec/mutants/Rendezvous_SendReturnsEarly): s1 returns from its first
    /// send on any wake-up and parks its second message while the first is still parked; two receivers then take
    /// both. The second take-over has no parked message to take in the spec.</summary>
    [Fact]
    public void A_sender_that_returns_before_its_message_is_taken_is_rejected_at_the_second_exchange()
    {
        string[] t =
        [
            Ev("s1", 1, "Wait", "sender", 1),
            Ev("s1", 2, "Wake", "sender", 1),
            Ev("s1", 3, "Wait", "sender", 2),
            Ev("s1", 4, "Send", "sender", 1, 1),
            Ev("r1", 5, "Receive", "receiver", 1, 1, "s1"),
            Ev("s1", 6, "Send", "sender", 0, 2),
            Ev("r2", 7, "Receive", "receiver", 0, 2, "s1"),
        ];
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(5, r.EventsMatched);
        Assert.Equal(6, r.FirstUnexplained!.Index);
    }

    [Fact]
    public void Close_hands_a_parked_message_back_once()
    {
        string[] t =
        [
            Ev("s1", 1, "Wait", "sender", 1, 1),
            Ev("main", 2, "Close", "buffer", 1),
            Ev("s1", 3, "HandBack", "sender", 0, 1),
        ];
        Assert.True(Validate(t).Accepted);
        var twice = t.Append(Ev("s1", 4, "HandBack", "sender", 0, 1)).ToArray();
        var r = Validate(twice);
        Assert.False(r.Accepted);
        Assert.Equal(4, r.FirstUnexplained!.Index);
    }

    [Fact]
    public void A_receive_after_close_is_rejected()
    {
        string[] t =
        [
            Ev("main", 1, "Close", "buffer", 0),
            Ev("r1", 2, "Wait", "receiver", 0),
        ];
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(2, r.FirstUnexplained!.Index);
    }

    private static TraceValidationResult ValidateComplete(params string[] lines) =>
        TraceValidator.Validate(new TraceValidationRequest { TraceModulePath = Module, TraceLines = lines, CompletionPredicate = "TraceComplete" });

    /// <summary>r1 blocks, s1 parks message 1, then the channel closes: Close must release both.</summary>
    private static string[] CloseWithBothBlocked() =>
    [
        Ev("r1", 1, "Wait", "receiver", 0),
        Ev("s0", 2, "Send", "sender", 0, 1),
        Ev("r1", 3, "Receive", "receiver", 0, 1, "s0"),
        Ev("r2", 4, "Wait", "receiver", 0),
        Ev("main", 5, "Close", "buffer", 0),
    ];

    [Fact]
    public void A_complete_run_must_show_every_receiver_Close_released_return()
    {
        var released = CloseWithBothBlocked().Append(Ev("r2", 6, "Wake", "receiver", 0)).Append(Ev("r2", 7, "Closed", "receiver", 0)).ToArray();
        var ok = ValidateComplete(released);
        Assert.True(ok.Accepted, string.Join("\n", ok.CandidateStates));
        Assert.Equal("TraceComplete", ok.CompletionPredicate);

        // The lost wake-up: Close is logged, r2 never returns. Every event is explained, so as a prefix it passes...
        var lost = CloseWithBothBlocked();
        Assert.True(Validate(lost).Accepted);
        // ...but as the trace of a run that ended, the spec owes r2's return.
        var r = ValidateComplete(lost);
        Assert.False(r.Accepted);
        Assert.True(r.IncompleteEnd);
        Assert.Null(r.FirstUnexplained);
        Assert.Equal(5, r.EventsMatched);
        Assert.Contains(r.CandidateStates, c => c.Contains("released = {\"r2\"}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_complete_run_must_show_the_hand_back_of_a_message_parked_at_close()
    {
        string[] parked =
        [
            Ev("s1", 1, "Wait", "sender", 1, 1),
            Ev("main", 2, "Close", "buffer", 0),
        ];
        Assert.True(ValidateComplete([.. parked, Ev("s1", 3, "Wake", "sender", 0), Ev("s1", 4, "HandBack", "sender", 0, 1)]).Accepted);
        var r = ValidateComplete(parked);
        Assert.False(r.Accepted);
        Assert.True(r.IncompleteEnd);
    }

    [Fact]
    public void A_Closed_return_while_the_channel_is_open_is_rejected()
    {
        string[] t = [Ev("r1", 1, "Wait", "receiver", 0), Ev("r1", 2, "Closed", "receiver", 0)];
        var r = Validate(t);
        Assert.False(r.Accepted);
        Assert.Equal(2, r.FirstUnexplained!.Index);
    }

    [Fact]
    public void A_completion_predicate_the_module_does_not_define_is_a_typed_error()
    {
        var e = Assert.Throws<TraceModuleException>(() => TraceValidator.Validate(new TraceValidationRequest
        {
            TraceModulePath = Module, TraceLines = CloseWithBothBlocked(), CompletionPredicate = "NoSuchPredicate",
        }));
        Assert.Contains("NoSuchPredicate", e.Message, StringComparison.Ordinal);
    }
}
