using System.CommandLine;
using System.Text.Json.Nodes;

namespace VerifiedIpc.Cli.Tests;

/// <summary>
/// Shared set-up for the <c>vipc replay</c> tests: the bundled specs, a temp folder, and counterexamples produced in
/// the test by <c>vipc check -dumpTrace json</c> (never stored output), so a change to a spec, the checker or the
/// implementation shows up here.
/// </summary>
public abstract class ReplayTestBase : IDisposable
{
    protected static readonly string Root = FindRoot();

    protected readonly string Dir = Directory.CreateTempSubdirectory("vipc-replay-").FullName;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VerifiedIpc.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no VerifiedIpc.sln above {AppContext.BaseDirectory}");
    }

    protected static string SpecPath(string relative) => Path.Combine(Root, "spec", relative);

    protected static (int Exit, string Output) Vipc(params string[] args)
    {
        var output = new StringWriter();
        var exit = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    /// <summary>Model-checks <paramref name="spec"/> with <paramref name="cfg"/> and returns the counterexample file.</summary>
    protected string Counterexample(string spec, string cfg)
    {
        var trace = Path.Combine(Dir, Path.GetFileNameWithoutExtension(cfg) + ".json");
        var (exit, output) = Vipc("check", SpecPath(spec), "-config", SpecPath(cfg), "-dumpTrace", "json", trace);
        Assert.True(exit != 0 && File.Exists(trace), $"vipc check found no counterexample (exit {exit}):\n{output}");
        return trace;
    }

    /// <summary>The number of steps in a counterexample file.</summary>
    protected static int StepCount(string trace) => JsonNode.Parse(File.ReadAllText(trace))!["state"]!.AsArray().Count - 1;
}

/// <summary>Mutant counterexamples replay on the matching seeded bug and reproduce the failure, step for step.</summary>
public sealed class ReplayReproducesMutantsTests : ReplayTestBase
{
    [Theory]
    [InlineData("mutants/BoundedBuffer_IfNotWhile.tla", "mutants/BoundedBuffer_IfNotWhile.cfg", "IfInsteadOfWhile", "BufferInvariantException", "BoundsOK")]
    [InlineData("mutants/BoundedBuffer_LifoTake.tla", "mutants/BoundedBuffer_LifoTake.cfg", "LifoTake", "not FIFO", "AbsSpec")]
    [InlineData("BoundedBuffer.tla", "mutants/BoundedBuffer_PulseSharedCondition.cfg", "PulseInsteadOfPulseAll", "every thread is blocked in Monitor.Wait", "deadlock")]
    [InlineData("mutants/Rendezvous_SendReturnsEarly.tla", "mutants/Rendezvous_SendReturnsEarly.cfg", "capacity 1", "returned while no receiver has taken", "SendReturnsOnlyWhenTaken")]
    [InlineData("mutants/Rendezvous_CloseDropsOffers.tla", "mutants/Rendezvous_CloseDropsOffers.cfg", "CloseDropsOffers", "returned while no receiver has taken", "SendReturnsOnlyWhenTaken")]
    [InlineData("mutants/AckRetransmit_NoDuplicateCheck.tla", "mutants/AckRetransmit_NoDuplicateCheck.cfg", "MissingDuplicateCheck", "B delivered [1, 1]", "InOrder")]
    [InlineData("mutants/SlidingWindow_WindowOverrun.tla", "mutants/SlidingWindow_WindowOverrun.cfg", "WindowOverrun", "A has 3 messages sent and unacknowledged with a window of 2", "WindowBound")]
    [InlineData("mutants/Mailbox_SelectionRace.tla", "mutants/Mailbox_SelectionRace.cfg", "SplitTakeCheck", "<<s1, 1>> was delivered to r1 and r2", "NoDuplication")]
    public void A_mutant_counterexample_reproduces_on_its_seeded_bug(string spec, string cfg, string build, string implFailure, string property)
    {
        var trace = Counterexample(spec, cfg);
        var (exit, output) = Vipc("replay", trace, "--config", SpecPath(cfg));

        Assert.True(exit == 0, output);
        Assert.Contains(build, output.Split('\n')[0]);
        var verdict = output.Split('\n').Single(l => l.StartsWith("reproduced: ", StringComparison.Ordinal));
        Assert.Contains(implFailure, verdict);
        Assert.Contains("spec: " + property, verdict);
        // Every step of the counterexample was driven, each as spec action → implementation call → observed.
        int replayed = output.Split('\n').Count(l => l.Contains(" → ", StringComparison.Ordinal) && l.Split(" → ").Length == 3);
        Assert.Equal(StepCount(trace), replayed);
    }
}

/// <summary>
/// A dump without action names (hand-written, or from an older tool): every step is inferred from the change between
/// successive states alone, and the replay reproduces the same failure. The spec then has to be named with --spec.
/// </summary>
public sealed class ReplayInfersStepsFromStatesTests : ReplayTestBase
{
    [Theory]
    [InlineData("mutants/BoundedBuffer_IfNotWhile.tla", "mutants/BoundedBuffer_IfNotWhile.cfg", "BoundsOK")]
    [InlineData("mutants/Rendezvous_CloseDropsOffers.tla", "mutants/Rendezvous_CloseDropsOffers.cfg", "SendReturnsOnlyWhenTaken")]
    [InlineData("mutants/AckRetransmit_NoDuplicateCheck.tla", "mutants/AckRetransmit_NoDuplicateCheck.cfg", "InOrder")]
    [InlineData("mutants/SlidingWindow_WindowOverrun.tla", "mutants/SlidingWindow_WindowOverrun.cfg", "WindowBound")]
    [InlineData("mutants/Mailbox_SelectionRace.tla", "mutants/Mailbox_SelectionRace.cfg", "NoDuplication")]
    public void A_dump_without_actions_replays_from_its_states(string spec, string cfg, string property)
    {
        var trace = Counterexample(spec, cfg);
        var json = JsonNode.Parse(File.ReadAllText(trace))!.AsObject();
        json.Remove("action");
        File.WriteAllText(trace, json.ToJsonString());

        Assert.Equal(2, Vipc("replay", trace).Exit); // no module named anywhere
        var (exit, output) = Vipc("replay", trace, "--spec", SpecPath(spec), "--config", SpecPath(cfg));

        Assert.True(exit == 0, output);
        Assert.Contains("spec: " + property, output.Split('\n').Single(l => l.StartsWith("reproduced: ", StringComparison.Ordinal)));
    }
}

/// <summary>
/// The same counterexamples replayed as the correct spec run on the correct build: the implementation leaves the
/// trace at the step the seeded bug takes, and says so (exit 1). A witness trace of the correct spec is followed to
/// its end with nothing to reproduce.
/// </summary>
public sealed class ReplayOnTheCorrectBuildTests : ReplayTestBase
{
    [Theory]
    [InlineData("mutants/BoundedBuffer_IfNotWhile.tla", "mutants/BoundedBuffer_IfNotWhile.cfg", "BoundedBuffer.tla", null, "step 12 (Receive(c1)", "c1 did Wait")]
    [InlineData("BoundedBuffer.tla", "mutants/BoundedBuffer_PulseSharedCondition.cfg", "BoundedBuffer.tla", "MCBoundedBufferMonitor.cfg", "all 18 steps without failing", "p1: notified")]
    [InlineData("mutants/Rendezvous_SendReturnsEarly.tla", "mutants/Rendezvous_SendReturnsEarly.cfg", "Rendezvous.tla", null, "step 1 ", "still pending")]
    [InlineData("mutants/Rendezvous_CloseDropsOffers.tla", "mutants/Rendezvous_CloseDropsOffers.cfg", "Rendezvous.tla", null, "step 2 ", "handed <<s1, 1>> back to s1; in the spec it is not handed back")]
    [InlineData("mutants/AckRetransmit_NoDuplicateCheck.tla", "mutants/AckRetransmit_NoDuplicateCheck.cfg", "AckRetransmit.tla", null, "step 4 ", "the implementation's [1]")]
    [InlineData("mutants/Mailbox_SelectionRace.tla", "mutants/Mailbox_SelectionRace.cfg", "Mailbox.tla", "mutants/Mailbox_SelectionRace.cfg", "step 5 ", "r1's receive did not stop between reading and taking the head (it returned at once)")]
    [InlineData("mutants/SlidingWindow_WindowOverrun.tla", "mutants/SlidingWindow_WindowOverrun.cfg", "SlidingWindow.tla", "mutants/SlidingWindow_WindowOverrun.cfg", "step 3 ", "the spec's A has sent 3 message(s), the implementation's 2 (it holds 1 back: its window of 2 is full)")]
    public void A_mutant_counterexample_diverges_on_the_correct_build(string spec, string cfg, string correct, string? correctCfg, string where, string what)
    {
        var trace = Counterexample(spec, cfg);
        string[] config = correctCfg is null ? [] : ["--config", SpecPath(correctCfg)];
        var (exit, output) = Vipc(["replay", trace, "--spec", SpecPath(correct), .. config]);

        Assert.True(exit == 1, output);
        Assert.Contains("correct build", output.Split('\n')[0]);
        var verdict = output.Split('\n').Single(l => l.StartsWith("not reproduced: ", StringComparison.Ordinal));
        Assert.Contains(where, verdict);
        Assert.Contains(what, verdict);
    }

    [Fact]
    public void The_fragmentation_mutant_is_caught_by_the_reassemblers_own_check_rather_than_reproduced()
    {
        // The mutant's counterpart is a configuration (one reassembler shared by two senders whose ids collide).
        // The spec's mutant mixes the two messages; the implementation refuses the colliding packet instead.
        var trace = Counterexample("mutants/Fragmentation_KeyedByMessageId.tla", "mutants/Fragmentation_KeyedByMessageId.cfg");
        var config = SpecPath("mutants/Fragmentation_KeyedByMessageId.cfg");

        var (exit, output) = Vipc("replay", trace, "--config", config);
        Assert.True(exit == 1, output);
        Assert.Contains("one Reassembler shared by all sources", output.Split('\n')[0]);
        Assert.Contains("the implementation refused the packet (MalformedPacketException", output);
        Assert.Contains("message 1 was announced with 2 packets, this packet says 1", output);

        // With one reassembler per source, s1's message arrives whole, where the mutant spec mixes in s2's bytes.
        (exit, output) = Vipc("replay", trace, "--config", config, "--spec", SpecPath("Fragmentation.tla"));
        Assert.True(exit == 1, output);
        Assert.Contains("s1 gets <<<<s1, 1>>, <<s1, 2>>>>", output);
        Assert.Contains("the spec delivers <<<<s2, 1>>, <<s2, 2>>, <<s1, 1>>, <<s1, 2>>>> to s1's receiver", output);
    }

    [Fact]
    public void A_lasso_counterexample_is_read_as_such_and_its_finite_steps_replayed()
    {
        // SlidingWindow_RetransmitsNewest has no seeded counterpart; as the correct spec, the implementation's timer
        // resends the oldest message where the mutant resends the newest.
        var trace = Counterexample("mutants/SlidingWindow_RetransmitsNewest.tla", "mutants/SlidingWindow_RetransmitsNewest.cfg");
        var (exit, output) = Vipc("replay", trace, "--spec", SpecPath("SlidingWindow.tla"), "--config", SpecPath("mutants/SlidingWindow_RetransmitsNewest.cfg"));

        Assert.True(exit == 1, output);
        var verdict = output.Split('\n').Single(l => l.StartsWith("not reproduced: ", StringComparison.Ordinal));
        Assert.Contains("Timeout", output);
        Assert.Contains($"loops from state {StepCount(trace) + 1} back to state", verdict);
    }

    [Fact]
    public void A_liveness_counterexample_of_a_correct_module_is_said_to_have_no_implementation_bug()
    {
        // AckRetransmit without fairness on Timeout: the only copy is lost and the spec stutters forever. The
        // implementation's timer is fair; the replay shows it firing instead of claiming a reproduction.
        var trace = Counterexample("AckRetransmit.tla", "mutants/AckRetransmit_UnfairRetransmit.cfg");
        var (exit, output) = Vipc("replay", trace);

        Assert.True(exit == 1, output);
        Assert.Contains("correct build", output.Split('\n')[0]);
        var verdict = output.Split('\n').Single(l => l.StartsWith("not reproduced: ", StringComparison.Ordinal));
        Assert.Contains("fires A's retransmission timer, which sends <<\"data\", 1>> again", verdict);
        Assert.Contains("there is no implementation bug to reproduce", verdict);
        Assert.Contains($"stutters in state {StepCount(trace) + 1} forever", verdict);
    }

    [Fact]
    public void The_correct_build_follows_a_correct_trace_to_its_end_with_nothing_to_reproduce()
    {
        // A witness: the checker's shortest run of the correct spec in which both items are taken and both
        // consumers wait again, with broadcast on one shared condition (the implementation's own build).
        foreach (var f in new[] { "BoundedBuffer.tla", "FifoChannel.tla" }) File.Copy(SpecPath(f), Path.Combine(Dir, f));
        File.WriteAllText(Path.Combine(Dir, "Witness.tla"), """
            ---- MODULE Witness ----
            EXTENDS BoundedBuffer
            NotAllTaken == ~(\A p \in Producers : taken[p] = ItemsPerProducer /\ \A c \in Consumers : pc[c] = "waiting")
            ====
            """);
        File.WriteAllText(Path.Combine(Dir, "Witness.cfg"), """
            CONSTANTS
              Producers = {p1}
              Consumers = {c1, c2}
              Capacity = 1
              ItemsPerProducer = 2
              SharedCondition = TRUE
              Wakeup = "broadcast"
              NoThread = NoThread
            SPECIFICATION Spec
            INVARIANT NotAllTaken
            """);
        var trace = Path.Combine(Dir, "witness.json");
        Vipc("check", Path.Combine(Dir, "Witness.tla"), "-config", Path.Combine(Dir, "Witness.cfg"), "-dumpTrace", "json", trace);

        var (exit, output) = Vipc("replay", trace, "--spec", SpecPath("BoundedBuffer.tla"));

        Assert.True(exit == 1, output);
        Assert.Contains($"not reproduced: nothing to reproduce: the implementation followed all {StepCount(trace)} steps", output);
    }
}

/// <summary>Bad input exits 2 with a typed message naming the file (and the state, where one is at fault).</summary>
public sealed class ReplayBadInputTests : ReplayTestBase
{
    [Fact]
    public void A_file_that_is_not_json_exits_2_naming_the_file()
    {
        var path = Path.Combine(Dir, "junk.json");
        File.WriteAllText(path, "State 1: <Initial predicate>\n/\\ x = 0\n");
        var (exit, output) = Vipc("replay", path);
        Assert.Equal(2, exit);
        Assert.Contains($"error: {path}: not JSON", output);
    }

    [Fact]
    public void A_missing_file_exits_2_naming_it()
    {
        var path = Path.Combine(Dir, "no-such-trace.json");
        var (exit, output) = Vipc("replay", path);
        Assert.Equal(2, exit);
        Assert.Contains($"error: {path}: cannot read the file", output);
    }

    [Fact]
    public void Json_that_is_neither_kind_of_trace_exits_2()
    {
        var path = Path.Combine(Dir, "other.json");
        File.WriteAllText(path, """{"states": []}""");
        var (exit, output) = Vipc("replay", path);
        Assert.Equal(2, exit);
        Assert.Contains("neither a checker counterexample", output);
    }

    [Fact]
    public void A_spec_replay_does_not_know_exits_2()
    {
        var trace = Counterexample("mutants/Pipe_EofWhileBuffered.tla", "mutants/Pipe_EofWhileBuffered.cfg");
        var (exit, output) = Vipc("replay", trace);
        Assert.Equal(2, exit);
        Assert.Contains("no replay for spec 'Pipe_EofWhileBuffered'", output);
        Assert.Equal(2, Vipc("replay", trace, "--spec", SpecPath("Pipe.tla")).Exit);
    }

    [Fact]
    public void A_mutant_without_a_seeded_counterpart_exits_2()
    {
        var trace = Counterexample("mutants/AckRetransmit_AcceptsStaleAck.tla", "mutants/AckRetransmit_AcceptsStaleAck.cfg");
        var (exit, output) = Vipc("replay", trace);
        Assert.Equal(2, exit);
        Assert.Contains("mutant 'AckRetransmit_AcceptsStaleAck' has no seeded counterpart", output);
    }

    [Theory]
    [InlineData(3, "pc", "state 4: no variable 'pc'")]
    [InlineData(5, "count", "state 6: no variable 'count'")]
    public void A_state_that_does_not_fit_the_spec_exits_2_naming_the_state(int zeroBased, string variable, string message)
    {
        var trace = Counterexample("mutants/BoundedBuffer_IfNotWhile.tla", "mutants/BoundedBuffer_IfNotWhile.cfg");
        var json = JsonNode.Parse(File.ReadAllText(trace))!;
        json["state"]![zeroBased]![1]!.AsObject().Remove(variable);
        File.WriteAllText(trace, json.ToJsonString());

        var (exit, output) = Vipc("replay", trace);

        Assert.Equal(2, exit);
        Assert.Contains($"error: {trace}: {message}", output);
    }

    [Fact]
    public void A_step_no_action_of_the_spec_explains_exits_2_naming_the_state()
    {
        var trace = Counterexample("mutants/BoundedBuffer_IfNotWhile.tla", "mutants/BoundedBuffer_IfNotWhile.cfg");
        var json = JsonNode.Parse(File.ReadAllText(trace))!;
        json["state"]![2]![1]!["pc"]!["c1"] = "done"; // a consumer is never done
        File.WriteAllText(trace, json.ToJsonString());

        var (exit, output) = Vipc("replay", trace);

        Assert.Equal(2, exit);
        Assert.Contains($"error: {trace}: state 3: c1 goes from pc \"check\" to \"done\"", output);
    }

    [Fact]
    public void A_sliding_window_trace_without_its_config_exits_2_asking_for_it()
    {
        var trace = Counterexample("mutants/SlidingWindow_WindowOverrun.tla", "mutants/SlidingWindow_WindowOverrun.cfg");
        var (exit, output) = Vipc("replay", trace);
        Assert.Equal(2, exit);
        Assert.Contains("give the model's .cfg with --config", output);
    }

    [Fact]
    public void A_coyote_trace_goes_to_the_coyote_suite_not_to_the_checker_replay()
    {
        var path = Path.Combine(Dir, "bug.trace.json");
        File.WriteAllText(path, """{"format": "vipc-coyote-trace/1", "scenario": "buffer!IfInsteadOfWhile", "schedule": "{}"}""");
        var missing = Path.Combine(Dir, "no-such-suite.dll");
        var (exit, output) = Vipc("replay", path, "--suite", missing);
        Assert.Equal(2, exit);
        Assert.Contains($"no Coyote suite at '{missing}'", output);
    }
}

/// <summary>
/// Every variable of every state of real counterexamples replaced by values of other kinds: the replay either runs
/// (the value happened to fit) or stops with a typed error naming the file and that state — never anything else.
/// </summary>
public sealed class ReplayCorruptedStateTests : ReplayTestBase
{
    private static readonly string[] Garbage = ["\"oops\"", "7", "[]", "{}", "true", "[\"oops\", -1]", "{\"oops\": [1]}"];

    [Theory]
    [InlineData("mutants/BoundedBuffer_LifoTake.tla", "mutants/BoundedBuffer_LifoTake.cfg")]
    [InlineData("mutants/Rendezvous_CloseDropsOffers.tla", "mutants/Rendezvous_CloseDropsOffers.cfg")]
    [InlineData("mutants/AckRetransmit_NoDuplicateCheck.tla", "mutants/AckRetransmit_NoDuplicateCheck.cfg")]
    [InlineData("mutants/SlidingWindow_WindowOverrun.tla", "mutants/SlidingWindow_WindowOverrun.cfg")]
    [InlineData("mutants/Mailbox_SelectionRace.tla", "mutants/Mailbox_SelectionRace.cfg")]
    [InlineData("mutants/Fragmentation_KeyedByMessageId.tla", "mutants/Fragmentation_KeyedByMessageId.cfg")]
    public void A_corrupted_variable_is_a_typed_error_naming_its_state_or_replays(string spec, string cfg)
    {
        var trace = Counterexample(spec, cfg);
        var original = JsonNode.Parse(File.ReadAllText(trace))!;
        int states = original["state"]!.AsArray().Count;
        int typedErrors = 0;
        for (int k = 0; k < states; k++)
        {
            foreach (var variable in original["state"]![k]![1]!.AsObject().Select(p => p.Key).ToList())
            {
                foreach (var garbage in Garbage)
                {
                    var json = original.DeepClone();
                    json["state"]![k]![1]![variable] = JsonNode.Parse(garbage);
                    var path = Path.Combine(Dir, "corrupt.json");
                    File.WriteAllText(path, json.ToJsonString());
                    try
                    {
                        Replay.CounterexampleReplay.Run(path, configPath: SpecPath(cfg));
                    }
                    catch (Replay.ReplayInputException e)
                    {
                        Assert.Equal(path, e.File);
                        Assert.NotNull(e.StateIndex);
                        Assert.Contains($"state {e.StateIndex}: ", e.Message);
                        typedErrors++;
                    }
                }
            }
        }
        // Most corruptions change a value's kind, which the shape check catches at the corrupted state or the next.
        Assert.True(typedErrors > states * 3, $"{typedErrors} typed errors");
    }
}
