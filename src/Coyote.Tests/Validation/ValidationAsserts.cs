namespace VerifiedIpc.Coyote.Tests.Validation;

/// <summary>The assertion every seeded-bug validation test makes, in one place.</summary>
internal static class ValidationAsserts
{
    /// <summary>
    /// Every distinct trace of <paramref name="sink"/> in which the seeded bug shows (the <paramref name="oracle"/>
    /// names the event where it shows) is rejected exactly at that event; every other trace is accepted; and at least
    /// one trace shows the bug, or the test would prove nothing. Returns the distinct traces and how many show it.
    /// </summary>
    public static (int Distinct, int Showing) RejectedWhereTheBugShows(string module, TraceSink sink,
        Func<IReadOnlyList<string>, int?> oracle, string what, IReadOnlyDictionary<string, string>? environment = null)
    {
        var traces = sink.Traces.GroupBy(t => string.Join('\n', t)).Select(g => g.First()).ToList();
        int showing = 0;
        foreach (var trace in traces)
        {
            var expected = oracle(trace);
            var verdict = SpecTraces.Validate(module, trace, environment);
            if (expected is null)
            {
                Assert.True(verdict.Accepted, $"a trace without {what} was rejected:\n" + SpecTraces.Explain(trace, verdict));
                continue;
            }
            showing++;
            Assert.False(verdict.Accepted, $"{what} at event {expected}, yet the trace was accepted:\n" + string.Join('\n', trace));
            Assert.True(verdict.FirstUnexplained!.Index == expected, $"expected the rejection at event {expected}:\n" + SpecTraces.Explain(trace, verdict));
            Assert.Equal(expected - 1, verdict.EventsMatched);
        }
        Assert.True(showing > 0, $"no explored schedule showed {what}: the test proves nothing");
        return (traces.Count, showing);
    }
}
