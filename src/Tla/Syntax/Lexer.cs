using System.Collections.Frozen;
using System.Text;
using VerifiedIpc.Tla.Diagnostics;

namespace VerifiedIpc.Tla.Syntax;

/// <summary>
/// Turns one file's text into tokens. Text before the first <c>---- MODULE</c> line and after the top-level
/// module's <c>====</c> line is ignored, as SANY ignores it. Never throws: bad characters, unterminated strings
/// and comments become diagnostics and the lexer continues.
/// </summary>
public sealed class Lexer
{
    private static readonly FrozenDictionary<string, TokenKind> Keywords = new Dictionary<string, TokenKind>
    {
        ["MODULE"] = TokenKind.Module,
        ["EXTENDS"] = TokenKind.Extends,
        ["CONSTANT"] = TokenKind.Constant,
        ["CONSTANTS"] = TokenKind.Constant,
        ["VARIABLE"] = TokenKind.Variable,
        ["VARIABLES"] = TokenKind.Variable,
        ["ASSUME"] = TokenKind.Assume,
        ["ASSUMPTION"] = TokenKind.Assume,
        ["AXIOM"] = TokenKind.Assume,
        ["THEOREM"] = TokenKind.Theorem,
        ["LEMMA"] = TokenKind.Theorem,
        ["PROPOSITION"] = TokenKind.Theorem,
        ["COROLLARY"] = TokenKind.Theorem,
        ["INSTANCE"] = TokenKind.Instance,
        ["WITH"] = TokenKind.With,
        ["LOCAL"] = TokenKind.Local,
        ["LET"] = TokenKind.Let,
        ["IN"] = TokenKind.In,
        ["IF"] = TokenKind.If,
        ["THEN"] = TokenKind.Then,
        ["ELSE"] = TokenKind.Else,
        ["CASE"] = TokenKind.Case,
        ["OTHER"] = TokenKind.Other,
        ["CHOOSE"] = TokenKind.Choose,
        ["EXCEPT"] = TokenKind.Except,
        ["LAMBDA"] = TokenKind.Lambda,
        ["RECURSIVE"] = TokenKind.Recursive,
        ["TRUE"] = TokenKind.True,
        ["FALSE"] = TokenKind.False,
        ["PROOF"] = TokenKind.ProofKeyword,
        ["BY"] = TokenKind.ProofKeyword,
        ["OBVIOUS"] = TokenKind.ProofKeyword,
        ["OMITTED"] = TokenKind.ProofKeyword,
        ["QED"] = TokenKind.ProofKeyword,
        ["DEF"] = TokenKind.ProofKeyword,
        ["DEFS"] = TokenKind.ProofKeyword,
        ["ONLY"] = TokenKind.ProofKeyword,
        ["PROVE"] = TokenKind.ProofKeyword,
        ["NEW"] = TokenKind.ProofKeyword,
        ["SUFFICES"] = TokenKind.ProofKeyword,
        ["HAVE"] = TokenKind.ProofKeyword,
        ["TAKE"] = TokenKind.ProofKeyword,
        ["WITNESS"] = TokenKind.ProofKeyword,
        ["PICK"] = TokenKind.ProofKeyword,
        ["DEFINE"] = TokenKind.ProofKeyword,
        ["USE"] = TokenKind.ProofKeyword,
        ["HIDE"] = TokenKind.ProofKeyword,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenSet<string> WordOperators =
        new[] { "DOMAIN", "SUBSET", "UNION", "ENABLED", "UNCHANGED" }.ToFrozenSet(StringComparer.Ordinal);

    // Longest match first; entries map spelling -> token kind (Operator tokens get canonical text).
    private static readonly (string Spelling, TokenKind Kind)[] Symbols =
    [
        ("-+->", TokenKind.Operator), ("(\\X)", TokenKind.Operator),
        ("<=>", TokenKind.Operator), ("|->", TokenKind.MapsTo), ("::=", TokenKind.Operator),
        ("...", TokenKind.Operator), ("(+)", TokenKind.Operator), ("(-)", TokenKind.Operator),
        ("(.)", TokenKind.Operator), ("(/)", TokenKind.Operator),
        ("==", TokenKind.DefEq), ("=>", TokenKind.Operator), ("=<", TokenKind.Operator), ("/=", TokenKind.Operator),
        ("<=", TokenKind.Operator), (">=", TokenKind.Operator), ("<-", TokenKind.LeftArrow), ("<:", TokenKind.Operator),
        ("<<", TokenKind.LAngle), (">>", TokenKind.RAngle), ("<>", TokenKind.Diamond), ("[]", TokenKind.Box),
        ("->", TokenKind.Arrow), ("~>", TokenKind.Operator), ("..", TokenKind.Operator), ("@@", TokenKind.Operator),
        (":>", TokenKind.Operator), (":=", TokenKind.Operator), ("::", TokenKind.ColonColon),
        ("/\\", TokenKind.Operator), ("||", TokenKind.Operator), ("|-", TokenKind.Operator), ("|=", TokenKind.Operator),
        ("-|", TokenKind.Operator), ("=|", TokenKind.Operator), ("&&", TokenKind.Operator), ("$$", TokenKind.Operator),
        ("??", TokenKind.Operator), ("!!", TokenKind.Operator), ("##", TokenKind.Operator), ("++", TokenKind.Operator),
        ("--", TokenKind.Operator), ("**", TokenKind.Operator), ("//", TokenKind.Operator), ("^^", TokenKind.Operator),
        ("^+", TokenKind.Operator), ("^*", TokenKind.Operator), ("^#", TokenKind.Operator), ("%%", TokenKind.Operator),
        ("=", TokenKind.Operator), ("#", TokenKind.Operator), ("<", TokenKind.Operator), (">", TokenKind.Operator),
        ("+", TokenKind.Operator), ("-", TokenKind.Operator), ("*", TokenKind.Operator), ("/", TokenKind.Operator),
        ("%", TokenKind.Operator), ("^", TokenKind.Operator), ("'", TokenKind.Operator), ("~", TokenKind.Operator),
        ("|", TokenKind.Operator), ("&", TokenKind.Operator), ("$", TokenKind.Operator),
        ("(", TokenKind.LParen), (")", TokenKind.RParen), ("[", TokenKind.LBracket), ("]", TokenKind.RBracket),
        ("{", TokenKind.LBrace), ("}", TokenKind.RBrace), (",", TokenKind.Comma), (":", TokenKind.Colon),
        (".", TokenKind.Dot), ("!", TokenKind.Bang), ("@", TokenKind.At),
    ];

    // TLA+'s Unicode notation (as produced by tlauc and accepted by recent SANY): each symbol stands for its
    // ASCII spelling.
    private static readonly FrozenDictionary<char, string> UnicodeSymbols = new Dictionary<char, string>
    {
        ['\u225C'] = "==", ['\u2227'] = "/\\", ['\u2228'] = "\\/", ['\u00AC'] = "~", ['\u21D2'] = "=>",
        ['\u21D4'] = "<=>", ['\u2261'] = "\\equiv", ['\u2200'] = "\\A", ['\u2203'] = "\\E", ['\u2208'] = "\\in",
        ['\u2209'] = "\\notin", ['\u2260'] = "/=", ['\u2264'] = "=<", ['\u2265'] = ">=", ['\u2286'] = "\\subseteq",
        ['\u2282'] = "\\subset", ['\u2287'] = "\\supseteq", ['\u2283'] = "\\supset", ['\u222A'] = "\\cup",
        ['\u2229'] = "\\cap", ['\u00D7'] = "\\X", ['\u25A1'] = "[]", ['\u25C7'] = "<>", ['\u219D'] = "~>",
        ['\u27E8'] = "<<", ['\u27E9'] = ">>", ['\u21A6'] = "|->", ['\u2192'] = "->", ['\u2190'] = "<-",
        ['\u2218'] = "\\o", ['\u2295'] = "(+)", ['\u2296'] = "(-)", ['\u2299'] = "(.)", ['\u2297'] = "(\\X)",
        ['\u2298'] = "(/)", ['\u2291'] = "\\sqsubseteq", ['\u2292'] = "\\sqsupseteq", ['\u00F7'] = "\\div",
        ['\u22C5'] = "\\cdot", ['\u227A'] = "\\prec", ['\u227C'] = "\\preceq", ['\u227B'] = "\\succ",
        ['\u227D'] = "\\succeq", ['\u226A'] = "\\ll", ['\u226B'] = "\\gg", ['\u223C'] = "\\sim",
        ['\u2243'] = "\\simeq", ['\u2248'] = "\\approx", ['\u224D'] = "\\asymp", ['\u2245'] = "\\cong",
        ['\u2250'] = "\\doteq", ['\u2293'] = "\\sqcap", ['\u2294'] = "\\sqcup", ['\u228E'] = "\\uplus",
        ['\u2240'] = "\\wr", ['\u22C6'] = "\\star", ['\u25CF'] = "\\bullet", ['\u25EF'] = "\\bigcirc",
        ['\u221D'] = "\\propto", ['\u22A2'] = "|-", ['\u22A8'] = "|=", ['\u22A3'] = "-|", ['\u2AE4'] = "=|",
        ['\u2025'] = "..", ['\u2026'] = "...", ['\u2115'] = "Nat", ['\u2124'] = "Int", ['\u211D'] = "Real",
    }.ToFrozenDictionary();

    private readonly SourceFile _file;
    private readonly string _text;
    private readonly DiagnosticBag _diagnostics;
    private readonly List<Token> _tokens = [];
    private readonly List<string> _interned = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _identifiers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private Lexer(SourceFile file, DiagnosticBag diagnostics)
    {
        _file = file;
        _text = file.Text;
        _diagnostics = diagnostics;
    }

    /// <summary>Tokens of the file (ending with one EndOfFile token).</summary>
    public IReadOnlyList<Token> Tokens => _tokens;

    /// <summary>
    /// Identifiers and string literals of the file in the order they first occur (each text once). This is the
    /// order in which SANY interns them while lexing; the loader concatenates these across modules.
    /// </summary>
    public IReadOnlyList<string> InternOrder => _interned;

    /// <summary>The texts of <see cref="InternOrder"/> that occur as identifiers (the rest occur only as strings).</summary>
    public IReadOnlySet<string> Identifiers => _identifiers;

    /// <summary>Lexes a whole file; problems are added to <paramref name="diagnostics"/>.</summary>
    public static Lexer Tokenize(SourceFile file, DiagnosticBag diagnostics)
    {
        var lexer = new Lexer(file, diagnostics);
        lexer.Run();
        return lexer;
    }

    private void Run()
    {
        SkipToFirstModule();
        var depth = 0;
        while (true)
        {
            SkipTrivia();
            if (_pos >= _text.Length)
            {
                break;
            }

            var token = Next();
            _tokens.Add(token);
            if (token.Kind == TokenKind.Module && _tokens.Count >= 2 && _tokens[^2].Kind == TokenKind.Separator)
            {
                depth++;
            }
            else if (token.Kind == TokenKind.ModuleEnd && --depth <= 0)
            {
                break;
            }
        }

        _tokens.Add(new Token(TokenKind.EndOfFile, string.Empty, _text.Length, _text.Length, _line, _text.Length - _lineStart + 1));
    }

    private void SkipToFirstModule()
    {
        // A module starts at a run of 4+ dashes followed (after blanks) by MODULE.
        var i = 0;
        while (i < _text.Length)
        {
            if (_text[i] is '-' or '\u2500' && CountRun(i, _text[i]) >= 4)
            {
                var j = i + CountRun(i, _text[i]);
                while (j < _text.Length && (_text[j] == ' ' || _text[j] == '\t'))
                {
                    j++;
                }

                if (string.CompareOrdinal(_text, j, "MODULE", 0, 6) == 0 && (j + 6 >= _text.Length || !IsIdentChar(_text[j + 6])))
                {
                    Advance(i);
                    return;
                }

                i = j;
                continue;
            }

            i++;
        }

        Advance(0);
    }

    private void Advance(int target)
    {
        // Moves to target, keeping the line bookkeeping right.
        for (; _pos < target; _pos++)
        {
            if (_text[_pos] == '\n' || (_text[_pos] == '\r' && (_pos + 1 >= _text.Length || _text[_pos + 1] != '\n')))
            {
                _line++;
                _lineStart = _pos + 1;
            }
        }
    }

    private int CountRun(int at, char c)
    {
        var n = 0;
        while (at + n < _text.Length && _text[at + n] == c)
        {
            n++;
        }

        return n;
    }

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
            {
                Advance(_pos + 1);
            }
            else if (c == '\\' && Peek(1) == '*')
            {
                var end = _text.IndexOf('\n', _pos);
                Advance(end < 0 ? _text.Length : end);
            }
            else if (c == '(' && Peek(1) == '*')
            {
                SkipBlockComment();
            }
            else
            {
                return;
            }
        }
    }

    private void SkipBlockComment()
    {
        var start = _pos;
        var depth = 0;
        while (_pos < _text.Length)
        {
            if (_text[_pos] == '(' && Peek(1) == '*')
            {
                depth++;
                Advance(_pos + 2);
            }
            else if (_text[_pos] == '*' && Peek(1) == ')')
            {
                depth--;
                Advance(_pos + 2);
                if (depth == 0)
                {
                    return;
                }
            }
            else
            {
                Advance(_pos + 1);
            }
        }

        _diagnostics.Add(DiagnosticCode.UnterminatedComment, new SourceSpan(_file, start, start + 2));
    }

    private char Peek(int ahead) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private static bool IsIdentChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private Token Make(TokenKind kind, string text, int start) =>
        new(kind, text, start, _pos, _line, start - _lineStart + 1);

    private Token Next()
    {
        var start = _pos;
        var startLine = _line;
        var startColumn = _pos - _lineStart + 1;
        var c = _text[_pos];

        if (c == '-' && CountRun(_pos, '-') >= 4)
        {
            _pos += CountRun(_pos, '-');
            return new Token(TokenKind.Separator, "----", start, _pos, startLine, startColumn);
        }

        if (c == '=' && CountRun(_pos, '=') >= 4)
        {
            _pos += CountRun(_pos, '=');
            return new Token(TokenKind.ModuleEnd, "====", start, _pos, startLine, startColumn);
        }

        if ((c == '\u2500' && CountRun(_pos, c) >= 4) || (c == '\u2550' && CountRun(_pos, c) >= 4))
        {
            // Box-drawing rules are the Unicode module separators and end lines.
            _pos += CountRun(_pos, c);
            return new Token(c == '\u2500' ? TokenKind.Separator : TokenKind.ModuleEnd, c == '\u2500' ? "----" : "====",
                start, _pos, startLine, startColumn);
        }

        if (c > 127 && UnicodeSymbols.TryGetValue(c, out var ascii))
        {
            return LexUnicode(start, ascii);
        }

        if (IsIdentChar(c))
        {
            return LexWord(start);
        }

        if (c == '"')
        {
            return LexString(start);
        }

        if (c == '\\')
        {
            return LexBackslash(start);
        }

        foreach (var (spelling, kind) in Symbols)
        {
            if (string.CompareOrdinal(_text, _pos, spelling, 0, spelling.Length) == 0)
            {
                _pos += spelling.Length;
                if (kind == TokenKind.RBracket && Peek(0) == '_')
                {
                    _pos++;
                    return Make(TokenKind.RBracketUnderscore, "]_", start);
                }

                if (kind == TokenKind.RAngle && Peek(0) == '_')
                {
                    _pos++;
                    return Make(TokenKind.RAngleUnderscore, ">>_", start);
                }

                var text = kind == TokenKind.Operator ? Operators.Canonical(spelling) : spelling;
                return Make(kind, text, start);
            }
        }

        _pos++;
        var shown = char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString();
        _diagnostics.Add(DiagnosticCode.UnexpectedCharacter, new SourceSpan(_file, start, _pos), shown);
        return Make(TokenKind.Error, shown, start);
    }

    private Token LexUnicode(int start, string ascii)
    {
        // Lex the ASCII spelling on its own, then give the token the Unicode character's position.
        var scratch = new Lexer(new SourceFile(_file.Path, ascii + " "), new DiagnosticBag());
        scratch.SkipTrivia();
        var token = scratch.Next();
        _pos++;
        var kind = token.Kind;
        var text = token.Text;
        if (kind == TokenKind.Identifier)
        {
            text = Intern(text);
            _identifiers.Add(text);
        }
        else if (kind == TokenKind.RAngle && Peek(0) == '_')
        {
            _pos++;
            kind = TokenKind.RAngleUnderscore;
            text = ">>_";
        }

        return Make(kind, text, start);
    }

    private Token LexWord(int start)
    {
        while (_pos < _text.Length && IsIdentChar(_text[_pos]))
        {
            _pos++;
        }

        var word = _text[start.._pos];
        if ((word.StartsWith("WF_", StringComparison.Ordinal) || word.StartsWith("SF_", StringComparison.Ordinal)))
        {
            _pos = start + 3;
            return Make(word[0] == 'W' ? TokenKind.WF : TokenKind.SF, word[..3], start);
        }

        var hasLetter = false;
        var allDigits = true;
        foreach (var ch in word)
        {
            hasLetter |= char.IsAsciiLetter(ch);
            allDigits &= char.IsAsciiDigit(ch);
        }

        if (allDigits)
        {
            if (Peek(0) == '.' && char.IsAsciiDigit(Peek(1)))
            {
                _pos++;
                while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
                {
                    _pos++;
                }

                _diagnostics.Add(DiagnosticCode.UnsupportedConstruct, new SourceSpan(_file, start, _pos), "A decimal number");
            }

            return Make(TokenKind.Number, word, start);
        }

        if (!hasLetter)
        {
            if (word.All(ch => ch == '_'))
            {
                _pos = start + 1;
                return Make(TokenKind.Underscore, "_", start);
            }

            _diagnostics.Add(DiagnosticCode.InvalidNumber, new SourceSpan(_file, start, _pos), word);
            return Make(TokenKind.Number, "0", start);
        }

        if (Keywords.TryGetValue(word, out var keyword))
        {
            return Make(keyword, word, start);
        }

        if (WordOperators.Contains(word))
        {
            return Make(TokenKind.Operator, word, start);
        }

        word = Intern(word);
        _identifiers.Add(word);
        return Make(TokenKind.Identifier, word, start);
    }

    private string Intern(string text)
    {
        if (_pool.TryGetValue(text, out var pooled))
        {
            return pooled;
        }

        _pool[text] = text;
        if (_seen.Add(text))
        {
            _interned.Add(text);
        }

        return text;
    }

    private Token LexString(int start)
    {
        _pos++;
        var builder = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] is '\n' or '\r')
            {
                _diagnostics.Add(DiagnosticCode.UnterminatedString, new SourceSpan(_file, start, Math.Min(start + 1, _text.Length)));
                break;
            }

            var ch = _text[_pos];
            if (ch == '"')
            {
                _pos++;
                break;
            }

            if (ch == '\\')
            {
                var escaped = Peek(1);
                char? decoded = escaped switch
                {
                    '"' => '"',
                    '\\' => '\\',
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'f' => '\f',
                    _ => null,
                };
                if (decoded is null)
                {
                    _diagnostics.Add(DiagnosticCode.InvalidEscape, new SourceSpan(_file, _pos, Math.Min(_pos + 2, _text.Length)),
                        escaped == '\0' ? string.Empty : escaped.ToString());
                    _pos++;
                    continue;
                }

                builder.Append(decoded.Value);
                _pos += 2;
                continue;
            }

            builder.Append(ch);
            _pos++;
        }

        var value = Intern(builder.ToString());
        return Make(TokenKind.String, value, start);
    }

    private Token LexBackslash(int start)
    {
        if (Peek(1) == '/')
        {
            _pos += 2;
            return Make(TokenKind.Operator, Operators.Or, start);
        }

        if (!char.IsAsciiLetter(Peek(1)))
        {
            _pos++;
            return Make(TokenKind.Operator, Operators.SetMinus, start);
        }

        // Numbers in other bases: \b1010, \o17, \h1F (base letter immediately followed by a digit).
        var baseLetter = char.ToLowerInvariant(Peek(1));
        if ((baseLetter is 'b' or 'o' && char.IsAsciiDigit(Peek(2))) || (baseLetter == 'h' && char.IsAsciiHexDigit(Peek(2))))
        {
            var end = _pos + 2;
            var radix = baseLetter switch { 'b' => 2, 'o' => 8, _ => 16 };
            var digitsEnd = end;
            while (digitsEnd < _text.Length && char.IsAsciiLetterOrDigit(_text[digitsEnd]))
            {
                digitsEnd++;
            }

            _pos = digitsEnd;
            var digits = _text[end..digitsEnd];
            System.Numerics.BigInteger value = 0;
            foreach (var d in digits)
            {
                var v = char.IsAsciiDigit(d) ? d - '0' : char.IsAsciiHexDigit(d) ? char.ToLowerInvariant(d) - 'a' + 10 : 99;
                if (v >= radix)
                {
                    _diagnostics.Add(DiagnosticCode.InvalidNumber, new SourceSpan(_file, start, _pos), _text[start.._pos]);
                    value = 0;
                    break;
                }

                value = value * radix + v;
            }

            return Make(TokenKind.Number, value.ToString(System.Globalization.CultureInfo.InvariantCulture), start);
        }

        var wordEnd = _pos + 1;
        while (wordEnd < _text.Length && char.IsAsciiLetter(_text[wordEnd]))
        {
            wordEnd++;
        }

        var word = _text[(_pos + 1)..wordEnd];
        _pos = wordEnd;
        return word switch
        {
            "A" => Make(TokenKind.Forall, "\\A", start),
            "E" => Make(TokenKind.Exists, "\\E", start),
            "AA" => Make(TokenKind.TemporalForall, "\\AA", start),
            "EE" => Make(TokenKind.TemporalExists, "\\EE", start),
            "forall" => Make(TokenKind.Forall, "\\A", start),
            "exists" => Make(TokenKind.Exists, "\\E", start),
            _ => Make(TokenKind.Operator, Operators.Canonical("\\" + word), start),
        };
    }
}
