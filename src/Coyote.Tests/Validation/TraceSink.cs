using VerifiedIpc.Reference.Tracing;

namespace VerifiedIpc.Coyote.Tests.Validation;

/// <summary>
/// Collects the NDJSON trace of every iteration of an exploration. Each iteration asks for a fresh writer with
/// <see cref="Begin"/>; the writer of the latest iteration stays reachable through <see cref="Current"/>, so the
/// trace of an iteration that never finished (a deadlock Coyote stopped) is not lost.
/// </summary>
public sealed class TraceSink
{
    private readonly object _gate = new();
    private readonly List<IReadOnlyList<string>> _finished = [];
    private NdjsonTraceWriter? _current;

    /// <summary>A new writer for the iteration that is starting; the previous iteration's trace is kept.</summary>
    public NdjsonTraceWriter Begin()
    {
        lock (_gate)
        {
            if (_current is { } previous) _finished.Add(previous.Lines);
            _current = NdjsonTraceWriter.InMemory();
            return _current;
        }
    }

    /// <summary>The writer of the latest iteration (null before the first).</summary>
    public NdjsonTraceWriter? Current
    {
        get { lock (_gate) return _current; }
    }

    /// <summary>Every iteration's trace, oldest first, the latest included.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Traces
    {
        get
        {
            lock (_gate) return _current is null ? [.. _finished] : [.. _finished, _current.Lines];
        }
    }
}
