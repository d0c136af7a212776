namespace VerifiedIpc.Report.Tests;

/// <summary>Bad input is a typed error saying where, never a crash: truncated and mutated traces and mappings.</summary>
public sealed class RobustnessTests
{
    [Fact]
    public void TruncatedAndMutatedTracesFailOnlyWithTraceFormatErrors()
    {
        var text = File.ReadAllText(Path.Combine(Corpus.Case("61"), "trace.json"));
        var random = new Random(20261125);
        var inputs = Enumerable.Range(0, text.Length / 5).Select(i => text[..(i * 5)]).ToList();
        const string alphabet = "[]{}\",:0123456789-abc .";
        for (var k = 0; k < 400; k++)
        {
            var chars = text.ToCharArray();
            chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            inputs.Add(new string(chars));
        }
        var parsed = 0;
        foreach (var input in inputs)
        {
            Counterexample trace;
            try
            {
                trace = TraceJson.Parse(input);
            }
            catch (TraceFormatException e)
            {
                Assert.False(string.IsNullOrEmpty(e.Where));
                continue;
            }
            parsed++;
            // Whatever parses renders, with or without the mapping written for the original.
            Assert.Contains("<svg", ReportWriter.ToHtml([new ReportModel { Name = "m", Verdict = "invariant", Counterexample = trace }]));
            try
            {
                ReportWriter.ToHtml([new ReportModel { Name = "m", Verdict = "invariant", Counterexample = trace, Mapping = Corpus.Mapping("ABP") }]);
            }
            catch (MappingFormatException)
            {
                // A mutated variable name no longer matches the mapping's channels: a typed error, as it should be.
            }
        }
        Assert.True(parsed > 50, $"only {parsed} mutated traces parsed; the mutations should mostly keep valid JSON");
    }

    [Fact]
    public void MutatedMappingsFailOnlyWithMappingFormatErrors()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Mappings", "SlidingWindow.json"));
        var random = new Random(7);
        const string alphabet = "[]{}\",:$().@ xy12";
        for (var k = 0; k < 400; k++)
        {
            var chars = text.ToCharArray();
            for (var j = 0; j < 2; j++) chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            try
            {
                var m = ChartMapping.Parse(new string(chars));
                ChartBuilder.Build(Corpus.Trace("63"), m);
            }
            catch (MappingFormatException e)
            {
                Assert.False(string.IsNullOrEmpty(e.Where));
            }
        }
    }

    [Fact]
    public void NamesGivenTwiceAreRejected()
    {
        var e = Assert.Throws<MappingFormatException>(() => ChartMapping.Parse("""{ "actions": { "A": {}, "A": { "kind": "lose" } } }"""));
        Assert.Equal("$.actions.A", e.Where);
        Assert.Contains("twice", e.Message);
        Assert.Throws<TraceFormatException>(() => TraceJson.Parse("""{"state": [[1, {"x": 1, "x": 2}]]}"""));
    }
}
