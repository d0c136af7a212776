using System.Collections.Frozen;
using System.Text;

namespace VerifiedIpc.Report;

/// <summary>What a JSON array or object in a trace stands for.</summary>
public enum ShapeKind
{
    /// <summary>Unknown: arrays print as sequences, objects as records (identifier keys) or functions.</summary>
    Any,

    /// <summary>A sequence or tuple: <c>&lt;&lt;a, b&gt;&gt;</c>.</summary>
    Seq,

    /// <summary>A set: <c>{a, b}</c>.</summary>
    Set,

    /// <summary>A bag (a function from elements to counts): <c>(a :> 2 @@ b :> 1)</c>.</summary>
    Bag,

    /// <summary>A function: <c>(k1 :> v1 @@ k2 :> v2)</c>.</summary>
    Fn,

    /// <summary>A record: <c>[f |-> v]</c>.</summary>
    Record,
}

/// <summary>
/// A hint for printing a value whose JSON is ambiguous: a kind and, for containers, the shape of the elements
/// (of a set or sequence) or of the range (of a function, record or bag). Written as text: <c>set</c>,
/// <c>seq(set)</c>, <c>fn(set(seq))</c>, <c>bag</c>, <c>record</c>, <c>any</c>.
/// </summary>
public sealed record ValueShape(ShapeKind Kind, ValueShape? Element)
{
    /// <summary>No hint.</summary>
    public static readonly ValueShape Any = new(ShapeKind.Any, null);

    /// <summary>The shape of the elements (or range values); <see cref="Any"/> when not given.</summary>
    public ValueShape Inner => Element ?? Any;

    /// <summary>Parses the text form; throws <see cref="MappingFormatException"/> at <paramref name="where"/>.</summary>
    public static ValueShape Parse(string text, string where)
    {
        var pos = 0;
        var shape = ParseAt(text, ref pos, where);
        SkipSpace(text, ref pos);
        if (pos != text.Length)
            throw new MappingFormatException(where, $"unexpected '{text[pos..]}' after the shape in \"{text}\"");
        return shape;
    }

    private static ValueShape ParseAt(string text, ref int pos, string where)
    {
        SkipSpace(text, ref pos);
        var start = pos;
        while (pos < text.Length && char.IsLetter(text[pos])) pos++;
        var name = text[start..pos].ToLowerInvariant();
        var kind = name switch
        {
            "any" => ShapeKind.Any,
            "seq" or "sequence" or "tuple" => ShapeKind.Seq,
            "set" => ShapeKind.Set,
            "bag" => ShapeKind.Bag,
            "fn" or "function" => ShapeKind.Fn,
            "record" => ShapeKind.Record,
            _ => throw new MappingFormatException(where,
                $"unknown shape '{text[start..Math.Max(pos, Math.Min(text.Length, start + 1))]}' in \"{text}\" (known: any, seq, set, bag, fn, record)"),
        };
        SkipSpace(text, ref pos);
        ValueShape? inner = null;
        if (pos < text.Length && text[pos] == '(')
        {
            pos++;
            inner = ParseAt(text, ref pos, where);
            SkipSpace(text, ref pos);
            if (pos >= text.Length || text[pos] != ')')
                throw new MappingFormatException(where, $"missing ')' in shape \"{text}\"");
            pos++;
        }
        return new ValueShape(kind, inner);
    }

    private static void SkipSpace(string text, ref int pos)
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
    }

    /// <inheritdoc />
    public override string ToString() =>
        Element is null ? Kind.ToString().ToLowerInvariant() : $"{Kind.ToString().ToLowerInvariant()}({Element})";
}

/// <summary>
/// Prints trace values in TLA+ syntax (as TLC prints them): <c>&lt;&lt;1, 2&gt;&gt;</c>, <c>{a, b}</c>,
/// <c>[f |-> 1]</c>, <c>(1 :> 2 @@ 2 :> 3)</c>, strings quoted, model values bare.
/// </summary>
public sealed class TlaFormatter
{
    /// <summary>A formatter with no model values and no hints.</summary>
    public static readonly TlaFormatter Default = new([], new Dictionary<string, ValueShape>());

    private readonly FrozenSet<string> _modelValues;
    private readonly IReadOnlyDictionary<string, ValueShape> _variableShapes;

    /// <summary>Creates a formatter.</summary>
    /// <param name="modelValues">Strings in the trace that are model values (printed without quotes).</param>
    /// <param name="variableShapes">Per-variable hints.</param>
    public TlaFormatter(IEnumerable<string> modelValues, IReadOnlyDictionary<string, ValueShape> variableShapes)
    {
        _modelValues = modelValues.ToFrozenSet(StringComparer.Ordinal);
        _variableShapes = variableShapes;
    }

    /// <summary>The shape hint for a variable (<see cref="ValueShape.Any"/> when none).</summary>
    public ValueShape ShapeOf(string variable) => _variableShapes.TryGetValue(variable, out var s) ? s : ValueShape.Any;

    /// <summary>Prints the value of a variable, using its shape hint.</summary>
    public string FormatVariable(string variable, TraceValue value) => Format(value, ShapeOf(variable));

    /// <summary>Prints a value.</summary>
    public string Format(TraceValue value, ValueShape? shape = null)
    {
        var sb = new StringBuilder();
        Append(sb, value, shape ?? ValueShape.Any);
        return sb.ToString();
    }

    private void Append(StringBuilder sb, TraceValue value, ValueShape shape)
    {
        switch (value)
        {
            case IntValue i: sb.Append(i.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            case BoolValue b: sb.Append(b.Value ? "TRUE" : "FALSE"); break;
            case StringValue s: AppendString(sb, s.Value); break;
            case ArrayValue a:
            {
                var set = shape.Kind == ShapeKind.Set;
                sb.Append(set ? "{" : "<<");
                for (var k = 0; k < a.Items.Length; k++)
                {
                    if (k > 0) sb.Append(", ");
                    Append(sb, a.Items[k], shape.Inner);
                }
                sb.Append(set ? "}" : ">>");
                break;
            }
            case ObjectValue o: AppendObject(sb, o, shape); break;
            default: throw new InvalidOperationException("unknown trace value " + value.GetType().Name);
        }
    }

    private void AppendObject(StringBuilder sb, ObjectValue o, ValueShape shape)
    {
        if (o.Fields.Length == 0)
        {
            sb.Append("<<>>");
            return;
        }
        var asRecord = shape.Kind switch
        {
            ShapeKind.Record => true,
            ShapeKind.Fn or ShapeKind.Bag => false,
            // Identifier keys are what records have; a domain of model values would print as a function in TLC,
            // so keys that are declared model values keep the function form.
            _ => o.Fields.All(f => IsIdentifier(f.Key) && !_modelValues.Contains(f.Key)),
        };
        if (asRecord)
        {
            sb.Append('[');
            for (var k = 0; k < o.Fields.Length; k++)
            {
                if (k > 0) sb.Append(", ");
                sb.Append(o.Fields[k].Key).Append(" |-> ");
                Append(sb, o.Fields[k].Value, shape.Inner);
            }
            sb.Append(']');
            return;
        }
        sb.Append('(');
        for (var k = 0; k < o.Fields.Length; k++)
        {
            if (k > 0) sb.Append(" @@ ");
            AppendKey(sb, o.Fields[k].Key);
            sb.Append(" :> ");
            Append(sb, o.Fields[k].Value, shape.Kind == ShapeKind.Bag ? ValueShape.Any : shape.Inner);
        }
        sb.Append(')');
    }

    // Function keys in TLC's JSON are the printed domain values: numbers and model values print bare, anything
    // that already looks like TLA+ syntax (a quoted string, a tuple) is kept, other text is a string.
    private void AppendKey(StringBuilder sb, string key)
    {
        if (long.TryParse(key, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)
            || _modelValues.Contains(key) || key.StartsWith('"') || key.StartsWith("<<", StringComparison.Ordinal)
            || key.StartsWith('{') || key is "TRUE" or "FALSE")
            sb.Append(key);
        else if (IsIdentifier(key))
            AppendString(sb, key);
        else
            sb.Append(key);
    }

    private void AppendString(StringBuilder sb, string s)
    {
        if (_modelValues.Contains(s))
        {
            sb.Append(s);
            return;
        }
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }

    private static bool IsIdentifier(string s)
    {
        if (s.Length == 0 || char.IsDigit(s[0]) && s.All(char.IsDigit)) return false;
        return s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && s.Any(char.IsAsciiLetter);
    }
}
