namespace VerifiedIpc.Report.Tests;

public sealed class TraceJsonTests
{
    [Fact]
    public void EveryCorpusTraceParses()
    {
        var cases = Corpus.AllTraceCases().ToList();
        Assert.True(cases.Count >= 20, $"expected the corpus's ~24 traces, found {cases.Count}");
        foreach (var c in cases)
        {
            var t = Corpus.Trace(c);
            var e = Corpus.Expected(c);
            Assert.Equal(e.GetProperty("trace_length").GetInt32(), t.States.Length);
            var kind = e.GetProperty("trace_kind").GetString();
            Assert.Equal(kind, t.Kind.ToString().ToLowerInvariant());
            if (t.Kind == TraceKind.Lasso && e.GetProperty("trace_deterministic").ValueKind != System.Text.Json.JsonValueKind.False)
                Assert.Equal(e.GetProperty("lasso_loop_back_to").GetInt32(), t.LoopBackTo);
        }
    }

    [Fact]
    public void ChannelTraceHasStatesStepsAndParameters()
    {
        var t = Corpus.Trace("55");
        Assert.Equal(["sent", "got", "chan"], t.Variables.ToList());
        Assert.Equal(4, t.States.Length);
        Assert.Equal(3, t.Steps.Length);
        Assert.Equal(TraceKind.Finite, t.Kind);
        Assert.Equal("Send", t.Steps[0].ActionName);
        Assert.Equal(new StringValue("sa"), t.Steps[0].Parameter("s"));
        Assert.Equal(27, t.Steps[0].Location!.BeginLine);
        Assert.Equal("RecvAny", t.Steps[2].ActionName);
        Assert.Empty(t.Steps[2].Parameters);
        Assert.Equal(new IntValue(2), ((ObjectValue)t.State(3)["sent"]!)["sa"]);
    }

    [Fact]
    public void LassoAndStutteringAreRecognised()
    {
        var lasso = Corpus.Trace("33");
        Assert.Equal(TraceKind.Lasso, lasso.Kind);
        Assert.Equal(3, lasso.LoopBackTo);
        var stutter = Corpus.Trace("31");
        Assert.Equal(TraceKind.Stuttering, stutter.Kind);
        Assert.Null(stutter.LoopBackTo);
        var finite = Corpus.Trace("28");
        Assert.Single(finite.States);
        Assert.Empty(finite.Steps);
    }

    [Theory]
    [InlineData("{\"state\": [[1, {\"x\": 1}]", "line")]
    [InlineData("[1, 2]", "$")]
    [InlineData("{\"action\": []}", "$.state")]
    [InlineData("{\"state\": []}", "$.state")]
    [InlineData("{\"state\": [[2, {\"x\": 1}]]}", "$.state[0]")]
    [InlineData("{\"state\": [[1, {\"x\": 1}], [2, {\"y\": 1}]]}", "$.state[1]")]
    [InlineData("{\"state\": [[1, {\"x\": 1.5}]]}", "$.state[0][1].x")]
    [InlineData("{\"state\": [[1, {\"x\": null}]]}", "$.state[0][1].x")]
    [InlineData("{\"state\": [[1, {\"x\": 1}], [2, {\"x\": 2}]], \"action\": [[[1, {\"x\": 1}], {\"location\": {}}, [2, {\"x\": 2}]]]}", "$.action[0][1].name")]
    [InlineData("{\"state\": [[1, {\"x\": 1}], [2, {\"x\": 2}], [3, {\"x\": 3}]], \"action\": [[[1, {\"x\": 1}], {\"name\": \"A\"}, [3, {\"x\": 3}]], [[2, {\"x\": 2}], {\"name\": \"A\"}, [3, {\"x\": 3}]]]}", "$.action[0][2]")]
    [InlineData("{\"state\": [[1, {\"x\": 1}], [2, {\"x\": 2}]], \"action\": [[[2, {\"x\": 2}], {\"name\": \"A\"}, [1, {\"x\": 1}]]]}", "$.action[0][0]")]
    [InlineData("{\"state\": [[1, {\"x\": 1}], [2, {\"x\": 2}]], \"action\": [[[1, {\"x\": 1}], {\"name\": \"A\"}, [2, {\"x\": 2}]], [[2, {\"x\": 2}], {\"name\": \"A\"}, [1, {\"x\": 1}]], [[3, {\"x\": 2}], {\"name\": \"A\"}, [1, {\"x\": 1}]]]}", "$.action[1]")]
    public void MalformedTracesAreTypedErrorsSayingWhere(string json, string where)
    {
        var e = Assert.Throws<TraceFormatException>(() => TraceJson.Parse(json));
        Assert.StartsWith(where, e.Where);
        Assert.Contains(e.Where, e.Message);
    }
}
