using System.Text;
using System.Text.Json;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.TraceValidation;

/// <summary>A trace line's JSON value, as read once by <see cref="TraceLineReader"/>: only the kinds a TLA+ value can
/// have (no null, integers only), strings interned per trace, and objects with the same field names in the same
/// order sharing one name array (the "shape"), so the TLA+ records can share their sorted domain.</summary>
internal abstract class TraceNode;

internal sealed class TraceObject(string[] names, TraceNode[] values) : TraceNode
{
    /// <summary>Field names in document order; the same array instance for every object of this shape.</summary>
    public string[] Names { get; } = names;

    public TraceNode[] Values { get; } = values;
}

internal sealed class TraceArray(TraceNode[] items) : TraceNode
{
    public TraceNode[] Items { get; } = items;
}

internal sealed class TraceString(string value) : TraceNode
{
    public string Value { get; } = value;

    // The TLA+ string of the last table it was converted for; conversions run under the trace's cache lock.
    internal StringTable? Table;
    internal StrValue? Converted;
}

internal sealed class TraceInt(int value) : TraceNode
{
    private static readonly TraceInt[] Small = Enumerable.Range(-1, 1026).Select(i => new TraceInt(i)).ToArray();

    public int Value { get; } = value;

    public static TraceInt Of(int n) => n >= -1 && n <= 1024 ? Small[n + 1] : new TraceInt(n);
}

internal sealed class TraceBool : TraceNode
{
    public static readonly TraceBool True = new(true), False = new(false);

    private TraceBool(bool value) => Value = value;

    public bool Value { get; }
}

/// <summary>
/// Reads trace lines with <see cref="Utf8JsonReader"/> straight into <see cref="TraceNode"/>s: one pass per line, no
/// document, no .NET string for a name or value already seen. A line it cannot take (not JSON, not an object, a
/// value with no TLA+ counterpart, a missing or mistyped <c>proc</c>/<c>clock</c>/<c>kind</c>) yields false; the
/// caller then reads that line with the checking parser, which says what is wrong and where.
/// </summary>
internal sealed class TraceLineReader
{
    private const int MaxCachedStrings = 256;
    private const int MaxShapes = 64;

    private byte[] _buffer = new byte[512];
    private readonly List<(byte[] Utf8, string Value)> _names = [];
    private readonly List<(byte[] Utf8, TraceString Value)> _strings = [];
    private readonly List<string[]> _shapes = [];
    private readonly List<string> _nameStack = [];
    private readonly List<TraceNode> _valueStack = [];
    private bool _bad;

    public bool TryRead(string line, out TraceObject obj, out string proc, out long clock, out string kind)
    {
        obj = null!;
        proc = kind = "";
        clock = 0;
        int max = Encoding.UTF8.GetMaxByteCount(line.Length);
        if (_buffer.Length < max) _buffer = new byte[Math.Max(max, _buffer.Length * 2)];
        int n = Encoding.UTF8.GetBytes(line, _buffer);
        _bad = false;
        _nameStack.Clear();
        _valueStack.Clear();
        TraceNode root;
        try
        {
            var r = new Utf8JsonReader(_buffer.AsSpan(0, n), isFinalBlock: true, state: default);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return false;
            root = ReadValue(ref r);
            if (r.Read()) return false;
        }
        catch (JsonException) { return false; }
        if (_bad || root is not TraceObject o) return false;
        TraceNode? p = null, k = null, c = null;
        for (int i = 0; i < o.Names.Length; i++)
        {
            switch (o.Names[i])
            {
                case "proc": p = o.Values[i]; break;
                case "kind": k = o.Values[i]; break;
                case "clock": c = o.Values[i]; break;
            }
        }
        if (p is not TraceString ps || k is not TraceString ks || c is not TraceInt { Value: >= 1 } ci) return false;
        obj = o;
        proc = ps.Value;
        kind = ks.Value;
        clock = ci.Value;
        return true;
    }

    private TraceNode ReadValue(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    int start = _nameStack.Count;
                    while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                    {
                        var name = Name(ref r, _nameStack.Count - start);
                        for (int i = start; i < _nameStack.Count; i++)
                            if (string.Equals(_nameStack[i], name, StringComparison.Ordinal)) _bad = true;
                        _nameStack.Add(name);
                        r.Read();
                        _valueStack.Add(ReadValue(ref r));
                    }
                    int count = _nameStack.Count - start;
                    var values = _valueStack.GetRange(_valueStack.Count - count, count).ToArray();
                    _valueStack.RemoveRange(_valueStack.Count - count, count);
                    var names = Shape(start, count);
                    _nameStack.RemoveRange(start, count);
                    return new TraceObject(names, values);
                }
            case JsonTokenType.StartArray:
                {
                    int start = _valueStack.Count;
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray) _valueStack.Add(ReadValue(ref r));
                    var items = _valueStack.GetRange(start, _valueStack.Count - start).ToArray();
                    _valueStack.RemoveRange(start, items.Length);
                    return new TraceArray(items);
                }
            case JsonTokenType.String:
                return String(ref r);
            case JsonTokenType.Number:
                if (r.TryGetInt32(out int number)) return TraceInt.Of(number);
                _bad = true;
                return TraceInt.Of(0);
            case JsonTokenType.True: return TraceBool.True;
            case JsonTokenType.False: return TraceBool.False;
            default:
                _bad = true;
                return TraceBool.False;
        }
    }

    private string Name(ref Utf8JsonReader r, int position)
    {
        if (!r.ValueIsEscaped && !r.HasValueSequence)
        {
            var span = r.ValueSpan;
            // Lines of one trace list their fields in the same order: try the name seen at this position first.
            if (position < _names.Count && span.SequenceEqual(_names[position].Utf8)) return _names[position].Value;
            foreach (var (utf8, v) in _names) if (span.SequenceEqual(utf8)) return v;
            var s = r.GetString()!;
            if (_names.Count < MaxCachedStrings) _names.Add((span.ToArray(), s));
            return s;
        }
        return r.GetString()!;
    }

    private TraceString String(ref Utf8JsonReader r)
    {
        if (!r.ValueIsEscaped && !r.HasValueSequence)
        {
            var span = r.ValueSpan;
            foreach (var (utf8, v) in _strings) if (span.SequenceEqual(utf8)) return v;
            var s = new TraceString(r.GetString()!);
            if (_strings.Count < MaxCachedStrings) _strings.Add((span.ToArray(), s));
            return s;
        }
        return new TraceString(r.GetString()!);
    }

    /// <summary>The shared name array for the names at <paramref name="start"/> of the name stack.</summary>
    private string[] Shape(int start, int count)
    {
        foreach (var shape in _shapes)
        {
            if (shape.Length != count) continue;
            bool same = true;
            for (int i = 0; i < count && same; i++) same = string.Equals(shape[i], _nameStack[start + i], StringComparison.Ordinal);
            if (same) return shape;
        }
        var names = _nameStack.GetRange(start, count).ToArray();
        if (_shapes.Count < MaxShapes) _shapes.Add(names);
        return names;
    }

    /// <summary>A value the checking parser accepted, as a node (the rare lines the fast reader declined).</summary>
    public static TraceNode FromElement(JsonElement el) => el.ValueKind switch
    {
        JsonValueKind.Object => new TraceObject(
            el.EnumerateObject().Select(p => p.Name).ToArray(),
            el.EnumerateObject().Select(p => FromElement(p.Value)).ToArray()),
        JsonValueKind.Array => new TraceArray(el.EnumerateArray().Select(FromElement).ToArray()),
        JsonValueKind.String => new TraceString(el.GetString()!),
        JsonValueKind.Number => TraceInt.Of(el.GetInt32()),
        JsonValueKind.True => TraceBool.True,
        JsonValueKind.False => TraceBool.False,
        _ => throw new InvalidOperationException($"a checked trace line holds {el.ValueKind}"),
    };
}

/// <summary>Trace nodes to TLA+ values, as the CommunityModules' Json module maps JSON: objects become records,
/// arrays tuples. Strings are interned in document order (TLC orders strings by intern order); each record shape
/// is sorted once and its sorted domain shared by every record of that shape.</summary>
internal sealed class TraceValueBuilder(StringTable strings)
{
    private readonly Dictionary<string[], (Value[] Keys, int[] Slot)> _shapes = new(ReferenceEqualityComparer.Instance);

    public Value ToValue(TraceNode node)
    {
        switch (node)
        {
            case TraceObject o:
                {
                    var vals = new Value[o.Names.Length];
                    if (_shapes.TryGetValue(o.Names, out var shape))
                    {
                        for (int i = 0; i < vals.Length; i++) vals[shape.Slot[i]] = ToValue(o.Values[i]);
                        return FcnValue.FromSorted(shape.Keys, vals);
                    }
                    var keys = new StrValue[vals.Length];
                    var raw = new Value[vals.Length];
                    for (int i = 0; i < vals.Length; i++)
                    {
                        keys[i] = strings.Intern(o.Names[i]);
                        raw[i] = ToValue(o.Values[i]);
                    }
                    var order = Enumerable.Range(0, vals.Length).ToArray();
                    Array.Sort(order, (a, b) => keys[a].CompareTo(keys[b]));
                    var sortedKeys = new Value[vals.Length];
                    var slot = new int[vals.Length];
                    for (int j = 0; j < order.Length; j++)
                    {
                        sortedKeys[j] = keys[order[j]];
                        slot[order[j]] = j;
                        vals[j] = raw[order[j]];
                    }
                    _shapes[o.Names] = (sortedKeys, slot);
                    return FcnValue.FromSorted(sortedKeys, vals);
                }
            case TraceArray a:
                {
                    var items = new Value[a.Items.Length];
                    for (int i = 0; i < items.Length; i++) items[i] = ToValue(a.Items[i]);
                    return FcnValue.Tuple(items);
                }
            case TraceString s:
                if (!ReferenceEquals(s.Table, strings))
                {
                    s.Converted = strings.Intern(s.Value);
                    s.Table = strings;
                }
                return s.Converted!;
            case TraceInt i: return IntValue.Of(i.Value);
            case TraceBool b: return b.Value ? BoolValue.True : BoolValue.False;
            default: throw new InvalidOperationException($"unknown trace node {node.GetType().Name}");
        }
    }
}
