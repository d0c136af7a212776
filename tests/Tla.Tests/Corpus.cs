using System.Text.Json;

namespace VerifiedIpc.Tla.Tests;

/// <summary>Locates the TLC conformance corpus (../shared/tlc-conformance beside the repository).</summary>
public static class Corpus
{
    private static readonly Lazy<string> RootLazy = new(Locate);

    /// <summary>The corpus folder; throws with a clear message when it cannot be found (tests must not skip).</summary>
    public static string Root => RootLazy.Value;

    /// <summary>Every case folder, sorted.</summary>
    public static IEnumerable<string> Cases => Directory.GetDirectories(Root).Order(StringComparer.Ordinal);

    /// <summary>Case names for xunit theories.</summary>
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Cases)
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    public static string CaseDir(string name) => Path.Combine(Root, name);

    public static JsonElement Expected(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(CaseDir(name), "expected.json"))).RootElement;

    private static string Locate()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            // The corpus sits beside the repository: <parent>/shared/tlc-conformance.
            var candidate = Path.Combine(dir.FullName, "shared", "tlc-conformance");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }

            dir = dir.Parent;
        }

        throw new InvalidOperationException(
            "The TLC conformance corpus was not found: expected a folder 'shared/tlc-conformance' beside the repository "
            + $"(searched upwards from {AppContext.BaseDirectory}).");
    }
}
