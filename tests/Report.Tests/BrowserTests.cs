using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace VerifiedIpc.Report.Tests;

/// <summary>
/// Renders a report in headless Chromium and checks the charts are really drawn: element geometry after layout
/// (from a probe script added to a copy of the report; the report itself has no scripts) and the screenshot's pixels.
/// Chromium is required: ci/install-chromium.sh installs it; without it this test fails, it never skips.
/// </summary>
public sealed partial class BrowserTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string Chromium = Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("vipc-report-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* a browser helper still holding a file; the temp folder is cleaned by the OS */ }
    }

    private static List<ReportModel> Models() =>
    [
        new ReportModel
        {
            Name = "LossyLink (hand-written)", Verdict = "invariant", Expected = "invariant", ViolatedProperty = "NoDuplicates",
            DistinctStates = 7, Depth = 7, Elapsed = TimeSpan.FromMilliseconds(120),
            Counterexample = Corpus.Local("lossy-link.json"), Mapping = Corpus.Mapping("Lossy"),
        },
        Corpus.Model("55", Corpus.Mapping("Channel")),
        Corpus.Model("59", Corpus.Mapping("Mailbox")),
        Corpus.Model("61", Corpus.Mapping("ABP")),
        Corpus.Model("63", Corpus.Mapping("SlidingWindow")),
        Corpus.Model("30"),
    ];

    private const string Probe = """
<script>
(function () {
  function box(e) { var r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; }
  var out = [];
  document.querySelectorAll('svg.msc').forEach(function (svg, i) {
    var s = box(svg); s.kind = 'svg'; s.chart = i; out.push(s);
    svg.querySelectorAll('g.msg').forEach(function (g) {
      var b = box(g); b.kind = 'msg'; b.chart = i; b.cls = g.getAttribute('class');
      b.len = g.querySelector('path').getTotalLength(); out.push(b);
    });
    svg.querySelectorAll('g.event rect').forEach(function (r) { var b = box(r); b.kind = 'event'; b.chart = i; out.push(b); });
    svg.querySelectorAll('g.lifeline line').forEach(function (l) { var b = box(l); b.kind = 'lifeline'; b.chart = i; out.push(b); });
    svg.querySelectorAll('g.loss-mark').forEach(function (l) { var b = box(l); b.kind = 'loss'; b.chart = i; out.push(b); });
  });
  var pre = document.createElement('pre'); pre.id = 'geometry'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
""";

    [Fact]
    public void ChartsAreDrawnWithRealGeometry()
    {
        RequireChromium();
        var models = Models();
        var charts = models.Select(m => ChartBuilder.Build(m.Counterexample!, m.Mapping, (m.Mapping ?? ChartMapping.Automatic).CreateFormatter())).ToList();
        var html = ReportWriter.ToHtml(models);
        var probed = Path.Combine(_dir, "probed.html");
        File.WriteAllText(probed, html.Replace("</body>", Probe + "</body>", StringComparison.Ordinal));

        var dom = Run("--dump-dom", new Uri(probed).AbsoluteUri);
        var m = GeometryPre().Match(dom);
        Assert.True(m.Success, "the probe did not write its geometry; DOM starts: " + dom[..Math.Min(dom.Length, 300)]);
        var items = JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).RootElement.EnumerateArray().ToList();
        double N(JsonElement e, string p) => e.GetProperty(p).GetDouble();

        var svgs = items.Where(e => e.GetProperty("kind").GetString() == "svg").ToList();
        Assert.Equal(models.Count, svgs.Count);
        for (var i = 0; i < models.Count; i++)
        {
            var svg = svgs[i];
            Assert.True(N(svg, "w") > 200 && N(svg, "h") > 150, $"chart {i} is {N(svg, "w")}x{N(svg, "h")}");
            var of = items.Where(e => e.GetProperty("chart").GetInt32() == i).ToList();
            var msgs = of.Where(e => e.GetProperty("kind").GetString() == "msg").ToList();
            Assert.Equal(charts[i].Messages.Length, msgs.Count);
            Assert.All(msgs, e => Assert.True(N(e, "len") > 10 && N(e, "w") > 5 && N(e, "h") > 0, $"chart {i}: arrow {e} has no length"));
            var events = of.Where(e => e.GetProperty("kind").GetString() == "event").ToList();
            Assert.Equal(charts[i].Events.Count(e => e.Lifeline is not null), events.Count);
            Assert.All(events, e =>
            {
                Assert.True(N(e, "w") > 20 && N(e, "h") > 10, $"chart {i}: event box {e} collapsed");
                Assert.True(N(e, "x") >= N(svg, "x") - 1 && N(e, "x") + N(e, "w") <= N(svg, "x") + N(svg, "w") + 1, $"chart {i}: event box {e} outside the chart");
            });
            Assert.All(of.Where(e => e.GetProperty("kind").GetString() == "lifeline"), e => Assert.True(N(e, "h") > 50));
            Assert.Equal(charts[i].Messages.Count(x => x.Fate == MessageFate.Lost), of.Count(e => e.GetProperty("kind").GetString() == "loss" && N(e, "w") > 5));
        }
        Assert.True(charts.Sum(c => c.Messages.Length) >= 15, "the rendered charts should carry real traffic");
    }

    [Fact]
    public void ScreenshotShowsTheChart()
    {
        RequireChromium();
        var page = Path.Combine(_dir, "report.html");
        File.WriteAllText(page, ReportWriter.ToHtml(Models()));
        var shot = Path.Combine(_dir, "report.png");
        Run($"--screenshot={shot}", new Uri(page).AbsoluteUri);
        Assert.True(File.Exists(shot), "Chromium wrote no screenshot");
        var png = Png.Read(File.ReadAllBytes(shot));
        output.WriteLine($"screenshot {png.Width}x{png.Height}");
        Assert.Equal((1400, 1000), (png.Width, png.Height));
        var total = png.Width * png.Height;
        var white = png.Count((255, 255, 255), 8);
        Assert.True(total - white > total / 20, $"the page is nearly blank: {total - white} of {total} pixels are not white");
        // The first chart (the lossy link) is on the first screen: its lifeline heads, delivered arrows,
        // the red cross of the lost message and the purple doubled arrow must all have been painted.
        Assert.True(png.Count((0x2c, 0x3e, 0x50), 6) > 1500, "no lifeline heads painted");
        Assert.True(png.Count((0x1f, 0x4e, 0x79), 30) > 60, "no message arrows painted");
        Assert.True(png.Count((0xc0, 0x39, 0x2b), 30) > 40, "no lost-message cross painted");
        Assert.True(png.Count((0x7b, 0x3f, 0xa0), 30) > 40, "no duplicate arrow painted");
    }

    [Fact]
    public void EveryArrowAndCrossIsPaintedWhereTheSvgPutsIt()
    {
        RequireChromium();
        var chart = ChartBuilder.Build(Corpus.Local("lossy-link.json"), Corpus.Mapping("Lossy"));
        var svgText = SvgChartWriter.Write(chart);
        var page = Path.Combine(_dir, "chart.html");
        // Margin 0: SVG user units are page pixels, so positions read from the SVG can be checked on the screenshot.
        File.WriteAllText(page, $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0;background:#fff\">{svgText}</body></html>");
        var shot = Path.Combine(_dir, "chart.png");
        Run($"--screenshot={shot}", new Uri(page).AbsoluteUri);
        var png = Png.Read(File.ReadAllBytes(shot));
        var svg = System.Xml.Linq.XElement.Parse(svgText);
        var msgs = svg.WithClass("msg").ToList();
        Assert.Equal(3, msgs.Count);
        foreach (var m in msgs)
        {
            var cls = m.Attribute("class")!.Value;
            var color = cls.Contains("lost") ? (0xc0, 0x39, 0x2b) : cls.Contains("dup") ? (0x7b, 0x3f, 0xa0) : (0x1f, 0x4e, 0x79);
            var d = m.Descendants().First(e => e.Name.LocalName == "path").Attribute("d")!.Value.Split(' ');
            var (x1, y1, x2, y2) = (P(d[1]), P(d[2]), P(d[4]), P(d[5]));
            foreach (var t in new[] { 0.15, 0.85 })
            {
                int x = (int)(x1 + (x2 - x1) * t), y = (int)(y1 + (y2 - y1) * t);
                Assert.True(png.Count(color, 24, x - 3, y - 3, x + 4, y + 4) > 0, $"no {cls} arrow painted at ({x}, {y}), {t:P0} along it");
            }
        }
        var cross = Assert.Single(svg.WithClass("loss-mark"));
        var lines = cross.Elements().Select(l => (X: (P(l.Attribute("x1")!.Value) + P(l.Attribute("x2")!.Value)) / 2, Y: (P(l.Attribute("y1")!.Value) + P(l.Attribute("y2")!.Value)) / 2)).First();
        Assert.True(png.Count((0xc0, 0x39, 0x2b), 40, (int)lines.X - 8, (int)lines.Y - 8, (int)lines.X + 9, (int)lines.Y + 9) > 30, "the lost message's cross is not painted");
        // And nothing is painted in the arrow colour where no arrow runs: the check is not satisfied by any blue.
        Assert.Equal(0, png.Count((0x1f, 0x4e, 0x79), 24, 0, 0, png.Width, 40));
    }

    private const string MarkProbe = """
<script>
(function () {
  var out = [];
  document.querySelectorAll('g.event.unexplained rect').forEach(function (r) {
    var b = r.getBoundingClientRect(); out.push({ x: b.x, y: b.y, w: b.width, h: b.height });
  });
  var n = document.querySelectorAll('g.event.after').length;
  var pre = document.createElement('pre'); pre.id = 'geometry'; pre.textContent = JSON.stringify({ marked: out, after: n });
  document.body.appendChild(pre);
})();
</script>
""";

    [Fact]
    public void A_rejected_trace_is_drawn_with_its_unexplained_event_painted_red()
    {
        RequireChromium();
        // One seeded-bug workload, so that its chart is on the first screen.
        var workload = SuiteSectionsTests.Validation().Workloads.Single(w => w.Name == "traced.bounded.2p2c!PulseInsteadOfPulseAll");
        var html = ReportWriter.ToHtml(new VerificationReport { Validation = new TraceValidationReport { Budget = 20, Workloads = [workload] } });
        var probed = Path.Combine(_dir, "rejection-probed.html");
        File.WriteAllText(probed, html.Replace("</body>", MarkProbe + "</body>", StringComparison.Ordinal));
        var m = GeometryPre().Match(Run("--dump-dom", new Uri(probed).AbsoluteUri));
        Assert.True(m.Success, "the probe did not write its geometry");
        var geometry = JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)).RootElement;
        var box = Assert.Single(geometry.GetProperty("marked").EnumerateArray()); // the Signal has one box: on c2's lifeline
        double N(string p) => box.GetProperty(p).GetDouble();
        Assert.True(N("w") > 30 && N("h") > 15, $"the unexplained event's box is {N("w")}x{N("h")}");
        Assert.Equal(workload.Rejections[0].Trace.Count - workload.Rejections[0].EventIndex,
            geometry.GetProperty("after").GetInt32() - CountSecondBoxes(workload));

        var page = Path.Combine(_dir, "rejection.html");
        File.WriteAllText(page, html);
        var shot = Path.Combine(_dir, "rejection.png");
        Run($"--screenshot={shot}", new Uri(page).AbsoluteUri);
        var png = Png.Read(File.ReadAllBytes(shot));
        Assert.True(N("y") + N("h") < png.Height, $"the unexplained event (y = {N("y")}) is not on the first screen");
        int x0 = (int)N("x"), y0 = (int)N("y"), x1 = (int)(N("x") + N("w")) + 1, y1 = (int)(N("y") + N("h")) + 1;
        // Its red outline and the pale red fill were painted where the layout put the box.
        Assert.True(png.Count((0xc0, 0x39, 0x2b), 30, x0 - 2, y0 - 2, x1 + 2, y1 + 2) > 40, "the unexplained event's red outline is not painted");
        Assert.True(png.Count((0xfa, 0xdb, 0xd8), 6, x0, y0, x1, y1) > 100, "the unexplained event's red fill is not painted");
        // The rows after it are grey, not in the blue of a live message arrow.
        Assert.Equal(0, png.Count((0x1f, 0x4e, 0x79), 20, 0, y1 + 30, png.Width, y1 + 300));
    }

    // Events drawn with a second box (on the primitive's lifeline): the probe counts boxes, the trace counts events.
    private static int CountSecondBoxes(TraceWorkloadResult w)
    {
        var rej = w.Rejections[0];
        var chart = TraceChart.Build(TraceEvent.ParseAll(rej.Trace));
        return chart.Events.Count(e => e.State > rej.EventIndex && !e.Numbered);
    }

    private static double P(string s) => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    private static void RequireChromium()
    {
        if (!File.Exists(Chromium))
            Assert.Fail($"headless Chromium is required at {Chromium} (CI={Environment.GetEnvironmentVariable("CI") ?? "unset"}); run ci/install-chromium.sh or set CHROMIUM");
    }

    private string Run(string mode, string url)
    {
        var profile = Directory.CreateDirectory(Path.Combine(_dir, "profile-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var psi = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--hide-scrollbars", "--disable-dev-shm-usage", $"--user-data-dir={profile}", "--window-size=1400,1000", mode, url,
                 })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"chromium did not finish within {Timeout.TotalSeconds} s");
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"chromium exited with {p.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    [GeneratedRegex("<pre id=\"geometry\">(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex GeometryPre();
}
