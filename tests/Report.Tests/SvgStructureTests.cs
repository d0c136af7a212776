using System.Xml.Linq;

namespace VerifiedIpc.Report.Tests;

public sealed class SvgStructureTests
{
    private static double D(XElement e, string attr) => double.Parse(e.Attribute(attr)!.Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void LostMessageEndsInACrossAndDuplicateIsDoubled()
    {
        var chart = ChartBuilder.Build(Corpus.Local("lossy-link.json"), Corpus.Mapping("Lossy"));
        var svg = Corpus.Svg(chart);
        var lost = Assert.Single(svg.WithClass("msg", "lost"));
        var cross = Assert.Single(lost.WithClass("loss-mark"));
        Assert.Equal(2, cross.Elements().Count(e => e.Name.LocalName == "line"));
        Assert.Contains("lost", lost.Descendants().Single(e => e.Name.LocalName == "text").Value);
        var dup = Assert.Single(svg.WithClass("msg", "dup"));
        var paths = dup.Descendants().Where(e => e.Name.LocalName == "path").ToList();
        Assert.True(paths.Count >= 2, "a duplicate is drawn as a doubled line");
        Assert.Single(paths.Select(p => p.Attribute("d")!.Value).Distinct());
        Assert.Equal(2, svg.WithClass("msg", "delivered").Count());
        Assert.Empty(svg.WithClass("msg", "inflight"));
        Assert.DoesNotContain(svg.WithClass("msg", "delivered"), m => m.WithClass("loss-mark").Any());
    }

    [Fact]
    public void ArrowsRunFromSenderToReceiverAtTheirRows()
    {
        var chart = ChartBuilder.Build(Corpus.Trace("55"), Corpus.Mapping("Channel"));
        var svg = Corpus.Svg(chart);
        double LifelineX(string name) => D(svg.WithClass("lifeline").Single(l => l.Attribute("data-lifeline")!.Value == name).Elements().First(e => e.Name.LocalName == "line"), "x1");
        double EventY(int step) => svg.WithClass("event").Single(e => e.Attribute("data-step")!.Value == step.ToString())
            .Elements().Where(e => e.Name.LocalName == "rect").Select(r => D(r, "y") + D(r, "height") / 2).Single();
        var delivered = Assert.Single(svg.WithClass("msg", "delivered"));
        var d = delivered.Elements().First(e => e.Name.LocalName == "path").Attribute("d")!.Value.Split(' ');
        var (x1, y1, x2, y2) = (double.Parse(d[1]), double.Parse(d[2]), double.Parse(d[4]), double.Parse(d[5]));
        Assert.True(x1 > LifelineX("sa") && x2 < LifelineX("receiver"), "the arrow runs rightwards from sa's box to the receiver's box");
        Assert.Equal(EventY(2), y1, 1);
        Assert.Equal(EventY(3), y2, 1);
        // Each event carries the number of the state it leads to, the row number of the state table.
        Assert.Equal(["2", "3", "4"], svg.WithClass("event").Select(e => e.Descendants().First(x => x.Name.LocalName == "circle").ElementsAfterSelf().First().Value));
    }

    [Fact]
    public void StutteringIsMarkedAndItsStepNotDrawn()
    {
        var chart = ChartBuilder.Build(Corpus.Trace("31"));
        var svg = Corpus.Svg(chart);
        Assert.Single(svg.WithClass("stutter"));
        Assert.Single(svg.WithClass("event"));
        Assert.Contains("stutters forever", svg.WithClass("stutter").Single().Value);
    }

    [Fact]
    public void BannerAndDimensionsArePresent()
    {
        var chart = ChartBuilder.Build(Corpus.Trace("57"), Corpus.Mapping("Monitor"));
        var svg = XElement.Parse(SvgChartWriter.Write(chart, new SvgChartOptions("x", "state 13 violates BufferOK")));
        Assert.True(D(svg, "width") > 300 && D(svg, "height") > 13 * 40);
        Assert.Contains("state 13 violates BufferOK", svg.WithClass("banner").Single().Value);
        Assert.All(svg.Descendants().Where(e => e.Name.LocalName == "marker"), m => Assert.StartsWith("x-", m.Attribute("id")!.Value));
    }

    [Fact]
    public void WatchedVariablesAreShownRowByRowWithChangesMarked()
    {
        var trace = Corpus.Trace("57");
        var chart = ChartBuilder.Build(trace, Corpus.Mapping("Monitor"));
        var count = chart.Watches.Single(w => w.Variable == "count");
        Assert.Equal(["0", "0", "0", "0", "0", "1", "1", "1", "1", "0", "0", "0", "-1"], count.Values.ToList());
        Assert.Equal([5, 9, 12], count.Changed.Select((c, i) => (c, i)).Where(x => x.c).Select(x => x.i).ToList());
        var svg = Corpus.Svg(chart);
        var column = svg.WithClass("watch").Single(w => w.Attribute("data-variable")!.Value == "count");
        Assert.Equal(trace.States.Length, column.WithClass("watch-cell").Count());
        Assert.Equal(["1", "0", "-1"], column.WithClass("watch-cell", "changed").Select(c => c.Value).ToList());
        Assert.Throws<MappingFormatException>(() => ChartBuilder.Build(trace, ChartMapping.Parse("""{ "watch": ["nothing"] }""")));
    }

    [Fact]
    public void NotifyIsDrawnAsAWakeUpFromTheNotifierToTheWaiter()
    {
        var chart = ChartBuilder.Build(Corpus.Trace("57"), Corpus.Mapping("Monitor"));
        var signal = Assert.Single(chart.Signals);
        Assert.Equal(new ChartSignal(5, "p1", "c1"), signal); // Operate(p1), the step into state 6, wakes c1
        var g = Assert.Single(Corpus.Svg(chart).WithClass("signal"));
        Assert.Equal(("p1", "c1"), (g.Attribute("data-from")!.Value, g.Attribute("data-to")!.Value));
        Assert.Contains("wakes c1", g.Value);
        // A broadcast wakes every waiter; waiters may sit in a function of condition -> set.
        var json = """
            {"state": [[1, {"waitSet": {"notEmpty": ["c1", "c2"], "notFull": []}}], [2, {"waitSet": {"notEmpty": [], "notFull": []}}]],
             "action": [[[1, {"waitSet": {"notEmpty": ["c1", "c2"], "notFull": []}}], {"name": "Broadcast", "context": {"t": "p1"}, "parameters": ["t"]}, [2, {"waitSet": {"notEmpty": [], "notFull": []}}]]]}
            """;
        var broadcast = ChartBuilder.Build(TraceJson.Parse(json), ChartMapping.Parse("""{ "channels": {}, "actions": { "Broadcast": { "process": "$t", "signals": "removed(waitSet)" } } }"""));
        Assert.Equal(["c1", "c2"], broadcast.Signals.Select(x => x.To).ToList());
        Assert.Equal(["p1", "c1", "c2"], broadcast.Lifelines.ToList());
    }
}
