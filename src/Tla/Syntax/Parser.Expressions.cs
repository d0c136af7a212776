using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using VerifiedIpc.Tla.Diagnostics;

namespace VerifiedIpc.Tla.Syntax;

/// <summary>Expressions: the precedence loop, prefix/postfix operators, primaries, junction lists, bounds.</summary>
public sealed partial class Parser
{
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

                    ReportConflict(context, contextSpan, info);
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
            ReportConflict(context, contextSpan, info);
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
                    return ParseParenthesized();

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
                return ParseParenthesized();

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

    /// <summary>
    /// <c>( e )</c>: the junction-list column barrier does not apply inside parentheses, so it is suspended
    /// for the inner expression and restored afterwards.
    /// </summary>
    private Expr ParseParenthesized()
    {
        Consume();
        var saved = SuspendBarrier();
        var inner = ParseExpression();
        _barrier = saved;
        Expect(TokenKind.RParen, "')'");
        return inner;
    }
}
