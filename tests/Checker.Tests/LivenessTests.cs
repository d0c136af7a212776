using VerifiedIpc.Checker.Engine;

namespace VerifiedIpc.Checker.Tests;

/// <summary>
/// Temporal properties on small hand-written specs: each form and each fairness kind, with a seeded wrong variant
/// (fairness dropped or weakened, a shortcut added) that must turn the verdict into a violation of the right kind.
/// </summary>
public sealed class LivenessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vipc-liveness-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (CheckOutcome Outcome, string Output) Check(string module, string body, string cfg, int workers = 1)
    {
        var tla = Path.Combine(_dir, module + ".tla");
        File.WriteAllText(tla, $"---- MODULE {module} ----\nEXTENDS Naturals\n{body}\n====\n");
        var cfgPath = Path.Combine(_dir, module + ".cfg");
        File.WriteAllText(cfgPath, cfg);
        var sw = new StringWriter();
        var o = ModelCheck.Run(new CheckRequest(tla, cfgPath, workers), sw, (_, _, _, _) => { });
        return (o, sw.ToString());
    }

    private const string Counter = """
        VARIABLE x
        Init == x = 0
        Next == x < 3 /\ x' = x + 1
        """;

    private static void AssertTemporalViolation(CheckOutcome o, string output, string kind)
    {
        Assert.Equal(13, o.ExitCode);
        Assert.Equal(Verdict.TemporalViolated, o.Result!.Verdict);
        Assert.Contains("Error: Temporal properties were violated.", output);
        var r = o.Result;
        var got = r.Stuttering ? "stuttering" : r.LoopBackTo != null ? "lasso" : "finite";
        Assert.Equal(kind, got);
        if (kind == "stuttering") Assert.Contains($"State {r.Trace!.Count + 1}: Stuttering", output);
        if (kind == "lasso") Assert.Contains($"Back to state {r.LoopBackTo}: <", output);
        if (kind == "lasso") Assert.Contains("\\* the cycle starts here", output);
    }

    [Fact]
    public void Eventually_holds_under_weak_fairness_and_fails_by_stuttering_without_it()
    {
        var fair = Check("EvFair", Counter + "\nSpec == Init /\\ [][Next]_x /\\ WF_x(Next)\nReach == <>(x = 3)", "SPECIFICATION Spec\nPROPERTY Reach\nCHECK_DEADLOCK FALSE\n");
        Assert.Equal(0, fair.Outcome.ExitCode);
        Assert.Equal(4, fair.Outcome.Result!.DistinctStates);

        var unfair = Check("EvUnfair", Counter + "\nSpec == Init /\\ [][Next]_x\nReach == <>(x = 3)", "SPECIFICATION Spec\nPROPERTY Reach\nCHECK_DEADLOCK FALSE\n");
        AssertTemporalViolation(unfair.Outcome, unfair.Output, "stuttering");
        // The behaviour stutters before x reaches 3: no state of the counterexample satisfies the property's P.
        Assert.All(unfair.Outcome.Result!.Trace!, s => Assert.NotEqual("3", s.State[0]!.ToString()));
    }

    private const string Ring = """
        VARIABLE x
        Init == x = 0
        Around == x' = (x + 1) % 4
        Shortcut == x = 1 /\ x' = 0
        """;

    [Fact]
    public void Infinitely_often_holds_on_a_ring_and_fails_by_a_lasso_with_a_shortcut()
    {
        var ok = Check("InfOk", Ring + "\nSpec == Init /\\ [][Around]_x /\\ WF_x(Around)\nP == []<>(x = 3)", "SPECIFICATION Spec\nPROPERTY P\n");
        Assert.Equal(0, ok.Outcome.ExitCode);

        var bad = Check("InfBad", Ring + "\nNext == Around \\/ Shortcut\nSpec == Init /\\ [][Next]_x /\\ WF_x(Next)\nP == []<>(x = 3)", "SPECIFICATION Spec\nPROPERTY P\n");
        AssertTemporalViolation(bad.Outcome, bad.Output, "lasso");
        var r = bad.Outcome.Result!;
        // Every state on the cycle avoids x = 3.
        for (int i = r.LoopBackTo!.Value - 1; i < r.Trace!.Count; i++) Assert.NotEqual("3", r.Trace[i].State[0]!.ToString());
        Assert.Equal("Shortcut", r.LoopAction?.BaseName);
    }

    [Fact]
    public void Infinitely_often_fails_by_stuttering_when_fairness_is_dropped()
    {
        var bad = Check("InfNoWF", Ring + "\nSpec == Init /\\ [][Around]_x\nP == []<>(x = 3)", "SPECIFICATION Spec\nPROPERTY P\n");
        AssertTemporalViolation(bad.Outcome, bad.Output, "stuttering");
    }

    private const string Latch = """
        VARIABLES on
        Init == on = FALSE
        TurnOn == ~on /\ on' = TRUE
        TurnOff == on /\ on' = FALSE
        """;

    [Fact]
    public void Eventually_always_holds_for_a_latch_and_fails_when_it_can_be_turned_off()
    {
        var ok = Check("EaOk", Latch + "\nSpec == Init /\\ [][TurnOn]_on /\\ WF_on(TurnOn)\nP == <>[]on", "SPECIFICATION Spec\nPROPERTY P\nCHECK_DEADLOCK FALSE\n");
        Assert.Equal(0, ok.Outcome.ExitCode);

        var bad = Check("EaBad", Latch + "\nNext == TurnOn \\/ TurnOff\nSpec == Init /\\ [][Next]_on /\\ WF_on(Next)\nP == <>[]on", "SPECIFICATION Spec\nPROPERTY P\n");
        AssertTemporalViolation(bad.Outcome, bad.Output, "lasso");
        var r = bad.Outcome.Result!;
        Assert.Contains(r.Trace!.Skip(r.LoopBackTo!.Value - 1), s => s.State[0]!.ToString() == "FALSE");
    }

    private const string Lock = """
        Procs == {1, 2}
        VARIABLES pc, lock
        vars == <<pc, lock>>
        Init == pc = [p \in Procs |-> "idle"] /\ lock = 0
        Request(p) == pc[p] = "idle" /\ pc' = [pc EXCEPT ![p] = "wait"] /\ UNCHANGED lock
        Enter(p)   == pc[p] = "wait" /\ lock = 0 /\ lock' = p /\ pc' = [pc EXCEPT ![p] = "cs"]
        Exit(p)    == pc[p] = "cs" /\ lock' = 0 /\ pc' = [pc EXCEPT ![p] = "idle"]
        Next == \E p \in Procs : Request(p) \/ Enter(p) \/ Exit(p)
        NoStarvation == \A p \in Procs : (pc[p] = "wait") ~> (pc[p] = "cs")
        """;

    [Theory]
    [InlineData("SF", 0)]
    [InlineData("WF", 13)]
    public void Leads_to_needs_strong_fairness_on_a_contended_lock(string enterFairness, int exit)
    {
        var spec = Lock + $"\nSpec == Init /\\ [][Next]_vars /\\ \\A p \\in Procs : WF_vars(Request(p)) /\\ {enterFairness}_vars(Enter(p)) /\\ WF_vars(Exit(p))";
        var (o, output) = Check("Lock" + enterFairness, spec, "SPECIFICATION Spec\nPROPERTY NoStarvation\n");
        Assert.Equal(exit, o.ExitCode);
        Assert.Equal(8, o.Result!.DistinctStates);
        if (exit == 13)
        {
            AssertTemporalViolation(o, output, "lasso");
            // On the cycle some process waits and never enters.
            var cycle = o.Result.Trace!.Skip(o.Result.LoopBackTo!.Value - 1).Select(s => s.State[0]!.ToString()).ToArray();
            Assert.True(Enumerable.Range(0, 2).Any(p => cycle.All(pc => pc!.Split(',')[p].Contains("wait") || pc.Split(',')[p].Contains("idle")) && cycle.Any(pc => pc!.Split(',')[p].Contains("wait"))),
                string.Join(" | ", cycle));
        }
    }

    [Fact]
    public void Leads_to_fails_by_stuttering_when_exit_is_not_fair()
    {
        var spec = Lock + "\nSpec == Init /\\ [][Next]_vars /\\ \\A p \\in Procs : WF_vars(Request(p)) /\\ SF_vars(Enter(p))";
        var (o, output) = Check("LockNoExit", spec, "SPECIFICATION Spec\nPROPERTY NoStarvation\n");
        AssertTemporalViolation(o, output, "stuttering");
    }

    [Fact]
    public void Action_property_is_checked_on_every_step_and_reported_by_name()
    {
        const string body = """
            VARIABLE c
            Init == c = 0
            Next == c' = (c + 1) % 3
            Spec == Init /\ [][Next]_c
            Grows == [][c' > c]_c
            Moves == [][c' # c]_c
            """;
        var ok = Check("ApOk", body, "SPECIFICATION Spec\nPROPERTY Moves\n");
        Assert.Equal(0, ok.Outcome.ExitCode);

        var (o, output) = Check("ApBad", body, "SPECIFICATION Spec\nPROPERTY Moves Grows\n");
        Assert.Equal(13, o.ExitCode);
        Assert.Equal(Verdict.ActionPropertyViolated, o.Result!.Verdict);
        Assert.Contains("Error: Action property Grows is violated.", output);
        Assert.Equal(4, o.Result.Trace!.Count);
        Assert.Equal("2", o.Result.Trace[^2].State[0]!.ToString());
        Assert.Equal("0", o.Result.Trace[^1].State[0]!.ToString());
    }

    private const string Abstract = """
        ---- MODULE AbsToggle ----
        EXTENDS Naturals
        VARIABLE b
        AInit == b = 0
        ANext == b' = 1 - b
        ASpec == AInit /\ [][ANext]_b /\ WF_b(ANext)
        ====
        """;

    private string Refinement(string next, string fairness, string mapping = "n % 2")
    {
        File.WriteAllText(Path.Combine(_dir, "AbsToggle.tla"), Abstract);
        return $"""
            VARIABLE n
            Init == n = 0
            Next == {next}
            Spec == Init /\ [][Next]_n {fairness}
            Abs == INSTANCE AbsToggle WITH b <- {mapping}
            AbsSpec == Abs!ASpec
            """;
    }

    [Fact]
    public void Refinement_holds_when_the_mapping_follows_the_abstract_steps()
    {
        var (o, output) = Check("RefOk", Refinement("n' = (n + 1) % 4", "/\\ WF_n(Next)"), "SPECIFICATION Spec\nPROPERTY AbsSpec\n");
        Assert.True(o.ExitCode == 0, output);
    }

    [Fact]
    public void Refinement_step_violation_is_an_action_property_named_by_location()
    {
        var (o, output) = Check("RefStep", Refinement("n' = (n + 1) % 4", "/\\ WF_n(Next)", mapping: "n % 3"), "SPECIFICATION Spec\nPROPERTY AbsSpec\n");
        Assert.Equal(13, o.ExitCode);
        Assert.Contains("Error: Action property line 6, col 19 to line 6, col 29 of module AbsToggle is violated.", output);
        Assert.Equal((6, 19), o.ErrorLocation);
    }

    [Fact]
    public void Refinement_fairness_violation_is_a_liveness_violation_when_the_concrete_spec_drops_fairness()
    {
        var (o, output) = Check("RefFair", Refinement("n' = (n + 1) % 4", ""), "SPECIFICATION Spec\nPROPERTY AbsSpec\n");
        AssertTemporalViolation(o, output, "stuttering");
    }

    [Fact]
    public void Refinement_initial_predicate_is_checked_on_initial_states()
    {
        var body = Refinement("n' = (n + 1) % 4", "/\\ WF_n(Next)").Replace("Init == n = 0", "Init == n = 1");
        var (o, output) = Check("RefInit", body, "SPECIFICATION Spec\nPROPERTY AbsSpec\n");
        Assert.Equal(13, o.ExitCode);
        Assert.Contains("Error: Property line 6, col 10 to line 6, col 14 of module AbsToggle is violated by the initial state:", output);
    }

    [Fact]
    public void Strong_fairness_as_a_property_fails_when_the_action_is_only_intermittently_enabled()
    {
        // A is enabled every other step (while x = 0) but may be skipped forever under WF of the toggling.
        const string body = """
            VARIABLES x, done
            vars == <<x, done>>
            Init == x = 0 /\ done = FALSE
            A == x = 0 /\ ~done /\ done' = TRUE /\ UNCHANGED x
            Flip == x' = 1 - x /\ UNCHANGED done
            Next == A \/ Flip
            Spec == Init /\ [][Next]_vars /\ WF_vars(Flip)
            SpecSF == Spec /\ SF_vars(A)
            Prop == SF_vars(A)
            """;
        var bad = Check("SfProp", body, "SPECIFICATION Spec\nPROPERTY Prop\n");
        AssertTemporalViolation(bad.Outcome, bad.Output, "lasso");
        var ok = Check("SfPropOk", body, "SPECIFICATION SpecSF\nPROPERTY Prop\n");
        Assert.Equal(0, ok.Outcome.ExitCode);
    }

    [Fact]
    public void Enabled_inside_a_liveness_property()
    {
        const string body = """
            VARIABLE x
            Init == x = 0
            Inc == x < 2 /\ x' = x + 1
            Reset == x = 2 /\ x' = 0
            Spec == Init /\ [][Inc \/ Reset]_x /\ WF_x(Inc \/ Reset)
            P == []<>(ENABLED Reset)
            """;
        var ok = Check("EnOk", body, "SPECIFICATION Spec\nPROPERTY P\n");
        Assert.Equal(0, ok.Outcome.ExitCode);
        var bad = Check("EnBad", body.Replace("/\\ WF_x(Inc \\/ Reset)", ""), "SPECIFICATION Spec\nPROPERTY P\n");
        AssertTemporalViolation(bad.Outcome, bad.Output, "stuttering");
    }

    [Fact]
    public void Two_workers_give_the_same_temporal_verdict()
    {
        var spec = Lock + "\nSpec == Init /\\ [][Next]_vars /\\ \\A p \\in Procs : WF_vars(Request(p)) /\\ WF_vars(Enter(p)) /\\ WF_vars(Exit(p))";
        var (o, _) = Check("LockW2", spec, "SPECIFICATION Spec\nPROPERTY NoStarvation\n", workers: 2);
        Assert.Equal(13, o.ExitCode);
        Assert.Equal(15, o.Result!.StatesGenerated);
    }

    [Fact]
    public void An_unsupported_temporal_form_is_a_clear_error_not_a_verdict()
    {
        var (o, output) = Check("Unsup", Counter + "\nSpec == Init /\\ [][Next]_x\nP == <>(x = 1 /\\ [](x > 0))", "SPECIFICATION Spec\nPROPERTY P\nCHECK_DEADLOCK FALSE\n");
        Assert.Null(o.Result);
        Assert.NotEqual(0, o.ExitCode);
        Assert.Contains("has a form this checker does not handle", output);
        Assert.Contains("line 7, col 6", output);
    }

    [Fact]
    public void Dump_trace_json_of_a_lasso_ends_with_the_step_back_to_the_loop_state()
    {
        var tla = Path.Combine(_dir, "Json.tla");
        File.WriteAllText(tla, "---- MODULE Json ----\nEXTENDS Naturals\n" + Ring + "\nNext == Around \\/ Shortcut\nSpec == Init /\\ [][Next]_x /\\ WF_x(Next)\nP == []<>(x = 3)\n====\n");
        File.WriteAllText(Path.Combine(_dir, "Json.cfg"), "SPECIFICATION Spec\nPROPERTY P\n");
        var json = Path.Combine(_dir, "trace.json");
        var o = ModelCheck.Run(new CheckRequest(tla, Path.Combine(_dir, "Json.cfg"), DumpTraceJsonPath: json), new StringWriter(), (_, _, _, _) => { });
        var doc = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!;
        var states = doc["state"]!.AsArray();
        var actions = doc["action"]!.AsArray();
        Assert.Equal(o.Result!.Trace!.Count, states.Count);
        Assert.Equal(states.Count, actions.Count);
        Assert.Equal(o.Result.LoopBackTo, (int)actions[^1]![2]![0]!);
        Assert.Equal("Shortcut", (string)actions[^1]![1]!["name"]!);
    }

    [Fact]
    public void A_spec_checked_as_its_own_property_holds()
    {
        var (o, output) = Check("SelfSpec", Ring + "\nSpec == Init /\\ [][Around]_x /\\ WF_x(Around)", "SPECIFICATION Spec\nPROPERTY Spec\n");
        Assert.True(o.ExitCode == 0, output);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 13)]
    public void A_long_ring_is_searched_without_recursion(bool trap, int exit)
    {
        // 30000 states in one cycle: the SCC search must not recurse per state. The seeded variant adds an exit
        // into a two-state loop that never returns to 0.
        var body = """
            VARIABLE x
            Init == x = 0
            Step == x < 29999 /\ x' = x + 1
            Wrap == x = 29999 /\ x' = 0
            Trap == x = 29999 /\ x' = 30000
            Stay == x >= 30000 /\ x' = IF x = 30000 THEN 30001 ELSE 30000
            Next == Step \/ Wrap \/ Stay
            """ + (trap ? "\nAll == Next \\/ Trap" : "\nAll == Next") + "\nSpec == Init /\\ [][All]_x /\\ WF_x(All)\nP == []<>(x = 0)";
        var (o, output) = Check("LongRing" + trap, body, "SPECIFICATION Spec\nPROPERTY P\n");
        Assert.True(exit == o.ExitCode, output.Length > 2000 ? output[..2000] : output);
        Assert.Equal(trap ? 30002 : 30000, o.Result!.DistinctStates);
        if (trap) AssertTemporalViolation(o, output, "lasso");
    }

    [Fact]
    public void A_temporal_forall_over_a_state_dependent_set_is_a_clear_error()
    {
        var (o, output) = Check("StateBound", Counter + "\nSpec == Init /\\ [][Next]_x\nP == \\A i \\in 0..x : <>(x > i)", "SPECIFICATION Spec\nPROPERTY P\nCHECK_DEADLOCK FALSE\n");
        Assert.Null(o.Result);
        Assert.Contains("must be a constant set", output);
    }

    [Theory]
    [InlineData("/\\ WF_x(Inc)", 0)]
    [InlineData("", 13)]
    public void A_step_out_of_the_constraint_still_makes_its_action_enabled(string fairness, int exit)
    {
        // The only behaviours that stay inside the constraint stutter at x = 2, where Inc is enabled (its successor
        // is merely outside the model): under WF that stuttering is unfair, as TLC's ENABLED ignores constraints.
        var body = "VARIABLE x\nInit == x = 0\nInc == x' = x + 1\nSpec == Init /\\ [][Inc]_x " + fairness + "\nP == []<>(x = 0)\nBound == x < 3";
        var (o, output) = Check("Boundary" + exit, body, "SPECIFICATION Spec\nPROPERTY P\nCONSTRAINT Bound\n");
        Assert.True(exit == o.ExitCode, output);
        Assert.Equal(3, o.Result!.DistinctStates);
        if (exit == 13) AssertTemporalViolation(o, output, "stuttering");
    }

    [Theory]
    [InlineData("SF", 0)]
    [InlineData("WF", 13)]
    public void Fairness_through_a_parameterised_operator(string enterFairness, int exit)
    {
        var spec = Lock + $"\nFair(p) == WF_vars(Request(p)) /\\ {enterFairness}_vars(Enter(p)) /\\ WF_vars(Exit(p))\nServed(p) == (pc[p] = \"wait\") ~> (pc[p] = \"cs\")"
            + "\nSpec == Init /\\ [][Next]_vars /\\ \\A p \\in Procs : Fair(p)\nProp == \\A p \\in Procs : Served(p)";
        var (o, output) = Check("ParamFair" + enterFairness, spec, "SPECIFICATION Spec\nPROPERTY Prop\n");
        Assert.True(exit == o.ExitCode, output);
    }
}
