using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference.Links;

namespace VerifiedIpc.Reference.Tests.Links;

/// <summary>
/// <see cref="FaultInjectingLink"/> over a recording inner link, with scripted fates and fake time: which copies reach
/// the real link and when, what the statistics count, and what disposal does to datagrams held back. Written from the
/// mutants Stryker left alive in this file (docs/mutation.md, run 12).
/// </summary>
public sealed class FaultInjectingLinkMutationTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    /// <summary>A link that records what is sent through it.</summary>
    private sealed class RecordingLink : IDatagramLink
    {
        public List<byte[]> Sent { get; } = [];
        public Action<ReadOnlyMemory<byte>>? Attached { get; private set; }
        public bool Disposed { get; private set; }
        public bool ThrowClosed { get; set; }
        public ProcessId Local => new(1);
        public ProcessId Remote => new(2);
        public int MaxDatagramSize => 8;

        public void Send(ReadOnlySpan<byte> datagram)
        {
            if (ThrowClosed) throw new EndpointClosedException("inner");
            Sent.Add(datagram.ToArray());
        }

        public void Attach(Action<ReadOnlyMemory<byte>> onDatagram) => Attached = onDatagram;

        public void Dispose() => Disposed = true;
    }

    private static (FaultInjectingLink Link, RecordingLink Inner, FakeTimeProvider Time) Make(
        IEnumerable<FaultDecision> aToB, LinkDirection direction = LinkDirection.AToB, IEnumerable<FaultDecision>? bToA = null)
    {
        var inner = new RecordingLink();
        var time = new FakeTimeProvider();
        var schedule = new ScriptedFaultSchedule(aToB, bToA ?? [], new SeededFaultSchedule(1, FaultRates.None));
        return (new FaultInjectingLink(inner, schedule, direction, time), inner, time);
    }

    [Fact]
    public void Null_arguments_are_rejected_by_name()
    {
        var schedule = new SeededFaultSchedule(1, FaultRates.None);
        Assert.Equal("inner", Assert.Throws<ArgumentNullException>(() => new FaultInjectingLink(null!, schedule, LinkDirection.AToB)).ParamName);
        Assert.Equal("schedule", Assert.Throws<ArgumentNullException>(() => new FaultInjectingLink(new RecordingLink(), null!, LinkDirection.AToB)).ParamName);
    }

    [Fact]
    public void Identity_size_and_attach_are_the_inner_links()
    {
        var (link, inner, _) = Make([]);
        Assert.Equal(new ProcessId(1), link.Local);
        Assert.Equal(new ProcessId(2), link.Remote);
        Assert.Equal(8, link.MaxDatagramSize);
        Action<ReadOnlyMemory<byte>> handler = _ => { };
        link.Attach(handler);
        Assert.Same(handler, inner.Attached);
    }

    [Fact]
    public void A_datagram_over_the_size_limit_is_refused_before_the_schedule_sees_it()
    {
        var (link, inner, _) = Make([FaultDecision.Deliver(TimeSpan.Zero)]);
        var e = Assert.Throws<MessageTooLargeException>(() => link.Send(new byte[9]));
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
        link.Send(new byte[8]); // exactly the limit passes, and takes the schedule's first decision
        Assert.Single(inner.Sent);
        Assert.Equal(new LinkStatistics(1, 0, 0, 1), link.Statistics);
    }

    [Fact]
    public void Each_fate_is_counted_and_applied_in_order()
    {
        var (link, inner, time) = Make([
            FaultDecision.Deliver(TimeSpan.Zero),
            FaultDecision.Drop(),
            FaultDecision.Duplicate(TimeSpan.Zero, Ms(5)),
            FaultDecision.Deliver(Ms(2)),
        ]);
        for (byte i = 1; i <= 4; i++) link.Send([i]);
        // Immediate: 1 and the first copy of 3; 2 is dropped; 4 and 3's second copy are held back.
        Assert.Equal(new byte[][] { [1], [3] }, inner.Sent);
        Assert.Equal(new LinkStatistics(4, 1, 1, 2), link.Statistics);

        time.Advance(Ms(2));
        Assert.Equal(new byte[][] { [1], [3], [4] }, inner.Sent);
        time.Advance(Ms(3));
        Assert.Equal(new byte[][] { [1], [3], [4], [3] }, inner.Sent);
        Assert.Equal(new LinkStatistics(4, 1, 1, 4), link.Statistics);
    }

    [Fact]
    public void A_delayed_datagram_is_a_copy_taken_at_send_time()
    {
        var (link, inner, time) = Make([FaultDecision.Deliver(Ms(1))]);
        var buffer = new byte[] { 7 };
        link.Send(buffer);
        buffer[0] = 9; // the caller reuses its buffer at once
        Assert.Empty(inner.Sent);
        time.Advance(Ms(1));
        Assert.Equal(new byte[][] { [7] }, inner.Sent);
    }

    [Fact]
    public void The_end_uses_its_own_direction_of_the_schedule()
    {
        var (link, inner, _) = Make([FaultDecision.Drop()], LinkDirection.BToA, bToA: [FaultDecision.Deliver(TimeSpan.Zero)]);
        link.Send([1]);
        Assert.Single(inner.Sent);
    }

    [Fact]
    public void Disposal_loses_what_is_held_back_disposes_the_inner_link_and_refuses_later_sends_with_the_datagram()
    {
        var (link, inner, time) = Make([FaultDecision.Deliver(Ms(5)), FaultDecision.Deliver(TimeSpan.Zero)]);
        link.Send([1]);
        link.Dispose();
        Assert.True(inner.Disposed);
        time.Advance(Ms(10));
        Assert.Empty(inner.Sent); // held back when the link closed: lost, as in flight
        Assert.Equal(0, link.Statistics.Delivered);

        var e = Assert.Throws<EndpointClosedException>(() => link.Send([2]));
        Assert.True(e.HasUndelivered);
        Assert.Equal(new byte[] { 2 }, (byte[])e.Undelivered!);
        Assert.Equal(1, link.Statistics.Sent); // a refused send is not counted

        link.Dispose(); // a second Dispose is harmless
    }

    [Fact]
    public void A_held_back_datagram_whose_inner_link_closed_meanwhile_is_lost_quietly()
    {
        var (link, inner, time) = Make([FaultDecision.Deliver(Ms(1)), FaultDecision.Deliver(Ms(1))]);
        link.Send([1]);
        inner.ThrowClosed = true;
        time.Advance(Ms(1)); // the timer's send throws EndpointClosedException inside the timer: swallowed
        Assert.Empty(inner.Sent);
        inner.ThrowClosed = false;
        link.Send([2]);
        time.Advance(Ms(1));
        Assert.Equal(new byte[][] { [2] }, inner.Sent); // the link still works: the first timer left nothing behind
    }
}
