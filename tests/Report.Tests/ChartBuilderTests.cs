namespace VerifiedIpc.Report.Tests;

public sealed class ChartBuilderTests
{
    // An oracle independent of the builder's alignment: elements a step adds to a collection, counted as multisets.
    private static int MultisetAdded(TraceValue? before, TraceValue? after)
    {
        if (before is not ArrayValue a || after is not ArrayValue b) return 0;
        var counts = a.Items.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        var added = 0;
        foreach (var g in b.Items.GroupBy(x => x))
            added += Math.Max(0, g.Count() - counts.GetValueOrDefault(g.Key));
        return added;
    }

    [Fact]
    public void AutomaticChartOfEveryCorpusTraceHasOneArrowPerMessageSent()
    {
        var checkedWithMessages = 0;
        foreach (var c in Corpus.AllTraceCases())
        {
            var trace = Corpus.Trace(c);
            var chart = ChartBuilder.Build(trace);
            var initial = chart.Channels.Sum(ch => trace.States[0][ch] is ArrayValue a ? a.Items.Length : 0);
            var sent = trace.Steps.Sum(s => chart.Channels.Sum(ch => MultisetAdded(trace.State(s.From)[ch], trace.State(s.To)[ch])));
            Assert.True(initial + sent == chart.Messages.Length, $"case {c}: {initial} initial + {sent} sent, chart has {chart.Messages.Length} messages");
            var svg = Corpus.Svg(chart);
            Assert.Equal(chart.Messages.Length, svg.WithClass("msg").Count());
            Assert.Equal(chart.Events.Length, svg.WithClass("event").Count());
            Assert.Equal(chart.Lifelines.Length, svg.WithClass("lifeline").Count());
            if (trace.Steps.Length > 0) Assert.NotEmpty(chart.Lifelines);
            if (chart.Messages.Length > 0) checkedWithMessages++;
        }
        Assert.True(checkedWithMessages >= 5, $"only {checkedWithMessages} corpus traces produced messages; the channel rule found too little");
    }

    [Fact]
    public void AutomaticChannelRuleFindsQueuesButNotOutputs()
    {
        Assert.Equal(["chan"], ChartBuilder.DetectChannels(Corpus.Trace("55")).Select(c => c.Variable));
        Assert.Equal(["ackC", "msgC"], ChartBuilder.DetectChannels(Corpus.Trace("61")).Select(c => c.Variable).Order());
        Assert.Equal(["acks", "net"], ChartBuilder.DetectChannels(Corpus.Trace("63")).Select(c => c.Variable).Order());
        Assert.Empty(ChartBuilder.DetectChannels(Corpus.Trace("30")));
        Assert.Empty(ChartBuilder.DetectChannels(Corpus.Trace("38"))); // pc = <<"idle", "wait">> changes in place
        Assert.Equal(["mailbox"], ChartBuilder.DetectChannels(Corpus.Trace("59")).Select(c => c.Variable)); // not posted/processed, which only grow
        var philo = ChartBuilder.Build(Corpus.Trace("40"));
        Assert.Equal(["p = 0", "p = 1", "p = 2"], philo.Lifelines.ToList());
    }

    [Fact]
    public void OutOfOrderReceiveIsDrawnAsInFlightPlusDelivered()
    {
        var chart = ChartBuilder.Build(Corpus.Trace("55"), Corpus.Mapping("Channel"));
        Assert.Equal(["sa", "sb", "receiver"], chart.Lifelines.ToList());
        Assert.Equal(2, chart.Messages.Length);
        var first = chart.Messages[0];
        Assert.Equal(("sa", 1, MessageFate.InFlight, "receiver"), (first.From, first.SendStep, first.Fate, first.To));
        Assert.Equal("<<sa, 1>>", first.Label);
        var second = chart.Messages[1];
        Assert.Equal(("sa", 2, MessageFate.Delivered, "receiver", 3), (second.From, second.SendStep, second.Fate, second.To, second.EndStep));
        Assert.Equal(["RecvAny (not head!)"], chart.Events.Where(e => e.Lifeline == "receiver").Select(e => e.Label));
    }

    [Fact]
    public void RetransmissionIsADuplicateAndAcksFlowBack()
    {
        var chart = ChartBuilder.Build(Corpus.Trace("61"), Corpus.Mapping("ABP"));
        var msgs = chart.Messages.Where(m => m.Channel == "msgC").ToList();
        Assert.Equal(2, msgs.Count);
        Assert.Equal((1, 3, false), (msgs[0].SendStep, msgs[0].EndStep!.Value, msgs[0].IsDuplicate));
        Assert.Equal((2, 4, true), (msgs[1].SendStep, msgs[1].EndStep!.Value, msgs[1].IsDuplicate));
        var acks = chart.Messages.Where(m => m.Channel == "ackC").ToList();
        Assert.All(acks, a => Assert.Equal(("receiver", "sender", MessageFate.InFlight), (a.From, a.To, a.Fate)));
        Assert.Equal([false, true], acks.Select(a => a.IsDuplicate));
    }

    [Fact]
    public void OverwrittenSlotIsALostMessage()
    {
        var trace = Corpus.Trace("59");
        var chart = ChartBuilder.Build(trace, Corpus.Mapping("Mailbox"));
        var lost = Assert.Single(chart.Messages, m => m.Fate == MessageFate.Lost);
        Assert.Equal(("slot", new StringValue("s1"), "r2", "r2"), (lost.Channel, lost.Value, lost.From, lost.To));
        Assert.Equal("Fetch", trace.Steps[lost.EndStep!.Value - 1].ActionName);
        Assert.Equal(trace.Steps.Length - 1, chart.Events.Length); // the final stuttering step (Quiet) is not an event
        Assert.Equal(TraceKind.Stuttering, chart.Kind);
        // Every posted message went into the mailbox from its own sender.
        Assert.Equal(["s1", "s2", "s3"], chart.Messages.Where(m => m.Channel == "mailbox").Select(m => m.From));
    }

    [Fact]
    public void StaleDuplicateDeliveredAgainIsASecondDoubledArrow()
    {
        var chart = ChartBuilder.Build(Corpus.Trace("63"), Corpus.Mapping("SlidingWindow"));
        var zero = chart.Messages.Where(m => m.Channel == "net" && m.Label == "<<0, 0>>").ToList();
        Assert.Equal(2, zero.Count);
        Assert.Equal((1, 3, false), (zero[0].SendStep, zero[0].EndStep!.Value, zero[0].IsDuplicate));
        Assert.Equal((1, 8, true), (zero[1].SendStep, zero[1].EndStep!.Value, zero[1].IsDuplicate));
        Assert.Equal(3, chart.Messages.Count(m => m.Channel == "net" && !m.IsDuplicate));
        Assert.Equal(4, chart.Messages.Count(m => m.Channel == "acks"));
        var ack = Assert.Single(chart.Messages, m => m.Channel == "acks" && m.Fate == MessageFate.Delivered);
        Assert.Equal(("receiver", "sender", 5), (ack.From, ack.To, ack.EndStep!.Value));
    }

    [Fact]
    public void LossAndLinkDuplicationAreMarked()
    {
        var chart = ChartBuilder.Build(Corpus.Local("lossy-link.json"), Corpus.Mapping("Lossy"));
        Assert.Equal(3, chart.Messages.Length);
        var (m1, m2, copy) = (chart.Messages[0], chart.Messages[1], chart.Messages[2]);
        Assert.Equal((MessageFate.Lost, 3, "receiver"), (m1.Fate, m1.EndStep!.Value, m1.To));
        Assert.Equal((MessageFate.Delivered, 5, false), (m2.Fate, m2.EndStep!.Value, m2.IsDuplicate));
        Assert.Equal(("sender", 4, 6, true), (copy.From, copy.SendStep, copy.EndStep!.Value, copy.IsDuplicate));
        Assert.Equal([EventKind.Loss, EventKind.Duplication], chart.Events.Where(e => e.Lifeline is null).Select(e => e.Kind));
    }

    [Fact]
    public void AutomaticFallbackRecognisesLossAndDuplicationByName()
    {
        var chart = ChartBuilder.Build(Corpus.Local("lossy-link.json"));
        Assert.Equal(["Send", "Recv"], chart.Lifelines.ToList());
        Assert.Equal([MessageFate.Lost, MessageFate.Delivered, MessageFate.Delivered], chart.Messages.Select(m => m.Fate));
        Assert.True(chart.Messages[2].IsDuplicate);
    }

    [Fact]
    public void ProcessesComeFromParametersAndInternalStepsStayOnTheirLifeline()
    {
        var trace = Corpus.Trace("57");
        var chart = ChartBuilder.Build(trace, Corpus.Mapping("Monitor"));
        Assert.Equal(["p1", "c1", "c2"], chart.Lifelines.ToList());
        Assert.Empty(chart.Messages);
        Assert.Equal(trace.Steps.Length, chart.Events.Length);
        Assert.Equal(trace.Steps.Select(s => ((StringValue)s.Parameter("t")!).Value), chart.Events.Select(e => e.Lifeline!));
        Assert.All(chart.Events, e => Assert.Equal((0, 0), (e.Sent, e.Received)));
    }

    [Fact]
    public void LassoKeepsItsLoopBack()
    {
        var chart = ChartBuilder.Build(Corpus.Trace("33"));
        Assert.Equal((TraceKind.Lasso, 3, 4), (chart.Kind, chart.LoopBackTo!.Value, chart.Rows));
        var loop = Assert.Single(Corpus.Svg(chart).WithClass("loopback"));
        Assert.Equal("3", loop.Attribute("data-back-to")!.Value);
        Assert.Empty(Corpus.Svg(ChartBuilder.Build(Corpus.Trace("55"))).WithClass("loopback"));
    }

    [Fact]
    public void BagLinkKeyedByTuplesCarriesBothDirections()
    {
        var trace = Corpus.Local("ack-link-bag.json");
        var chart = ChartBuilder.Build(trace, Corpus.Mapping("AckLink"));
        var f = Corpus.Mapping("AckLink").CreateFormatter();
        Assert.Equal(["<<\"data\", 1>>", "<<\"data\", 1>>", "<<\"ack\", 1>>", "<<\"ack\", 1>>"], chart.Messages.Select(m => m.Label).ToList());
        var (orig, retransmit, ack, ackCopy) = (chart.Messages[0], chart.Messages[1], chart.Messages[2], chart.Messages[3]);
        Assert.Equal(("sender", MessageFate.Lost, 3, "receiver"), (orig.From, orig.Fate, orig.EndStep!.Value, orig.To));
        Assert.Equal(("sender", true, MessageFate.Delivered, 4, "receiver"), (retransmit.From, retransmit.IsDuplicate, retransmit.Fate, retransmit.EndStep!.Value, retransmit.To));
        Assert.Equal(("receiver", MessageFate.Delivered, 6, "sender"), (ack.From, ack.Fate, ack.EndStep!.Value, ack.To));
        Assert.Equal(("receiver", true, 5, MessageFate.InFlight, "sender"), (ackCopy.From, ackCopy.IsDuplicate, ackCopy.SendStep, ackCopy.Fate, ackCopy.To));
        Assert.Equal("(<<\"ack\", 1>> :> 0 @@ <<\"data\", 1>> :> 1)", f.FormatVariable("link", trace.State(2)["link"]!));
        Assert.Equal("Lose(<<\"data\", 1>>)", ChartBuilder.Label(trace.Steps[2], f, false));
    }

    [Fact]
    public void SlotArraysAreComparedSlotBySlot()
    {
        // A ring buffer of capacity 2 whose function has domain 1..2, so TLC writes it as an array.
        var json = """
            {"state": [[1, {"slots": [["none", 0], ["none", 0]]}], [2, {"slots": [["p1", 1], ["none", 0]]}],
                       [3, {"slots": [["p1", 1], ["p1", 2]]}], [4, {"slots": [["none", 0], ["p1", 2]]}]],
             "action": [[[1, {"slots": [["none", 0], ["none", 0]]}], {"name": "Put", "context": {"p": "p1"}, "parameters": ["p"]}, [2, {"slots": [["p1", 1], ["none", 0]]}]],
                        [[2, {"slots": [["p1", 1], ["none", 0]]}], {"name": "Put", "context": {"p": "p1"}, "parameters": ["p"]}, [3, {"slots": [["p1", 1], ["p1", 2]]}]],
                        [[3, {"slots": [["p1", 1], ["p1", 2]]}], {"name": "Take", "context": {"c": "c1"}, "parameters": ["c"]}, [4, {"slots": [["none", 0], ["p1", 2]]}]]]}
            """;
        var mapping = ChartMapping.Parse("""{ "channels": { "slots": { "empty": ["none", 0], "to": "c1" } } }""");
        var chart = ChartBuilder.Build(TraceJson.Parse(json), mapping);
        Assert.Equal(2, chart.Messages.Length);
        Assert.Equal(("p1", MessageFate.Delivered, "c1", 3), (chart.Messages[0].From, chart.Messages[0].Fate, chart.Messages[0].To, chart.Messages[0].EndStep!.Value));
        Assert.Equal((2, MessageFate.InFlight), (chart.Messages[1].SendStep, chart.Messages[1].Fate));
        Assert.Equal(["p1", "c1"], chart.Lifelines.ToList());
    }
}
