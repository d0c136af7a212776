using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference.Links;

namespace VerifiedIpc.Reference.Tests.Links;

/// <summary>
/// The in-process faulty link at its edges: argument checks, a schedule that breaks its contract, one handler per
/// end, datagrams to an end nobody listens on, and closing with datagrams in flight. Written
/// from the mutants Stryker left alive in <c>FaultyLink.cs</c> (docs/mutation.md, run 12).
/// </summary>
public sealed class FaultyLinkMutationTests
{
    private static readonly ProcessId P = new(1);
    private static readonly ProcessId Q = new(2);
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private static IFaultSchedule Script(params FaultDecision[] aToB) => new ScriptedFaultSchedule(aToB, []);

    private sealed class NegativeDelay : IFaultSchedule
    {
        public FaultDecision Decide(LinkDirection direction, long index) => new(FaultAction.Deliver, Ms(-1), TimeSpan.Zero);
    }

    [Fact]
    public void Bad_arguments_are_refused_by_name()
    {
        var time = new FakeTimeProvider();
        var s = Script();
        Assert.Equal("schedule", Assert.Throws<ArgumentNullException>(() => new FaultyLink(null!, time, P, Q)).ParamName);
        Assert.Equal("timeProvider", Assert.Throws<ArgumentNullException>(() => new FaultyLink(s, null!, P, Q)).ParamName);
        Assert.Equal("maxDatagramSize", Assert.Throws<ArgumentOutOfRangeException>(() => new FaultyLink(s, time, P, Q, maxDatagramSize: 0)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => new FaultyLink(s, time, P, P)).ParamName);
        using var smallest = new FaultyLink(s, time, P, Q, maxDatagramSize: 1);
        smallest.A.Send([1]);
        Assert.Throws<MessageTooLargeException>(() => smallest.A.Send([1, 2]));
    }

    [Fact]
    public void A_schedule_that_gives_a_negative_delay_is_an_error_naming_the_datagram()
    {
        using var link = new FaultyLink(new NegativeDelay(), new FakeTimeProvider(), P, Q);
        var e = Assert.Throws<InvalidOperationException>(() => link.A.Send([1]));
        Assert.Contains("datagram 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_end_takes_one_handler_and_a_datagram_to_an_end_without_one_is_lost()
    {
        var time = new FakeTimeProvider();
        using var link = new FaultyLink(Script(FaultDecision.Deliver(Ms(1)), FaultDecision.Deliver(Ms(1))), time, P, Q);
        Assert.Throws<ArgumentNullException>(() => link.B.Attach(null!));
        link.A.Send([1]);
        time.Advance(Ms(1)); // B has no handler yet: lost, like a datagram to an unbound port
        var got = new List<byte>();
        link.B.Attach(d => got.Add(d.Span[0]));
        Assert.Throws<InvalidOperationException>(() => link.B.Attach(_ => { }));
        link.A.Send([2]);
        time.Advance(Ms(1));
        Assert.Equal([2], got);
        Assert.Equal($"{P}→{Q}", link.A.ToString());
    }

    [Fact]
    public void Closing_loses_what_is_in_flight_and_refuses_later_sends_with_the_datagram()
    {
        var time = new FakeTimeProvider();
        var link = new FaultyLink(Script(FaultDecision.Deliver(Ms(5))), time, P, Q);
        var got = new List<byte>();
        link.B.Attach(d => got.Add(d.Span[0]));
        link.A.Send([1]);
        link.B.Dispose(); // either end closes the whole link
        time.Advance(Ms(10));
        Assert.Empty(got);
        var e = Assert.Throws<EndpointClosedException>(() => link.A.Send([3]));
        Assert.True(e.HasUndelivered);
        Assert.Equal(new byte[] { 3 }, (byte[])e.Undelivered!);
        link.Dispose(); // idempotent
    }
}
