using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using VerifiedIpc.Tla.Diagnostics;

namespace VerifiedIpc.Tla.Syntax;

/// <summary>
/// Recursive-descent parser for TLA+ modules with a precedence-climbing loop over <see cref="Operators"/>' table.
/// Never throws on user input: a missing token is reported and assumed present, a missing expression becomes an
/// <see cref="ErrorExpr"/>, and after an error the parser skips to the next definition or declaration at the start
/// of a line (diagnostics are suppressed until then, so one mistake yields one message). Nesting deeper than
/// <see cref="MaxDepth"/> is reported instead of overflowing the stack.
/// </summary>
/// <remarks>
/// Junction lists follow SANY's column rule: after a bullet <c>/\</c> or <c>\/</c> at column c in prefix position,
/// the item extends over every following token whose column is greater than c; a token at column c or less ends
/// it, and a bullet of the same kind exactly at column c starts the next item. Inside parentheses, brackets and
/// braces the rule is suspended (the delimiters bound the expression).
/// </remarks>
public sealed partial class Parser
{
    /// <summary>Maximum nesting of expressions (and height of any operator chain) accepted.</summary>
    public const int MaxDepth = 1000;

    private readonly SourceFile _file;
    private readonly IReadOnlyList<Token> _tokens;
    private readonly DiagnosticBag _diagnostics;
    private int _index;
    private int _barrier;
    private int _depth;
    private bool _suppress;
    private bool _depthReported;
    private int _lastEnd;

    private Parser(SourceFile file, IReadOnlyList<Token> tokens, DiagnosticBag diagnostics)
    {
        _file = file;
        _tokens = tokens;
        _diagnostics = diagnostics;
    }

    /// <summary>The result of parsing one file.</summary>
    /// <param name="Module">The top-level module, or null when not even a header was found.</param>
    /// <param name="InternOrder">Identifiers and strings of the file in order of first occurrence.</param>
    /// <param name="Identifiers">The texts of <paramref name="InternOrder"/> that occur as identifiers.</param>
    public sealed record Result(Module? Module, IReadOnlyList<string> InternOrder, IReadOnlySet<string>? Identifiers = null);

    /// <summary>Parses the top-level module of a file.</summary>
    public static Result ParseFile(SourceFile file, DiagnosticBag diagnostics)
    {
        var lexer = Lexer.Tokenize(file, diagnostics);
        var parser = new Parser(file, lexer.Tokens, diagnostics);
        return new Result(parser.ParseTopModule(), lexer.InternOrder, lexer.Identifiers);
    }

    /// <summary>Parses a standalone expression (used by tests and tools); trailing tokens are an error.</summary>
    public static Expr ParseExpressionText(string text, DiagnosticBag diagnostics, string path = "<expr>")
    {
        var file = new SourceFile(path, text);
        var lexer = new ExpressionLexer(file, diagnostics);
        var parser = new Parser(file, lexer.Tokens, diagnostics);
        var expr = parser.ParseExpression();
        if (parser.Raw.Kind != TokenKind.EndOfFile)
        {
            parser.ReportUnexpected(parser.Raw);
        }

        return expr;
    }

    // ------------------------------------------------------------------------------------------ token access

    private Token Raw => _tokens[Math.Min(_index, _tokens.Count - 1)];

    private Token PeekRaw(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    /// <summary>The current token, or a virtual end of input when the junction-list column rule ends the item here.</summary>
    private Token Current
    {
        get
        {
            var token = Raw;
            if (_barrier > 0 && token.Column <= _barrier && token.Kind != TokenKind.EndOfFile)
            {
                return token with { Kind = TokenKind.EndOfFile };
            }

            return token;
        }
    }

    private TokenKind Kind => Current.Kind;

    private bool IsOp(string canonical) => Kind == TokenKind.Operator && Current.Text == canonical;

    private Token Consume()
    {
        var token = Raw;
        if (_index < _tokens.Count - 1)
        {
            _index++;
        }

        _lastEnd = token.End;
        return token;
    }

    private bool Accept(TokenKind kind)
    {
        if (Kind != kind)
        {
            return false;
        }

        Consume();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Kind == kind)
        {
            return Consume();
        }

        Report(DiagnosticCode.ExpectedToken, SpanOf(Raw), what, Describe(Raw));
        return new Token(kind, string.Empty, Raw.Start, Raw.Start, Raw.Line, Raw.Column);
    }

    private SourceSpan SpanOf(Token token) => new(_file, token.Start, token.End);

    private SourceSpan From(int start) => new(_file, start, Math.Max(start, _lastEnd));

    private static string Describe(Token token) => token.Kind == TokenKind.EndOfFile ? "<EOF>" : token.Kind switch
    {
        TokenKind.String => "\"" + token.Text + "\"",
        _ => token.Text,
    };

    private void Report(DiagnosticCode code, SourceSpan span, params object?[] args)
    {
        if (_suppress)
        {
            return;
        }

        _diagnostics.Add(code, span, args);
        _suppress = true;
    }

    private void ReportConflict(OperatorInfo left, SourceSpan leftSpan, OperatorInfo right) =>
        Report(DiagnosticCode.PrecedenceConflict, leftSpan, SanyName(left.Symbol), leftSpan.ToTlcString(), SanyName(right.Symbol));

    /// <summary>SANY's identifiers for the few operators whose canonical symbol differs, for TLC-identical messages.</summary>
    private static string SanyName(string symbol) => symbol switch
    {
        Operators.And => "\\land",
        Operators.Or => "\\lor",
        Operators.Not => "\\lnot",
        Operators.Equiv => "\\equiv",
        _ => symbol,
    };

    private void ReportUnexpected(Token token)
    {
        if (token.Kind == TokenKind.Error)
        {
            // The lexer already reported the character; one message per mistake.
            _suppress = true;
            return;
        }

        // SANY's wording names the last token it accepted before the unexpected one.
        var previous = _index > 0 ? _tokens[Math.Min(_index, _tokens.Count) - 1] : token;
        Report(DiagnosticCode.UnexpectedToken, SpanOf(token), Describe(token), token.Line, token.Column, Describe(previous));
    }
}

/// <summary>Lexes bare expression text (no module header), for <see cref="Parser.ParseExpressionText"/>.</summary>
internal sealed class ExpressionLexer
{
    public ExpressionLexer(SourceFile file, DiagnosticBag diagnostics)
    {
        // Wrap in a module so the ordinary lexer applies, then drop the wrapper tokens; offsets are shifted back.
        const string Header = "---- MODULE E ----\n";
        var wrapped = new SourceFile(file.Path, Header + file.Text + "\n====\n");
        var scratch = new DiagnosticBag();
        var lexer = Lexer.Tokenize(wrapped, scratch);
        var tokens = new List<Token>();
        foreach (var t in lexer.Tokens)
        {
            if (t.End <= Header.Length)
            {
                continue;
            }

            if (t.Kind is TokenKind.ModuleEnd or TokenKind.EndOfFile)
            {
                break;
            }

            tokens.Add(t with { Start = t.Start - Header.Length, End = t.End - Header.Length, Line = t.Line - 1 });
        }

        tokens.Add(new Token(TokenKind.EndOfFile, string.Empty, file.Text.Length, file.Text.Length, 0, 0));
        foreach (var d in scratch.Items)
        {
            var span = new SourceSpan(file, Math.Max(0, d.Span.Start - Header.Length), Math.Max(0, d.Span.End - Header.Length));
            diagnostics.AddRange([new Diagnostic(d.Code, d.Severity, span, d.Message)]);
        }

        Tokens = tokens;
    }

    public IReadOnlyList<Token> Tokens { get; }
}
