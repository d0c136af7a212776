using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Semantics;

/// <summary>TLA+'s expression levels, ordered: a higher level may depend on more of the behaviour.</summary>
public enum Level
{
    /// <summary>Depends on constants only.</summary>
    Constant = 0,

    /// <summary>A state function or state predicate (unprimed variables, ENABLED).</summary>
    State = 1,

    /// <summary>An action: primed variables, UNCHANGED, [A]_v, &lt;&lt;A&gt;&gt;_v.</summary>
    Action = 2,

    /// <summary>A temporal formula: [], &lt;&gt;, ~&gt;, WF/SF, \AA/\EE.</summary>
    Temporal = 3,
}

/// <summary>
/// Computes levels of resolved expressions, as SANY does, so that the checker can classify what a cfg names:
/// INIT, invariants and CONSTRAINTs must be state level, NEXT and ACTION_CONSTRAINTs action level, a PROPERTY
/// <c>[]P</c> with P of state level is checked like an invariant, <c>[][A]_v</c> is an action property.
/// Simplification (documented, conservative): an operator's parameters count as constants inside its body and
/// the level of an application is the larger of the body's level and the arguments' levels; a variable is of
/// state level even when an INSTANCE substitutes a constant for it.
/// </summary>
public sealed class LevelAnalysis
{
    private readonly Dictionary<IDeclaration, Level> _definitions = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<IDeclaration> _inProgress = new(ReferenceEqualityComparer.Instance);

    /// <summary>The level of an expression of a successfully resolved spec.</summary>
    public Level Of(Expr expr)
    {
        switch (expr)
        {
            case NumberLiteral or StringLiteral or BooleanLiteral or ErrorExpr or ExceptAt:
                return Level.Constant;
            case OpApp op:
                return OfApplication(op);
            case ActionSubscript a:
                return Max(Level.Action, Max(Of(a.Action), Of(a.Subscript)));
            case Fairness:
                return Level.Temporal;
            case Quantified { Kind: QuantifierKind.TemporalForall or QuantifierKind.TemporalExists }:
                return Level.Temporal;
            case Lambda l:
                return Of(l.Body);
        }

        var level = Level.Constant;
        foreach (var child in SyntaxWalker.Children(expr))
        {
            level = Max(level, child switch
            {
                Expr e => Of(e),
                QuantifierBound b => b.Domain is null ? Level.Constant : Of(b.Domain),
                _ => OfChildren(child),
            });
        }

        return level;
    }

    /// <summary>The level of a definition's body (constants, variables and built-ins have their own level).</summary>
    public Level Of(IDeclaration declaration)
    {
        switch (declaration)
        {
            case VariableDecl:
                return Level.State;
            case ConstantDecl or FormalParameter or BoundName or BuiltinOperator:
                return Level.Constant;
        }

        if (_definitions.TryGetValue(declaration, out var known))
        {
            return known;
        }

        if (!_inProgress.Add(declaration))
        {
            // Recursive use: the recursion itself adds nothing; the other branches decide.
            return Level.Constant;
        }

        var level = declaration switch
        {
            OperatorDefinition d => Of(d.Body),
            FunctionDefinition f => Max(Of(f.Body), f.Bounds.Select(b => b.Domain is null ? Level.Constant : Of(b.Domain)).DefaultIfEmpty().Max()),
            _ => Level.Constant,
        };
        _inProgress.Remove(declaration);
        _definitions[declaration] = level;
        return level;
    }

    private Level OfChildren(Node node)
    {
        var level = Level.Constant;
        foreach (var child in SyntaxWalker.Children(node))
        {
            level = Max(level, child is Expr e ? Of(e) : OfChildren(child));
        }

        return level;
    }

    private Level OfApplication(OpApp op)
    {
        var arguments = Level.Constant;
        foreach (var argument in op.Arguments)
        {
            arguments = Max(arguments, Of(argument));
        }

        foreach (var segment in op.Prefix)
        {
            foreach (var argument in segment.Arguments)
            {
                arguments = Max(arguments, Of(argument));
            }
        }

        var target = op.Resolution?.Target;
        if (target is BuiltinOperator builtin)
        {
            return builtin.Name switch
            {
                Operators.Prime => arguments == Level.Constant ? Level.Constant : Max(arguments, Level.Action),
                Operators.Unchanged => arguments == Level.Constant ? Level.Constant : Max(arguments, Level.Action),
                Operators.Enabled => arguments switch
                {
                    Level.Constant => Level.Constant,
                    Level.Temporal => Level.Temporal,
                    _ => Level.State,
                },
                Operators.Always or Operators.Eventually or Operators.LeadsTo or Operators.Plusarrow => Level.Temporal,
                "\\cdot" => Max(arguments, Level.Action),
                _ => arguments,
            };
        }

        return target is null ? arguments : Max(arguments, Of(target));
    }

    private static Level Max(Level a, Level b) => a > b ? a : b;
}
