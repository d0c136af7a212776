using System.Reflection;
using System.Runtime.Loader;

namespace VerifiedIpc.Cli;

/// <summary>
/// Finds and loads the Coyote suite (VerifiedIpc.Coyote.Tests.dll, rewritten by its build) for <c>vipc test</c> and
/// <c>vipc replay</c>. The suite runs in its own load context: it must use the rewritten copy of
/// VerifiedIpc.Reference from its own folder, while <c>vipc</c> itself has already loaded the plain copy.
/// The CLI therefore has no compile-time dependency on Coyote; it calls <c>SuiteRunner</c> by reflection with
/// base-library types only.
/// </summary>
internal sealed class TestSuiteLoader : AssemblyLoadContext
{
    private const string SuiteFile = "VerifiedIpc.Coyote.Tests.dll";
    private const string RunnerType = "VerifiedIpc.Coyote.Tests.Harness.SuiteRunner";
    private readonly AssemblyDependencyResolver _resolver;

    private TestSuiteLoader(string suitePath) : base("coyote-suite", isCollectible: false) =>
        _resolver = new AssemblyDependencyResolver(suitePath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    /// <summary>
    /// The suite's path: <paramref name="explicitPath"/>, else the environment variable <c>VIPC_COYOTE_SUITE</c>,
    /// else the newest build output under <c>src/Coyote.Tests/bin</c> found walking up from the current directory
    /// and from vipc's own folder. Null when none exists.
    /// </summary>
    public static string? Locate(string? explicitPath)
    {
        var given = explicitPath ?? Environment.GetEnvironmentVariable("VIPC_COYOTE_SUITE");
        if (!string.IsNullOrEmpty(given))
        {
            return File.Exists(given) ? Path.GetFullPath(given) : null;
        }

        var candidates = new List<FileInfo>();
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var bin = Path.Combine(dir.FullName, "src", "Coyote.Tests", "bin");
                if (Directory.Exists(bin))
                {
                    candidates.AddRange(Directory.GetFiles(bin, SuiteFile, SearchOption.AllDirectories).Select(f => new FileInfo(f)));
                    break;
                }
            }
        }

        return candidates.OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()?.FullName;
    }

    /// <summary>Calls <c>SuiteRunner.<paramref name="method"/></c> of the suite at <paramref name="suitePath"/>.</summary>
    public static int Invoke(string suitePath, string method, params object?[] arguments)
    {
        var context = new TestSuiteLoader(suitePath);
        var suite = context.LoadFromAssemblyPath(suitePath);
        var runner = suite.GetType(RunnerType, throwOnError: true)!;
        var entry = runner.GetMethod(method, BindingFlags.Public | BindingFlags.Static)
            ?? throw new MissingMethodException(RunnerType, method);
        try
        {
            return (int)entry.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    /// <summary>What to tell the user when the suite is not built.</summary>
    public static string NotFoundMessage(string? explicitPath) =>
        explicitPath is not null
            ? $"error: no Coyote suite at '{explicitPath}'."
            : "error: the Coyote suite is not built. Run `dotnet build src/Coyote.Tests -c Release` from the repository root " +
              "(the build rewrites it for Coyote), or point --suite / VIPC_COYOTE_SUITE at VerifiedIpc.Coyote.Tests.dll.";
}
