namespace VerifiedIpc.Report.Tests;

public sealed class ChartMappingTests
{
    [Fact]
    public void ParsesEveryExampleMapping()
    {
        foreach (var name in new[] { "Channel", "Monitor", "Mailbox", "ABP", "SlidingWindow", "Lossy" })
        {
            var m = Corpus.Mapping(name);
            Assert.NotEmpty(m.Actions);
        }
        var mailbox = Corpus.Mapping("Mailbox");
        Assert.Equal(["s1", "s2", "s3", "r1", "r2"], mailbox.Lifelines.ToList());
        Assert.Equal(ShapeKind.Set, mailbox.Shapes["posted"].Kind);
        Assert.Equal(new StringValue("nomsg"), mailbox.Channels!.Value.Single(c => c.Variable == "slot").Empty);
        Assert.Equal(["slot"], mailbox.Actions["Fetch"].LosesFrom.ToList());
        Assert.Equal(ActionKind.Hidden, mailbox.Actions["Quiet"].Kind);
        var sw = Corpus.Mapping("SlidingWindow");
        Assert.Equal("Recv", sw.Actions["Next@51"].Label);
        Assert.Empty(Corpus.Mapping("Monitor").Channels!.Value);
        Assert.Null(ChartMapping.Automatic.Channels);
    }

    [Fact]
    public void ActionsAreFoundByLineBeforeName()
    {
        var m = ChartMapping.Parse("""{ "actions": { "Next": { "label": "any" }, "Next@52": { "label": "ack" } } }""");
        var t = Corpus.Trace("63");
        Assert.Equal("any", m.ActionFor(t.Steps[2])!.Label);  // Next at line 51
        Assert.Equal("ack", m.ActionFor(t.Steps[4])!.Label);  // Next at line 52
        Assert.Null(m.ActionFor(t.Steps[0]));                 // Send
    }

    [Fact]
    public void ExpressionsEvaluateOnSteps()
    {
        var t = Corpus.Trace("57");
        var step = t.Steps[0]; // Acquire(c1)
        var before = t.State(step.From);
        var after = t.State(step.To);
        Assert.Equal(new StringValue("c1"), MappingExpr.Parse("$t", "w").Evaluate(before, after, step, null));
        Assert.Equal(new StringValue("c1"), MappingExpr.Parse("changed(pc)", "w").Evaluate(before, after, step, null));
        Assert.Equal(new StringValue("chk"), MappingExpr.Parse("new(pc).c1", "w").Evaluate(before, after, step, null));
        Assert.Equal(new StringValue("consumer one"), MappingExpr.Parse("consumer one", "w").Evaluate(before, after, step, null));
        Assert.Equal(new StringValue("<link>"), MappingExpr.Parse("<link>", "w").Evaluate(before, after, step, null));
        var t55 = Corpus.Trace("55");
        Assert.Equal(new StringValue("sa"), MappingExpr.Parse("added(chan)[1]", "w").Evaluate(t55.State(1), t55.State(2), t55.Steps[0], null));
        Assert.Equal(new IntValue(2), MappingExpr.Parse("removed(chan)[2]", "w").Evaluate(t55.State(3), t55.State(4), t55.Steps[2], null));
        Assert.Equal(new IntValue(1), MappingExpr.Parse("msg[2]", "w").Evaluate(t55.State(1), t55.State(1), null, t55.State(2)["chan"] is ArrayValue a ? a.Items[0] : null));
        Assert.Null(MappingExpr.Parse("$nope", "w").Evaluate(before, after, step, null));
    }

    [Theory]
    [InlineData("{ \"lifeline\": [] }", "$.lifeline")]
    [InlineData("{ \"actions\": { \"A\": { \"kind\": \"teleport\" } } }", "$.actions.A.kind")]
    [InlineData("{ \"actions\": { \"A\": { \"proces\": \"x\" } } }", "$.actions.A.proces")]
    [InlineData("{ \"actions\": { \"A\": { \"process\": \"frob(x)\" } } }", "$.actions.A.process")]
    [InlineData("{ \"actions\": { \"A\": { \"process\": \"$\" } } }", "$.actions.A.process")]
    [InlineData("{ \"actions\": { \"A\": { \"process\": \"new(v\" } } }", "$.actions.A.process")]
    [InlineData("{ \"actions\": { \"A\": { \"receives\": { \"channel\": \"c\" } } } }", "$.actions.A.receives[0]")]
    [InlineData("{ \"actions\": { \"A\": { \"receives\": { \"channel\": \"c\", \"match\": \"msg[1]\" } } } }", "$.actions.A.receives[0]")]
    [InlineData("{ \"channels\": { \"c\": { \"to\": 3 } } }", "$.channels.c.to")]
    [InlineData("{ \"channels\": { \"c\": { \"into\": \"x\" } } }", "$.channels.c.into")]
    [InlineData("{ \"shapes\": { \"v\": \"list\" } }", "$.shapes.v")]
    [InlineData("{ \"modelValues\": [1] }", "$.modelValues[0]")]
    [InlineData("{ \"actions\": [] }", "$.actions")]
    [InlineData("{ nope", "line")]
    public void MalformedMappingsAreTypedErrorsSayingWhere(string json, string where)
    {
        var e = Assert.Throws<MappingFormatException>(() => ChartMapping.Parse(json));
        Assert.StartsWith(where, e.Where);
    }

    [Fact]
    public void AMappingNamingAMissingVariableIsRejectedAtBuild()
    {
        var m = ChartMapping.Parse("""{ "channels": { "queue": {} } }""");
        var e = Assert.Throws<MappingFormatException>(() => ChartBuilder.Build(Corpus.Trace("55"), m));
        Assert.Equal("$.channels.queue", e.Where);
        Assert.Contains("chan", e.Message);
        var r = ChartMapping.Parse("""{ "channels": { "chan": {} }, "actions": { "Send": { "receives": { "channel": "got", "message": "$s" } } } }""");
        Assert.Throws<MappingFormatException>(() => ChartBuilder.Build(Corpus.Trace("55"), r));
    }

    [Fact]
    public void MappingsAreFoundBesideTheirSpecByName()
    {
        var dir = Directory.CreateTempSubdirectory("vipc-mapping-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Channel.chart.json"), """{ "lifelines": ["receiver"] }""");
            File.WriteAllText(Path.Combine(dir, "Broken.chart.json"), """{ "actions": { "A": { "kind": "fly" } } }""");
            Assert.Equal(["receiver"], ChartMapping.FindBeside(Path.Combine(dir, "MCChannel.cfg"))!.Lifelines.ToList());
            Assert.Equal(["receiver"], ChartMapping.FindBeside(Path.Combine(dir, "Channel.tla"))!.Lifelines.ToList());
            Assert.Null(ChartMapping.FindBeside(Path.Combine(dir, "Other.tla")));
            var e = Assert.Throws<MappingFormatException>(() => ChartMapping.FindBeside(Path.Combine(dir, "Broken.tla")));
            Assert.Equal(Path.Combine(dir, "Broken.chart.json") + ": $.actions.A.kind", e.Where);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MappingExamplesInTheDocsParseAndMatchTheTestedOnes()
    {
        var doc = File.ReadAllText(Path.Combine(Corpus.RepoRoot, "docs", "report.md"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(doc, "```json\\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).Where(b => b.Contains("\"actions\"")).ToList();
        Assert.Equal(2, blocks.Count);
        var abp = ChartMapping.Parse(blocks[0]);
        var tested = Corpus.Mapping("ABP");
        Assert.Equal(tested.Actions.Keys.Order(), abp.Actions.Keys.Order());
        Assert.Equal(tested.Channels!.Value.Select(c => c.Variable), abp.Channels!.Value.Select(c => c.Variable));
        var link = ChartMapping.Parse(blocks[1]);
        Assert.Equal(Corpus.Mapping("AckLink").Actions.Keys.Order(), link.Actions.Keys.Order());
        Assert.Equal("receiver", link.Channels!.Value.Single().Route!["data"]);
    }
}
