using System.Collections.Immutable;
using System.Numerics;
using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

/// <summary>
/// Generate → print → parse → print: random trees over every expression form must survive the printer and the
/// parser unchanged (Roslyn's habit). A printer/parser disagreement on precedence, bullets, brackets or
/// lexing shows up as a different second print or as a diagnostic.
/// </summary>
public class GeneratedRoundTripTests
{
    private static readonly SourceSpan S = new(new SourceFile("gen.tla", string.Empty), 0, 0);
    private static readonly string[] Names = ["a", "b", "x", "y", "Foo", "s1"];
    private static readonly string[] InfixOps = Operators.Infix.Keys.Where(k => k != Operators.Times).Order(StringComparer.Ordinal).ToArray();
    private static readonly string[] PrefixOps = Operators.Prefix.Keys.Order(StringComparer.Ordinal).ToArray();
    private static readonly string[] PostfixOps = Operators.Postfix.Keys.Order(StringComparer.Ordinal).ToArray();

    private sealed class Generator(int seed)
    {
        private readonly Random _random = new(seed);

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        private Identifier Id() => new(S, Pick(Names));

        private ImmutableArray<Expr> Many(int depth, int min, int max) =>
            Enumerable.Range(0, _random.Next(min, max + 1)).Select(_ => Expr(depth - 1)).ToImmutableArray();

        private ImmutableArray<BoundName> BoundNames(int min, int max) =>
            Enumerable.Range(0, _random.Next(min, max + 1)).Select(_ => new BoundName(S, Pick(Names))).ToImmutableArray();

        private QuantifierBound Bound(int depth, bool requireDomain, bool single = false)
        {
            // CHOOSE and {x \in S : P} bind one name or one tuple; quantifiers may bind "x, y \in S".
            var tuple = _random.Next(4) == 0;
            var names = BoundNames(1, tuple ? 3 : single ? 1 : 2);
            var domain = tuple || requireDomain || _random.Next(3) > 0 ? Expr(depth - 1) : null;
            return new QuantifierBound(S, names, tuple, domain);
        }

        private ImmutableArray<QuantifierBound> Bounds(int depth, bool requireDomain) =>
            Enumerable.Range(0, _random.Next(1, 3)).Select(_ => Bound(depth, requireDomain)).ToImmutableArray();

        private ImmutableArray<RecordField> Fields(int depth) =>
            Enumerable.Range(0, _random.Next(1, 3)).Select(_ => new RecordField(S, Id(), Expr(depth - 1))).ToImmutableArray();

        public Expr Expr(int depth)
        {
            if (depth <= 0)
            {
                return _random.Next(5) switch
                {
                    0 => new NumberLiteral(S, new BigInteger(_random.Next(0, 1000))),
                    1 => new StringLiteral(S, Pick(new[] { "", "abc", "q\"uote", "back\\slash", "tab\tnl\n" })),
                    2 => new BooleanLiteral(S, _random.Next(2) == 0),
                    3 => new ExceptAt(S),
                    _ => new OpApp(S, Pick(Names), S, Fixity.Name, [], []),
                };
            }

            switch (_random.Next(26))
            {
                case 0:
                    return new OpApp(S, Pick(InfixOps), S, Fixity.Infix, [], [Expr(depth - 1), Expr(depth - 1)]);
                case 1:
                    return new OpApp(S, Pick(PrefixOps), S, Fixity.Prefix, [], [Expr(depth - 1)]);
                case 2:
                    return new OpApp(S, Pick(PostfixOps), S, Fixity.Postfix, [], [Expr(depth - 1)]);
                case 3:
                {
                    var args = Many(depth, 1, 3).Add(new Lambda(S, [new FormalParameter(S, "p", 0)], Expr(depth - 1)));
                    return new OpApp(S, Pick(Names), S, Fixity.Name, [], args);
                }

                case 4:
                {
                    var prefix = ImmutableArray.Create(new PrefixSegment(S, new Identifier(S, "I"), Many(depth, 0, 2)));
                    return new OpApp(S, Pick(Names), S, Fixity.Name, prefix, Many(depth, 0, 2));
                }

                case 5:
                    return new Quantified(S, _random.Next(2) == 0 ? QuantifierKind.Forall : QuantifierKind.Exists, Bounds(depth, false), Expr(depth - 1));
                case 6:
                    return new Choose(S, Bound(depth, false, single: true), Expr(depth - 1));
                case 7:
                    return new SetEnumeration(S, Many(depth, 0, 3));
                case 8:
                    return new SetFilter(S, Bound(depth, true, single: true), Expr(depth - 1));
                case 9:
                    return new SetMap(S, Expr(depth - 1), Bounds(depth, true));
                case 10:
                    return new FunctionApplication(S, Expr(depth - 1), Many(depth, 1, 2));
                case 11:
                    return new FunctionConstructor(S, Bounds(depth, true), Expr(depth - 1));
                case 12:
                    return new FunctionSet(S, Expr(depth - 1), Expr(depth - 1));
                case 13:
                    return new RecordConstructor(S, Fields(depth));
                case 14:
                    return new RecordSet(S, Fields(depth));
                case 15:
                    return new FieldAccess(S, Expr(depth - 1), Id());
                case 16:
                    return new TupleExpr(S, Many(depth, 0, 3));
                case 17:
                    return new CartesianProduct(S, Many(depth, 2, 3));
                case 18:
                {
                    var updates = Enumerable.Range(0, _random.Next(1, 3)).Select(_ =>
                    {
                        var path = Enumerable.Range(0, _random.Next(1, 3)).Select(__ => _random.Next(2) == 0
                            ? (ExceptStep)new ExceptField(S, Id())
                            : new ExceptIndex(S, Many(depth, 1, 2))).ToImmutableArray();
                        return new ExceptUpdate(S, path, Expr(depth - 1));
                    }).ToImmutableArray();
                    return new Except(S, Expr(depth - 1), updates);
                }

                case 19:
                    return new IfThenElse(S, Expr(depth - 1), Expr(depth - 1), Expr(depth - 1));
                case 20:
                {
                    var arms = Enumerable.Range(0, _random.Next(0, 3)).Select(_ => new CaseArm(S, Expr(depth - 1), Expr(depth - 1))).ToImmutableArray();
                    return new Case(S, arms, arms.IsEmpty || _random.Next(2) == 0 ? Expr(depth - 1) : null);
                }

                case 21:
                {
                    var definitions = ImmutableArray.Create<Unit>(
                        new OperatorDefinition(S, new Identifier(S, "D"), Fixity.Name, [new FormalParameter(S, "u", 0), new FormalParameter(S, "G", 1)], Expr(depth - 1), false),
                        new FunctionDefinition(S, new Identifier(S, "fn"), Bounds(depth, true), Expr(depth - 1), false),
                        new OperatorDefinition(S, new Identifier(S, "E"), Fixity.Name, [], Expr(depth - 1), false));
                    return new Let(S, definitions.Take(_random.Next(1, 4)).ToImmutableArray(), Expr(depth - 1));
                }

                case 22:
                {
                    var items = Many(depth, 1, 3);
                    return new JunctionList(S, _random.Next(2) == 0 ? JunctionKind.And : JunctionKind.Or, items, items.Select(_ => S).ToImmutableArray());
                }

                case 23:
                    return new ActionSubscript(S, _random.Next(2) == 0, Expr(depth - 1), _random.Next(2) == 0 ? Expr(0) : Expr(depth - 1));
                case 24:
                    return new Fairness(S, _random.Next(2) == 0 ? FairnessKind.Weak : FairnessKind.Strong, Expr(depth - 1), Expr(depth - 1));
                default:
                    return Expr(0);
            }
        }
    }

    [Fact]
    public void RandomTreesSurvivePrintAndParse()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var tree = new Generator(seed).Expr(4);
            var printed = Printer.Print(tree);
            var bag = new DiagnosticBag();
            var reparsed = Parser.ParseExpressionText(printed, bag);
            Assert.True(bag.Count == 0, $"seed {seed}:\n{printed}\n{string.Join("\n", bag.Items)}");
            Assert.True(printed == Printer.Print(reparsed), $"seed {seed}:\n{printed}\n---\n{Printer.Print(reparsed)}");
        }
    }
}
