using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace VerifiedIpc.Report;

/// <summary>
/// Derives a message sequence chart from a counterexample and a <see cref="ChartMapping"/>. Messages are the
/// elements of channel variables: an element that appears in a step is sent by the step's process, one that
/// disappears is received by it (or lost, for a <see cref="ActionKind.Lose"/> action). Elements are tracked as
/// instances through the channel's positions, so two equal messages in a queue stay two arrows.
/// </summary>
public static partial class ChartBuilder
{
    /// <summary>The lifeline for steps no rule attributes to a process.</summary>
    public const string SystemLifeline = "system";

    [GeneratedRegex("chan|net|msg|mess|queue|buf|link|mailbox|inbox|pipe|ack|wire|mbox", RegexOptions.IgnoreCase)]
    private static partial Regex ChannelName();

    [GeneratedRegex("^(p|q|t|self|proc|process|pid|thread|node|worker|client|server|sender|receiver|philosopher|phil|agent|peer)$", RegexOptions.IgnoreCase)]
    private static partial Regex ProcessParameter();

    [GeneratedRegex("^(lose|loss|drop)", RegexOptions.IgnoreCase)]
    private static partial Regex LoseName();

    [GeneratedRegex("^(dup|duplicate)", RegexOptions.IgnoreCase)]
    private static partial Regex DuplicateName();

    /// <summary>Builds the chart. Throws <see cref="MappingFormatException"/> when the mapping names a variable the trace does not have.</summary>
    public static Chart Build(Counterexample trace, ChartMapping? mapping = null, TlaFormatter? formatter = null)
    {
        mapping ??= ChartMapping.Automatic;
        formatter ??= mapping.CreateFormatter();
        var channels = mapping.Channels is { } declared ? declared : DetectChannels(trace);
        foreach (var c in channels)
            if (!trace.Variables.Contains(c.Variable))
                throw new MappingFormatException("$.channels." + c.Variable, $"the trace has no variable '{c.Variable}' (it has: {string.Join(", ", trace.Variables)})");
        foreach (var a in mapping.Actions.Values)
            foreach (var r in a.Receives)
                if (!channels.Any(c => c.Variable == r.Channel))
                    throw new MappingFormatException($"$.actions.{a.Key}.receives", $"'{r.Channel}' is not a channel of the chart");

        var ambiguousNames = trace.Steps.GroupBy(s => s.ActionName)
            .Where(g => g.Select(s => s.Location?.BeginLine).Distinct().Count() > 1 && g.All(s => s.Parameters.IsEmpty))
            .Select(g => g.Key).ToHashSet();

        var builder = new State(trace, mapping, formatter, channels);
        var first = trace.States[0];
        foreach (var c in channels)
        {
            var value = first[c.Variable];
            var items = Elements(value, IsBag(mapping, c.Variable), c.Empty);
            foreach (var item in items)
            {
                var from = Name(c.From?.Evaluate(first, first, null, item), formatter) ?? c.Variable;
                builder.Live[c.Variable].Add(builder.NewMessage(c, item, 0, from, false, first));
            }
        }

        var events = ImmutableArray.CreateBuilder<ChartEvent>();
        var signalList = ImmutableArray.CreateBuilder<ChartSignal>();
        foreach (var step in trace.Steps)
        {
            var before = trace.State(step.From);
            var after = trace.State(step.To);
            var entry = mapping.ActionFor(step);
            var kind = entry?.Kind ?? AutoKind(step.ActionName);
            if (kind == ActionKind.Hidden || (step.From == step.To && trace.Kind == TraceKind.Stuttering && step.Number == trace.Steps.Length))
                continue;
            var label = entry?.Label ?? Label(step, formatter, ambiguousNames.Contains(step.ActionName));
            var process = ProcessOf(step, entry, before, after, formatter, ambiguousNames.Contains(step.ActionName));
            var (sent, received) = builder.Apply(step, kind, process, before, after, entry);
            if (entry?.Signals is { } signals)
                foreach (var woken in signals.EvaluateAll(before, after, step, null))
                    if (Name(woken, formatter) is { } target) signalList.Add(new ChartSignal(step.Number, process, target));
            var onLifeline = kind switch
            {
                ActionKind.Lose => null,
                ActionKind.Duplicate => null,
                _ => process,
            };
            var eventKind = kind switch
            {
                ActionKind.Lose => EventKind.Loss,
                ActionKind.Duplicate => EventKind.Duplication,
                _ => EventKind.Action,
            };
            events.Add(new ChartEvent(step.Number, step.To, eventKind, onLifeline, label, sent, received));
        }

        var messages = builder.Finish();
        var lifelines = new List<string>();
        void Use(string? name)
        {
            if (name is not null && !lifelines.Contains(name)) lifelines.Add(name);
        }
        foreach (var l in mapping.Lifelines) Use(l);
        // Order of first appearance, with a message's sender before its receiver, reads left to right.
        var byRow = events.Select(e => (Row: e.Step, Name: e.Lifeline))
            .Concat(messages.Select(m => (Row: m.SendStep, Name: (string?)m.From)))
            .Concat(messages.Select(m => (Row: m.EndStep ?? int.MaxValue, Name: m.To)))
            .Concat(signalList.Select(sg => (Row: sg.Step, Name: (string?)sg.To)))
            .OrderBy(x => x.Row);
        foreach (var (_, name) in byRow) Use(name);

        var watches = ImmutableArray.CreateBuilder<WatchColumn>();
        foreach (var v in mapping.Watch)
        {
            if (!trace.Variables.Contains(v))
                throw new MappingFormatException("$.watch", $"the trace has no variable '{v}' (it has: {string.Join(", ", trace.Variables)})");
            var values = ImmutableArray.CreateBuilder<string>();
            var changed = ImmutableArray.CreateBuilder<bool>();
            var deltas = ImmutableArray.CreateBuilder<string?>();
            values.Add(formatter.FormatVariable(v, first[v]!));
            changed.Add(false);
            deltas.Add(null);
            foreach (var step in trace.Steps)
            {
                // A row shows the state its step leads to; for a lasso's last row that is the loop state.
                var before = trace.State(step.From)[v]!;
                var after = trace.State(step.To)[v]!;
                values.Add(formatter.FormatVariable(v, after));
                changed.Add(!before.Equals(after));
                deltas.Add(before.Equals(after) ? null : ReportWriter.Delta(v, before, after, formatter));
            }
            watches.Add(new WatchColumn(v, values.ToImmutable(), changed.ToImmutable()) { Deltas = deltas.ToImmutable() });
        }

        return new Chart(
            [.. lifelines], events.ToImmutable(), messages, [.. channels.Select(c => c.Variable)],
            trace.Steps.Length, trace.Kind, trace.LoopBackTo, trace.States.Length)
        {
            Watches = watches.ToImmutable(),
            Signals = signalList.ToImmutable(),
        };
    }

    /// <summary>
    /// The automatic channel rule: a variable is a channel when it is a collection (a JSON array) in every state and
    /// either shrinks in some step (things are taken out of it) or grows and is named like a channel.
    /// </summary>
    public static ImmutableArray<ChannelMapping> DetectChannels(Counterexample trace)
    {
        var result = ImmutableArray.CreateBuilder<ChannelMapping>();
        foreach (var v in trace.Variables)
        {
            if (!trace.States.All(s => s[v] is ArrayValue)) continue;
            // Length changes separate collections of messages from per-process arrays such as pc = <<"idle", "wait">>,
            // whose elements are replaced in place.
            var grows = false;
            var shrinks = false;
            foreach (var step in trace.Steps)
            {
                var before = ((ArrayValue)trace.State(step.From)[v]!).Items.Length;
                var after = ((ArrayValue)trace.State(step.To)[v]!).Items.Length;
                grows |= after > before;
                shrinks |= after < before;
            }
            if (shrinks || (grows && ChannelName().IsMatch(v))) result.Add(new ChannelMapping(v, null, null, null));
        }
        return result.ToImmutable();
    }

    private static ActionKind AutoKind(string actionName) =>
        LoseName().IsMatch(actionName) ? ActionKind.Lose
        : DuplicateName().IsMatch(actionName) ? ActionKind.Duplicate
        : ActionKind.Auto;

    private static bool IsBag(ChartMapping mapping, string variable) =>
        mapping.Shapes.TryGetValue(variable, out var s) && s.Kind == ShapeKind.Bag;

    private static IEnumerable<TraceValue> Elements(TraceValue? value, bool bag, TraceValue? empty) => value switch
    {
        ArrayValue a when empty is not null => a.Items.Where(v => !v.Equals(empty)),
        ArrayValue a => a.Items,
        ObjectValue o when empty is not null => o.Fields.Select(f => f.Value).Where(v => !v.Equals(empty)),
        ObjectValue o when bag => o.Fields.SelectMany(f => Enumerable.Repeat(TlaValueText.Parse(f.Key), (int)Math.Min(f.Value is IntValue i ? i.Value : 0, 1000))),
        _ => [],
    };

    /// <summary>The event text for a step: the action with its parameter values, e.g. <c>Send(sa)</c>.</summary>
    internal static string Label(TraceStep step, TlaFormatter formatter, bool withLine)
    {
        var name = step.ActionName;
        if (!step.Parameters.IsEmpty)
            name += "(" + string.Join(", ", step.Parameters.Select(p => formatter.Format(p.Value))) + ")";
        if (withLine && step.Location is { } loc) name += $" l.{loc.BeginLine}";
        return name;
    }

    private static string ProcessOf(TraceStep step, ActionMapping? entry, TraceState before, TraceState after, TlaFormatter formatter, bool ambiguous)
    {
        if (entry?.Process is { } expr && Name(expr.Evaluate(before, after, step, null), formatter) is { } named)
            return named;
        // A parameter holding a string is almost always a process identity (a model value such as p1 or sa);
        // numeric parameters are more often message or slot indices.
        foreach (var p in step.Parameters)
            if (p.Value is StringValue s) return s.Value;
        // A number is a process identity only when the parameter is named like one (Philo's p, a thread's t);
        // otherwise (Send(i), Recv(seq)) it indexes data and would scatter one process over many lifelines.
        foreach (var p in step.Parameters)
            if (p.Value is IntValue i && ProcessParameter().IsMatch(p.Key)) return $"{p.Key} = {i.Value}";
        return ambiguous && step.Location is { } loc ? $"{step.ActionName} l.{loc.BeginLine}" : step.ActionName;
    }

    private static string? Name(TraceValue? v, TlaFormatter formatter) => v switch
    {
        null => null,
        StringValue s => s.Value,
        _ => formatter.Format(v),
    };

    private sealed class State(Counterexample trace, ChartMapping mapping, TlaFormatter formatter, ImmutableArray<ChannelMapping> channels)
    {
        private readonly Dictionary<int, ChartMessage> _messages = [];
        private readonly Dictionary<string, HashSet<TraceValue>> _sentValues = channels.ToDictionary(c => c.Variable, _ => new HashSet<TraceValue>());
        private int _nextId = 1;

        public Dictionary<string, List<int>> Live { get; } = channels.ToDictionary(c => c.Variable, _ => new List<int>());

        public int NewMessage(ChannelMapping c, TraceValue value, int step, string from, bool duplicate, TraceState at)
        {
            var label = c.Label?.Evaluate(at, at, null, value) is { } l ? formatter.Format(l) : formatter.Format(value, formatter.ShapeOf(c.Variable).Inner);
            var id = _nextId++;
            _messages[id] = new ChartMessage
            {
                Id = id, Channel = c.Variable, Value = value, Label = label, SendStep = step, From = from,
                Fate = MessageFate.InFlight, IsDuplicate = duplicate,
            };
            _sentValues[c.Variable].Add(value);
            return id;
        }

        public (int Sent, int Received) Apply(TraceStep step, ActionKind kind, string process, TraceState before, TraceState after, ActionMapping? entry)
        {
            var sent = 0;
            var received = 0;
            foreach (var c in channels)
            {
                var live = Live[c.Variable];
                var bag = IsBag(mapping, c.Variable);
                var diff = ValueDiff.Diff(before[c.Variable], after[c.Variable], bag, c.Empty);
                var loses = kind == ActionKind.Lose || (entry?.LosesFrom.Contains(c.Variable) ?? false);
                if (diff.IsEmpty) continue;

                // Removals first, highest position first, so lower positions stay valid.
                var removedIds = new List<int>();
                for (var k = diff.RemovedAt.Length - 1; k >= 0; k--)
                {
                    var at = diff.RemovedAt[k] >= 0 ? diff.RemovedAt[k] : live.FindIndex(id => _messages[id].Value.Equals(diff.Removed[k]));
                    if (at < 0 || at >= live.Count) continue;
                    removedIds.Add(live[at]);
                    live.RemoveAt(at);
                }
                removedIds.Reverse();
                foreach (var id in removedIds)
                {
                    var m = _messages[id];
                    if (m.EndStep is not null) continue; // already delivered through a 'receives' entry
                    if (kind == ActionKind.Lose)
                        _messages[id] = m with { EndStep = step.Number, Fate = MessageFate.Lost };
                    else if (loses)
                        // A process step that destroys a message (e.g. overwriting a full slot): the cross sits at that process.
                        _messages[id] = m with { EndStep = step.Number, To = process, Fate = MessageFate.Lost };
                    else
                    {
                        _messages[id] = m with { EndStep = step.Number, To = process, Fate = MessageFate.Delivered };
                        received++;
                    }
                }

                for (var k = 0; k < diff.AddedAt.Length; k++)
                {
                    var value = diff.Added[k];
                    var copyOf = _sentValues[c.Variable].Contains(value)
                        ? _messages.Values.LastOrDefault(m => m.Channel == c.Variable && m.Value.Equals(value))
                        : null;
                    var linkCopy = kind is ActionKind.Duplicate or ActionKind.Lose;
                    var from = linkCopy && copyOf is not null ? copyOf.From : process;
                    var id = NewMessage(c, value, step.Number, from, copyOf is not null || kind == ActionKind.Duplicate, after);
                    if (diff.AddedAt[k] >= 0 && diff.AddedAt[k] <= live.Count) live.Insert(diff.AddedAt[k], id);
                    else live.Add(id);
                    if (!linkCopy) sent++;
                }
            }

            foreach (var r in entry?.Receives ?? [])
            {
                var live = Live[r.Channel];
                List<ChartMessage> candidates;
                if (r.Message is not null)
                {
                    var value = r.Message.Evaluate(before, after, step, null);
                    if (value is null) continue;
                    candidates = live.Select(id => _messages[id]).Where(m => m.Value.Equals(value)).ToList();
                }
                else
                {
                    var wanted = r.EqualTo!.Evaluate(before, after, step, null);
                    if (wanted is null) continue;
                    candidates = live.Select(id => _messages[id])
                        .Where(m => r.Match!.Evaluate(before, after, step, m.Value) is { } part && part.Equals(wanted)).ToList();
                }
                if (candidates.Count == 0) continue;
                var fresh = candidates.FirstOrDefault(m => m.EndStep is null);
                if (fresh is not null)
                    _messages[fresh.Id] = fresh with { EndStep = step.Number, To = process, Fate = MessageFate.Delivered };
                else
                {
                    // The same message delivered again: a second arrow from the original send, drawn as a copy.
                    var original = candidates[0];
                    var id = _nextId++;
                    _messages[id] = original with { Id = id, EndStep = step.Number, To = process, Fate = MessageFate.Delivered, IsDuplicate = true };
                }
                received++;
            }
            return (sent, received);
        }

        public ImmutableArray<ChartMessage> Finish()
        {
            // Aim lost and undelivered arrows at the receiver the channel names, or at the one that received most from it.
            var usualReceiver = _messages.Values.Where(m => m.Fate == MessageFate.Delivered && m.To is not null)
                .GroupBy(m => m.Channel)
                .ToDictionary(g => g.Key, g => g.GroupBy(m => m.To!).OrderByDescending(x => x.Count()).First().Key);
            var last = trace.States[^1];
            var result = ImmutableArray.CreateBuilder<ChartMessage>();
            foreach (var m in _messages.Values.OrderBy(m => m.Id))
            {
                if (m.To is not null) { result.Add(m); continue; }
                var c = channels.First(ch => ch.Variable == m.Channel);
                var to = c.To?.Evaluate(last, last, null, m.Value) is { } t ? (t is StringValue s ? s.Value : formatter.Format(t))
                    : usualReceiver.GetValueOrDefault(m.Channel);
                if (to is not null && c.Route is { } route && route.TryGetValue(to, out var routed)) to = routed;
                result.Add(m with { To = to });
            }
            return result.ToImmutable();
        }
    }
}
