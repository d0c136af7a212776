using System.Collections;
using System.Text.Json;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.TraceValidation;

/// <summary>
/// What a model reads from outside through the IOUtils and Json modules: environment variables (<c>IOEnv</c>) and
/// NDJSON/JSON files (<c>ndJsonDeserialize</c>, <c>JsonDeserialize</c>). <see cref="Default"/> reads the process
/// environment and the file system; trace validation supplies its own environment and the trace it has already
/// parsed, so a run needs neither a process-wide variable nor a temporary file.
/// </summary>
public sealed class ModelInputs
{
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly Dictionary<string, TraceLog> _traces;
    private readonly Dictionary<string, TraceLog> _loaded = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The process environment and the file system.</summary>
    public static ModelInputs Default { get; } = new();

    /// <summary>Creates inputs: <paramref name="environment"/> entries are added to (and win over) the process
    /// environment; a path in <paramref name="traces"/> is served from the parsed trace instead of the disk.</summary>
    public ModelInputs(IReadOnlyDictionary<string, string>? environment = null, IReadOnlyDictionary<string, TraceLog>? traces = null)
    {
        _environment = environment;
        _traces = traces is null ? new(StringComparer.Ordinal) : new(traces, StringComparer.Ordinal);
    }

    /// <summary>IOEnv: the environment as a record from variable names to string values.</summary>
    internal Value Environment(StringTable strings)
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            if (e.Key is string k && e.Value is string v) env[k] = v;
        if (_environment != null) foreach (var (k, v) in _environment) env[k] = v;
        return FcnValue.Record(env.Keys.Select(strings.Intern).ToArray(), env.Values.Select(v => (Value)strings.Intern(v)).ToArray());
    }

    /// <summary>ndJsonDeserialize(path): the file's lines as a tuple of values.</summary>
    internal Value NdJson(string path, StringTable strings)
    {
        TraceLog? log;
        lock (_lock)
        {
            if (!_traces.TryGetValue(path, out log) && !_loaded.TryGetValue(path, out log))
            {
                try { log = TraceLog.Load(path); }
                catch (TraceFormatException e) { throw new EvalException($"ndJsonDeserialize: {e.Message}", EvalErrorKind.Module); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    throw new EvalException($"ndJsonDeserialize: cannot read \"{path}\": {e.Message}", EvalErrorKind.Module);
                }
                _loaded[path] = log;
            }
        }
        return log.ToValue(strings);
    }

    /// <summary>JsonDeserialize(path): the file's one JSON value.</summary>
    internal Value Json(string path, StringTable strings)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return JsonValues.ToValue(doc.RootElement, strings);
        }
        catch (JsonException e) { throw new EvalException($"JsonDeserialize: \"{path}\" is not valid JSON: {e.Message}", EvalErrorKind.Module); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new EvalException($"JsonDeserialize: cannot read \"{path}\": {e.Message}", EvalErrorKind.Module);
        }
    }

    /// <summary>atoi(s): the decimal integer written in <paramref name="s"/>.</summary>
    internal static Value Atoi(string s) =>
        int.TryParse(s.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int n)
            ? IntValue.Of(n)
            : throw new EvalException($"atoi: \"{s}\" is not a decimal integer in TLC's 32-bit range.", EvalErrorKind.Module);

    /// <summary>The string argument of a standard-module operator, or the evaluation error TLC gives.</summary>
    internal static string StringArg(Value v, string op) =>
        v is StrValue s ? s.Value : throw new EvalException($"The argument of {op} should be a string, but instead it is:\n{v}");
}
