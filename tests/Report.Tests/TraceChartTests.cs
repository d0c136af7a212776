using VerifiedIpc.Tests.Shared;

namespace VerifiedIpc.Report.Tests;

/// <summary>Charts of implementation traces (NDJSON events), built with the same chart model and SVG writer as counterexamples.</summary>
public sealed class TraceChartTests
{
    [Fact]
    public void A_bounded_buffer_trace_has_producers_left_of_the_buffer_and_an_arrow_per_send_and_receive()
    {
        var events = TraceEvent.ParseAll(BoundedBufferSampleTrace.Correct());
        var chart = TraceChart.Build(events);
        Assert.Equal<string>(["p1", "buffer", "c1"], chart.Lifelines);
        Assert.Equal(4, chart.Messages.Length);
        Assert.Equal([("p1", "buffer", 2), ("buffer", "c1", 6), ("p1", "buffer", 8), ("buffer", "c1", 9)],
            chart.Messages.Select(m => (m.From, m.To!, m.SendStep)));
        Assert.All(chart.Messages, m => Assert.Equal(m.SendStep, m.EndStep));
        Assert.Equal("<<p1, 1>>", chart.Messages[0].Label);
        // p1's Wait (event 4) waits for room: no message goes into the buffer, and the box says what it saw.
        var wait = Assert.Single(chart.Events, e => e.State == 4);
        Assert.Equal("Wait (saw 1)", wait.Label);
        // The buffer's box in a Send's row says what it holds afterwards and carries no second number.
        var holds = chart.Events.Single(e => e.State == 3 && e.Lifeline == "buffer");
        Assert.Equal("holds 1", holds.Label);
        Assert.False(holds.Numbered);
        Assert.Equal(9, chart.Rows);
    }

    [Fact]
    public void A_rendezvous_wait_that_parks_its_message_is_drawn_as_a_send_to_the_primitive()
    {
        string[] trace =
        [
            """{"proc":"p1","clock":1,"kind":"Wait","obj":"buffer","role":"sender","msg":["p1",1],"count":1}""",
            """{"proc":"c1","clock":2,"kind":"Receive","obj":"buffer","role":"receiver","msg":["p1",1],"count":0}""",
            """{"proc":"p1","clock":3,"kind":"HandBack","obj":"buffer","role":"sender","msg":["p1",2],"count":0}""",
        ];
        var chart = TraceChart.Build(TraceEvent.ParseAll(trace));
        Assert.Equal([("p1", "buffer"), ("buffer", "c1"), ("buffer", "p1")], chart.Messages.Select(m => (m.From, m.To!)));
    }

    [Fact]
    public void Endpoints_that_talk_directly_get_arrows_from_each_send_to_its_delivery_and_from_each_ack_to_its_arrival()
    {
        string Ev(string proc, int clock, string kind, string role, string peer, string field, int n) =>
            $"{{\"proc\":\"{proc}\",\"clock\":{clock},\"kind\":\"{kind}\",\"obj\":\"delivery\",\"role\":\"{role}\",\"peer\":\"{peer}\",\"{field}\":{n},\"time\":\"2026-01-01T00:00:00Z\"}}";
        string[] trace =
        [
            Ev("p1", 1, "Send", "sender", "p2", "seq", 0),
            Ev("p2", 2, "Deliver", "receiver", "p1", "seq", 0),
            Ev("p2", 3, "Ack", "receiver", "p1", "ack", 1),
            Ev("p2", 4, "Deliver", "receiver", "p1", "seq", 0),
            Ev("p1", 5, "AckReceived", "sender", "p2", "ack", 1),
            Ev("p1", 6, "Send", "sender", "p2", "seq", 1),
        ];
        var chart = TraceChart.Build(TraceEvent.ParseAll(trace));
        Assert.Equal<string>(["p1", "p2"], chart.Lifelines); // no lifeline for the shared "delivery" object
        Assert.Equal(
            [("p1", "p2", 0, (int?)1, "seq 0", false, MessageFate.Delivered), ("p1", "p2", 0, 3, "seq 0", true, MessageFate.Delivered),
             ("p2", "p1", 2, 4, "ack 1", false, MessageFate.Delivered), ("p1", "p2", 5, null, "seq 1", false, MessageFate.InFlight)],
            chart.Messages.Select(m => (m.From, m.To!, m.SendStep, m.EndStep, m.Label, m.IsDuplicate, m.Fate)));
        Assert.Equal("Send seq=0", chart.Events[0].Label); // neither the peer (on the arrow) nor the timestamp
    }

    [Fact]
    public void The_marked_event_is_red_and_the_rest_grey_in_the_svg()
    {
        var chart = TraceChart.Build(TraceEvent.ParseAll(BoundedBufferSampleTrace.Correct()));
        var svg = System.Xml.Linq.XElement.Parse(SvgChartWriter.Write(chart, new SvgChartOptions("t") { EventRows = true, Marked = 6 }));
        var red = svg.WithClass("event", "unexplained").ToList();
        Assert.Equal(["7", "7"], red.Select(e => e.Attribute("data-state")!.Value));
        Assert.Contains(red, e => e.Descendants().Any(r => r.Name.LocalName == "rect" && r.Attribute("stroke")?.Value == "#c0392b"));
        Assert.Equal(["8", "9", "9", "10", "10"], svg.WithClass("event", "after").Select(e => e.Attribute("data-state")!.Value));
        Assert.Single(svg.WithClass("msg", "unexplained"));
        Assert.Equal(2, svg.WithClass("msg", "after").Count());
        Assert.Single(svg.WithClass("unexplained-row"));
        // Rows are numbered as events, from 1, with no "init" row.
        Assert.DoesNotContain("init", svg.Value);
    }

    [Fact]
    public void A_line_that_is_not_an_event_is_a_typed_error_naming_the_line()
    {
        var e = Assert.Throws<TraceFormatException>(() => TraceEvent.ParseAll(["""{"proc":"p1","kind":"Send"}""", "[1, 2]"]));
        Assert.Equal("line 2", e.Where);
        e = Assert.Throws<TraceFormatException>(() => TraceEvent.ParseAll(["""{"kind":"Send"}"""]));
        Assert.Contains("'proc'", e.Message);
        e = Assert.Throws<TraceFormatException>(() => TraceEvent.ParseAll(["{\"proc\":"]));
        Assert.Equal("line 1", e.Where);
    }
}

/// <summary>Watched values too long for their column, and code in descriptions.</summary>
public sealed class WatchAndProseTests
{
    [Fact]
    public void A_long_watched_value_that_changed_shows_what_changed_inside_it()
    {
        const string s1 = """{"deliveredTo":{"m1":[],"m2":[],"m3":[]},"n":0}""";
        const string s2 = """{"deliveredTo":{"m1":["r1"],"m2":[],"m3":[]},"n":1}""";
        const string s3 = """{"deliveredTo":{"m1":["r1","r2"],"m2":[],"m3":[]},"n":1}""";
        static string Step(int from, string a, int to, string b) =>
            $$$"""[[{{{from}}},{{{a}}}],{"name":"Take","location":{"beginLine":1,"beginColumn":1,"endLine":1,"endColumn":4,"module":"M"}},[{{{to}}},{{{b}}}]]""";
        var json = $$"""{"action":[{{Step(1, s1, 2, s2)}},{{Step(2, s2, 3, s3)}}],"state":[[1,{{s1}}],[2,{{s2}}],[3,{{s3}}]]}""";
        var trace = TraceJson.Parse(json);
        var mapping = ChartMapping.Parse("""{ "watch": ["deliveredTo", "n"], "modelValues": ["r1", "r2", "m1", "m2", "m3"], "shapes": { "deliveredTo": "fn(set)" }, "channels": {} }""");
        var chart = ChartBuilder.Build(trace, mapping);
        var svg = Corpus.Svg(chart);
        var cells = svg.WithClass("watch").First().WithClass("watch-cell").Select(c => c.Elements().First(e => e.Name.LocalName == "text").Value).ToList();
        Assert.StartsWith("(m1 :> {} @@ m2 :> {}", cells[0], StringComparison.Ordinal); // unchanged: the value's start
        Assert.EndsWith("…", cells[0], StringComparison.Ordinal);
        Assert.Equal("Δ m1: {} → {r1}", cells[1]);
        Assert.Equal("Δ m1: {r1} → {r1, r2}", cells[2]);
        // Short values are shown whole, whether they changed or not.
        Assert.Equal(["0", "1", "1"], svg.WithClass("watch").Last().WithClass("watch-cell").Select(c => c.Elements().First(e => e.Name.LocalName == "text").Value));
    }

    [Fact]
    public void Backquoted_parts_of_a_description_are_code_and_everything_is_escaped()
    {
        var html = ReportWriter.ToHtml([new ReportModel { Name = "M", Verdict = "success", Description = "`if` instead of `while` <b>x</b> `a<b`" }]);
        Assert.Contains("<p class=\"desc\"><code>if</code> instead of <code>while</code> &lt;b&gt;x&lt;/b&gt; <code>a&lt;b</code></p>", html);
        var odd = ReportWriter.ToHtml([new ReportModel { Name = "M", Verdict = "success", Description = "a `lone quote" }]);
        Assert.Contains("<p class=\"desc\">a `lone quote</p>", odd);
    }
}
