using System.Xml.Linq;

namespace VerifiedIpc.Report.Tests;

public sealed class ReportWriterTests
{
    private static List<XElement> Rows(XDocument doc, int section = 0) =>
        doc.Root!.WithClass("states").ElementAt(section).Descendants().Where(e => e.Name.LocalName == "tbody").Single().Elements().ToList();

    private static List<string> ChangedColumns(XElement row, IReadOnlyList<string> variables) =>
        [.. row.Elements().Where(e => e.Name.LocalName == "td").Skip(1).Select((td, i) => (td, i))
            .Where(x => x.td.Attribute("class")?.Value.Split(' ').Contains("changed") == true).Select(x => variables[x.i])];

    [Fact]
    public void ChangedCellsAreHighlightedExactly()
    {
        var model = Corpus.Model("55", Corpus.Mapping("Channel"));
        var doc = Corpus.Html(ReportWriter.ToHtml([model]));
        var vars = model.Counterexample!.Variables;
        var rows = Rows(doc);
        Assert.Equal(4, rows.Count);
        Assert.Empty(ChangedColumns(rows[0], vars));
        Assert.Equal(["sent", "chan"], ChangedColumns(rows[1], vars));
        Assert.Equal(["sent", "chan"], ChangedColumns(rows[2], vars));
        Assert.Equal(["got", "chan"], ChangedColumns(rows[3], vars));
        // Cells print TLA+ syntax; the old value is kept for hovering.
        var chanCell = rows[2].Elements().Last();
        Assert.Equal("<<<<sa, 1>>, <<sa, 2>>>>", chanCell.Nodes().OfType<XText>().First().Value);
        Assert.Equal("+<<sa, 2>>", chanCell.Elements().Single().Value);
        Assert.Equal("was <<<<sa, 1>>>>", chanCell.Attribute("title")!.Value);
        Assert.Contains("violation", rows[3].Attribute("class")!.Value);
        Assert.Contains("RecvAny (not head!)", rows[3].Value);
    }

    [Fact]
    public void EveryCorpusTraceHighlightsTheVariablesItsStepsChange()
    {
        foreach (var c in Corpus.AllTraceCases())
        {
            var model = Corpus.Model(c);
            var t = model.Counterexample!;
            var rows = Rows(Corpus.Html(ReportWriter.ToHtml([model])));
            for (var i = 1; i < t.States.Length; i++)
            {
                var expected = t.Variables.Where(v => !t.States[i][v]!.Equals(t.States[i - 1][v])).ToList();
                Assert.Equal(expected, ChangedColumns(rows[i], t.Variables));
            }
        }
    }

    [Fact]
    public void StringValuesAreEscaped()
    {
        var model = new ReportModel { Name = "Esc<ape>", Verdict = "invariant", ViolatedProperty = "<i>Inv</i>", Counterexample = Corpus.Local("escape.json"), Description = "<script>x</script>" };
        var html = ReportWriter.ToHtml([model]);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html);
        Assert.DoesNotContain("<i>Inv", html);
        Assert.Contains("&quot;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;", html);
        var doc = Corpus.Html(html); // well-formed: nothing broke out of its element
        var rows = Rows(doc);
        Assert.Equal("\"<script>alert('x')</script>\"", rows[0].Elements().ElementAt(2).Value);
        Assert.Equal("\"a & b \\\"quoted\\\"\"", rows[1].Elements().ElementAt(2).Value);
        Assert.Contains("Put(<b>bold</b>)", rows[1].Value);
    }

    [Fact]
    public void ReportIsSelfContained()
    {
        var html = ReportWriter.ToHtml([Corpus.Model("55", Corpus.Mapping("Channel")), Corpus.Model("30"), Corpus.Model("59", Corpus.Mapping("Mailbox"))]);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        var http = System.Text.RegularExpressions.Regex.Matches(html, "https?://[^\"]*").Select(m => m.Value).Distinct();
        Assert.Equal(["http://www.w3.org/2000/svg"], http);
    }

    [Fact]
    public void SummaryListsEveryModelWhenThereAreSeveral()
    {
        var models = new[] { "55", "57", "61", "30" }.Select(c => Corpus.Model(c)).ToList();
        models.Add(new ReportModel { Name = "MCRendezvous", Verdict = "success", Expected = "success", DistinctStates = 1234, Elapsed = TimeSpan.FromSeconds(0.5) });
        var doc = Corpus.Html(ReportWriter.ToHtml(models));
        var summary = Assert.Single(doc.Root!.Descendants(), e => e.Name.LocalName == "table" && e.Attribute("class")?.Value == "summary");
        var rows = summary.Descendants().Where(e => e.Name.LocalName == "tbody").Single().Elements().ToList();
        Assert.Equal(models.Select(m => m.Name), rows.Select(r => r.Elements().First().Value));
        Assert.Equal(["Model", "Expected", "Verdict", "Property", "Distinct states", "Depth", "Time", "Result"],
            summary.Descendants().Where(e => e.Name.LocalName == "th").Select(t => t.Value));
        Assert.Contains("1,234", rows[^1].Value);
        Assert.Equal(4, doc.Root!.WithClass("msc").Count());
        Assert.DoesNotContain(Corpus.Html(ReportWriter.ToHtml([models[0]])).Root!.Descendants(), e => e.Attribute("class")?.Value == "summary");
    }

    [Fact]
    public void UnexpectedVerdictIsFlagged()
    {
        var m = Corpus.Model("55") with { Expected = "success" };
        var doc = Corpus.Html(ReportWriter.ToHtml([m, Corpus.Model("61")]));
        Assert.Contains("1 unexpected verdict", doc.Root!.WithClass("overall", "bad").Single().Value);
        Assert.Contains("unexpected", doc.Root!.WithClass("bad").First(e => e.Name.LocalName == "tr").Value);
        Assert.Contains("every verdict as expected", ReportWriter.ToHtml([Corpus.Model("61")]));
        var wrongProperty = Corpus.Model("61") with { ExpectedProperty = "Bounded" };
        Assert.False(wrongProperty.AsExpected);
        Assert.Contains("✘ expected invariant Bounded", ReportWriter.ToHtml([wrongProperty]));
        Assert.True((Corpus.Model("61") with { ExpectedProperty = "InOrder" }).AsExpected);
    }

    [Theory]
    [InlineData("55", "Invariant FifoPerSender is violated: state 4, reached after 3 steps, does not satisfy it.")]
    [InlineData("30", "Temporal property VisitsThree is violated by an infinite behaviour: the cycle of states 1–2 repeated forever (the last step leads back to state 1).")]
    [InlineData("33", "Temporal property RequestsServed is violated by an infinite behaviour: states 1–2, then the cycle of states 3–4 repeated forever (the last step leads back to state 3).")]
    [InlineData("31", "Temporal property ReachesTwo is violated by a behaviour that stops: after state 2 nothing happens any more (it stutters forever).")]
    [InlineData("40", "Deadlock: in state 4 no action is enabled.")]
    [InlineData("28", "Invariant Inv is violated already in the initial state.")]
    public void HeadlineSaysWhatWentWrongInWords(string number, string expected)
    {
        var m = Corpus.Model(number);
        if (number == "28") m = m with { ViolatedProperty = "Inv" };
        Assert.Equal(expected, ReportWriter.Headline(m));
        Assert.Contains(System.Net.WebUtility.HtmlEncode(expected).Replace("&#8211;", "–"), ReportWriter.ToHtml([m]).Replace("&#39;", "'"));
    }

    [Fact]
    public void PropertyIsExplainedFromTheMapping()
    {
        var html = ReportWriter.ToHtml([Corpus.Model("61", Corpus.Mapping("ABP"))]);
        Assert.Contains("<b>InOrder</b> says: the receiver&#39;s output is 1, 2, 3, ... with nothing repeated or skipped", html);
    }

    [Fact]
    public void ChangedCellsSayWhatChangedInside()
    {
        var model = Corpus.Model("57", Corpus.Mapping("Monitor"));
        var rows = Rows(Corpus.Html(ReportWriter.ToHtml([model])));
        static string? DeltaOf(XElement row, int column) =>
            row.Elements().Where(e => e.Name.LocalName == "td").ElementAt(column).Descendants().FirstOrDefault(d => d.Attribute("class")?.Value == "delta")?.Value;
        var vars = model.Counterexample!.Variables.ToList();
        Assert.Equal("c1: \"acq\" → \"chk\"", DeltaOf(rows[1], 1 + vars.IndexOf("pc")));
        Assert.Equal("+c1", DeltaOf(rows[2], 1 + vars.IndexOf("waiting")));
        Assert.Equal("p1: \"op\" → \"rel\"  c1: \"wait\" → \"reacq\"", DeltaOf(rows[5], 1 + vars.IndexOf("pc")));
        Assert.Null(DeltaOf(rows[5], 1 + vars.IndexOf("count"))); // a number says it all
        var f = TlaFormatter.Default;
        Assert.Equal("[1]: \"idle\" → \"wait\"", ReportWriter.Delta("pc", V("[\"idle\", \"idle\"]"), V("[\"wait\", \"idle\"]"), f));
        Assert.Equal("+<<sa, 2>>", ReportWriter.Delta("chan", V("[[\"sa\", 1]]"), V("[[\"sa\", 1], [\"sa\", 2]]"), new TlaFormatter(["sa"], new Dictionary<string, ValueShape>())));
        Assert.Equal("+5  +6  +7  (+1 more)", ReportWriter.Delta("s", V("[1]"), V("[1, 5, 6, 7, 8]"), f));
    }

    [Fact]
    public void WideTablesGoUnderTheChartNarrowOnesBeside()
    {
        var wide = Corpus.Html(ReportWriter.ToHtml([Corpus.Model("57", Corpus.Mapping("Monitor"))]));
        Assert.Equal("ce stacked", wide.Root!.WithClass("ce").Single().Attribute("class")!.Value);
        var narrow = Corpus.Html(ReportWriter.ToHtml([Corpus.Model("30")]));
        Assert.Equal("ce", narrow.Root!.WithClass("ce").Single().Attribute("class")!.Value);
    }

    private static TraceValue V(string json) => TraceJson.ReadValue(System.Text.Json.JsonDocument.Parse(json).RootElement, "$", 0);
}
