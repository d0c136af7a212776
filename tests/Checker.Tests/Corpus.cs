using System.Text.Json;

namespace VerifiedIpc.Checker.Tests;

/// <summary>One case of the shared TLC conformance corpus with TLC's recorded results.</summary>
public sealed record CorpusCase(string Name, string Dir, JsonElement Expected)
{
    public int Number => int.Parse(Name[..2]);
    public string Result => Expected.GetProperty("result").GetString()!;
    public string Tla => Path.Combine(Dir, Expected.GetProperty("tla").GetString()!);
    public string Cfg => Path.Combine(Dir, Expected.GetProperty("cfg").GetString()!);
    public string[] TlcArgs => Expected.GetProperty("tlc_args").EnumerateArray().Select(a => a.GetString()!).ToArray();

    public long? Long(string field) => Expected.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    public string? Str(string field) => Expected.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public override string ToString() => Name;
}

/// <summary>Finds and reads the corpus; a missing corpus is an error, never a silent skip.</summary>
public static class Corpus
{
    private static readonly Lazy<IReadOnlyList<CorpusCase>> All = new(Load);

    public static IReadOnlyList<CorpusCase> Cases => All.Value;

    public static CorpusCase Get(string name) => Cases.Single(c => c.Name == name);

    /// <summary>
    /// The temporal cases: every case whose TLC verdict is a violated temporal or action property, and the
    /// temporal-category cases 29-39 (fairness, action properties, refinement); checked like the rest.
    /// </summary>
    public static readonly string[] Temporal =
    [
        "29-temporal-holds", "30-liveness-lasso", "31-liveness-stuttering", "32-eventually-always-violated",
        "33-leadsto-violated", "34-action-property-violated", "35-refinement-holds", "36-refinement-broken",
        "37-fairness-sf-holds", "38-fairness-wf-insufficient", "39-enabled-unchanged-primes", "59-mp-mailbox-broken",
    ];

    /// <summary>The corpus's benchmark cases, run together in one test.</summary>
    public static readonly string[] Large = ["64-big-grid", "65-big-8puzzle", "66-big-token-bins"];

    public static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "tlc-conformance");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            $"The TLC conformance corpus (a folder shared/tlc-conformance above {AppContext.BaseDirectory}) was not found; the conformance tests cannot run without it.");
    }

    private static IReadOnlyList<CorpusCase> Load()
    {
        var root = FindRoot();
        var cases = Directory.GetDirectories(root)
            .Where(d => File.Exists(Path.Combine(d, "expected.json")))
            .OrderBy(d => d, StringComparer.Ordinal)
            .Select(d => new CorpusCase(Path.GetFileName(d), d, JsonDocument.Parse(File.ReadAllText(Path.Combine(d, "expected.json"))).RootElement.Clone()))
            .ToList();
        if (cases.Count == 0) throw new InvalidOperationException($"No cases found under {root}.");
        return cases;
    }
}
