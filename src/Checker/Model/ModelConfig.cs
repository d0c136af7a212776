using System.Text;

namespace VerifiedIpc.Checker.Model;

/// <summary>A value written in a .cfg file (before model values are created).</summary>
public abstract record CfgValue
{
    /// <summary>An integer.</summary>
    public sealed record Int(int Value) : CfgValue;
    /// <summary>A string.</summary>
    public sealed record Str(string Value) : CfgValue;
    /// <summary>TRUE or FALSE.</summary>
    public sealed record Bool(bool Value) : CfgValue;
    /// <summary>A bare name: a model value.</summary>
    public sealed record Name(string Value) : CfgValue;
    /// <summary>{a, b}.</summary>
    public sealed record Set(IReadOnlyList<CfgValue> Elements) : CfgValue;
    /// <summary>&lt;&lt;a, b&gt;&gt;.</summary>
    public sealed record Tuple(IReadOnlyList<CfgValue> Elements) : CfgValue;
}

/// <summary>A TLC model configuration (.cfg).</summary>
public sealed class ModelConfig
{
    /// <summary>CONSTANT name = value, in file order.</summary>
    public List<(string Name, CfgValue Value)> Constants { get; } = [];
    /// <summary>CONSTANT name &lt;- definition.</summary>
    public List<(string Name, string Target)> Overrides { get; } = [];
    /// <summary>INIT.</summary>
    public string? Init { get; set; }
    /// <summary>NEXT.</summary>
    public string? Next { get; set; }
    /// <summary>SPECIFICATION.</summary>
    public string? Specification { get; set; }
    /// <summary>INVARIANT(S), in order.</summary>
    public List<string> Invariants { get; } = [];
    /// <summary>PROPERTY/PROPERTIES, in order.</summary>
    public List<string> Properties { get; } = [];
    /// <summary>CONSTRAINT(S).</summary>
    public List<string> Constraints { get; } = [];
    /// <summary>ACTION_CONSTRAINT(S).</summary>
    public List<string> ActionConstraints { get; } = [];
    /// <summary>SYMMETRY.</summary>
    public string? Symmetry { get; set; }
    /// <summary>VIEW.</summary>
    public string? View { get; set; }
    /// <summary>ALIAS.</summary>
    public string? Alias { get; set; }
    /// <summary>CHECK_DEADLOCK (null = not given).</summary>
    public bool? CheckDeadlock { get; set; }
}

/// <summary>Error in a .cfg file or in what it names, with TLC's exit code (255 for syntax, 151 for a model TLC rejects).</summary>
public sealed class CfgException(string message, int exitCode = 255) : CheckerException(message)
{
    /// <summary>TLC's exit code for this error.</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>Reads TLC's .cfg language.</summary>
public static class CfgReader
{
    private static readonly HashSet<string> Keywords =
    [
        "CONSTANT", "CONSTANTS", "INIT", "NEXT", "SPECIFICATION", "INVARIANT", "INVARIANTS", "PROPERTY", "PROPERTIES",
        "CONSTRAINT", "CONSTRAINTS", "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS", "SYMMETRY", "VIEW", "ALIAS",
        "CHECK_DEADLOCK", "POSTCONDITION",
    ];

    private readonly record struct Tok(string Text, bool IsString, int Line, int Col);

    /// <summary>Parses <paramref name="text"/>; <paramref name="path"/> is used in messages.</summary>
    public static ModelConfig Parse(string text, string path)
    {
        var toks = Tokenize(text, path);
        var cfg = new ModelConfig();
        int i = 0;
        Tok Peek() => i < toks.Count ? toks[i] : new Tok("", false, 0, 0);
        CfgException Err(string msg) { var t = Peek(); return new CfgException($"{path}:{t.Line}:{t.Col}: {msg}"); }
        bool AtEnd() => i >= toks.Count;
        bool AtKeyword() => !AtEnd() && !Peek().IsString && Keywords.Contains(Peek().Text);
        string Ident()
        {
            if (AtEnd() || Peek().IsString || !IsIdent(Peek().Text)) throw Err($"expected a name but found '{Peek().Text}'");
            return toks[i++].Text;
        }
        List<string> Names()
        {
            var l = new List<string>();
            while (!AtEnd() && !AtKeyword()) l.Add(Ident());
            return l;
        }
        CfgValue ParseValue()
        {
            if (AtEnd()) throw Err("expected a value");
            var t = toks[i];
            if (t.IsString) { i++; return new CfgValue.Str(t.Text); }
            if (t.Text == "{" || t.Text == "<<")
            {
                string close = t.Text == "{" ? "}" : ">>";
                i++;
                var elems = new List<CfgValue>();
                if (Peek().Text != close || Peek().IsString)
                {
                    elems.Add(ParseValue());
                    while (!AtEnd() && Peek().Text == "," && !Peek().IsString) { i++; elems.Add(ParseValue()); }
                }
                if (AtEnd() || Peek().Text != close) throw Err($"expected '{close}'");
                i++;
                return close == "}" ? new CfgValue.Set(elems) : new CfgValue.Tuple(elems);
            }
            if (t.Text == "-" && i + 1 < toks.Count && int.TryParse(toks[i + 1].Text, out var neg)) { i += 2; return new CfgValue.Int(-neg); }
            if (char.IsDigit(t.Text[0]))
            {
                if (!int.TryParse(t.Text, out var n)) throw Err($"the number {t.Text} is out of range");
                i++;
                return new CfgValue.Int(n);
            }
            if (t.Text == "TRUE") { i++; return new CfgValue.Bool(true); }
            if (t.Text == "FALSE") { i++; return new CfgValue.Bool(false); }
            return new CfgValue.Name(Ident());
        }
        string Single(string kw)
        {
            if (AtEnd() || AtKeyword()) throw Err($"{kw} needs a name");
            return Ident();
        }

        while (!AtEnd())
        {
            if (!AtKeyword()) throw Err($"unexpected '{Peek().Text}'");
            var kw = toks[i++].Text;
            switch (kw)
            {
                case "CONSTANT":
                case "CONSTANTS":
                    while (!AtEnd() && !AtKeyword())
                    {
                        var name = Ident();
                        if (Peek().Text == "=" && !Peek().IsString) { i++; cfg.Constants.Add((name, ParseValue())); }
                        else if (Peek().Text == "<-" && !Peek().IsString) { i++; cfg.Overrides.Add((name, Ident())); }
                        else throw Err($"expected '=' or '<-' after {name}");
                    }
                    break;
                case "INIT": cfg.Init = Single(kw); break;
                case "NEXT": cfg.Next = Single(kw); break;
                case "SPECIFICATION": cfg.Specification = Single(kw); break;
                case "INVARIANT": case "INVARIANTS": cfg.Invariants.AddRange(Names()); break;
                case "PROPERTY": case "PROPERTIES": cfg.Properties.AddRange(Names()); break;
                case "CONSTRAINT": case "CONSTRAINTS": cfg.Constraints.AddRange(Names()); break;
                case "ACTION_CONSTRAINT": case "ACTION_CONSTRAINTS": cfg.ActionConstraints.AddRange(Names()); break;
                case "SYMMETRY": cfg.Symmetry = Single(kw); break;
                case "VIEW": cfg.View = Single(kw); break;
                case "ALIAS": cfg.Alias = Single(kw); break;
                case "POSTCONDITION": Single(kw); break;
                case "CHECK_DEADLOCK":
                    {
                        var v = Single(kw);
                        cfg.CheckDeadlock = v switch { "TRUE" => true, "FALSE" => false, _ => throw Err("CHECK_DEADLOCK must be TRUE or FALSE") };
                        break;
                    }
            }
        }
        return cfg;
    }

    private static bool IsIdent(string s) => s.Length > 0 && (char.IsLetterOrDigit(s[0]) || s[0] == '_') && s.All(ch => char.IsLetterOrDigit(ch) || ch == '_');

    private static List<Tok> Tokenize(string text, string path)
    {
        var toks = new List<Tok>();
        int i = 0, line = 1, lineStart = 0;
        while (i < text.Length)
        {
            char ch = text[i];
            if (ch == '\n') { line++; i++; lineStart = i; continue; }
            if (char.IsWhiteSpace(ch)) { i++; continue; }
            int col = i - lineStart + 1;
            if (ch == '\\' && i + 1 < text.Length && text[i + 1] == '*')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (ch == '(' && i + 1 < text.Length && text[i + 1] == '*')
            {
                int depth = 0;
                while (i < text.Length)
                {
                    if (text[i] == '(' && i + 1 < text.Length && text[i + 1] == '*') { depth++; i += 2; continue; }
                    if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == ')') { depth--; i += 2; if (depth == 0) break; continue; }
                    if (text[i] == '\n') { line++; lineStart = i + 1; }
                    i++;
                }
                if (depth != 0) throw new CfgException($"{path}:{line}:{col}: unterminated comment");
                continue;
            }
            if (ch == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length) { i++; sb.Append(text[i] switch { 'n' => '\n', 't' => '\t', _ => text[i] }); }
                    else sb.Append(text[i]);
                    i++;
                }
                if (i >= text.Length) throw new CfgException($"{path}:{line}:{col}: unterminated string");
                i++;
                toks.Add(new Tok(sb.ToString(), true, line, col));
                continue;
            }
            if (char.IsLetterOrDigit(ch) || ch == '_')
            {
                int s = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                toks.Add(new Tok(text[s..i], false, line, col));
                continue;
            }
            foreach (var p in new[] { "<<", ">>", "<-", "=", "{", "}", ",", "-" })
            {
                if (string.CompareOrdinal(text, i, p, 0, p.Length) == 0)
                {
                    toks.Add(new Tok(p, false, line, col));
                    i += p.Length;
                    goto next;
                }
            }
            throw new CfgException($"{path}:{line}:{col}: unexpected character '{ch}'");
        next:;
        }
        return toks;
    }
}
