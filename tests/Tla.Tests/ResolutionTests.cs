using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Modules;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

public class ResolutionTests
{
    private static LoadedSpec LoadCase(string caseName)
    {
        var expected = Corpus.Expected(caseName);
        return SpecLoader.Load(Path.Combine(Corpus.CaseDir(caseName), expected.GetProperty("tla").GetString()!));
    }

    private static LoadedSpec LoadText(string main, params (string Name, string Text)[] others) =>
        SpecLoader.Load(new SourceFile("Main.tla", main), new InMemoryModuleSource(others.ToDictionary(o => o.Name, o => o.Text)));

    private static T Definition<T>(Module module, string name)
        where T : Unit, IDeclaration =>
        module.Units.OfType<T>().Single(d => d.Name == name);

    private static IEnumerable<OpApp> Apps(Node root) => SyntaxWalker.DescendantsAndSelf(root).OfType<OpApp>();

    public static TheoryData<string> Cases() => Corpus.CaseNames();

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryNameInTheCorpusIsResolved(string caseName)
    {
        var spec = LoadCase(caseName);
        if (spec.HasErrors)
        {
            Assert.StartsWith("5", caseName, StringComparison.Ordinal); // 50-53 are the erroneous cases
            return;
        }

        foreach (var module in spec.Modules)
        {
            foreach (var node in SyntaxWalker.DescendantsAndSelf(module))
            {
                switch (node)
                {
                    case OpApp op:
                        Assert.True(op.Resolution is not null, $"{op.Name} at {op.Span} is unresolved");
                        break;
                    case PrefixSegment segment:
                        Assert.IsType<InstanceDefinition>(segment.Resolution?.Target);
                        break;
                    case ExceptAt at:
                        Assert.NotNull(at.Update);
                        break;
                    case Instance instance:
                        Assert.False(instance.ResolvedSubstitutions.IsDefault);
                        Assert.NotNull(instance.Target);
                        break;
                }
            }
        }
    }

    [Fact]
    public void NamedInstancesResolveThroughTheirPrefix()
    {
        var spec = LoadCase("15-instance-named");
        var main = spec.Main!;
        var counter = spec.FindModule("Counter")!;
        var init = Definition<OperatorDefinition>(main, "Init");
        var aInit = Apps(init.Body).First(a => a.Name == "CInit");
        Assert.Same(Definition<OperatorDefinition>(counter, "CInit"), aInit.Resolution!.Target);
        var a = Definition<InstanceDefinition>(main, "A");
        Assert.Same(a, aInit.Prefix.Single().Resolution!.Target);
        Assert.Same(counter, a.Instance.Target);

        var substitutions = a.Instance.ResolvedSubstitutions.ToDictionary(s => s.Parameter.Name);
        Assert.Equal(["Limit", "count"], a.Instance.ResolvedSubstitutions.Select(s => s.Parameter.Name));
        Assert.Equal("(N - 1)", Printer.Print(substitutions["Limit"].Value));
        Assert.False(substitutions["count"].IsImplicit);
        Assert.IsType<VariableDecl>(((OpApp)substitutions["count"].Value).Resolution!.Target);

        // P(x) == INSTANCE Counter WITH ..., used as P(a + b)!CTypeOK: the parameter resolves inside WITH.
        var p = Definition<InstanceDefinition>(main, "P");
        Assert.Equal(1, p.Arity);
        var x = Apps(p.Instance.Substitutions.Single(s => s.Parameter.Text == "count").Value).Single();
        Assert.Same(p.Parameters[0], x.Resolution!.Target);
    }

    [Fact]
    public void UnnamedInstanceImportsDefinitionsWithImplicitSubstitutions()
    {
        var spec = LoadCase("14-instance-unnamed");
        var main = spec.Main!;
        var unit = main.Units.OfType<InstanceUnit>().Single();
        var cInit = Apps(Definition<OperatorDefinition>(main, "Init").Body).First(a => a.Name == "CInit");
        Assert.Same(unit.Instance, Assert.Single(cInit.Resolution!.Via));
        Assert.All(unit.Instance.ResolvedSubstitutions, s => Assert.True(s.IsImplicit));
        var count = unit.Instance.ResolvedSubstitutions.Single(s => s.Parameter.Name == "count");
        Assert.Same(spec.MainContext!.Variables.Single(v => v.Name == "count"), ((OpApp)count.Value).Resolution!.Target);

        // Operators of standard modules stay direct (no substitution applies to them).
        var plus = Apps(main).First(a => a.Name == "+");
        Assert.Empty(plus.Resolution!.Via);
        Assert.Equal("Naturals", ((BuiltinOperator)plus.Resolution.Target).Module);
    }

    [Fact]
    public void RecursionResolvesToTheDefinitionItself()
    {
        var main = LoadCase("12-recursion").Main!;
        var fact = Definition<OperatorDefinition>(main, "Fact");
        Assert.True(fact.IsRecursive);
        Assert.Same(fact, Apps(fact.Body).Single(a => a.Name == "Fact").Resolution!.Target);
        var isEven = Definition<OperatorDefinition>(main, "IsEven");
        Assert.Same(Definition<OperatorDefinition>(main, "IsOdd"), Apps(isEven.Body).Single(a => a.Name == "IsOdd").Resolution!.Target);
        var fib = Definition<FunctionDefinition>(main, "fib");
        Assert.All(Apps(fib.Body).Where(a => a.Name == "fib"), a => Assert.Same(fib, a.Resolution!.Target));
        Assert.All(Apps(fib.Body).Where(a => a.Name == "n"), a => Assert.Same(fib.Bounds[0].Names[0], a.Resolution!.Target));
    }

    [Fact]
    public void HigherOrderParametersAndOperatorArguments()
    {
        var main = LoadCase("13-higher-order").Main!;
        var map = Definition<OperatorDefinition>(main, "Map");
        var f = Apps(map.Body).Single(a => a.Name == "F");
        Assert.Same(map.Parameters[0], f.Resolution!.Target);
        Assert.Equal(1, f.Resolution.Target.Arity);

        var small = Definition<OperatorDefinition>(main, "Small");
        var add = Apps(small.Body).Single(a => a.Name == "Add");
        Assert.Equal(2, add.Resolution!.Target.Arity);
        Assert.Empty(add.Arguments);

        var sorted = Apps(LoadCase("11-tlc-module").Main!).First(a => a.Name == "SortSeq");
        var less = Assert.IsType<OpApp>(sorted.Arguments[1]);
        Assert.Equal(("<", Fixity.Infix), (less.Name, less.Fixity));
        Assert.Equal("Naturals", ((BuiltinOperator)less.Resolution!.Target).Module);
    }

    [Fact]
    public void ExceptAtRefersToTheInnermostClause()
    {
        var spec = LoadText("""
            ---- MODULE Main ----
            EXTENDS Naturals
            m == [i \in 1..2 |-> [j \in 1..2 |-> 0]]
            X == [m EXCEPT ![1] = [@ EXCEPT ![2] = @ + 100]]
            ====
            """);
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        var outer = (Except)Definition<OperatorDefinition>(spec.Main!, "X").Body;
        var inner = (Except)outer.Updates[0].Value;
        Assert.Same(outer.Updates[0], ((ExceptAt)inner.Function).Update);
        var innerAt = SyntaxWalker.DescendantsAndSelf(inner.Updates[0].Value).OfType<ExceptAt>().Single();
        Assert.Same(inner.Updates[0], innerAt.Update);
    }

    [Fact]
    public void LetDefinitionsMayRedefineButBoundNamesMayNotShadow()
    {
        var spec = LoadText("""
            ---- MODULE Main ----
            EXTENDS Naturals
            x == 1
            Y == LET x == 2 IN x
            Z == \E i \in {3} : i = 3
            W == {j \in {1} : j > 0}
            ====
            """);
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        var main = spec.Main!;
        var y = (Let)Definition<OperatorDefinition>(main, "Y").Body;
        Assert.Same(y.Definitions[0], ((OpApp)y.Body).Resolution!.Target);
        var z = (Quantified)Definition<OperatorDefinition>(main, "Z").Body;
        Assert.Same(z.Bounds[0].Names[0], Apps(z.Body).First(a => a.Name == "i").Resolution!.Target);
        Assert.IsType<BoundName>(Apps(Definition<OperatorDefinition>(main, "W").Body).First(a => a.Name == "j").Resolution!.Target);
    }

    [Theory]
    [InlineData("VARIABLE s\nOp == [s \\in {1} |-> s]", 4, 8, "Multiply-defined symbol 's': this definition or declaration conflicts with the one at line 3, col 10 to line 3, col 10 of module Main.")]
    [InlineData("x == 1\nOp(x) == x", 4, 4, "Multiply-defined symbol 'x': this definition or declaration conflicts with the one at line 3, col 1 to line 3, col 6 of module Main.")]
    [InlineData("Op == \\A a, a \\in {1} : a", 3, 13, "Multiply-defined symbol 'a': this definition or declaration conflicts with the one at line 3, col 10 to line 3, col 10 of module Main.")]
    [InlineData("Op == LAMBDA Nat : 1", 3, 14, "Multiply-defined symbol 'Nat': this definition or declaration conflicts with the one at module Naturals.")]
    [InlineData("Op == LET BOOLEAN == 1 IN 2", 3, 11, "Multiply-defined symbol 'BOOLEAN': this definition or declaration conflicts with the one at a built-in operator.")]
    [InlineData("F(a) == a\nOp == LET F == 1 IN F", 4, 11, "Multiply-defined symbol 'F': this definition or declaration conflicts with the one at line 3, col 1 to line 3, col 9 of module Main.")]
    public void RedeclarationsFollowSanysRule(string body, int line, int column, string message)
    {
        var spec = LoadText("---- MODULE Main ----\nEXTENDS Naturals\n" + body + "\n====\n");
        var diagnostic = spec.Diagnostics.First();
        Assert.Equal(DiagnosticCode.MultiplyDefined, diagnostic.Code);
        Assert.Equal(message, diagnostic.Message);
        Assert.Equal((line, column), (diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void SameDefinitionFromAnotherModuleReplacesTheImportedOne()
    {
        // SANY only warns here ("Multiple declarations or definitions"); the local definition is used.
        var spec = LoadText("---- MODULE Main ----\nEXTENDS Base\nMax(a, b) == a\nOp == Max(1, 2)\n====\n",
            ("Base", "---- MODULE Base ----\nMax(a, b) == b\n====\n"));
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        Assert.Equal("Main", Apps(spec.Main!).Single(a => a.Name == "Max").Resolution!.Target is OperatorDefinition d ? d.Span.ModuleName : null);
    }

    [Fact]
    public void ContextListsVariablesConstantsAndAssumptionsAcrossExtends()
    {
        var spec = LoadText(
            "---- MODULE Main ----\nEXTENDS Base\nCONSTANT C\nVARIABLE y\nASSUME C = C\n====\n",
            ("Base", "---- MODULE Base ----\nEXTENDS Naturals\nCONSTANT B\nVARIABLE x\nASSUME B = B\nHelper == x + 1\n====\n"));
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        var context = spec.MainContext!;
        Assert.Equal(["x", "y"], context.Variables.Select(v => v.Name));
        Assert.Equal(["B", "C"], context.Constants.Select(c => c.Name));
        Assert.Equal(2, context.Assumptions.Count);
        Assert.True(context.TryLookup("Helper", out var helper));
        Assert.Equal("Base", ((OperatorDefinition)helper.Target).Span.ModuleName);
        Assert.Equal(["Main", "Base", "Naturals"], spec.ParseOrder);
    }

    [Fact]
    public void InternOrderFollowsModulesInParseOrderThenText()
    {
        var spec = LoadText(
            "---- MODULE Main ----\nEXTENDS Other\nZ == \"zeta\"\nA == \"alpha\" \\cup {\"zeta\", Z}\n====\n",
            ("Other", "---- MODULE Other ----\nM == \"mid\" \\cup {\"alpha\"}\n====\n"));
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        Assert.Equal(["Main", "Other", "Z", "zeta", "A", "alpha", "M", "mid"], spec.InternOrder);
    }

    [Fact]
    public void CorpusInternOrderPutsZetaBeforeAlpha()
    {
        var order = LoadCase("05-choose-strings-modelvalues").InternOrder.ToList();
        Assert.True(order.IndexOf("zeta") < order.IndexOf("alpha") && order.IndexOf("alpha") < order.IndexOf("mid"));
        Assert.True(order.IndexOf("mid") < order.IndexOf("beta"));
    }

    [Theory]
    [InlineData("Op == Len(<<>>)", DiagnosticCode.UnknownOperator, "Unknown operator: `Len'.", 3, 7)]
    [InlineData("Add(a, b) == a + b\nOp == Add(1)", DiagnosticCode.ArityMismatch, "The operator Add requires 2 arguments.", 4, 10)]
    [InlineData("Op == 1\nOp == 2", DiagnosticCode.MultiplyDefined, "Multiply-defined symbol 'Op': this definition or declaration conflicts with the one at line 3, col 1 to line 3, col 7 of module Main.", 4, 1)]
    [InlineData("Op == @ + 1", DiagnosticCode.AtOutsideExcept, "'@' used outside the value of an EXCEPT clause.", 3, 7)]
    [InlineData("Op == Nat!Foo", DiagnosticCode.NotAnInstance, "Nat is not an instance, so Nat!... is not defined.", 3, 7)]
    [InlineData("RECURSIVE F(_)\nOp == 1", DiagnosticCode.RecursiveNotDefined, "Operator F is declared RECURSIVE but never defined in the same scope.", 3, 11)]
    [InlineData("x == 1\nOp == x(2)", DiagnosticCode.ArityMismatch, "The operator x requires 0 arguments.", 4, 8)]
    [InlineData("I == INSTANCE Missing\nOp == 1", DiagnosticCode.ModuleNotFound, "Cannot find source file for module Missing imported in module Main.", 3, 15)]
    public void SemanticErrorsAreReportedWhereSanyReportsThem(string body, DiagnosticCode code, string message, int line, int column)
    {
        var spec = LoadText("---- MODULE Main ----\nEXTENDS Naturals\n" + body + "\n====\n");
        var diagnostic = spec.Diagnostics.First();
        Assert.Equal(code, diagnostic.Code);
        Assert.Equal(message, diagnostic.Message);
        Assert.Equal((line, column), (diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void InstanceSubstitutionProblemsAreReported()
    {
        const string inner = "---- MODULE Inner ----\nCONSTANT K\nVARIABLE v\nGet == v\n====\n";
        var spec = LoadText("---- MODULE Main ----\nVARIABLE v\nI == INSTANCE Inner WITH Q <- 1\n====\n", ("Inner", inner));
        Assert.Contains(spec.Diagnostics, d => d.Code == DiagnosticCode.NotAnInstanceParameter && d.Message == "Q is not a CONSTANT or VARIABLE of module Inner and cannot be substituted.");
        Assert.Contains(spec.Diagnostics, d => d.Code == DiagnosticCode.MissingSubstitution && d.Message.StartsWith("Substitution missing for symbol K of module Inner", StringComparison.Ordinal));
    }

    [Fact]
    public void InstanceInsideLetIsLoadedAndResolved()
    {
        var spec = LoadText("---- MODULE Main ----\nVARIABLE v\nOp == LET I == INSTANCE Inner WITH K <- 1 IN I!Get\n====\n",
            ("Inner", "---- MODULE Inner ----\nCONSTANT K\nVARIABLE v\nGet == <<K, v>>\n====\n"));
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        Assert.Equal(["Main", "Inner"], spec.ParseOrder);
        var get = Apps(spec.Main!).Single(a => a.Name == "Get");
        Assert.Same(Definition<OperatorDefinition>(spec.FindModule("Inner")!, "Get"), get.Resolution!.Target);
    }

    [Fact]
    public void StandardModulesCanBeInstantiated()
    {
        var spec = LoadText("---- MODULE Main ----\nLOCAL INSTANCE Naturals\nS == INSTANCE Sequences\nOp == S!Len(<<1>>) + 1\n====\n");
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        var len = Apps(spec.Main!).Single(a => a.Name == "Len");
        Assert.Equal("Sequences", ((BuiltinOperator)len.Resolution!.Target).Module);
        Assert.Null(((InstanceDefinition)len.Prefix[0].Resolution!.Target).Instance.Target);
        Assert.False(spec.MainContext!.TryLookupExported("+", out _));
        Assert.True(spec.MainContext.TryLookup("+", out _));
    }

    [Fact]
    public void OperatorSymbolConstantsCanBeDeclaredAndUsed()
    {
        var spec = LoadText("---- MODULE Main ----\nCONSTANTS _ \\prec _, - _, Leq(_, _)\nOp == (1 \\prec 2) /\\ Leq(-1, 2)\n====\n");
        Assert.False(spec.HasErrors, string.Join("\n", spec.Diagnostics));
        Assert.Equal([("\\prec", 2), ("-.", 1), ("Leq", 2)], spec.MainContext!.Constants.Select(c => (c.Name, c.Arity)));
        Assert.IsType<ConstantDecl>(Apps(spec.Main!).Single(a => a.Name == "\\prec").Resolution!.Target);
        Assert.IsType<ConstantDecl>(Apps(spec.Main!).Single(a => a.Name == "-.").Resolution!.Target);
    }

    [Fact]
    public void EverySemanticErrorIsReportedNotOnlyTheFirst()
    {
        var spec = LoadText("---- MODULE Main ----\nEXTENDS Naturals\nA == foo + 1\nB == bar(1)\nC == A(2)\n====\n");
        Assert.Equal(
            [("Unknown operator: `foo'.", 3, 6), ("Unknown operator: `bar'.", 4, 6), ("The operator A requires 0 arguments.", 5, 7)],
            spec.Diagnostics.Select(d => (d.Message, d.Line, d.Column)));
    }

    [Fact]
    public void CircularExtendsIsADiagnostic()
    {
        var spec = LoadText("---- MODULE Main ----\nEXTENDS A\n====\n",
            ("A", "---- MODULE A ----\nEXTENDS B\n====\n"), ("B", "---- MODULE B ----\nEXTENDS A\n====\n"));
        var diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal(DiagnosticCode.CircularModuleDependency, diagnostic.Code);
    }

    [Fact]
    public void LocalDefinitionsAreNotExported()
    {
        var spec = LoadText("---- MODULE Main ----\nEXTENDS A\nOp == Hidden\n====\n",
            ("A", "---- MODULE A ----\nLOCAL Hidden == 1\nShown == Hidden\n====\n"));
        var diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal("Unknown operator: `Hidden'.", diagnostic.Message);
    }
}
