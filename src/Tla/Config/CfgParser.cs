using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;
using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Config;

/// <summary>Lexer and parser of TLC's configuration language.</summary>
internal sealed class CfgParser
{
    private enum Kind
    {
        End,
        Word,
        Number,
        String,
        Equals,
        LeftArrow,
        LBrace,
        RBrace,
        LAngle,
        RAngle,
        LBracket,
        RBracket,
        Comma,
        Minus,
        Bad,
    }

    private enum Section
    {
        None,
        Constants,
        Init,
        Next,
        Specification,
        Invariants,
        Properties,
        Constraints,
        ActionConstraints,
        Symmetry,
        View,
        Alias,
        CheckDeadlock,
        Postconditions,
    }

    private static readonly FrozenDictionary<string, Section> Keywords = new Dictionary<string, Section>
    {
        ["CONSTANT"] = Section.Constants,
        ["CONSTANTS"] = Section.Constants,
        ["INIT"] = Section.Init,
        ["NEXT"] = Section.Next,
        ["SPECIFICATION"] = Section.Specification,
        ["INVARIANT"] = Section.Invariants,
        ["INVARIANTS"] = Section.Invariants,
        ["PROPERTY"] = Section.Properties,
        ["PROPERTIES"] = Section.Properties,
        ["CONSTRAINT"] = Section.Constraints,
        ["CONSTRAINTS"] = Section.Constraints,
        ["ACTION_CONSTRAINT"] = Section.ActionConstraints,
        ["ACTION_CONSTRAINTS"] = Section.ActionConstraints,
        ["SYMMETRY"] = Section.Symmetry,
        ["VIEW"] = Section.View,
        ["ALIAS"] = Section.Alias,
        ["CHECK_DEADLOCK"] = Section.CheckDeadlock,
        ["POSTCONDITION"] = Section.Postconditions,
        ["POSTCONDITIONS"] = Section.Postconditions,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly record struct Tok(Kind Kind, string Text, int Start, int End);

    private readonly SourceFile _file;
    private readonly ModelConfig _config;
    private readonly List<Tok> _tokens = [];
    private readonly HashSet<string> _interned = new(StringComparer.Ordinal);
    private readonly HashSet<string> _modelValues = new(StringComparer.Ordinal);
    private int _index;

    public CfgParser(SourceFile file)
    {
        _file = file;
        _config = new ModelConfig(file);
    }

    public ModelConfig Parse()
    {
        Lex();
        var section = Section.None;
        while (Cur.Kind != Kind.End)
        {
            var token = Cur;
            if (token.Kind == Kind.Word && Keywords.TryGetValue(token.Text, out var keyword))
            {
                _index++;
                section = keyword;
                continue;
            }

            var before = _index;
            switch (section)
            {
                case Section.None:
                    Error(DiagnosticCode.CfgUnexpectedToken, token, token.Text, "a keyword such as INIT, NEXT, SPECIFICATION or CONSTANTS");
                    _index++;
                    break;
                case Section.Constants:
                    ParseConstantEntry();
                    break;
                case Section.CheckDeadlock:
                    if (token.Kind == Kind.Word && token.Text is "TRUE" or "FALSE")
                    {
                        _config.CheckDeadlock = token.Text == "TRUE";
                        _index++;
                    }
                    else
                    {
                        Error(DiagnosticCode.CfgUnexpectedToken, token, token.Text, "TRUE or FALSE after CHECK_DEADLOCK");
                        _index++;
                    }

                    section = Section.None;
                    break;
                default:
                    var name = ExpectName(section.ToString().ToUpperInvariant());
                    if (name is not null)
                    {
                        Store(section, name);
                    }

                    break;
            }

            if (_index == before)
            {
                _index++;
            }
        }

        return _config;
    }

    private void Store(Section section, CfgName name)
    {
        switch (section)
        {
            case Section.Init:
                _config.Init = name;
                break;
            case Section.Next:
                _config.Next = name;
                break;
            case Section.Specification:
                _config.Specification = name;
                break;
            case Section.Invariants:
                _config.Invariants.Add(name);
                break;
            case Section.Properties:
                _config.Properties.Add(name);
                break;
            case Section.Constraints:
                _config.Constraints.Add(name);
                break;
            case Section.ActionConstraints:
                _config.ActionConstraints.Add(name);
                break;
            case Section.Symmetry:
                _config.Symmetry.Add(name);
                break;
            case Section.View:
                _config.View = name;
                break;
            case Section.Alias:
                _config.Alias = name;
                break;
            case Section.Postconditions:
                _config.Postconditions.Add(name);
                break;
        }
    }

    private Tok Cur => _tokens[Math.Min(_index, _tokens.Count - 1)];

    private Tok Peek(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private SourceSpan SpanOf(Tok token) => new(_file, token.Start, token.End);

    private void Error(DiagnosticCode code, Tok at, params object?[] args) =>
        _config.Diagnostics.Add(new Diagnostic(code, DiagnosticSeverity.Error, SpanOf(at), DiagnosticMessages.Format(code, args)));

    private static string Show(Tok token) => token.Kind == Kind.End ? "<EOF>" : token.Text;

    private CfgName? ExpectName(string after)
    {
        var token = Cur;
        if (token.Kind == Kind.Word && !Keywords.ContainsKey(token.Text))
        {
            _index++;
            Intern(token.Text);
            return new CfgName(token.Text, SpanOf(token));
        }

        Error(DiagnosticCode.CfgExpectedName, token, after, Show(token));
        return null;
    }

    private void ParseConstantEntry()
    {
        var name = ExpectName("CONSTANTS");
        if (name is null)
        {
            _index++;
            return;
        }

        // Operator constants may be written with their arity: F(_, _) <- G is not TLC syntax, but "F <- G" is.
        switch (Cur.Kind)
        {
            case Kind.Equals:
            {
                _index++;
                var value = ParseValue(depth: 0);
                if (value is not null)
                {
                    _config.Constants.Add(new ConstantAssignment(name, value));
                }

                return;
            }

            case Kind.LeftArrow:
            {
                _index++;
                CfgName? module = null;
                if (Cur.Kind == Kind.LBracket)
                {
                    _index++;
                    module = ExpectName("'['");
                    if (Cur.Kind == Kind.RBracket)
                    {
                        _index++;
                    }
                    else
                    {
                        Error(DiagnosticCode.CfgUnexpectedToken, Cur, Show(Cur), "']'");
                    }
                }

                var replacement = ExpectName("'<-'");
                if (replacement is not null)
                {
                    _config.Overrides.Add(new OperatorOverride(name, replacement, module));
                }

                return;
            }

            default:
                Error(DiagnosticCode.CfgUnexpectedToken, Cur, Show(Cur), $"'=' or '<-' after constant {name.Name}");
                return;
        }
    }

    private CfgValue? ParseValue(int depth)
    {
        var token = Cur;
        switch (token.Kind)
        {
            case Kind.Number:
                _index++;
                return Number(token, token, negative: false);
            case Kind.Minus when Peek(1).Kind == Kind.Number:
                _index += 2;
                return Number(token, Peek(-1), negative: true);
            case Kind.String:
                _index++;
                Intern(token.Text);
                return new CfgString(token.Text, SpanOf(token));
            case Kind.Word when token.Text is "TRUE" or "FALSE":
                _index++;
                return new CfgBoolean(token.Text == "TRUE", SpanOf(token));
            case Kind.Word when !Keywords.ContainsKey(token.Text):
                _index++;
                Intern(token.Text);
                if (_modelValues.Add(token.Text))
                {
                    _config.ModelValues.Add(token.Text);
                }

                return new CfgModelValue(token.Text, SpanOf(token));
            case Kind.LBrace or Kind.LAngle when depth < 100:
            {
                _index++;
                var close = token.Kind == Kind.LBrace ? Kind.RBrace : Kind.RAngle;
                var elements = ImmutableArray.CreateBuilder<CfgValue>();
                if (Cur.Kind != close)
                {
                    while (true)
                    {
                        var element = ParseValue(depth + 1);
                        if (element is null)
                        {
                            return null;
                        }

                        elements.Add(element);
                        if (Cur.Kind != Kind.Comma)
                        {
                            break;
                        }

                        _index++;
                    }
                }

                if (Cur.Kind != close)
                {
                    Error(DiagnosticCode.CfgUnexpectedToken, Cur, Show(Cur), close == Kind.RBrace ? "',' or '}'" : "',' or '>>'");
                    return null;
                }

                var end = Cur.End;
                _index++;
                var span = new SourceSpan(_file, token.Start, end);
                return close == Kind.RBrace ? new CfgSet(elements.ToImmutable(), span) : new CfgTuple(elements.ToImmutable(), span);
            }

            default:
                Error(DiagnosticCode.CfgExpectedValue, token, Show(token));
                return null;
        }
    }

    private CfgValue? Number(Tok first, Tok digits, bool negative)
    {
        var value = BigInteger.Parse(digits.Text, CultureInfo.InvariantCulture);
        if (negative)
        {
            value = -value;
        }

        // TLC's integers are 32-bit; a larger constant cannot be represented.
        if (value > int.MaxValue || value < int.MinValue)
        {
            Error(DiagnosticCode.CfgInvalidNumber, digits, (negative ? "-" : string.Empty) + digits.Text);
            return null;
        }

        return new CfgNumber(value, new SourceSpan(_file, first.Start, digits.End));
    }

    private void Intern(string text)
    {
        if (_interned.Add(text))
        {
            _config.InternOrder.Add(text);
        }
    }

    private void Lex()
    {
        var text = _file.Text;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '*')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (c == '(' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var depth = 0;
                var start = i;
                while (i < text.Length)
                {
                    if (text[i] == '(' && i + 1 < text.Length && text[i + 1] == '*')
                    {
                        depth++;
                        i += 2;
                    }
                    else if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == ')')
                    {
                        depth--;
                        i += 2;
                        if (depth == 0)
                        {
                            break;
                        }
                    }
                    else
                    {
                        i++;
                    }
                }

                if (depth > 0)
                {
                    _config.Diagnostics.Add(new Diagnostic(DiagnosticCode.UnterminatedComment, DiagnosticSeverity.Error,
                        new SourceSpan(_file, start, start + 2), DiagnosticMessages.Format(DiagnosticCode.UnterminatedComment)));
                }

                continue;
            }

            // TLC tolerates module-style separator lines in a cfg.
            if ((c == '-' || c == '=') && i + 3 < text.Length && text[i + 1] == c && text[i + 2] == c && text[i + 3] == c)
            {
                while (i < text.Length && text[i] == c)
                {
                    i++;
                }

                continue;
            }

            var tokenStart = i;
            if (char.IsAsciiLetter(c) || c == '_' || char.IsAsciiDigit(c))
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                var word = text[tokenStart..i];
                var kind = word.All(char.IsAsciiDigit) ? Kind.Number : Kind.Word;
                _tokens.Add(new Tok(kind, word, tokenStart, i));
                continue;
            }

            if (c == '"')
            {
                i++;
                var builder = new StringBuilder();
                var closed = false;
                while (i < text.Length && text[i] != '\n')
                {
                    if (text[i] == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }

                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        builder.Append(text[i + 1] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', 'f' => '\f', var other => other });
                        i += 2;
                        continue;
                    }

                    builder.Append(text[i]);
                    i++;
                }

                if (!closed)
                {
                    _config.Diagnostics.Add(new Diagnostic(DiagnosticCode.CfgUnterminatedString, DiagnosticSeverity.Error,
                        new SourceSpan(_file, tokenStart, tokenStart + 1), DiagnosticMessages.Format(DiagnosticCode.CfgUnterminatedString)));
                }

                _tokens.Add(new Tok(Kind.String, builder.ToString(), tokenStart, i));
                continue;
            }

            (Kind kind, int length) symbol = c switch
            {
                '=' => (Kind.Equals, 1),
                '<' when i + 1 < text.Length && text[i + 1] == '-' => (Kind.LeftArrow, 2),
                '<' when i + 1 < text.Length && text[i + 1] == '<' => (Kind.LAngle, 2),
                '>' when i + 1 < text.Length && text[i + 1] == '>' => (Kind.RAngle, 2),
                '{' => (Kind.LBrace, 1),
                '}' => (Kind.RBrace, 1),
                '[' => (Kind.LBracket, 1),
                ']' => (Kind.RBracket, 1),
                ',' => (Kind.Comma, 1),
                '-' => (Kind.Minus, 1),
                _ => (Kind.Bad, 1),
            };
            i += symbol.length;
            var tok = new Tok(symbol.kind, text[tokenStart..i], tokenStart, i);
            if (symbol.kind == Kind.Bad)
            {
                Error(DiagnosticCode.CfgUnexpectedCharacter, tok, char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString());
                continue;
            }

            _tokens.Add(tok);
        }

        _tokens.Add(new Tok(Kind.End, string.Empty, text.Length, text.Length));
    }
}
