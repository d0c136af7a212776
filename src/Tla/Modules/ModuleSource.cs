using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Modules;

/// <summary>Where the loader finds the text of a user module by name.</summary>
public interface IModuleSource
{
    /// <summary>Finds module <paramref name="name"/>; false when there is no such file.</summary>
    bool TryRead(string name, out SourceFile file);
}

/// <summary>Modules as <c>Name.tla</c> files in one folder (TLC looks beside the main spec).</summary>
public sealed class DirectoryModuleSource(string directory) : IModuleSource
{
    public string Directory { get; } = directory;

    public bool TryRead(string name, out SourceFile file)
    {
        var path = Path.Combine(Directory, name + ".tla");
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || !File.Exists(path))
        {
            file = null!;
            return false;
        }

        try
        {
            file = new SourceFile(path, File.ReadAllText(path));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable is reported like missing: the loader says which module it could not find.
            file = null!;
            return false;
        }
    }
}

/// <summary>Modules held in memory (tests, tools that generate specs).</summary>
public sealed class InMemoryModuleSource(IReadOnlyDictionary<string, string> modules) : IModuleSource
{
    public bool TryRead(string name, out SourceFile file)
    {
        if (modules.TryGetValue(name, out var text))
        {
            file = new SourceFile(name + ".tla", text);
            return true;
        }

        file = null!;
        return false;
    }
}
