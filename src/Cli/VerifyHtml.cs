using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using VerifiedIpc.Report;

namespace VerifiedIpc.Cli;

/// <summary>
/// The HTML report of <c>vipc verify</c>: the report library's page (a chart and a state table per counterexample),
/// with its summary replaced by the verify summary, whose result column says OK or MISMATCH and whose note column
/// says what differs from TLC.
/// </summary>
public static partial class VerifyHtml
{
    /// <summary>Writes the report of <paramref name="results"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<VerifyResult> results, string specDir,
        CoyoteSuiteReport? coyote = null, TraceValidationReport? validation = null)
    {
        var html = ToHtml(results, specDir, coyote, validation);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, html, new UTF8Encoding(false));
    }

    /// <summary>The report as a string: the models, then the Coyote suite and trace validation when they ran.</summary>
    public static string ToHtml(IReadOnlyList<VerifyResult> results, string specDir, CoyoteSuiteReport? coyote = null, TraceValidationReport? validation = null)
    {
        var models = results.Select(r => ToModel(r, specDir)).ToList();
        var subtitle = $"vipc verify, {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC: each model and mutant of spec/ against TLC's results in spec/manifest.json"
            + (coyote is null ? "" : ", then the implementation under Coyote and its traces against the specs");
        var html = ReportWriter.ToHtml(new VerificationReport { Models = models, Coyote = coyote, Validation = validation }, new ReportOptions("VerifiedIpc: vipc verify", subtitle));
        html = SummarySection().Replace(html, Summary(results).Replace("$", "$$", StringComparison.Ordinal), 1);
        if (results.Count == 1) html = html.Replace("</header>\n", "</header>\n" + Summary(results), StringComparison.Ordinal);
        return html.Replace("</style>", ExtraCss + "</style>", StringComparison.Ordinal);
    }
    /// <summary>The report library's model of one result.</summary>
    public static ReportModel ToModel(VerifyResult r, string specDir)
    {
        var e = r.Entry;
        var description = e.Description;
        if (r.Status == VerifyStatus.Mismatch)
            description = $"MISMATCH with TLC: {r.Note}. {description}";
        // TLC names some properties (a refinement, a conjunct of a temporal formula) only by their source location, and the
        // checker does the same; the manifest knows the definition's name, which is what a reader and the mapping's words need.
        var violated = r.Violated;
        if (e.ViolatedNamedByTlc == false && e.Violated is { } named && violated is not null && violated != named && r.Status == VerifyStatus.Ok)
        {
            description = $"{description} (The checker, like TLC, names the violated property {named} by its location: {violated}.)";
            violated = named;
        }
        return new ReportModel
        {
            Name = e.Name,
            Verdict = r.Verdict,
            Expected = e.Result,
            ViolatedProperty = violated,
            ExpectedProperty = e.Violated,
            Description = description,
            Mismatch = r.Status == VerifyStatus.Mismatch ? "MISMATCH with TLC: " + r.Note : null,
            ErrorMessage = r.Status == VerifyStatus.Mismatch ? r.ErrorMessage : null,
            DistinctStates = r.DistinctStates,
            StatesGenerated = r.StatesGenerated,
            Depth = r.Depth,
            Elapsed = r.Elapsed,
            Counterexample = r.CounterexampleJson is { } json ? TraceJson.Parse(json) : null,
            Mapping = FindMapping(e, specDir),
        };
    }

    /// <summary>
    /// The chart mapping of an entry: beside its cfg or spec by the library's convention, else the mapping of the
    /// spec a mutant is derived from (<c>BoundedBuffer_IfNotWhile</c> uses <c>spec/BoundedBuffer.chart.json</c>).
    /// </summary>
    public static ChartMapping? FindMapping(ManifestEntry e, string specDir)
    {
        var found = ChartMapping.FindBeside(Path.Combine(specDir, e.Cfg)) ?? ChartMapping.FindBeside(Path.Combine(specDir, e.Spec));
        if (found is not null) return found;
        var module = Path.GetFileNameWithoutExtension(e.Spec);
        var cut = module.IndexOf('_', StringComparison.Ordinal);
        if (cut > 0) module = module[..cut];
        var candidate = Path.Combine(specDir, module + ".chart.json");
        return File.Exists(candidate) ? ChartMapping.Load(candidate) : null;
    }

    private static string Summary(IReadOnlyList<VerifyResult> results)
    {
        var ok = results.Count(r => r.Status == VerifyStatus.Ok);
        var mismatch = results.Count(r => r.Status == VerifyStatus.Mismatch);
        var sb = new StringBuilder();
        sb.Append("<section class=\"summary\" id=\"models\"><h2>Models against TLC</h2>\n");
        sb.Append($"<p class=\"overall {(mismatch == 0 ? "ok" : "bad")}\">{results.Count} models: {ok} OK, {mismatch} MISMATCH; ");
        sb.Append($"{results.Count(r => r.CounterexampleJson is not null)} counterexamples below.</p>\n");
        sb.Append("<p class=\"sub\">OK: the checker reproduced TLC's verdict, violated property, distinct states, states generated, depth and exit code. ");
        sb.Append("MISMATCH: it disagrees with TLC (the note says on what).</p>\n");
        sb.Append("<table class=\"summary\">\n<thead><tr><th>Model</th><th>Expected (TLC)</th><th>Verdict</th><th class=\"num\">Distinct states</th><th class=\"num\">Generated</th><th class=\"num\">Depth</th><th class=\"num\">Time</th><th>Result</th><th>Note</th></tr></thead>\n<tbody>\n");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var cls = r.Status == VerifyStatus.Ok ? "ok" : "bad";
            sb.Append($"<tr class=\"{cls}\"><td><a href=\"#{Anchor(r.Entry.Name, i)}\">{Esc(r.Entry.Name)}</a></td>");
            sb.Append($"<td>{Esc(r.Entry.Result + (r.Entry.Violated is { } v ? " " + v : ""))}</td>");
            sb.Append($"<td>{Esc(r.Verdict + (r.Violated is { } w ? " " + w : ""))}</td>");
            sb.Append($"<td class=\"num\">{N(r.DistinctStates)}</td><td class=\"num\">{N(r.StatesGenerated)}</td><td class=\"num\">{N(r.Depth)}</td><td class=\"num\">{Esc(VerifyCommand.Seconds(r.Elapsed))}</td>");
            sb.Append($"<td><span class=\"st-{cls}\">{VerifyCommand.Status(r.Status)}</span></td><td class=\"note\">{Esc(r.Note)}</td></tr>\n");
        }
        sb.Append("</tbody></table></section>\n");
        return sb.ToString();
    }

    // The same anchors the report library gives its model sections.
    private static string Anchor(string name, int i) =>
        "m" + i.ToString(CultureInfo.InvariantCulture) + "-" + new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());

    private static string N(long? v) => v?.ToString("#,0", CultureInfo.InvariantCulture) ?? "–";

    private static string Esc(string s) => WebUtility.HtmlEncode(s);

    private const string ExtraCss = """
.st-ok { color: #1e8449; font-weight: bold; }
.st-bad { color: #c0392b; font-weight: bold; }
td.note { font-size: 12px; color: #555; max-width: 380px; }
table.summary td.num { white-space: nowrap; }

""";

    // The library's summary of the models; the verify summary (with TLC's numbers and a note per entry) replaces it.
    [GeneratedRegex("<section class=\"summary\"[^>]*>.*?</section>\\n", RegexOptions.Singleline)]
    private static partial Regex SummarySection();

}
