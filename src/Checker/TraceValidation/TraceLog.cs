using System.Text.Json;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.TraceValidation;

/// <summary>One event of an NDJSON trace: the JSON object, where it came from, and its text.</summary>
public sealed class TraceEvent
{
    private JsonElement? _json;

    internal TraceEvent(int index, int lineNumber, string line, TraceNode node, string proc, long clock, string kind)
    {
        Index = index;
        LineNumber = lineNumber;
        Line = line;
        Node = node;
        Proc = proc;
        Clock = clock;
        Kind = kind;
    }

    /// <summary>Position in the trace, 1-based, as the trace module's <c>Trace[i]</c> numbers it.</summary>
    public int Index { get; }

    /// <summary>Line of the trace file (1-based); differs from <see cref="Index"/> when blank lines are skipped.</summary>
    public int LineNumber { get; }

    /// <summary>The line as written.</summary>
    public string Line { get; }

    /// <summary>The parsed object (parsed again from <see cref="Line"/> on first use; validation reads
    /// the trace's own node form).</summary>
    public JsonElement Json
    {
        get
        {
            if (_json is { } j) return j;
            using var doc = JsonDocument.Parse(Line);
            var root = doc.RootElement.Clone();
            _json = root;
            return root;
        }
    }

    internal TraceNode Node { get; }

    /// <summary>The <c>proc</c> field: the logical process that took the step.</summary>
    public string Proc { get; }

    /// <summary>The <c>clock</c> field: the event's position in the object's order.</summary>
    public long Clock { get; }

    /// <summary>The <c>kind</c> field: the step, in the vocabulary of the spec's actions.</summary>
    public string Kind { get; }
}

/// <summary>
/// A parsed NDJSON trace (one JSON object per line, blank lines skipped). Parsing checks every line up front, so a
/// malformed trace is a <see cref="TraceFormatException"/> naming the line before any state is explored; the TLA+
/// value the trace module sees (<c>ndJsonDeserialize</c>) is built once per model from the parsed lines.
/// </summary>
public sealed class TraceLog
{
    private readonly TraceEvent[] _events;
    private (StringTable Strings, Value Value)? _cached;
    private readonly Lock _cacheLock = new();

    private TraceLog(string source, TraceEvent[] events)
    {
        Source = source;
        _events = events;
    }

    /// <summary>Where the trace came from (a path, or a name for a trace held in memory).</summary>
    public string Source { get; }

    /// <summary>The events, in trace order.</summary>
    public IReadOnlyList<TraceEvent> Events => _events;

    /// <summary>Reads and checks the trace file at <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">A line is not a JSON object with <c>proc</c>, <c>clock</c> and <c>kind</c>, or holds a value TLA+ cannot represent.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TraceLog Load(string path) => Parse(File.ReadAllLines(path), path);

    /// <summary>Checks the trace given as lines (for traces held in memory: tests, Coyote and property runs).</summary>
    /// <exception cref="TraceFormatException">A line is not a JSON object with <c>proc</c>, <c>clock</c> and <c>kind</c>, or holds a value TLA+ cannot represent.</exception>
    public static TraceLog Parse(IEnumerable<string> lines, string source = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(lines);
        var kept = new List<(string Line, int Number)>();
        int lineNumber = 0;
        foreach (var raw in lines)
        {
            lineNumber++;
            if (!string.IsNullOrWhiteSpace(raw)) kept.Add((raw, lineNumber));
        }
        var reader = new TraceLineReader();
        var events = new TraceEvent[kept.Count];
        for (int i = 0; i < events.Length; i++)
        {
            var (line, number) = kept[i];
            events[i] = reader.TryRead(line, out var obj, out var proc, out long clock, out var kind)
                ? new TraceEvent(i + 1, number, line, obj, proc, clock, kind)
                : ParseLine(line, number, i + 1, source);
        }
        return new TraceLog(source, events);
    }

    /// <summary>The checking parser, for a line the fast reader declined: it names what is wrong and where.</summary>
    private static TraceEvent ParseLine(string line, int lineNumber, int index, string source)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(line);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(source, lineNumber, $"not valid JSON ({e.Message})", line);
        }
        return Build(root, line, lineNumber, index, source);
    }

    private static TraceEvent Build(JsonElement root, string line, int lineNumber, int index, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new TraceFormatException(source, lineNumber, $"expected a JSON object, found {Describe(root.ValueKind)}", line);
        CheckRepresentable(root, source, lineNumber, line, "");
        string proc = RequiredString(root, "proc", source, lineNumber, line);
        string kind = RequiredString(root, "kind", source, lineNumber, line);
        if (!root.TryGetProperty("clock", out var clockEl))
            throw new TraceFormatException(source, lineNumber, "the field \"clock\" is missing", line);
        if (clockEl.ValueKind != JsonValueKind.Number || !clockEl.TryGetInt64(out long clock) || clock < 1)
            throw new TraceFormatException(source, lineNumber, $"the field \"clock\" must be an integer of at least 1, found {clockEl.GetRawText()}", line);
        return new TraceEvent(index, lineNumber, line, TraceLineReader.FromElement(root), proc, clock, kind);
    }

    private static string RequiredString(JsonElement obj, string field, string source, int lineNumber, string line)
    {
        if (!obj.TryGetProperty(field, out var el))
            throw new TraceFormatException(source, lineNumber, $"the field \"{field}\" is missing", line);
        if (el.ValueKind != JsonValueKind.String)
            throw new TraceFormatException(source, lineNumber, $"the field \"{field}\" must be a string, found {Describe(el.ValueKind)}", line);
        return el.GetString()!;
    }

    /// <summary>Every value must have a TLA+ counterpart: no null, no fractions, integers in TLC's 32-bit range,
    /// no field named twice (a record has each field once).</summary>
    private static void CheckRepresentable(JsonElement el, string source, int lineNumber, string line, string path)
    {
        switch (el.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in el.EnumerateObject())
                {
                    if (!names.Add(p.Name))
                        throw new TraceFormatException(source, lineNumber, $"the field \"{path}{p.Name}\" appears twice", line);
                    CheckRepresentable(p.Value, source, lineNumber, line, path + p.Name + ".");
                }
                break;
            case JsonValueKind.Array:
                int i = 1;
                foreach (var item in el.EnumerateArray()) CheckRepresentable(item, source, lineNumber, line, $"{path.TrimEnd('.')}[{i++}].");
                break;
            case JsonValueKind.Number:
                if (!el.TryGetInt32(out _))
                    throw new TraceFormatException(source, lineNumber, $"the number {el.GetRawText()} at \"{path.TrimEnd('.')}\" is not an integer in TLC's 32-bit range", line);
                break;
            case JsonValueKind.Null:
                throw new TraceFormatException(source, lineNumber, $"null at \"{path.TrimEnd('.')}\" has no TLA+ value; leave the field out instead", line);
        }
    }

    private static string Describe(JsonValueKind k) => k switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The trace as the TLA+ value <c>ndJsonDeserialize</c> returns: a tuple of records.</summary>
    internal Value ToValue(StringTable strings)
    {
        lock (_cacheLock)
        {
            if (_cached is { } c && ReferenceEquals(c.Strings, strings)) return c.Value;
            var vals = new Value[_events.Length];
            var builder = new TraceValueBuilder(strings);
            for (int i = 0; i < vals.Length; i++) vals[i] = builder.ToValue(_events[i].Node);
            var v = FcnValue.Tuple(vals);
            _cached = (strings, v);
            return v;
        }
    }
}

/// <summary>JSON to TLA+ values, as the CommunityModules' Json module maps them: objects become records, arrays
/// tuples, strings strings, integers integers, booleans booleans.</summary>
internal static class JsonValues
{
    /// <summary>Interns field names and string values without allocating a .NET string for each: a trace repeats a
    /// handful of names (<c>proc</c>, <c>kind</c>...) and values (<c>"Send"</c>, <c>"p1"</c>...) on every line.</summary>
    internal sealed class Interner(StringTable strings)
    {
        private const int MaxCached = 64;
        private readonly List<(byte[] Utf8, StrValue Value)> _names = [];
        private readonly List<(byte[] Utf8, StrValue Value)> _values = [];

        public StrValue Name(JsonProperty p, int position)
        {
            // Lines of one trace list their fields in the same order: try the name seen at this position first.
            if (position < _names.Count && p.NameEquals(_names[position].Utf8)) return _names[position].Value;
            foreach (var (utf8, v) in _names) if (p.NameEquals(utf8)) return v;
            return Add(_names, p.Name);
        }

        public StrValue Value(JsonElement e)
        {
            foreach (var (utf8, v) in _values) if (e.ValueEquals(utf8)) return v;
            return Add(_values, e.GetString()!);
        }

        private StrValue Add(List<(byte[] Utf8, StrValue Value)> cache, string s)
        {
            var v = strings.Intern(s);
            if (cache.Count < MaxCached) cache.Add((System.Text.Encoding.UTF8.GetBytes(s), v));
            return v;
        }
    }

    public static Value ToValue(JsonElement el, StringTable strings) => ToValue(el, new Interner(strings));

    public static Value ToValue(JsonElement el, Interner interner)
    {
        switch (el.ValueKind)
        {
            case JsonValueKind.Object:
                {
                    int n = 0;
                    foreach (var _ in el.EnumerateObject()) n++;
                    var names = new Value[n];
                    var vals = new Value[n];
                    int count = 0;
                    foreach (var p in el.EnumerateObject())
                    {
                        // Insertion into TLC's order as we go: records are small, and this spares the general
                        // constructor's copy and sort for every event of a long trace.
                        var name = interner.Name(p, count);
                        var val = ToValue(p.Value, interner);
                        int j = count++;
                        while (j > 0 && names[j - 1].CompareTo(name) > 0)
                        {
                            names[j] = names[j - 1];
                            vals[j] = vals[j - 1];
                            j--;
                        }
                        if (j > 0 && names[j - 1].Equals(name))
                            throw new EvalException($"The JSON object {el.GetRawText()} names the field {p.Name} twice.", EvalErrorKind.Module);
                        names[j] = name;
                        vals[j] = val;
                    }
                    return FcnValue.FromSorted(names, vals);
                }
            case JsonValueKind.Array:
                {
                    var items = new Value[el.GetArrayLength()];
                    int i = 0;
                    foreach (var item in el.EnumerateArray()) items[i++] = ToValue(item, interner);
                    return FcnValue.Tuple(items);
                }
            case JsonValueKind.String:
                return interner.Value(el);
            case JsonValueKind.Number:
                return el.TryGetInt32(out int number) ? IntValue.Of(number)
                    : throw new EvalException($"The JSON number {el.GetRawText()} is not an integer in TLC's 32-bit range.", EvalErrorKind.Module);
            case JsonValueKind.True: return BoolValue.True;
            case JsonValueKind.False: return BoolValue.False;
            default:
                throw new EvalException($"The JSON value {el.GetRawText()} has no TLA+ counterpart.", EvalErrorKind.Module);
        }
    }
}
