using System.Collections.Immutable;
using System.Globalization;

namespace VerifiedIpc.Report;

/// <summary>
/// Reads a value printed in TLA+ syntax back into a <see cref="TraceValue"/>: TLC writes a function's keys as the
/// printed domain values (<c>"1"</c>, <c>"p1"</c>, <c>"&lt;&lt;\"data\", 1&gt;&gt;"</c>), so the messages of a bag
/// keyed by tuples arrive as text. Numbers, Booleans, strings, model values (identifiers), tuples and sets are read;
/// anything else stays text.
/// </summary>
internal static class TlaValueText
{
    public static TraceValue Parse(string text)
    {
        var pos = 0;
        var v = TryValue(text, ref pos, 0);
        SkipSpace(text, ref pos);
        return v is not null && pos == text.Length ? v : new StringValue(text);
    }

    private static TraceValue? TryValue(string s, ref int pos, int depth)
    {
        if (depth > 64) return null;
        SkipSpace(s, ref pos);
        if (pos >= s.Length) return null;
        var c = s[pos];
        if (c == '"')
        {
            var sb = new System.Text.StringBuilder();
            for (pos++; pos < s.Length; pos++)
            {
                if (s[pos] == '\\' && pos + 1 < s.Length)
                {
                    pos++;
                    sb.Append(s[pos] switch { 'n' => '\n', 't' => '\t', _ => s[pos] });
                }
                else if (s[pos] == '"')
                {
                    pos++;
                    return new StringValue(sb.ToString());
                }
                else sb.Append(s[pos]);
            }
            return null;
        }
        if (c == '-' || char.IsAsciiDigit(c))
        {
            var start = pos;
            if (c == '-') pos++;
            while (pos < s.Length && char.IsAsciiDigit(s[pos])) pos++;
            if (pos < s.Length && (char.IsAsciiLetter(s[pos]) || s[pos] == '_'))
            {
                // An identifier that starts with digits (TLA+ allows 1a) is a model value.
                while (pos < s.Length && (char.IsAsciiLetterOrDigit(s[pos]) || s[pos] == '_')) pos++;
                return new StringValue(s[start..pos]);
            }
            return long.TryParse(s.AsSpan(start, pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? new IntValue(n) : null;
        }
        if (char.IsAsciiLetter(c) || c == '_')
        {
            var start = pos;
            while (pos < s.Length && (char.IsAsciiLetterOrDigit(s[pos]) || s[pos] == '_')) pos++;
            var word = s[start..pos];
            return word switch { "TRUE" => new BoolValue(true), "FALSE" => new BoolValue(false), _ => new StringValue(word) };
        }
        if (s.AsSpan(pos).StartsWith("<<"))
        {
            pos += 2;
            return Items(s, ref pos, ">>", depth);
        }
        if (c == '{')
        {
            pos++;
            return Items(s, ref pos, "}", depth);
        }
        return null;
    }

    private static ArrayValue? Items(string s, ref int pos, string close, int depth)
    {
        var items = ImmutableArray.CreateBuilder<TraceValue>();
        SkipSpace(s, ref pos);
        if (s.AsSpan(pos).StartsWith(close))
        {
            pos += close.Length;
            return new ArrayValue(items.ToImmutable());
        }
        while (true)
        {
            var v = TryValue(s, ref pos, depth + 1);
            if (v is null) return null;
            items.Add(v);
            SkipSpace(s, ref pos);
            if (pos < s.Length && s[pos] == ',')
            {
                pos++;
                continue;
            }
            if (s.AsSpan(pos).StartsWith(close))
            {
                pos += close.Length;
                return new ArrayValue(items.ToImmutable());
            }
            return null;
        }
    }

    private static void SkipSpace(string s, ref int pos)
    {
        while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++;
    }
}
