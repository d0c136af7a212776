using System.Collections.Immutable;
using System.Text.Json;

namespace VerifiedIpc.Report;

/// <summary>How an action's effect on channels is drawn.</summary>
public enum ActionKind
{
    /// <summary>Elements added to a channel are messages sent by the acting process; elements removed are received by it.</summary>
    Auto,

    /// <summary>Elements removed from a channel are lost (an arrow ending in a cross); elements added are duplicates.</summary>
    Lose,

    /// <summary>Elements added to a channel are copies made by the link (a doubled arrow from the original sender).</summary>
    Duplicate,

    /// <summary>The step is not drawn in the chart (it still appears in the state table).</summary>
    Hidden,
}

/// <summary>
/// A small expression of the chart mapping, evaluated on one step: a literal lifeline name, <c>$p</c> (the
/// action's parameter p), <c>changed(v)</c> (the key of function variable v whose value changed),
/// <c>added(v)</c> / <c>removed(v)</c> (the element added to / removed from v), <c>old(v)</c> / <c>new(v)</c>,
/// or <c>msg</c> (in a channel's <c>from</c>/<c>to</c>: the message), each optionally followed by accessors
/// <c>[2]</c> (1-based element of a sequence, or a function key) and <c>.field</c>.
/// </summary>
public sealed class MappingExpr
{
    private enum Source { Literal, Param, Changed, Added, Removed, Old, New, Msg }

    private readonly Source _source;
    private readonly string _name;
    private readonly ImmutableArray<string> _accessors;

    private MappingExpr(Source source, string name, ImmutableArray<string> accessors, string text)
    {
        _source = source;
        _name = name;
        _accessors = accessors;
        Text = text;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>True for a plain lifeline name.</summary>
    public bool IsLiteral => _source == Source.Literal;

    /// <summary>Parses an expression; throws <see cref="MappingFormatException"/> at <paramref name="where"/>.</summary>
    public static MappingExpr Parse(string text, string where)
    {
        var t = text.Trim();
        if (t.Length == 0) throw new MappingFormatException(where, "empty expression");
        var pos = 0;
        Source source;
        string name;
        if (t[0] == '$')
        {
            pos = 1;
            name = ReadIdent(t, ref pos, where, text);
            source = Source.Param;
        }
        else if (!char.IsLetterOrDigit(t[0]) && t[0] != '_')
        {
            return new MappingExpr(Source.Literal, t, [], text);
        }
        else
        {
            name = ReadIdent(t, ref pos, where, text);
            if (pos < t.Length && t[pos] == '(')
            {
                source = name switch
                {
                    "changed" => Source.Changed,
                    "added" => Source.Added,
                    "removed" => Source.Removed,
                    "old" => Source.Old,
                    "new" => Source.New,
                    _ => throw new MappingFormatException(where, $"unknown function '{name}' in \"{text}\" (known: changed, added, removed, old, new)"),
                };
                pos++;
                name = ReadIdent(t, ref pos, where, text);
                if (pos >= t.Length || t[pos] != ')') throw new MappingFormatException(where, $"missing ')' in \"{text}\"");
                pos++;
            }
            else if (name == "msg") source = Source.Msg;
            else
            {
                // Any other text is a lifeline name; names may contain spaces or punctuation.
                return new MappingExpr(Source.Literal, t, [], text);
            }
        }
        var accessors = ImmutableArray.CreateBuilder<string>();
        while (pos < t.Length)
        {
            if (t[pos] == '.')
            {
                pos++;
                accessors.Add(ReadIdent(t, ref pos, where, text));
            }
            else if (t[pos] == '[')
            {
                var close = t.IndexOf(']', pos);
                if (close < 0) throw new MappingFormatException(where, $"missing ']' in \"{text}\"");
                var key = t[(pos + 1)..close].Trim().Trim('"');
                if (key.Length == 0) throw new MappingFormatException(where, $"empty index in \"{text}\"");
                accessors.Add(key);
                pos = close + 1;
            }
            else throw new MappingFormatException(where, $"unexpected '{t[pos]}' at column {pos + 1} of \"{text}\"");
        }
        return new MappingExpr(source, name, accessors.ToImmutable(), text);
    }

    private static string ReadIdent(string t, ref int pos, string where, string text)
    {
        var start = pos;
        while (pos < t.Length && (char.IsLetterOrDigit(t[pos]) || t[pos] == '_')) pos++;
        if (pos == start) throw new MappingFormatException(where, $"expected a name at column {start + 1} of \"{text}\"");
        return t[start..pos];
    }

    /// <summary>The variables the expression reads (for validation against a trace).</summary>
    internal string? Variable => _source is Source.Changed or Source.Added or Source.Removed or Source.Old or Source.New ? _name : null;

    /// <summary>Evaluates the expression on a step; null when it does not apply (e.g. nothing changed).</summary>
    internal TraceValue? Evaluate(TraceState before, TraceState after, TraceStep? step, TraceValue? message)
    {
        TraceValue? v = _source switch
        {
            Source.Literal => new StringValue(_name),
            Source.Param => step?.Parameter(_name),
            Source.Msg => message,
            Source.Old => before[_name],
            Source.New => after[_name],
            Source.Changed => ChangedKey(before[_name], after[_name]),
            Source.Added => FirstOf(ValueDiff.Elements(before[_name], after[_name]).Added),
            Source.Removed => FirstOf(ValueDiff.Elements(before[_name], after[_name]).Removed),
            _ => null,
        };
        foreach (var a in _accessors)
        {
            if (v is null) return null;
            v = Access(v, a);
        }
        return v;
    }

    /// <summary>
    /// Like <see cref="Evaluate"/>, but <c>added(v)</c> and <c>removed(v)</c> yield every element the step added or
    /// removed (a broadcast wakes all waiters), each with the accessors applied.
    /// </summary>
    internal IReadOnlyList<TraceValue> EvaluateAll(TraceState before, TraceState after, TraceStep? step, TraceValue? message)
    {
        if (_source is not (Source.Added or Source.Removed))
            return Evaluate(before, after, step, message) is { } single ? [single] : [];
        var d = ValueDiff.Elements(before[_name], after[_name]);
        var result = new List<TraceValue>();
        foreach (var e in _source == Source.Added ? d.Added : d.Removed)
        {
            TraceValue? v = e;
            foreach (var a in _accessors)
                v = v is null ? null : Access(v, a);
            if (v is not null) result.Add(v);
        }
        return result;
    }

    private static TraceValue? FirstOf(ImmutableArray<TraceValue> values) => values.IsDefaultOrEmpty ? null : values[0];

    private static TraceValue? ChangedKey(TraceValue? before, TraceValue? after)
    {
        if (before is ObjectValue bo && after is ObjectValue ao)
        {
            foreach (var f in ao.Fields)
                if (bo[f.Key] is not { } old || !old.Equals(f.Value)) return new StringValue(f.Key);
        }
        else if (before is ArrayValue ba && after is ArrayValue aa && ba.Items.Length == aa.Items.Length)
        {
            for (var i = 0; i < aa.Items.Length; i++)
                if (!ba.Items[i].Equals(aa.Items[i])) return new IntValue(i + 1);
        }
        return null;
    }

    private static TraceValue? Access(TraceValue v, string accessor) => v switch
    {
        ArrayValue a when int.TryParse(accessor, out var i) && i >= 1 && i <= a.Items.Length => a.Items[i - 1],
        ObjectValue o => o[accessor],
        _ => null,
    };
}

/// <summary>A channel of the chart: a variable whose elements are messages in transit.</summary>
/// <param name="Variable">The variable (a sequence, set or bag).</param>
/// <param name="From">Who sent a message that was already in the channel in the first state (evaluated with <c>msg</c>).</param>
/// <param name="To">The intended receiver of a message, used to aim arrows of lost and undelivered messages.</param>
/// <param name="Label">How to print a message on its arrow (evaluated with <c>msg</c>); the message itself when null.</param>
/// <param name="Empty">For a channel that is a function of slots (one message per key, e.g. <c>slot[r]</c>), the value
/// that marks an empty slot; the messages are then the function's other values.</param>
/// <param name="Route">Renames the result of <paramref name="To"/> to a lifeline, e.g. <c>{"data": "receiver", "ack": "sender"}</c>
/// with <c>to</c> = <c>msg[1]</c> for a link that carries both directions.</param>
public sealed record ChannelMapping(string Variable, MappingExpr? From, MappingExpr? To, MappingExpr? Label, TraceValue? Empty = null, ImmutableDictionary<string, string>? Route = null);

/// <summary>
/// A receive the channel's value does not show (e.g. a set-based network that keeps delivered packets). The message
/// is either given (<c>message</c>, e.g. <c>$p</c>) or found: the first message of the channel whose <c>match</c>
/// (an expression over <c>msg</c>, e.g. <c>msg[2]</c>) equals <c>equals</c> (e.g. <c>added(out)</c>).
/// </summary>
/// <param name="Channel">The channel variable.</param>
/// <param name="Message">The message received, or null when found by <paramref name="Match"/>.</param>
/// <param name="Match">The part of a message to compare.</param>
/// <param name="EqualTo">The value it must equal.</param>
public sealed record ReceiveMapping(string Channel, MappingExpr? Message, MappingExpr? Match = null, MappingExpr? EqualTo = null);

/// <summary>How one action is drawn.</summary>
/// <param name="Key">The action name, or <c>Name@line</c> for an unsplit disjunct.</param>
/// <param name="Kind">How channel changes are read.</param>
/// <param name="Process">The lifeline that performs the action; when null the automatic rule decides.</param>
/// <param name="Label">The text on the event box; the action with its parameters when null.</param>
/// <param name="Receives">Extra receives not visible as a channel shrinking.</param>
/// <param name="Loses">Channels from which this action's removals are losses although the action is not a
/// <see cref="ActionKind.Lose"/> action (e.g. a fetch that overwrites a full slot).</param>
/// <param name="Signals">The processes this action wakes (e.g. <c>removed(waiting)</c> for a monitor's notify): drawn
/// as a dashed arrow in the step's row from the acting process to each of them.</param>
public sealed record ActionMapping(string Key, ActionKind Kind, MappingExpr? Process, string? Label, ImmutableArray<ReceiveMapping> Receives, ImmutableArray<string> Loses = default, MappingExpr? Signals = null)
{
    /// <summary>The channels this action loses from (never default).</summary>
    public ImmutableArray<string> LosesFrom => Loses.IsDefault ? [] : Loses;
}

/// <summary>
/// Describes how a spec's trace becomes a message sequence chart: which variables are channels, which process
/// performs each action, how values print. See docs/report.md for the JSON format. A mapping with no entries
/// (<see cref="Automatic"/>) detects channels and lifelines from the trace itself.
/// </summary>
public sealed class ChartMapping
{
    /// <summary>The empty mapping: everything automatic.</summary>
    public static readonly ChartMapping Automatic = new();

    /// <summary>Lifelines in the order to draw them (others follow in order of first appearance).</summary>
    public ImmutableArray<string> Lifelines { get; init; } = [];

    /// <summary>Strings in the trace that are model values (printed bare).</summary>
    public ImmutableArray<string> ModelValues { get; init; } = [];

    /// <summary>Variables whose values are shown beside the chart, row by row (e.g. a monitor's <c>count</c>).</summary>
    public ImmutableArray<string> Watch { get; init; } = [];

    /// <summary>Per-variable printing hints.</summary>
    public ImmutableDictionary<string, ValueShape> Shapes { get; init; } = ImmutableDictionary<string, ValueShape>.Empty;

    /// <summary>The channels; null means detect them automatically.</summary>
    public ImmutableArray<ChannelMapping>? Channels { get; init; }

    /// <summary>Per-action entries, keyed by action name or <c>Name@line</c>.</summary>
    public ImmutableDictionary<string, ActionMapping> Actions { get; init; } = ImmutableDictionary<string, ActionMapping>.Empty;

    /// <summary>Plain-language statements of the spec's properties, keyed by property name, shown in the header.</summary>
    public ImmutableDictionary<string, string> Properties { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The action entry for a step: <c>Name@line</c> first, then the name.</summary>
    public ActionMapping? ActionFor(TraceStep step) =>
        Actions.TryGetValue(step.LineKey, out var byLine) ? byLine
        : Actions.TryGetValue(step.ActionName, out var byName) ? byName : null;

    /// <summary>A formatter that honours the mapping's model values and shapes.</summary>
    public TlaFormatter CreateFormatter(IEnumerable<string>? extraModelValues = null) =>
        new(ModelValues.Concat(extraModelValues ?? []), Shapes);

    /// <summary>
    /// Reads a mapping file; problems are reported as <see cref="MappingFormatException"/> whose
    /// <see cref="MappingFormatException.Where"/> starts with the file's path.
    /// </summary>
    public static ChartMapping Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (MappingFormatException e)
        {
            throw new MappingFormatException($"{path}: {e.Where}", e.Problem, e);
        }
    }

    /// <summary>
    /// The mapping that belongs to a spec or model file by the naming convention <c>&lt;stem&gt;.chart.json</c> in the
    /// same folder (for <c>spec/MCChannel.cfg</c>: <c>spec/MCChannel.chart.json</c>, then <c>spec/Channel.chart.json</c>
    /// with a leading <c>MC</c> dropped); null when there is none.
    /// </summary>
    public static ChartMapping? FindBeside(string specOrModelPath)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(specOrModelPath)) ?? ".";
        var stem = Path.GetFileNameWithoutExtension(specOrModelPath);
        foreach (var name in new[] { stem, stem.StartsWith("MC", StringComparison.Ordinal) ? stem[2..] : null })
        {
            if (string.IsNullOrEmpty(name)) continue;
            var candidate = Path.Combine(dir, name + ".chart.json");
            if (File.Exists(candidate)) return Load(candidate);
        }
        return null;
    }

    /// <summary>Parses a mapping from JSON; throws <see cref="MappingFormatException"/> with the JSON path of a problem.</summary>
    public static ChartMapping Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new MappingFormatException($"line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}", "malformed JSON: " + e.Message, e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new MappingFormatException("$", "expected an object");
            var known = new HashSet<string> { "lifelines", "modelValues", "shapes", "channels", "actions", "properties", "watch", "$schema", "comment" };
            foreach (var p in root.EnumerateObject())
                if (!known.Contains(p.Name))
                    throw new MappingFormatException("$." + p.Name, $"unknown entry (known: {string.Join(", ", known.Where(k => k[0] != '$'))})");

            var mapping = new ChartMapping
            {
                Lifelines = Strings(root, "lifelines"),
                ModelValues = Strings(root, "modelValues"),
                Watch = Strings(root, "watch"),
                Shapes = Unique(Object(root, "shapes"), "$.shapes").ToImmutableDictionary(p => p.Name, p => ValueShape.Parse(String(p.Value, "$.shapes." + p.Name), "$.shapes." + p.Name)),
                Properties = Unique(Object(root, "properties"), "$.properties").ToImmutableDictionary(p => p.Name, p => String(p.Value, "$.properties." + p.Name)),
                Channels = root.TryGetProperty("channels", out _) ? Unique(Object(root, "channels"), "$.channels").Select(ReadChannel).ToImmutableArray() : null,
                Actions = Unique(Object(root, "actions"), "$.actions").Select(ReadAction).ToImmutableDictionary(a => a.Key),
            };
            return mapping;
        }
    }

    private static ChannelMapping ReadChannel(JsonProperty p)
    {
        var where = "$.channels." + p.Name;
        if (p.Value.ValueKind != JsonValueKind.Object) throw new MappingFormatException(where, "expected an object (use {} for defaults)");
        foreach (var f in p.Value.EnumerateObject())
            if (f.Name is not ("from" or "to" or "label" or "empty" or "route"))
                throw new MappingFormatException(where + "." + f.Name, "unknown entry (known: from, to, label, empty, route)");
        TraceValue? empty = p.Value.TryGetProperty("empty", out var e) ? TraceJson.ReadValue(e, where + ".empty", 0) : null;
        ImmutableDictionary<string, string>? route = null;
        if (p.Value.TryGetProperty("route", out var r))
        {
            if (r.ValueKind != JsonValueKind.Object) throw new MappingFormatException(where + ".route", "expected an object from 'to' values to lifelines");
            route = Unique(r.EnumerateObject(), where + ".route").ToImmutableDictionary(x => x.Name, x => String(x.Value, $"{where}.route.{x.Name}"));
        }
        return new ChannelMapping(p.Name, OptExpr(p.Value, "from", where), OptExpr(p.Value, "to", where), OptExpr(p.Value, "label", where), empty, route);
    }

    private static ActionMapping ReadAction(JsonProperty p)
    {
        var where = "$.actions." + p.Name;
        if (p.Value.ValueKind != JsonValueKind.Object) throw new MappingFormatException(where, "expected an object");
        var kind = ActionKind.Auto;
        var receives = ImmutableArray.CreateBuilder<ReceiveMapping>();
        var loses = new List<string>();
        foreach (var f in p.Value.EnumerateObject())
        {
            switch (f.Name)
            {
                case "process" or "label" or "signals": break;
                case "loses":
                    if (f.Value.ValueKind != JsonValueKind.Array) throw new MappingFormatException(where + ".loses", "expected an array of channel names");
                    loses.AddRange(f.Value.EnumerateArray().Select((x, i) => String(x, $"{where}.loses[{i}]")));
                    break;
                case "kind":
                    var k = String(f.Value, where + ".kind");
                    kind = k switch
                    {
                        "auto" or "send" or "receive" or "internal" => ActionKind.Auto,
                        "lose" or "loss" => ActionKind.Lose,
                        "duplicate" => ActionKind.Duplicate,
                        "hidden" => ActionKind.Hidden,
                        _ => throw new MappingFormatException(where + ".kind", $"unknown kind '{k}' (known: auto, lose, duplicate, hidden)"),
                    };
                    break;
                case "receives":
                    var list = f.Value.ValueKind == JsonValueKind.Array ? f.Value.EnumerateArray().ToList() : [f.Value];
                    for (var i = 0; i < list.Count; i++)
                    {
                        var rw = $"{where}.receives[{i}]";
                        if (list[i].ValueKind != JsonValueKind.Object) throw new MappingFormatException(rw, "expected {\"channel\": ..., \"message\": ...}");
                        foreach (var rf in list[i].EnumerateObject())
                            if (rf.Name is not ("channel" or "message" or "match" or "equals"))
                                throw new MappingFormatException(rw + "." + rf.Name, "unknown entry (known: channel, message, match, equals)");
                        var ch = list[i].TryGetProperty("channel", out var c) ? String(c, rw + ".channel") : throw new MappingFormatException(rw, "missing 'channel'");
                        var msg = OptExpr(list[i], "message", rw);
                        var match = OptExpr(list[i], "match", rw);
                        var equals = OptExpr(list[i], "equals", rw);
                        if (msg is null == (match is null || equals is null))
                            throw new MappingFormatException(rw, "give either 'message', or both 'match' and 'equals'");
                        receives.Add(new ReceiveMapping(ch, msg, match, equals));
                    }
                    break;
                default:
                    throw new MappingFormatException(where + "." + f.Name, "unknown entry (known: kind, process, label, receives, loses, signals)");
            }
        }
        var label = p.Value.TryGetProperty("label", out var l) ? String(l, where + ".label") : null;
        return new ActionMapping(p.Name, kind, OptExpr(p.Value, "process", where), label, receives.ToImmutable(), [.. loses], OptExpr(p.Value, "signals", where));
    }

    // JSON allows a name twice in one object; a mapping that does so is ambiguous.
    private static IEnumerable<JsonProperty> Unique(IEnumerable<JsonProperty> properties, string where)
    {
        var list = properties.ToList();
        var twice = list.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new MappingFormatException($"{where}.{twice.Key}", "given twice");
        return list;
    }

    private static MappingExpr? OptExpr(JsonElement obj, string name, string where) =>
        obj.TryGetProperty(name, out var v) ? MappingExpr.Parse(String(v, where + "." + name), where + "." + name) : null;

    private static string String(JsonElement e, string where) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new MappingFormatException(where, $"expected a string, found {e.ValueKind}");

    private static ImmutableArray<string> Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var arr)) return [];
        if (arr.ValueKind != JsonValueKind.Array) throw new MappingFormatException("$." + name, "expected an array of strings");
        return [.. arr.EnumerateArray().Select((e, i) => String(e, $"$.{name}[{i}]"))];
    }

    private static IEnumerable<JsonProperty> Object(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var obj)) return [];
        if (obj.ValueKind != JsonValueKind.Object) throw new MappingFormatException("$." + name, "expected an object");
        return obj.EnumerateObject().ToList();
    }
}
