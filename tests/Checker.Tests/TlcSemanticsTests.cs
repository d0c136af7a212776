using VerifiedIpc.Checker.Engine;

namespace VerifiedIpc.Checker.Tests;

/// <summary>
/// Small specifications on which the checker once disagreed with TLC: how an action is read (states generated
/// count duplicates, so the order TLC evaluates conjuncts in shows), and which exit code and message an error gets.
/// Every expected figure comes from TLC 2.20 (rev 96056d9) run locally with -workers 1 on the same text.
/// </summary>
public sealed class TlcSemanticsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vipc-tlcsem-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (CheckOutcome Outcome, string Output) Check(string body, string cfg, bool disableDeadlock = false)
    {
        var tla = Path.Combine(_dir, "M.tla");
        File.WriteAllText(tla, $"---- MODULE M ----\nEXTENDS Integers, Sequences, FiniteSets, TLC\n{body}\n====\n");
        var cfgPath = Path.Combine(_dir, "M.cfg");
        File.WriteAllText(cfgPath, cfg);
        var sw = new StringWriter();
        var o = ModelCheck.Run(new CheckRequest(tla, cfgPath, 1, disableDeadlock), sw, (_, _, _, _) => { });
        return (o, sw.ToString());
    }

    private void AssertRun(string body, int exit, long distinct, long generated, int depth, bool disableDeadlock = false, string cfg = "INIT Init\nNEXT Next\n")
    {
        var (o, output) = Check(body, cfg, disableDeadlock);
        Assert.True(exit == o.ExitCode, $"exit {o.ExitCode}, expected {exit}:\n{output}");
        Assert.Equal(distinct, o.Result!.DistinctStates);
        Assert.Equal(generated, o.Result.StatesGenerated);
        Assert.Equal(depth, o.Result.Depth);
    }

    // ---- once every variable has its next value, TLC evaluates the remaining conjuncts as booleans

    [Fact]
    public void A_disjunction_after_the_last_assignment_does_not_branch()
    {
        // TLC: 5 generated, 5 distinct, depth 5, deadlock (a branching reading would generate 7).
        AssertRun("VARIABLE x\nInit == x = 0\nNext == x' = x + 1 /\\ (x < 2 \\/ x < 5) /\\ x < 4", 11, 5, 5, 5);
        // Before the assignment the disjunction still branches: 7 generated.
        AssertRun("VARIABLE x\nInit == x = 0\nNext == (x < 2 \\/ x < 5) /\\ x' = x + 1 /\\ x < 4", 11, 5, 7, 5);
    }

    [Fact]
    public void An_existential_after_the_last_assignment_is_a_test_not_a_choice()
    {
        // TLC: 4 generated, 3 distinct (one successor per state, not one per witness).
        AssertRun("VARIABLE x, y\nInit == x = 0 /\\ y = 0\nNext == x' = (x + 1) % 3 /\\ y' = 0 /\\ \\E i \\in 1..4 : \\E j \\in 1..2 : i > j", 0, 3, 4, 3);
    }

    [Fact]
    public void The_initial_predicate_reads_conjuncts_after_the_last_assignment_as_booleans()
    {
        // TLC: 8 generated (4 initial states, each once), 4 distinct.
        AssertRun("VARIABLE x, y\nInit == x \\in 1..2 /\\ y \\in 1..2 /\\ (x = 1 \\/ y = 1 \\/ x = y)\nNext == UNCHANGED <<x, y>>", 0, 4, 8, 1);
        // TLC: 2 generated, 1 distinct.
        AssertRun("VARIABLE x\nInit == x = 1 /\\ (x = 1 \\/ x = 1)\nNext == UNCHANGED x", 0, 1, 2, 1);
    }

    [Fact]
    public void A_short_circuited_disjunct_after_the_assignment_is_never_evaluated()
    {
        // TLC explores 0, 1, 2 and fails only when x = 2 needs the second disjunct: 3 distinct, depth 3, exit 255.
        var (o, output) = Check("VARIABLE x\nInit == x = 0\nNext == x' = x + 1 /\\ (x < 2 \\/ Head(<<>>) = 0)", "INIT Init\nNEXT Next\n");
        Assert.Equal(255, o.ExitCode);
        Assert.Equal(3, o.Result!.DistinctStates);
        Assert.Equal(3, o.Result.StatesGenerated);
        Assert.Contains("Attempted to apply Head to the empty sequence.", output);
    }

    [Fact]
    public void An_implication_in_an_action_acts_through_its_consequent()
    {
        // TLC: 5 generated, 4 distinct, depth 4, no error (x' is assigned inside the consequent).
        AssertRun("VARIABLE x\nInit == x = 0\nNext == (x < 3 => x' = x + 1) /\\ (x >= 3 => x' = 0)", 0, 4, 5, 4);
        // TLC: 6 generated, 4 distinct, depth 3.
        AssertRun("VARIABLE x\nInit == x = 0\nNext == x < 4 /\\ (x > 1 => x' = 7) /\\ x' \\in {x + 1, 7}", 0, 4, 6, 3, disableDeadlock: true);
    }

    // ---- which exit code an evaluation error gets depends on where it happens, not only on what raised it

    [Theory]
    // In the initial predicate: always exit 75, the message printed plainly (TLC: 0 states generated).
    [InlineData("Init == x = 0 /\\ 10 \\div (x - x) = 0\nNext == x' = x", "", 75, "Error: The second argument of \\div is 0.")]
    [InlineData("Init == x = 0 /\\ x + 2147483647 + 5 = 0\nNext == x' = x", "", 75, "Error: Overflow when computing 2147483647+5")]
    [InlineData("Init == x = 0 /\\ Assert(x > 100, \"boom\")\nNext == x' = x", "", 75, "Error: The first argument of Assert evaluated to FALSE; the second argument was:")]
    [InlineData("Init == x = 0 /\\ (CHOOSE i \\in {} : TRUE) = 0\nNext == x' = x", "", 75, "Error: Attempted to compute the value of an expression of form")]
    // In an invariant on an initial state: exit 75, a standard-module error or overflow printed plainly.
    [InlineData("Init == x = 0\nNext == x' = x\nInv == Head(<<>>) = 0", "INVARIANT Inv\n", 75, "Error: Attempted to apply Head to the empty sequence.")]
    [InlineData("Init == x = 0\nNext == x' = x\nInv == x + 2147483647 + 5 = 0", "INVARIANT Inv\n", 75, "Error: Overflow when computing 2147483647+5")]
    // In an invariant on a later state: "Evaluating invariant Inv failed." (exit 76), an overflow or Assert included.
    [InlineData("Init == x = 0\nNext == x' = x + 1 /\\ x < 3\nInv == x < 2 \\/ x + 2147483647 + 5 = 0", "INVARIANT Inv\n", 76, "Error: Evaluating invariant Inv failed.\nOverflow when computing 2+2147483647")]
    [InlineData("Init == x = 0\nNext == x' = x + 1 /\\ x < 3\nInv == x < 2 \\/ Assert(FALSE, \"boom\")", "INVARIANT Inv\n", 76, "Error: Evaluating invariant Inv failed.")]
    // Cardinality of an infinite set is a FiniteSets error: exit 255 in an action.
    [InlineData("Init == x = 0\nNext == x' = x + 1 /\\ x < 3 /\\ (x < 2 \\/ Cardinality(Nat) = 0)", "", 255, "Error: Attempted to compute cardinality of the value\nNat")]
    public void Evaluation_errors_get_TLCs_exit_code_and_message(string defs, string extraCfg, int exit, string message)
    {
        var (o, output) = Check("VARIABLE x\n" + defs, "INIT Init\nNEXT Next\n" + extraCfg);
        Assert.True(exit == o.ExitCode, $"exit {o.ExitCode}, expected {exit}:\n{output}");
        Assert.Contains(message, output.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("unexpected exception", output);
    }

    [Fact]
    public void SubSeq_names_the_argument_outside_the_domain()
    {
        // TLC: "The third argument of SubSeq must be in the domain of its first argument:" ... 7.
        var (o, output) = Check("VARIABLE x\nInit == x = 0\nNext == x' = Len(SubSeq(<<1, 2, 3>>, 2, 7))", "INIT Init\nNEXT Next\n");
        Assert.Equal(255, o.ExitCode);
        Assert.Contains("Error: The third argument of SubSeq must be in the domain of its first argument:\n<<1, 2, 3>>\n, but instead it is\n7", output.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("IF [a |-> 1] = 3 THEN 1 ELSE 2", 75, "Attempted to check equality of record:\n[a |-> 1]\nwith non-record\n3")]
    [InlineData("IF {1} = 3 THEN 1 ELSE 2", 75, "Attempted to check equality of the set {1} with the value:\n3")]
    [InlineData("IF TRUE = 3 THEN 1 ELSE 2", 75, "Attempted to compare equality of boolean TRUE with non-boolean:\n3")]
    [InlineData("IF <<1>> = {} THEN 1 ELSE 2", 75, "Attempted to check equality of the function <<1>> with the value:\n{}")]
    [InlineData("Head(3)", 255, "Error: The argument of Head should be a sequence, but instead it is:\n3")]
    [InlineData("Len(3)", 255, "Error: The argument of Len should be a sequence, but instead it is:\n3")]
    [InlineData("Append(3, 1)", 255, "Error: Evaluating an expression of the form Append(s, v) when s is not a sequence:\n3")]
    [InlineData("3 \\o <<1>>", 255, "Error: Evaluating an expression of the form s \\o t when s is not a sequence:\n3")]
    [InlineData("SubSeq(3, 1, 1)", 255, "Error: The first argument of SubSeq should be a sequence, but instead it is:\n3")]
    [InlineData("Cardinality(<<1, 2>>)", 255, "Error: Attempted to compute cardinality of the value\n<<1, 2>>")]
    [InlineData("\"abc\"[2]", 75, "A non-function (a string) was applied as a function.\nline 5, col 14 to line 5, col 21 of module M")]
    [InlineData("CHOOSE i \\in 3 : TRUE", 75, "Attempted to compute the value of an expression of\nform CHOOSE x \\in S: P, but S was not enumerable.\nline 5, col 14 to line 5, col 34 of module M")]
    [InlineData("3[2]", 75, "A non-function (an integer) was applied as a function.")]
    [InlineData("1 + \"a\"", 75, "Attempted to apply the operator overridden by the Java method\npublic static tlc2.value.impl.IntValue tlc2.module.Integers.Plus(tlc2.value.impl.IntValue,tlc2.value.impl.IntValue),\nbut it produced the following error:\nCannot cast tlc2.value.impl.StringValue to tlc2.value.impl.IntValue")]
    [InlineData("{} * 2", 75, "tlc2.module.Integers.Times(tlc2.value.impl.IntValue,tlc2.value.impl.IntValue),\nbut it produced the following error:\nCannot cast tlc2.value.impl.SetEnumValue to tlc2.value.impl.IntValue")]
    [InlineData("-\"a\"", 75, "tlc2.module.Integers.Neg(tlc2.value.impl.IntValue),")]
    [InlineData("IF ~3 THEN 1 ELSE 2", 75, "Attempted to apply the operator ~ to a non-boolean\n(an integer)\nline 5, col 17 to line 5, col 18 of module M")]
    [InlineData("IF 3 /\\ TRUE THEN 1 ELSE 2", 75, "Attempted to evaluate an expression of form P /\\ Q when P was\nan integer.\nline 5, col 17 to line 5, col 25 of module M")]
    [InlineData("IF {1} THEN 1 ELSE 2", 75, "A non-boolean expression (a set of the form {e1, ... ,eN}) was used as the condition of an IF.\nline 5, col 14 to line 5, col 33 of module M")]
    [InlineData("DOMAIN 3", 75, "Attempted to apply the operator DOMAIN to a non-function\n(an integer)")]
    [InlineData("3.a", 75, "Attempted to select field \"a\" from a non-record value 3\nline 5, col 14 to line 5, col 16 of module M")]
    [InlineData("[a |-> 1].b", 75, "Attempted to select nonexistent field \"b\" from the record\n[a |-> 1]")]
    [InlineData("[3 EXCEPT ![1] = 2]", 75, "Attempted to apply EXCEPT construct to the value 3.")]
    public void Errors_in_an_action_read_as_TLCs(string expr, int exit, string message)
    {
        // The error is raised computing the successors of the initial state x = 0 (TLC 2.20 run locally on each).
        var (o, output) = Check("VARIABLE x\nInit == x = 0\nNext == x' = " + expr, "INIT Init\nNEXT Next\n");
        Assert.True(exit == o.ExitCode, $"exit {o.ExitCode}, expected {exit}:\n{output}");
        Assert.Equal(1, o.Result!.DistinctStates);
        Assert.Contains(message, output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void An_unassigned_primed_variable_is_named_without_its_prime()
    {
        // TLC: "In evaluation, the identifier f is either undefined or not an operator." with its location.
        var (o, output) = Check("VARIABLE f\nInit == f = [i \\in 1..2 |-> 0]\nNext == \\A i \\in 1..2 : f'[i] \\in {0, 1}", "INIT Init\nNEXT Next\n");
        Assert.Equal(75, o.ExitCode);
        Assert.Contains("In evaluation, the identifier f is either undefined or not an operator.\nline 5, col 25 to line 5, col 25 of module M", output.ReplaceLineEndings("\n"));
    }

    // ---- TLC's string order: identifiers (user modules, then standard modules' letters), then string-only texts

    [Theory]
    // q is an identifier of the module, "p" only a string: TLC chooses "q" although "p" comes first in the text.
    [InlineData("<<CHOOSE s \\in {\"p\", \"q\"} : TRUE, CHOOSE q \\in {1} : TRUE>>", "<<\"q\", 1>>")]
    // x is the module's variable; m, n, S are parameters in the standard modules, interned after it.
    [InlineData("CHOOSE s \\in {\"m\", \"n\", \"S\", \"x\"} : TRUE", "\"x\"")]
    // n comes before m in the standard modules (Sequences' SubSeq(s, m, n) follows Seq's n); e before m.
    [InlineData("<<CHOOSE s \\in {\"m\", \"n\"} : TRUE, CHOOSE s \\in {\"m\", \"e\"} : TRUE>>", "<<\"n\", \"e\">>")]
    // Letters that no standard module uses are ordered as strings, in text order.
    [InlineData("CHOOSE s \\in {\"q\", \"c\"} : TRUE", "\"q\"")]
    // Record fields print in the same order: pc, met first, is interned before n.
    [InlineData("LET r == [pc |-> \"idle\"] IN [n |-> 0, pc |-> r.pc]", "[pc |-> \"idle\", n |-> 0]")]
    public void Strings_and_record_fields_follow_TLCs_intern_order(string expr, string printed)
    {
        // Each figure from TLC 2.20 run locally on the same module (EXTENDS Integers, Sequences, FiniteSets, TLC).
        var (o, output) = Check("VARIABLE x\nInit == x = " + expr + "\nNext == UNCHANGED x\nInv == ~(x = x)", "INIT Init\nNEXT Next\nINVARIANT Inv\n");
        Assert.True(12 == o.ExitCode, output);
        Assert.Contains("x = " + printed + "\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Lazily_built_sets_are_enumerated_in_a_state_and_intervals_are_not()
    {
        // TLC 2.20 run locally prints x = <<{{}, {1}}, {<<2>>}, {[a |-> 1]}, {<<"a", 1>>}, 1..2>>.
        var (o, output) = Check("VARIABLE x\nInit == x = <<SUBSET {1}, [{1} -> {2}], [a : {1}], {\"a\"} \\X {1}, 1..2>>\nNext == UNCHANGED x\nInv == ~(x = x)", "INIT Init\nNEXT Next\nINVARIANT Inv\n");
        Assert.Equal(12, o.ExitCode);
        Assert.Contains("x = <<{{}, {1}}, {<<2>>}, {[a |-> 1]}, {<<\"a\", 1>>}, 1..2>>", output);
    }

    [Fact]
    public void A_universal_quantifier_in_an_action_is_the_conjunction_of_its_instances()
    {
        // TLC: 4 generated, 3 distinct, depth 3 (x' assigned inside \A).
        AssertRun("VARIABLE x, y\nInit == x = 0 /\\ y = 0\nNext == \\A i \\in {1} : x' = (x + i) % 3 /\\ y' = y", 0, 3, 4, 3);
        // TLC: 8 generated, 4 distinct, depth 3.
        AssertRun("VARIABLE x\nInit == x = 0\nNext == \\A i \\in {1, 2} : x' \\in {i, 3, (x + 1) % 4}", 0, 4, 8, 3);
        // TLC: 10 generated, 4 distinct, depth 2.
        AssertRun("VARIABLE f\nInit == f = [i \\in 1..2 |-> 0]\nNext == f' \\in [1..2 -> 0..1] /\\ \\A i \\in 1..2 : f'[i] >= f[i]", 0, 4, 10, 2);
    }

    [Theory]
    // One action: "the next-state action"; several: the operator's name without its arguments.
    [InlineData("Next == x' = 1", "by the next-state action. The following variable is not defined: y.")]
    [InlineData("A == x' = 1\nNext == A", "by the next-state action. The following variable is not defined: y.")]
    [InlineData("A(i) == x' = i\nNext == \\E i \\in {1, 2} : A(i)", "by action A of the next-state relation. The following variable is not defined: y.")]
    public void An_incomplete_successor_names_the_action_as_TLC(string next, string message)
    {
        // TLC 2.20 run locally on each.
        var (o, output) = Check("VARIABLE x, y\nInit == x = 0 /\\ y = 0\n" + next, "INIT Init\nNEXT Next\n");
        Assert.Equal(75, o.ExitCode);
        Assert.Contains("Error: Successor state is not completely specified " + message, output);
    }

    [Theory]
    // TLC enumerates \E i \in S, j \in T with the first name varying fastest: <<1,1>>, <<2,1>>, <<1,2>>, <<2,2>>,
    // so x = 21 is the second successor (3 generated) and x = 12 the third (4 generated); nested \E is i-major.
    [InlineData("\\E i \\in 1..2, j \\in 1..2 : x' = 10 * i + j", 21, 3)]
    [InlineData("\\E i \\in 1..2, j \\in 1..2 : x' = 10 * i + j", 12, 4)]
    [InlineData("x = 0 /\\ \\E i, j \\in 1..2 : x' = 10 * i + j", 21, 3)]
    [InlineData("\\E i \\in 1..2 : \\E j \\in 1..2 : x' = 10 * i + j", 12, 3)]
    public void Several_bound_names_enumerate_the_first_fastest(string next, int bad, long generated)
    {
        // TLC 2.20 run locally on each.
        var (o, output) = Check($"VARIABLE x\nInit == x = 0\nNext == x = 0 /\\ {next}\nInv == x # {bad}", "INIT Init\nNEXT Next\nINVARIANT Inv\n");
        Assert.True(12 == o.ExitCode, output);
        Assert.Equal(generated, o.Result!.StatesGenerated);
    }

    [Fact]
    public void A_sub_action_split_from_an_existential_is_labelled_with_its_body()
    {
        // TLC: "State 2: <Next line 5, col 27 to line 5, col 32 of module M>".
        var (o, output) = Check("VARIABLE x\nInit == x = 0\nNext == \\E i \\in {1, 2} : x' = i\nInv == x = 0", "INIT Init\nNEXT Next\nINVARIANT Inv\n");
        Assert.Equal(12, o.ExitCode);
        Assert.Contains("State 2: <Next line 5, col 27 to line 5, col 32 of module M>", output);
    }

    [Fact]
    public void A_number_literal_beyond_32_bits_stops_the_run_as_TLC()
    {
        // TLC 2.20 run locally: "Error: TLC can't handle a number this big." then the number, exit 255.
        var (o, output) = Check("VARIABLE x\nInit == x = 2147483648\nNext == UNCHANGED x", "INIT Init\nNEXT Next\n");
        Assert.Equal(255, o.ExitCode);
        Assert.Contains("Error: TLC can't handle a number this big.\n2147483648", output.ReplaceLineEndings("\n"));
    }
}
