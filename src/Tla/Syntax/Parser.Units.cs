using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using VerifiedIpc.Tla.Diagnostics;

namespace VerifiedIpc.Tla.Syntax;

/// <summary>Module structure: header, EXTENDS, declarations, definitions, instances, recovery points.</summary>
public sealed partial class Parser
{
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
            case TokenKind.ProofKeyword when token.Text is "USE" or "HIDE" && token.Column == 1:
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
        // A definition head's parameter list is short; the cap keeps recovery linear on pathological input.
        const int MaxHeadTokens = 1000;
        var depth = 0;
        for (var k = open; k < _tokens.Count && k - open < MaxHeadTokens; k++)
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
                case TokenKind.ModuleEnd or TokenKind.EndOfFile or TokenKind.Separator:
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

            case TokenKind.Theorem or TokenKind.ProofKeyword:
            {
                // Theorems, proofs and USE/HIDE are not model-checked: skip them (their ASSUME/PROVE, NEW and
                // step syntax are not expressions) up to the next unit at the start of a line.
                Consume();
                while (Raw.Kind is not (TokenKind.ModuleEnd or TokenKind.EndOfFile)
                       && !(Raw.Column == 1 && IsUnitStart(requireLineStart: true)))
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

            // Operator-symbol constants: "_ \prec _" (infix), "~ _" (prefix), "_ ^+" (postfix).
            if (Raw.Kind == TokenKind.Underscore && PeekRaw(1).Kind == TokenKind.Operator)
            {
                Consume();
                var op = Consume();
                var infix = Accept(TokenKind.Underscore);
                result.Add(new ConstantDecl(From(start), op.Text, infix ? 2 : 1));
                continue;
            }

            if (Raw.Kind == TokenKind.Operator && PeekRaw(1).Kind == TokenKind.Underscore)
            {
                var op = Consume();
                Consume();
                result.Add(new ConstantDecl(From(start), op.Text == Operators.Minus ? Operators.Negate : op.Text, 1));
                continue;
            }

            var name = Expect(TokenKind.Identifier, "a name");
            var arity = ParseUnderscoreArity();

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
            var arity = ParseUnderscoreArity();

            if (name.Text.Length > 0)
            {
                result.Add(new FormalParameter(From(start), name.Text, arity));
            }
        }
        while (Accept(TokenKind.Comma));

        return result.ToImmutable();
    }

    /// <summary>
    /// The optional <c>(_, _, ...)</c> after an operator-shaped name (a constant or a higher-order parameter):
    /// its arity, 0 when there are no parentheses.
    /// </summary>
    private int ParseUnderscoreArity()
    {
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

        return arity;
    }
}
