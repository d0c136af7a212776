namespace VerifiedIpc.Reference.Tracing;

/// <summary>
/// The logical process a traced step is attributed to (the <c>proc</c> field of an NDJSON event). A harness names
/// its threads or tasks with <see cref="Use"/>; the name flows with the async context, so it follows a task across
/// awaits and into the threads and tasks it starts. Unnamed code is attributed to <c>t&lt;managed thread id&gt;</c>.
/// </summary>
/// <remarks>
/// Only tracers read the name, and only while tracing is on: an untraced primitive never touches it, so naming
/// processes costs nothing in production paths that do not trace.
/// </remarks>
public static class TraceProcess
{
    // AsyncLocal rather than ThreadStatic: a task resumes on arbitrary pool threads, and the spec's process is the
    // logical sequence of steps, not the OS thread that happens to run one of them.
    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>The current logical process: the innermost <see cref="Use"/> name, else <c>t&lt;managed thread id&gt;</c>.</summary>
    public static string Current => Ambient.Value ?? "t" + Environment.CurrentManagedThreadId;

    /// <summary>The name set by <see cref="Use"/> in this async context, or null when none is.</summary>
    public static string? Name => Ambient.Value;

    /// <summary>
    /// Names the current logical process until the returned scope is disposed (the previous name comes back).
    /// Call it first thing in each task or thread of a harness: <c>using var _ = TraceProcess.Use("p1");</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or whitespace.</exception>
    public static Scope Use(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var previous = Ambient.Value;
        Ambient.Value = name;
        return new Scope(previous);
    }

    /// <summary>Restores the previous process name when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly string? _previous;

        internal Scope(string? previous) => _previous = previous;

        /// <summary>Restores the name that was current before <see cref="Use"/>.</summary>
        public void Dispose() => Ambient.Value = _previous;
    }
}
