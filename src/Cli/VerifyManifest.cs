using System.Text.Json;

namespace VerifiedIpc.Cli;

/// <summary>A manifest that cannot be read: says which file and which entry or field is wrong.</summary>
public sealed class ManifestFormatException(string path, string where, string message)
    : Exception($"{path}: {where}: {message}")
{
    /// <summary>The manifest file.</summary>
    public string Path { get; } = path;
    /// <summary>A JSON path such as <c>$.entries[3].distinct_states</c>.</summary>
    public string Where { get; } = where;
}

/// <summary>One model or mutant of <c>spec/manifest.json</c> with the numbers real TLC reported for it.</summary>
public sealed record ManifestEntry(
    string Name, string Kind, string Spec, string Cfg, bool Ci, string Description,
    string Result, string? Violated, bool? ViolatedNamedByTlc,
    long DistinctStates, long StatesGenerated, int Depth, int TlcExitCode, string? TraceKind);

/// <summary>Reads <c>spec/manifest.json</c>.</summary>
public static class VerifyManifest
{
    /// <summary>Loads every entry; paths in the entries stay relative to the manifest's folder.</summary>
    public static IReadOnlyList<ManifestEntry> Load(string path)
    {
        if (!File.Exists(path)) throw new ManifestFormatException(path, "$", "the manifest does not exist");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new ManifestFormatException(path, $"line {(e.LineNumber ?? 0) + 1}", "malformed JSON: " + e.Message); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
                throw new ManifestFormatException(path, "$.entries", "expected an array of entries");
            var list = new List<ManifestEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var i = 0;
            foreach (var e in entries.EnumerateArray())
            {
                var at = $"$.entries[{i}]";
                if (e.ValueKind != JsonValueKind.Object) throw new ManifestFormatException(path, at, "expected an object");
                var entry = new ManifestEntry(
                    Str(path, e, at, "name")!, Str(path, e, at, "kind")!, Str(path, e, at, "spec")!, Str(path, e, at, "cfg")!,
                    Bool(path, e, at, "ci") ?? throw new ManifestFormatException(path, at + ".ci", "missing"),
                    Str(path, e, at, "description", optional: true) ?? "",
                    Str(path, e, at, "result")!, Str(path, e, at, "violated", optional: true), Bool(path, e, at, "violated_named_by_tlc"),
                    Num(path, e, at, "distinct_states"), Num(path, e, at, "states_generated"), (int)Num(path, e, at, "depth"),
                    (int)Num(path, e, at, "tlc_exit_code"), Str(path, e, at, "trace_kind", optional: true));
                if (!names.Add(entry.Name)) throw new ManifestFormatException(path, at + ".name", $"duplicate entry name '{entry.Name}'");
                list.Add(entry);
                i++;
            }
            return list;
        }
    }

    private static string? Str(string path, JsonElement e, string at, string field, bool optional = false)
    {
        if (!e.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
            return optional ? null : throw new ManifestFormatException(path, $"{at}.{field}", "missing");
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ManifestFormatException(path, $"{at}.{field}", "expected a string");
    }

    private static bool? Bool(string path, JsonElement e, string at, string field)
    {
        if (!e.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ManifestFormatException(path, $"{at}.{field}", "expected true or false"),
        };
    }

    private static long Num(string path, JsonElement e, string at, string field)
    {
        if (!e.TryGetProperty(field, out var v)) throw new ManifestFormatException(path, $"{at}.{field}", "missing");
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= 0
            ? n : throw new ManifestFormatException(path, $"{at}.{field}", "expected a non-negative integer");
    }
}
