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
public sealed class Parser
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
    public sealed record Result(Module? Module, IReadOnlyList<string> InternOrder);

    /// <summary>Parses the top-level module of a file.</summary>
    public static Result ParseFile(SourceFile file, DiagnosticBag diagnostics)
    {
        var lexer = Lexer.Tokenize(file, diagnostics);
        var parser = new Parser(file, lexer.Tokens, diagnostics);
        return new Result(parser.ParseTopModule(), lexer.InternOrder);
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

    private void ReportUnexpected(Token token)
    {
        if (token.Kind == TokenKind.Error)
        {
            // The lexer already reported the character; one message per mistake.
            _suppress = true;
            return;
        }

        Report(DiagnosticCode.UnexpectedToken, SpanOf(token), Describe(token), token.Line, token.Column);
    }

    // ------------------------------------------------------------------------------------------ modules

    private Module? ParseTopModule()
    {
        if (Raw.Kind != TokenKind.Separator || PeekRaw(1).Kind != TokenKind.Module)
        {
            Report(DiagnosticCode.MissingModuleHeader, SpanOf(Raw));
            return null;
        }

        return ParseModule();
    }

    private Module ParseModule()
    {
        var start = Raw.Start;
        Consume(); // ----
        Consume(); // MODULE
        var nameToken = Expect(TokenKind.Identifier, "a module name");
        var name = new Identifier(SpanOf(nameToken), nameToken.Text);
        Accept(TokenKind.Separator);

        var extends = ImmutableArray.CreateBuilder<Identifier>();
        if (Accept(TokenKind.Extends))
        {
            do
            {
                var ext = Expect(TokenKind.Identifier, "a module name");
                if (ext.Text.Length > 0)
                {
                    extends.Add(new Identifier(SpanOf(ext), ext.Text));
                }
            }
            while (Accept(TokenKind.Comma));
        }

        var units = ImmutableArray.CreateBuilder<Unit>();
        while (Raw.Kind is not (TokenKind.ModuleEnd or TokenKind.EndOfFile))
        {
            if (_suppress)
            {
                SkipToUnitStart();
                _suppress = false;
                continue;
            }

            var before = _index;
            ParseUnit(units);
            if (!_suppress && !IsUnitStart(requireLineStart: false))
            {
                ReportUnexpected(Raw);
            }

            if (_index == before)
            {
                Consume();
            }
        }

        if (Raw.Kind == TokenKind.ModuleEnd)
        {
            Consume();
        }
        else
        {
            Report(DiagnosticCode.MissingModuleEnd, SpanOf(Raw), name.Text);
        }

        return new Module(From(start), name, extends.ToImmutable(), units.ToImmutable());
    }

    private void SkipToUnitStart()
    {
        while (Raw.Kind is not (TokenKind.ModuleEnd or TokenKind.EndOfFile))
        {
            if (IsUnitStart(requireLineStart: true))
            {
                return;
            }

            Consume();
        }
    }

    /// <summary>True at a token that can start a module unit (a declaration keyword or the head of a definition).</summary>
    private bool IsUnitStart(bool requireLineStart)
    {
        var token = Raw;
        switch (token.Kind)
        {
            case TokenKind.Constant or TokenKind.Variable or TokenKind.Assume or TokenKind.Theorem or TokenKind.Instance
                or TokenKind.Local or TokenKind.Recursive or TokenKind.Separator or TokenKind.ModuleEnd
                or TokenKind.EndOfFile:
                return true;
        }

        if (requireLineStart && token.Column != 1)
        {
            return false;
        }

        return IsDefinitionHead(_index, out _);
    }

    /// <summary>Whether a definition head (<c>F ==</c>, <c>F(..) ==</c>, <c>f[..] ==</c>, <c>a op b ==</c>, ...) starts at token i.</summary>
    private bool IsDefinitionHead(int i, out int defEqIndex)
    {
        defEqIndex = -1;
        TokenKind At(int k) => _tokens[Math.Min(k, _tokens.Count - 1)].Kind;

        if (At(i) == TokenKind.Identifier)
        {
            switch (At(i + 1))
            {
                case TokenKind.DefEq:
                    defEqIndex = i + 1;
                    return true;
                case TokenKind.LParen or TokenKind.LBracket:
                    var close = MatchingClose(i + 1);
                    if (close > 0 && At(close + 1) == TokenKind.DefEq)
                    {
                        defEqIndex = close + 1;
                        return true;
                    }

                    return false;
                case TokenKind.Operator:
                    if (At(i + 2) == TokenKind.Identifier && At(i + 3) == TokenKind.DefEq)
                    {
                        defEqIndex = i + 3;
                        return true;
                    }

                    if (At(i + 2) == TokenKind.DefEq)
                    {
                        defEqIndex = i + 2;
                        return true;
                    }

                    return false;
            }

            return false;
        }

        if (At(i) is TokenKind.Operator or TokenKind.Box or TokenKind.Diamond && At(i + 1) == TokenKind.Identifier
            && At(i + 2) == TokenKind.DefEq)
        {
            defEqIndex = i + 2;
            return true;
        }

        return false;
    }

    private int MatchingClose(int open)
    {
        var depth = 0;
        for (var k = open; k < _tokens.Count; k++)
        {
            switch (_tokens[k].Kind)
            {
                case TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace or TokenKind.LAngle:
                    depth++;
                    break;
                case TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace or TokenKind.RAngle
                    or TokenKind.RBracketUnderscore or TokenKind.RAngleUnderscore:
                    depth--;
                    if (depth == 0)
                    {
                        return k;
                    }

                    break;
                case TokenKind.DefEq or TokenKind.ModuleEnd or TokenKind.EndOfFile or TokenKind.Separator:
                    return -1;
            }
        }

        return -1;
    }

    private void ParseUnit(ImmutableArray<Unit>.Builder units)
    {
        var start = Raw.Start;
        switch (Raw.Kind)
        {
            case TokenKind.Separator when PeekRaw(1).Kind == TokenKind.Module:
                ParseModule(); // nested modules are parsed for syntax only
                return;
            case TokenKind.Separator:
                Consume();
                return;
            case TokenKind.Constant:
            {
                Consume();
                var constants = ParseOpDeclarations();
                units.Add(new ConstantDeclaration(From(start), constants));
                return;
            }

            case TokenKind.Variable:
                Consume();
                var variables = ImmutableArray.CreateBuilder<VariableDecl>();
                do
                {
                    var v = Expect(TokenKind.Identifier, "a variable name");
                    if (v.Text.Length > 0)
                    {
                        variables.Add(new VariableDecl(SpanOf(v), v.Text));
                    }
                }
                while (Accept(TokenKind.Comma));

                units.Add(new VariableDeclaration(From(start), variables.ToImmutable()));
                return;
            case TokenKind.Recursive:
            {
                Consume();
                var announced = ParseOpDeclarations();
                units.Add(new RecursiveDeclaration(From(start), announced));
                return;
            }

            case TokenKind.Assume:
            {
                Consume();
                Identifier? name = null;
                if (Raw.Kind == TokenKind.Identifier && PeekRaw(1).Kind == TokenKind.DefEq)
                {
                    var n = Consume();
                    name = new Identifier(SpanOf(n), n.Text);
                    Consume();
                }

                var body = ParseExpression();
                units.Add(new Assumption(From(start), name, body));
                return;
            }

            case TokenKind.Theorem:
            {
                Consume();
                if (Raw.Kind == TokenKind.Identifier && PeekRaw(1).Kind == TokenKind.DefEq)
                {
                    Consume();
                    Consume();
                }

                ParseExpression();
                while (Raw.Kind is not (TokenKind.ModuleEnd or TokenKind.EndOfFile) && !IsUnitStart(requireLineStart: true))
                {
                    Consume();
                }

                units.Add(new Theorem(From(start)));
                return;
            }

            case TokenKind.Instance:
            {
                var instance = ParseInstance();
                units.Add(new InstanceUnit(From(start), instance, isLocal: false));
                return;
            }

            case TokenKind.Local:
                Consume();
                if (Raw.Kind == TokenKind.Instance)
                {
                    var instance = ParseInstance();
                    units.Add(new InstanceUnit(From(start), instance, isLocal: true));
                    return;
                }

                var local = ParseDefinition(isLocal: true, start);
                if (local is not null)
                {
                    units.Add(local);
                }

                return;
        }

        var definition = ParseDefinition(isLocal: false, start);
        if (definition is not null)
        {
            units.Add(definition);
        }
    }

    private ImmutableArray<ConstantDecl> ParseOpDeclarations()
    {
        var result = ImmutableArray.CreateBuilder<ConstantDecl>();
        do
        {
            var start = Raw.Start;
            var name = Expect(TokenKind.Identifier, "a name");
            var arity = 0;
            if (Accept(TokenKind.LParen))
            {
                do
                {
                    Expect(TokenKind.Underscore, "'_'");
                    arity++;
                }
                while (Accept(TokenKind.Comma));

                Expect(TokenKind.RParen, "')'");
            }

            if (name.Text.Length > 0)
            {
                result.Add(new ConstantDecl(From(start), name.Text, arity));
            }
        }
        while (Accept(TokenKind.Comma));

        return result.ToImmutable();
    }

    private Instance ParseInstance()
    {
        var start = Raw.Start;
        Consume(); // INSTANCE
        var nameToken = Expect(TokenKind.Identifier, "a module name");
        var substitutions = ImmutableArray.CreateBuilder<Substitution>();
        if (Accept(TokenKind.With))
        {
            do
            {
                var subStart = Raw.Start;
                var target = Raw;
                if (target.Kind is TokenKind.Identifier or TokenKind.Operator)
                {
                    Consume();
                }
                else
                {
                    Expect(TokenKind.Identifier, "a parameter name");
                }

                Expect(TokenKind.LeftArrow, "'<-'");
                var value = ParseArgument();
                substitutions.Add(new Substitution(From(subStart), new Identifier(SpanOf(target), target.Text), value));
            }
            while (Accept(TokenKind.Comma));
        }

        return new Instance(From(start), new Identifier(SpanOf(nameToken), nameToken.Text), substitutions.ToImmutable());
    }

    /// <summary>Parses a definition at the current token; null (after a diagnostic) when there is none.</summary>
    private Unit? ParseDefinition(bool isLocal, int start)
    {
        if (!IsDefinitionHead(_index, out _))
        {
            ReportUnexpected(Raw);
            return null;
        }

        var first = Raw;
        var second = PeekRaw(1);

        // Prefix operator definition: op x == e
        if (first.Kind is TokenKind.Operator or TokenKind.Box or TokenKind.Diamond)
        {
            Consume();
            var operand = Consume();
            Consume(); // ==
            var symbol = first.Text == Operators.Minus ? Operators.Negate : first.Text;
            var body = ParseExpression();
            return new OperatorDefinition(From(start), new Identifier(SpanOf(first), symbol), Fixity.Prefix,
                [new FormalParameter(SpanOf(operand), operand.Text, 0)], body, isLocal);
        }

        // Infix or postfix definition: a op b == e, a op == e
        if (second.Kind == TokenKind.Operator)
        {
            var left = Consume();
            var op = Consume();
            if (Raw.Kind == TokenKind.Identifier)
            {
                var right = Consume();
                Consume(); // ==
                var body = ParseExpression();
                return new OperatorDefinition(From(start), new Identifier(SpanOf(op), op.Text), Fixity.Infix,
                    [new FormalParameter(SpanOf(left), left.Text, 0), new FormalParameter(SpanOf(right), right.Text, 0)],
                    body, isLocal);
            }

            Consume(); // ==
            var postfixBody = ParseExpression();
            return new OperatorDefinition(From(start), new Identifier(SpanOf(op), op.Text), Fixity.Postfix,
                [new FormalParameter(SpanOf(left), left.Text, 0)], postfixBody, isLocal);
        }

        var nameToken = Consume();
        var name = new Identifier(SpanOf(nameToken), nameToken.Text);

        if (Raw.Kind == TokenKind.LBracket)
        {
            Consume();
            var saved = SuspendBarrier();
            var bounds = ParseBounds(requireDomain: true);
            _barrier = saved;
            Expect(TokenKind.RBracket, "']'");
            Expect(TokenKind.DefEq, "'=='");
            var body = ParseExpression();
            return new FunctionDefinition(From(start), name, bounds, body, isLocal);
        }

        var parameters = ImmutableArray<FormalParameter>.Empty;
        if (Raw.Kind == TokenKind.LParen)
        {
            Consume();
            parameters = ParseFormalParameters(TokenKind.RParen);
            Expect(TokenKind.RParen, "')'");
        }

        Expect(TokenKind.DefEq, "'=='");
        if (Raw.Kind == TokenKind.Instance)
        {
            var instance = ParseInstance();
            return new InstanceDefinition(From(start), name, parameters, instance, isLocal);
        }

        var definitionBody = ParseExpression();
        return new OperatorDefinition(From(start), name, Fixity.Name, parameters, definitionBody, isLocal);
    }

    private ImmutableArray<FormalParameter> ParseFormalParameters(TokenKind terminator)
    {
        var result = ImmutableArray.CreateBuilder<FormalParameter>();
        do
        {
            if (Kind == terminator)
            {
                break;
            }

            var start = Raw.Start;
            var name = Expect(TokenKind.Identifier, "a parameter name");
            var arity = 0;
            if (Accept(TokenKind.LParen))
            {
                do
                {
                    Expect(TokenKind.Underscore, "'_'");
                    arity++;
                }
                while (Accept(TokenKind.Comma));

                Expect(TokenKind.RParen, "')'");
            }

            if (name.Text.Length > 0)
            {
                result.Add(new FormalParameter(From(start), name.Text, arity));
            }
        }
        while (Accept(TokenKind.Comma));

        return result.ToImmutable();
    }

    // ------------------------------------------------------------------------------------------ expressions

    private int SuspendBarrier()
    {
        var saved = _barrier;
        _barrier = 0;
        return saved;
    }

    private bool Enter()
    {
        if (++_depth <= MaxDepth)
        {
            return true;
        }

        if (!_depthReported)
        {
            // Reported even while suppressed: it explains why the rest of the unit is skipped.
            _depthReported = true;
            _diagnostics.Add(DiagnosticCode.NestingTooDeep, SpanOf(Raw), MaxDepth);
            _suppress = true;
        }

        return false;
    }

    private void Leave() => _depth--;

    /// <summary>A full expression: every operator, down to the lowest precedence.</summary>
    private Expr ParseExpression() => ParseBinary(null, default);

    private static OperatorInfo? InfixInfo(Token token)
    {
        if (token.Kind != TokenKind.Operator)
        {
            return null;
        }

        return Operators.Infix.TryGetValue(token.Text, out var info) ? info : null;
    }

    private Expr ParseBinary(OperatorInfo? context, SourceSpan contextSpan)
    {
        var start = Raw.Start;
        if (!Enter())
        {
            Leave();
            return ErrorAndSkip(start);
        }

        var chain = 0;
        try
        {
            var left = ParseUnary(context, contextSpan);
            while (true)
            {
                var token = Current;
                var info = InfixInfo(token);
                if (info is null)
                {
                    return left;
                }

                if (context is not null && !(info.Low > context.High))
                {
                    if (info.High < context.Low)
                    {
                        return left;
                    }

                    if (info.Symbol == context.Symbol && info.Associativity == Associativity.Left)
                    {
                        return left;
                    }

                    Report(DiagnosticCode.PrecedenceConflict, contextSpan, context.Symbol, info.Symbol);
                }

                Consume();
                var opSpan = SpanOf(token);
                chain++;
                _depth++;
                if (_depth > MaxDepth)
                {
                    _depth--;
                    chain--;
                    Enter();
                    Leave();
                    return ErrorAndSkip(start);
                }

                if (info.Symbol == Operators.Times)
                {
                    var factors = ImmutableArray.CreateBuilder<Expr>();
                    factors.Add(left);
                    factors.Add(ParseBinary(info, opSpan));
                    while (IsOp(Operators.Times))
                    {
                        Consume();
                        factors.Add(ParseBinary(info, opSpan));
                    }

                    left = new CartesianProduct(From(start), factors.ToImmutable());
                    continue;
                }

                var right = ParseBinary(info, opSpan);
                left = new OpApp(From(start), info.Symbol, opSpan, Fixity.Infix, [], [left, right]);
            }
        }
        finally
        {
            _depth -= chain;
            Leave();
        }
    }

    private Expr ErrorAndSkip(int start)
    {
        // Too deep: skip the rest of the unit rather than recursing further.
        while (Raw.Kind is not (TokenKind.EndOfFile or TokenKind.ModuleEnd) && !IsUnitStart(requireLineStart: true))
        {
            Consume();
        }

        return new ErrorExpr(From(start));
    }

    private static OperatorInfo? PrefixInfo(Token token) => token.Kind switch
    {
        TokenKind.Box => Operators.Prefix[Operators.Always],
        TokenKind.Diamond => Operators.Prefix[Operators.Eventually],
        TokenKind.Operator when token.Text == Operators.Minus => Operators.Prefix[Operators.Negate],
        TokenKind.Operator when token.Text is not (Operators.And or Operators.Or) =>
            Operators.Prefix.TryGetValue(token.Text, out var info) ? info : null,
        _ => null,
    };

    private Expr ParseUnary(OperatorInfo? context, SourceSpan contextSpan)
    {
        var token = Current;
        var info = PrefixInfo(token);
        if (info is null)
        {
            return ParsePostfix(ParsePrimary());
        }

        // SANY checks a prefix operator against the operator before it only for '-', which it first reads as
        // infix and then reinterprets: "x \div -2" conflicts (\div binds tighter than prefix minus), while
        // "x = ~y" and "a + -b" are fine.
        if (context is not null && info.Symbol == Operators.Negate && context.Low > info.High)
        {
            Report(DiagnosticCode.PrecedenceConflict, contextSpan, context.Symbol, info.Symbol);
        }

        var start = token.Start;
        Consume();
        if (!Enter())
        {
            Leave();
            return ErrorAndSkip(start);
        }

        try
        {
            var operand = ParseBinary(info, SpanOf(token));
            return new OpApp(From(start), info.Symbol, SpanOf(token), Fixity.Prefix, [], [operand]);
        }
        finally
        {
            Leave();
        }
    }

    private Expr ParsePostfix(Expr expr)
    {
        var start = expr.Span.Start;
        var added = 0;
        try
        {
            while (true)
            {
                var token = Current;
                switch (token.Kind)
                {
                    case TokenKind.LBracket:
                    {
                        Consume();
                        var saved = SuspendBarrier();
                        var args = ParseExpressionList(TokenKind.RBracket);
                        _barrier = saved;
                        Expect(TokenKind.RBracket, "']'");
                        expr = new FunctionApplication(From(start), expr, args);
                        break;
                    }

                    case TokenKind.Dot when PeekRaw(1).Kind == TokenKind.Identifier:
                    {
                        Consume();
                        var field = Consume();
                        expr = new FieldAccess(From(start), expr, new Identifier(SpanOf(field), field.Text));
                        break;
                    }

                    case TokenKind.Operator when Operators.Postfix.ContainsKey(token.Text):
                        Consume();
                        expr = new OpApp(From(start), token.Text, SpanOf(token), Fixity.Postfix, [], [expr]);
                        break;
                    default:
                        return expr;
                }

                added++;
                _depth++;
                if (_depth > MaxDepth)
                {
                    Enter();
                    Leave();
                    return ErrorAndSkip(start);
                }
            }
        }
        finally
        {
            _depth -= added;
        }
    }

    private ImmutableArray<Expr> ParseExpressionList(TokenKind terminator)
    {
        var items = ImmutableArray.CreateBuilder<Expr>();
        if (Kind == terminator)
        {
            return items.ToImmutable();
        }

        do
        {
            items.Add(ParseExpression());
        }
        while (Accept(TokenKind.Comma));

        return items.ToImmutable();
    }

    /// <summary>An operator argument: an expression, a LAMBDA, or a bare operator symbol such as <c>&lt;</c> or <c>+</c>.</summary>
    private Expr ParseArgument()
    {
        var token = Current;
        if (token.Kind == TokenKind.Operator && PeekRaw(1).Kind is TokenKind.Comma or TokenKind.RParen)
        {
            Consume();
            var symbol = token.Text;
            var fixity = Operators.Infix.ContainsKey(symbol) ? Fixity.Infix
                : Operators.Postfix.ContainsKey(symbol) ? Fixity.Postfix : Fixity.Prefix;
            if (symbol == Operators.Minus && fixity != Fixity.Infix)
            {
                symbol = Operators.Negate;
            }

            return new OpApp(SpanOf(token), symbol, SpanOf(token), fixity, [], []);
        }

        return ParseExpression();
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        var start = token.Start;
        if (!Enter())
        {
            Leave();
            return ErrorAndSkip(start);
        }

        try
        {
            switch (token.Kind)
            {
                case TokenKind.Number:
                    Consume();
                    return new NumberLiteral(SpanOf(token), BigInteger.Parse(token.Text, CultureInfo.InvariantCulture));
                case TokenKind.String:
                    Consume();
                    return new StringLiteral(SpanOf(token), token.Text);
                case TokenKind.True or TokenKind.False:
                    Consume();
                    return new BooleanLiteral(SpanOf(token), token.Kind == TokenKind.True);
                case TokenKind.At:
                    Consume();
                    return new ExceptAt(SpanOf(token));
                case TokenKind.Identifier:
                    return ParseName();
                case TokenKind.LParen:
                {
                    Consume();
                    var saved = SuspendBarrier();
                    var inner = ParseExpression();
                    _barrier = saved;
                    Expect(TokenKind.RParen, "')'");
                    return inner;
                }

                case TokenKind.LBrace:
                    return ParseBrace();
                case TokenKind.LBracket:
                    return ParseBracket();
                case TokenKind.LAngle:
                    return ParseAngle();
                case TokenKind.If:
                {
                    Consume();
                    var condition = ParseExpression();
                    Expect(TokenKind.Then, "THEN");
                    var then = ParseExpression();
                    Expect(TokenKind.Else, "ELSE");
                    var @else = ParseExpression();
                    return new IfThenElse(From(start), condition, then, @else);
                }

                case TokenKind.Case:
                    return ParseCase();
                case TokenKind.Let:
                    return ParseLet();
                case TokenKind.Choose:
                {
                    Consume();
                    var bound = ParseSingleBound();
                    Expect(TokenKind.Colon, "':'");
                    var body = ParseExpression();
                    return new Choose(From(start), bound, body);
                }

                case TokenKind.Forall or TokenKind.Exists or TokenKind.TemporalForall or TokenKind.TemporalExists:
                {
                    Consume();
                    var kind = token.Kind switch
                    {
                        TokenKind.Forall => QuantifierKind.Forall,
                        TokenKind.Exists => QuantifierKind.Exists,
                        TokenKind.TemporalForall => QuantifierKind.TemporalForall,
                        _ => QuantifierKind.TemporalExists,
                    };
                    var bounds = ParseBounds(requireDomain: false);
                    Expect(TokenKind.Colon, "':'");
                    var body = ParseExpression();
                    return new Quantified(From(start), kind, bounds, body);
                }

                case TokenKind.Lambda:
                {
                    Consume();
                    var parameters = ParseFormalParameters(TokenKind.Colon);
                    Expect(TokenKind.Colon, "':'");
                    var body = ParseExpression();
                    return new Lambda(From(start), parameters, body);
                }

                case TokenKind.WF or TokenKind.SF:
                {
                    Consume();
                    var subscript = ParseSubscript();
                    Expect(TokenKind.LParen, "'('");
                    var saved = SuspendBarrier();
                    var action = ParseExpression();
                    _barrier = saved;
                    Expect(TokenKind.RParen, "')'");
                    return new Fairness(From(start), token.Kind == TokenKind.WF ? FairnessKind.Weak : FairnessKind.Strong,
                        subscript, action);
                }

                case TokenKind.Operator when token.Text is Operators.And or Operators.Or:
                    return ParseJunctionList(token);
            }

            ReportUnexpected(Raw);
            return new ErrorExpr(SpanOf(Raw) with { End = Raw.Start });
        }
        finally
        {
            Leave();
        }
    }

    private Expr ParseJunctionList(Token bullet)
    {
        var start = bullet.Start;
        var column = bullet.Column;
        var kind = bullet.Text == Operators.And ? JunctionKind.And : JunctionKind.Or;
        var items = ImmutableArray.CreateBuilder<Expr>();
        var bullets = ImmutableArray.CreateBuilder<SourceSpan>();
        while (true)
        {
            var b = Consume();
            bullets.Add(SpanOf(b));
            var saved = _barrier;
            _barrier = column;
            items.Add(ParseExpression());
            _barrier = saved;
            var next = Current;
            if (next.Kind == TokenKind.Operator && next.Text == bullet.Text && next.Column == column)
            {
                continue;
            }

            break;
        }

        return new JunctionList(From(start), kind, items.ToImmutable(), bullets.ToImmutable());
    }

    /// <summary>Subscript of <c>[A]_v</c>, <c>&lt;&lt;A&gt;&gt;_v</c>, <c>WF_v(A)</c>: a name, a tuple or a parenthesised expression.</summary>
    private Expr ParseSubscript()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Identifier:
            {
                // A (possibly instance-prefixed) name without arguments: v, I!v.
                var start = token.Start;
                var prefix = ImmutableArray.CreateBuilder<PrefixSegment>();
                var name = Consume();
                while (Current.Kind == TokenKind.Bang && PeekRaw(1).Kind == TokenKind.Identifier)
                {
                    prefix.Add(new PrefixSegment(SpanOf(name), new Identifier(SpanOf(name), name.Text), []));
                    Consume();
                    name = Consume();
                }

                return new OpApp(From(start), name.Text, SpanOf(name), Fixity.Name, prefix.ToImmutable(), []);
            }

            case TokenKind.LAngle:
                return ParseAngle();
            case TokenKind.LParen:
            {
                Consume();
                var saved = SuspendBarrier();
                var inner = ParseExpression();
                _barrier = saved;
                Expect(TokenKind.RParen, "')'");
                return inner;
            }

            default:
                ReportUnexpected(Raw);
                return new ErrorExpr(SpanOf(Raw) with { End = Raw.Start });
        }
    }

    private Expr ParseName()
    {
        var start = Raw.Start;
        var prefix = ImmutableArray.CreateBuilder<PrefixSegment>();
        while (true)
        {
            var nameToken = Consume();
            var args = ImmutableArray<Expr>.Empty;
            if (Current.Kind == TokenKind.LParen)
            {
                Consume();
                var saved = SuspendBarrier();
                var builder = ImmutableArray.CreateBuilder<Expr>();
                do
                {
                    builder.Add(ParseArgument());
                }
                while (Accept(TokenKind.Comma));

                _barrier = saved;
                Expect(TokenKind.RParen, "')'");
                args = builder.ToImmutable();
            }

            if (Current.Kind == TokenKind.Bang && PeekRaw(1).Kind == TokenKind.Identifier)
            {
                prefix.Add(new PrefixSegment(From(nameToken.Start), new Identifier(SpanOf(nameToken), nameToken.Text), args));
                Consume();
                continue;
            }

            if (Current.Kind == TokenKind.ColonColon && prefix.Count == 0 && args.IsEmpty)
            {
                // A label "lbl :: e": labels only name subexpressions, so the expression stands for itself.
                Consume();
                return ParseExpression();
            }

            return new OpApp(From(start), nameToken.Text, SpanOf(nameToken), Fixity.Name, prefix.ToImmutable(), args);
        }
    }

    private Expr ParseBrace()
    {
        var start = Raw.Start;
        Consume();
        var saved = SuspendBarrier();
        try
        {
            if (Accept(TokenKind.RBrace))
            {
                return new SetEnumeration(From(start), []);
            }

            if (IsBoundStart(_index))
            {
                // {x \in S : P}  or  {<<a, b>> \in S : P}, unless it turns out to be {x \in S} or {x \in S, ...}.
                var mark = _index;
                var bound = ParseSingleBound();
                if (Accept(TokenKind.Colon))
                {
                    var predicate = ParseExpression();
                    Expect(TokenKind.RBrace, "'}'");
                    return new SetFilter(From(start), bound, predicate);
                }

                _index = mark;
            }

            var first = ParseExpression();
            if (Accept(TokenKind.Colon))
            {
                var bounds = ParseBounds(requireDomain: true);
                Expect(TokenKind.RBrace, "'}'");
                return new SetMap(From(start), first, bounds);
            }

            var elements = ImmutableArray.CreateBuilder<Expr>();
            elements.Add(first);
            while (Accept(TokenKind.Comma))
            {
                elements.Add(ParseExpression());
            }

            Expect(TokenKind.RBrace, "'}'");
            return new SetEnumeration(From(start), elements.ToImmutable());
        }
        finally
        {
            _barrier = saved;
        }
    }

    private Expr ParseBracket()
    {
        var start = Raw.Start;
        Consume();
        var saved = SuspendBarrier();
        var restored = false;
        try
        {
            if (Raw.Kind == TokenKind.Identifier && PeekRaw(1).Kind is TokenKind.MapsTo or TokenKind.Colon)
            {
                var isSet = PeekRaw(1).Kind == TokenKind.Colon;
                var fields = ImmutableArray.CreateBuilder<RecordField>();
                do
                {
                    var fieldStart = Raw.Start;
                    var name = Expect(TokenKind.Identifier, "a field name");
                    Expect(isSet ? TokenKind.Colon : TokenKind.MapsTo, isSet ? "':'" : "'|->'");
                    var value = ParseExpression();
                    fields.Add(new RecordField(From(fieldStart), new Identifier(SpanOf(name), name.Text), value));
                }
                while (Accept(TokenKind.Comma));

                Expect(TokenKind.RBracket, "']'");
                return isSet ? new RecordSet(From(start), fields.ToImmutable()) : new RecordConstructor(From(start), fields.ToImmutable());
            }

            if (IsBoundStart(_index))
            {
                var bounds = ParseBounds(requireDomain: true);
                Expect(TokenKind.MapsTo, "'|->'");
                var body = ParseExpression();
                Expect(TokenKind.RBracket, "']'");
                return new FunctionConstructor(From(start), bounds, body);
            }

            var first = ParseExpression();
            switch (Kind)
            {
                case TokenKind.Arrow:
                {
                    Consume();
                    var range = ParseExpression();
                    Expect(TokenKind.RBracket, "']'");
                    return new FunctionSet(From(start), first, range);
                }

                case TokenKind.Except:
                {
                    Consume();
                    var updates = ImmutableArray.CreateBuilder<ExceptUpdate>();
                    do
                    {
                        updates.Add(ParseExceptUpdate());
                    }
                    while (Accept(TokenKind.Comma));

                    Expect(TokenKind.RBracket, "']'");
                    return new Except(From(start), first, updates.ToImmutable());
                }

                case TokenKind.RBracketUnderscore:
                {
                    Consume();
                    _barrier = saved;
                    restored = true;
                    var subscript = ParseSubscript();
                    return new ActionSubscript(From(start), isAngle: false, first, subscript);
                }

                default:
                    Expect(TokenKind.RBracket, "'->', EXCEPT or ']_'");
                    return new ErrorExpr(From(start));
            }
        }
        finally
        {
            if (!restored)
            {
                _barrier = saved;
            }
        }
    }

    private ExceptUpdate ParseExceptUpdate()
    {
        var start = Raw.Start;
        Expect(TokenKind.Bang, "'!'");
        var path = ImmutableArray.CreateBuilder<ExceptStep>();
        while (true)
        {
            var stepStart = Raw.Start;
            if (Accept(TokenKind.Dot))
            {
                var field = Expect(TokenKind.Identifier, "a field name");
                path.Add(new ExceptField(From(stepStart), new Identifier(SpanOf(field), field.Text)));
            }
            else if (Accept(TokenKind.LBracket))
            {
                var args = ParseExpressionList(TokenKind.RBracket);
                Expect(TokenKind.RBracket, "']'");
                path.Add(new ExceptIndex(From(stepStart), args));
            }
            else
            {
                break;
            }
        }

        if (path.Count == 0)
        {
            Expect(TokenKind.LBracket, "'[' or '.' after '!'");
        }

        if (IsOp(Operators.Eq))
        {
            Consume();
        }
        else
        {
            Expect(TokenKind.Operator, "'='");
        }

        var value = ParseExpression();
        return new ExceptUpdate(From(start), path.ToImmutable(), value);
    }

    private Expr ParseAngle()
    {
        var start = Raw.Start;
        Consume();
        var saved = SuspendBarrier();
        var elements = ParseExpressionList(TokenKind.RAngle);
        _barrier = saved;
        if (Kind == TokenKind.RAngleUnderscore)
        {
            Consume();
            var action = elements.Length == 1 ? elements[0] : new TupleExpr(From(start), elements);
            var subscript = ParseSubscript();
            return new ActionSubscript(From(start), isAngle: true, action, subscript);
        }

        Expect(TokenKind.RAngle, "'>>'");
        return new TupleExpr(From(start), elements);
    }

    private Expr ParseCase()
    {
        var start = Raw.Start;
        Consume();
        var arms = ImmutableArray.CreateBuilder<CaseArm>();
        Expr? other = null;
        do
        {
            if (Kind == TokenKind.Other)
            {
                Consume();
                Expect(TokenKind.Arrow, "'->'");
                other = ParseExpression();
                break;
            }

            var armStart = Raw.Start;
            var guard = ParseExpression();
            Expect(TokenKind.Arrow, "'->'");
            var body = ParseExpression();
            arms.Add(new CaseArm(From(armStart), guard, body));
        }
        while (Accept(TokenKind.Box));

        return new Case(From(start), arms.ToImmutable(), other);
    }

    private Expr ParseLet()
    {
        var start = Raw.Start;
        Consume();
        var definitions = ImmutableArray.CreateBuilder<Unit>();
        while (Kind is not (TokenKind.In or TokenKind.EndOfFile))
        {
            var before = _index;
            var unitStart = Raw.Start;
            if (Raw.Kind == TokenKind.Recursive)
            {
                Consume();
                var announced = ParseOpDeclarations();
                definitions.Add(new RecursiveDeclaration(From(unitStart), announced));
            }
            else
            {
                var definition = ParseDefinition(isLocal: false, unitStart);
                if (definition is null)
                {
                    break;
                }

                definitions.Add(definition);
            }

            if (_index == before)
            {
                break;
            }
        }

        if (definitions.Count == 0)
        {
            ReportUnexpected(Raw);
        }

        Expect(TokenKind.In, "IN");
        var body = ParseExpression();
        return new Let(From(start), definitions.ToImmutable(), body);
    }

    /// <summary>Whether bounds start at token i: <c>x, y \in</c> or <c>&lt;&lt;a, b&gt;&gt; \in</c>.</summary>
    private bool IsBoundStart(int i)
    {
        TokenKind At(int k) => _tokens[Math.Min(k, _tokens.Count - 1)].Kind;
        bool IsIn(int k) => At(k) == TokenKind.Operator && _tokens[Math.Min(k, _tokens.Count - 1)].Text == Operators.In;

        if (At(i) == TokenKind.LAngle)
        {
            var k = i + 1;
            while (At(k) == TokenKind.Identifier)
            {
                k++;
                if (At(k) == TokenKind.Comma)
                {
                    k++;
                    continue;
                }

                return At(k) == TokenKind.RAngle && IsIn(k + 1);
            }

            return false;
        }

        var j = i;
        while (At(j) == TokenKind.Identifier)
        {
            if (IsIn(j + 1))
            {
                return true;
            }

            if (At(j + 1) != TokenKind.Comma)
            {
                return false;
            }

            j += 2;
        }

        return false;
    }

    private ImmutableArray<QuantifierBound> ParseBounds(bool requireDomain)
    {
        var bounds = ImmutableArray.CreateBuilder<QuantifierBound>();
        do
        {
            var bound = ParseGroup(requireDomain);
            bounds.Add(bound);
        }
        while (Accept(TokenKind.Comma));

        return bounds.ToImmutable();
    }

    private QuantifierBound ParseSingleBound() => ParseGroup(requireDomain: false, single: true);

    /// <summary>One bound: <c>x \in S</c>, <c>x, y \in S</c>, <c>&lt;&lt;a, b&gt;&gt; \in S</c>, or (unbounded) <c>x, y</c>.</summary>
    private QuantifierBound ParseGroup(bool requireDomain, bool single = false)
    {
        var start = Raw.Start;
        var names = ImmutableArray.CreateBuilder<BoundName>();
        var isTuple = false;
        if (Accept(TokenKind.LAngle))
        {
            isTuple = true;
            do
            {
                var n = Expect(TokenKind.Identifier, "a bound variable");
                names.Add(new BoundName(SpanOf(n), n.Text));
            }
            while (Accept(TokenKind.Comma));

            Expect(TokenKind.RAngle, "'>>'");
        }
        else
        {
            while (true)
            {
                var n = Expect(TokenKind.Identifier, "a bound variable");
                names.Add(new BoundName(SpanOf(n), n.Text));
                if (single || Kind != TokenKind.Comma || PeekRaw(1).Kind != TokenKind.Identifier)
                {
                    break;
                }

                // "x, y \in S" continues this group; "x \in S, y \in T" is handled by the caller.
                Consume();
            }
        }

        Expr? domain = null;
        if (IsOp(Operators.In))
        {
            Consume();
            domain = ParseExpression();
        }
        else if (requireDomain || isTuple)
        {
            Expect(TokenKind.Operator, "'\\in'");
            domain = new ErrorExpr(From(start));
        }

        return new QuantifierBound(From(start), names.ToImmutable(), isTuple, domain);
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
