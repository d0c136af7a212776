using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace VerifiedIpc.Checker.Tests;

/// <summary>One entry of spec/manifest.json: a model or mutant with the numbers real TLC reported for it.</summary>
public sealed record SpecEntry(JsonElement Json)
{
    public string Name => Json.GetProperty("name").GetString()!;
    public string Spec => Path.Combine(SpecManifest.SpecDir, Json.GetProperty("spec").GetString()!);
    public string Cfg => Path.Combine(SpecManifest.SpecDir, Json.GetProperty("cfg").GetString()!);
    public bool Ci => Json.GetProperty("ci").GetBoolean();
    public string Result => Json.GetProperty("result").GetString()!;
    public string? Violated => Json.GetProperty("violated").GetString();
    public bool ViolatedNamedByTlc => Json.TryGetProperty("violated_named_by_tlc", out var v) && v.ValueKind == JsonValueKind.True;
    public long Long(string field) => Json.GetProperty(field).GetInt64();

    /// <summary>The PROPERTY/PROPERTIES names its cfg declares (read from the cfg text, not from the checker).</summary>
    public IReadOnlyList<string> CfgProperties()
    {
        var names = new List<string>();
        var inProperties = false;
        foreach (var raw in File.ReadAllLines(Cfg))
        {
            var line = Regex.Replace(raw, @"\\\*.*$", "").Trim();
            if (line.Length == 0) continue;
            var words = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (Regex.IsMatch(words[0], "^[A-Z_]+$"))
            {
                inProperties = words[0] is "PROPERTY" or "PROPERTIES";
                words = words[1..];
            }
            if (inProperties) names.AddRange(words);
        }
        return names;
    }

    public override string ToString() => Name;
}

/// <summary>Finds spec/ by walking up from the test assembly to the folder with VerifiedIpc.sln.</summary>
public static class SpecManifest
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VerifiedIpc.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no VerifiedIpc.sln above {AppContext.BaseDirectory}");
    });

    private static readonly Lazy<IReadOnlyList<SpecEntry>> All = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(SpecDir, "manifest.json")));
        return doc.RootElement.GetProperty("entries").EnumerateArray().Select(e => new SpecEntry(e.Clone())).ToList();
    });

    public static string SpecDir => Path.Combine(Root.Value, "spec");

    public static IReadOnlyList<SpecEntry> Entries => All.Value;

    public static SpecEntry Get(string name) => Entries.Single(e => e.Name == name);
}

/// <summary>
/// The checker against spec/manifest.json: every CI entry reproduces TLC's verdict, violated property, distinct
/// states, states generated, depth, exit code and trace kind, liveness and refinement verdicts included.
/// </summary>
public sealed class SpecManifestTests
{
    private sealed record Run(CheckOutcome Outcome, string Log);

    private static readonly ConcurrentDictionary<string, Lazy<Run>> Runs = new();

    private static Run Check(SpecEntry e) => Runs.GetOrAdd(e.Name, _ => new Lazy<Run>(() =>
    {
        var log = new StringWriter();
        var outcome = ModelCheck.Run(new CheckRequest(e.Spec, e.Cfg, Workers: 1), log, (_, _, _, _) => { });
        var text = log.ToString();
        return new Run(outcome, text);
    })).Value;

    public static TheoryData<string> CiEntries()
    {
        var data = new TheoryData<string>();
        foreach (var e in SpecManifest.Entries.Where(e => e.Ci)) data.Add(e.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CiEntries))]
    public void Checker_reproduces_the_manifest_entry(string name)
    {
        var e = SpecManifest.Get(name);
        var run = Check(e);
        var r = run.Outcome.Result;
        Assert.True(r is not null, $"{name} did not load: {run.Outcome.ErrorMessage}\n{run.Log}");
        var verdict = r.Verdict switch
        {
            Engine.Verdict.Success => "success",
            Engine.Verdict.InvariantViolated => "invariant",
            Engine.Verdict.Deadlock => "deadlock",
            Engine.Verdict.TemporalViolated or Engine.Verdict.ActionPropertyViolated => "property",
            var other => other.ToString(),
        };
        Assert.Equal(e.Result, verdict);
        if (e.Violated is not null && e.ViolatedNamedByTlc) Assert.Equal(e.Violated, r.Violated);
        Assert.Equal(e.Long("distinct_states"), r.DistinctStates);
        Assert.Equal(e.Long("states_generated"), r.StatesGenerated);
        Assert.Equal((int)e.Long("depth"), r.Depth);
        Assert.Equal((int)e.Long("tlc_exit_code"), run.Outcome.ExitCode);
        if (e.Json.TryGetProperty("trace_kind", out var kind) && kind.ValueKind == JsonValueKind.String)
            Assert.Equal(kind.GetString(), r.Stuttering ? "stuttering" : r.LoopBackTo != null ? "lasso" : "finite");
    }

    [Fact]
    public void Every_manifest_entry_names_files_that_exist()
    {
        Assert.NotEmpty(SpecManifest.Entries);
        Assert.Contains(SpecManifest.Entries, e => e.Ci);
        Assert.Contains(SpecManifest.Entries, e => !e.Ci);
        foreach (var e in SpecManifest.Entries)
        {
            Assert.True(File.Exists(e.Spec), $"{e.Name}: {e.Spec} does not exist");
            Assert.True(File.Exists(e.Cfg), $"{e.Name}: {e.Cfg} does not exist");
        }
        Assert.Equal(SpecManifest.Entries.Count, SpecManifest.Entries.Select(e => e.Name).Distinct().Count());
    }
}
