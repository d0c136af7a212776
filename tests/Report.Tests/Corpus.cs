using System.Text.Json;
using System.Xml.Linq;

namespace VerifiedIpc.Report.Tests;

/// <summary>
/// Access to the TLC conformance corpus (real TLC traces, <c>../shared/tlc-conformance</c> beside the repository,
/// or <c>TLC_CONFORMANCE_DIR</c>) and to this project's hand-written traces and mappings.
/// </summary>
internal static class Corpus
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Dir { get; } = Environment.GetEnvironmentVariable("TLC_CONFORMANCE_DIR") is { Length: > 0 } d
        ? d
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "tlc-conformance"));

    /// <summary>The case directory whose name starts with the number, e.g. "55".</summary>
    public static string Case(string number)
    {
        Assert.True(Directory.Exists(Dir), $"the TLC conformance corpus is missing at {Dir} (set TLC_CONFORMANCE_DIR)");
        var dirs = Directory.GetDirectories(Dir, number + "-*");
        Assert.True(dirs.Length == 1, $"no unique corpus case {number}-* in {Dir}");
        return dirs[0];
    }

    public static Counterexample Trace(string number) => TraceJson.Parse(File.ReadAllText(Path.Combine(Case(number), "trace.json")));

    public static JsonElement Expected(string number) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Case(number), "expected.json"))).RootElement.Clone();

    public static IEnumerable<string> AllTraceCases() =>
        Directory.GetDirectories(Dir).Where(d => File.Exists(Path.Combine(d, "trace.json")))
            .Select(d => Path.GetFileName(d)!.Split('-')[0]).Order();

    public static Counterexample Local(string name) =>
        TraceJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", name)));

    public static ChartMapping Mapping(string name) =>
        ChartMapping.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Mappings", name + ".json")));

    /// <summary>A report model for a corpus case, with its verdict metadata from expected.json.</summary>
    public static ReportModel Model(string number, ChartMapping? mapping = null)
    {
        var e = Expected(number);
        return new ReportModel
        {
            Name = Path.GetFileName(Case(number)),
            Verdict = e.GetProperty("result").GetString()!,
            Expected = e.GetProperty("result").GetString(),
            ViolatedProperty = e.GetProperty("violated").GetString(),
            Description = e.GetProperty("description").GetString(),
            DistinctStates = e.GetProperty("distinct_states").ValueKind == JsonValueKind.Number ? e.GetProperty("distinct_states").GetInt64() : null,
            Depth = e.GetProperty("depth").ValueKind == JsonValueKind.Number ? e.GetProperty("depth").GetInt32() : null,
            Elapsed = TimeSpan.FromSeconds(e.GetProperty("reference_wall_seconds").GetDouble()),
            Counterexample = Trace(number),
            Mapping = mapping,
        };
    }

    public static XElement Svg(Chart chart) => XElement.Parse(SvgChartWriter.Write(chart));

    public static XDocument Html(string html) =>
        XDocument.Load(System.Xml.XmlReader.Create(new StringReader(html), new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Ignore }));

    /// <summary>Elements whose class attribute contains every given class.</summary>
    public static IEnumerable<XElement> WithClass(this XContainer root, params string[] classes) =>
        root.Descendants().Where(e => e.Attribute("class")?.Value.Split(' ') is { } cls && classes.All(cls.Contains));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VerifiedIpc.sln"))) return dir.FullName;
        throw new InvalidOperationException("VerifiedIpc.sln not found above " + AppContext.BaseDirectory);
    }
}
