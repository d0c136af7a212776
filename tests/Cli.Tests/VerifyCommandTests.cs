using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;

namespace VerifiedIpc.Cli.Tests;

/// <summary><c>vipc verify</c> on the bundled manifest, on a temp copy with a wrong entry, and with <c>--html</c>.</summary>
public sealed class VerifyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vipc-verify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string Root = FindRoot();

    private static string Manifest => Path.Combine(Root, "spec", "manifest.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VerifiedIpc.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no VerifiedIpc.sln above {AppContext.BaseDirectory}");
    }

    private static (int Exit, string Output) Verify(params string[] args) => VerifyWithBudget(0, args);

    private static (int Exit, string Output) VerifyWithBudget(uint coyoteBudget, params string[] args)
    {
        var output = new StringWriter();
        var exit = Program.BuildRoot().Parse(["verify", "--coyote-budget", coyoteBudget.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args])
            .Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    [Fact]
    public void With_a_budget_the_implementation_is_explored_and_its_traces_validated_against_the_specs()
    {
        // The suite is the build of src/Coyote.Tests beside this repository (built with vipc); the default budget.
        var html = Path.Combine(_dir, "full.html");
        var (exit, output) = VerifyWithBudget(VerifyCommand.DefaultCoyoteBudget, "--manifest", Manifest, "--only", "MCPipe", "--html", html);
        Assert.True(exit == 0, output);
        Assert.Matches(@"42 scenarios, \d+ iterations, \d+ distinct schedules, 0 failed\.", output);
        Assert.Contains("Coyote suite: OK.", output);
        Assert.Matches(@"ok +traced\.bounded\.2p2c\.cap1: budget=20 iterations=20 distinct-traces=\d+ rejected=0 against BoundedBufferTrace\.tla; own checks: passed", output);
        // The seeded bug no assertion of the workload sees is rejected by validation alone.
        Assert.Matches(@"ok \(seeded bug rejected\) +traced\.rendezvous\.2p2c!SendReturnsBeforeTaken: budget=20 iterations=20 distinct-traces=\d+ rejected=[1-9]\d* against RendezvousTrace\.tla; own checks: passed", output);
        Assert.Contains("Trace validation: OK.", output);
        Assert.Contains("Result: every checked entry matches TLC, the Coyote suite passed and every trace was judged as expected.", output);

        // The report has a row for every scenario and workload the console lists, and draws each seeded bug's rejected trace.
        var text = File.ReadAllText(html);
        var scenarios = int.Parse(Regex.Match(output, @"(\d+) scenarios, \d+ iterations").Groups[1].Value, CultureInfo.InvariantCulture);
        var workloads = int.Parse(Regex.Match(output, @"(\d+) traced workloads, ").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(scenarios, Regex.Matches(text, "<tr class=\"ok\"><td class=\"name\">").Count - workloads);
        var seededWorkloads = Regex.Matches(output, @"^ok \(seeded bug rejected\)", RegexOptions.Multiline).Count;
        Assert.Equal(seededWorkloads, Regex.Matches(text, "<div class=\"rejection\"").Count);
        Assert.Contains("Every result as expected.", text);
    }

    [Fact]
    public void Each_run_saves_its_coyote_traces_in_a_folder_of_its_own_that_outlives_it()
    {
        string TraceOf(string output) => Regex.Match(output, @"^ +trace: (.+\.trace\.json)$", RegexOptions.Multiline).Groups[1].Value.Trim();
        var runs = new[] { 0, 1 }.Select(_ => VerifyWithBudget(VerifyCommand.DefaultCoyoteBudget, "--manifest", Manifest, "--only", "BoundedBuffer_IfNotWhile",
            "--coyote-only", "2p2c!PulseInsteadOfPulseAll")).ToArray();
        var folders = new List<string>();
        try
        {
            foreach (var (exit, output) in runs)
            {
                Assert.True(exit == 0, output);
                var trace = TraceOf(output);
                Assert.True(File.Exists(trace), $"the trace printed, '{trace}', is not there after the run:\n{output}");
                var folder = Path.GetDirectoryName(trace)!;
                folders.Add(folder);
                Assert.StartsWith("vipc-verify-coyote-traces-", Path.GetFileName(folder));
            }
            Assert.NotEqual(folders[0], folders[1]);
        }
        finally
        {
            foreach (var f in folders) Directory.Delete(f, recursive: true);
        }
    }

    [Fact]
    public void Html_report_of_a_small_subset_has_the_coyote_and_validation_sections_with_the_rejected_trace_drawn()
    {
        var html = Path.Combine(_dir, "subset.html");
        var (exit, output) = VerifyWithBudget(VerifyCommand.DefaultCoyoteBudget, "--manifest", Manifest, "--only", "BoundedBuffer_IfNotWhile",
            "--coyote-only", "2p2c!PulseInsteadOfPulseAll", "--html", html);
        Assert.True(exit == 0, output);
        Assert.Contains("only the scenarios whose name contains '2p2c!PulseInsteadOfPulseAll'", output);
        Assert.Contains("1 scenarios, ", output);
        Assert.Contains("1 traced workloads, ", output);
        var text = File.ReadAllText(html);
        // Models, suite and validation are all counted at the top.
        Assert.Contains("Models</a>: 1 model, every verdict as expected, 1 counterexample.", text);
        Assert.Contains("Coyote suite</a>: 1 scenario, ", text);
        Assert.Contains("0 of 0 correct scenarios without a bug, 1 of 1 seeded bug found; every result as expected.", text);
        Assert.Contains("Trace validation</a>: 1 traced workload, ", text);
        // The scenario's row, with the iteration that found the bug and its saved schedule.
        Assert.Matches(@"buffers\.bounded\.2p2c<b>!PulseInsteadOfPulseAll</b>.*?expected bug found at iteration \d+.*?buffers\.bounded\.2p2c!PulseInsteadOfPulseAll\.random\.trace\.json", text);
        // The workload's shortest rejected trace: the unexplained Signal in red, with the words and the candidate states.
        Assert.Single(Regex.Matches(text, "<div class=\"rejection\""));
        Assert.Matches(@"Event \d+, <code>Signal</code> by c\d, is not allowed by BoundedBuffer: it is a <code>Monitor.Pulse</code>", text);
        Assert.Matches("<g class=\"event internal unexplained\"[^>]*><title>event \\d+: Signal", text);
        Assert.Contains("<table class=\"states cands\">", text);
        Assert.Equal(2, Regex.Matches(text, "<svg [^>]*class=\"msc\"").Count); // the mutant's counterexample and the rejected trace
        Assert.DoesNotContain("<script", text);
    }

    [Fact]
    public void A_coyote_filter_that_matches_no_scenario_fails_the_suite()
    {
        var (exit, output) = VerifyWithBudget(1, "--manifest", Manifest, "--only", "MCPipe", "--coyote-only", "no-such-scenario");
        Assert.Equal(1, exit);
        Assert.Contains("error: no scenario matches 'no-such-scenario'", output);
        Assert.Contains("Coyote suite: FAILED", output);
    }

    /// <summary>A copy of spec/ whose manifest is changed by <paramref name="edit"/>; returns the copy's manifest.</summary>
    private string CopyOfSpecs(Action<JsonNode> edit)
    {
        var target = Path.Combine(_dir, "spec");
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "spec"), "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(Path.Combine(Root, "spec"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        var path = Path.Combine(target, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static JsonNode Entry(JsonNode manifest, string name) =>
        manifest["entries"]!.AsArray().Single(e => (string?)e!["name"] == name)!;

    [Fact]
    public void The_CI_set_matches_TLC()
    {
        var ci = JsonNode.Parse(File.ReadAllText(Manifest))!["entries"]!.AsArray().Where(e => (bool)e!["ci"]!).Select(e => (string)e!["name"]!).ToList();
        var (exit, output) = Verify("--manifest", Manifest);
        Assert.Equal(0, exit);
        var summary = Assert.Single(output.Split('\n'), l => l.StartsWith("Models: ", StringComparison.Ordinal));
        foreach (var name in ci) Assert.Contains(name, output);
        // Entries whose verdict rests on liveness, action properties or refinement are checked in full.
        Assert.Matches($@"^Models: {ci.Count} checked in [0-9.]+ s: {ci.Count} OK, 0 MISMATCH\.", summary);
        Assert.Matches(@"\[\s*\d+/\d+\] OK +MCBoundedBuffer ", output);
        Assert.Matches(@"\[\s*\d+/\d+\] OK +AckRetransmit_UnfairRetransmit ", output);
        Assert.Matches(@"\[\s*\d+/\d+\] OK +BoundedBuffer_IfNotWhile ", output);
        Assert.Contains("Coyote suite and trace validation: skipped (--coyote-budget 0).", output);
    }

    [Fact]
    public void A_wrong_distinct_count_in_the_manifest_is_a_mismatch_with_a_nonzero_exit_code()
    {
        var manifest = CopyOfSpecs(m => Entry(m, "BoundedBuffer_IfNotWhile")["distinct_states"] = 98);
        var (exit, output) = Verify("--manifest", manifest, "--only", "BoundedBuffer_IfNotWhile", "MCPipeBoundaries");
        Assert.Equal(1, exit);
        Assert.Contains("MISMATCH BoundedBuffer_IfNotWhile", output);
        Assert.Contains("distinct 97, TLC 98", output);
        Assert.Contains("OK       MCPipeBoundaries", output);
        Assert.Contains("Models: 2 checked in", output);
        Assert.Contains("1 OK, 1 MISMATCH.", output);
    }

    [Fact]
    public void A_liveness_entry_has_its_state_counts_compared()
    {
        var manifest = CopyOfSpecs(m => Entry(m, "MCRendezvous")["states_generated"] = 243);
        var (exit, output) = Verify("--manifest", manifest, "--only", "MCRendezvous");
        Assert.Equal(1, exit);
        Assert.Contains("MISMATCH MCRendezvous", output);
        Assert.Contains("generated 242, TLC 243", output);
    }

    [Fact]
    public void Html_report_has_an_svg_chart_for_each_counterexample_and_the_summary()
    {
        var html = Path.Combine(_dir, "out", "report.html");
        var (exit, output) = Verify("--manifest", Manifest, "--only", "BoundedBuffer_IfNotWhile", "MCRendezvous", "--html", html);
        Assert.Equal(0, exit);
        Assert.Contains($"HTML report written: {html}", output);
        var text = File.ReadAllText(html);
        Assert.StartsWith("<!DOCTYPE html>", text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "<svg [^>]*class=\"msc\"")); // one chart: the mutant's counterexample
        Assert.Contains("violates BoundsOK", text);
        Assert.Contains("wakes c1", text); // the chart mapping of BoundedBuffer was used
        Assert.Contains("<span class=\"st-ok\">OK</span>", text);
        Assert.DoesNotContain("PENDING", text);
        Assert.DoesNotContain("✔ as expected</span></td>", text); // the library's summary is replaced
        Assert.DoesNotContain("<script", text);
    }

    [Fact]
    public void Html_report_names_a_property_tlc_names_by_location_by_its_definition()
    {
        var html = Path.Combine(_dir, "lifo.html");
        var (exit, output) = Verify("--manifest", Manifest, "--only", "BoundedBuffer_LifoTake", "--html", html);
        Assert.True(exit == 0, output);
        var text = File.ReadAllText(html);
        Assert.Contains("Property AbsSpec is violated by the step into state 11.", text);
        Assert.Contains("<b>AbsSpec</b> says: the buffer behaves as an ideal FIFO channel (refinement)", text); // the mapping's words apply
        Assert.Contains("names the violated property AbsSpec by its location: line 35, col 17 to line 35, col 30 of module FifoChannel", text);
        Assert.Contains("✔ as expected", text);
        Assert.DoesNotContain("✘ expected", text);
        Assert.Contains("<span class=\"st-ok\">OK</span>", text);
    }

    [Fact]
    public void Html_report_draws_liveness_counterexamples_as_a_lasso_and_as_stuttering()
    {
        var html = Path.Combine(_dir, "live.html");
        var (exit, output) = Verify("--manifest", Manifest, "--only", "SlidingWindow_RetransmitsNewest", "AckRetransmit_UnfairRetransmit", "--html", html);
        Assert.True(exit == 0, output);
        var text = File.ReadAllText(html);
        Assert.Matches(@"Temporal property EveryMessageDelivered is violated by an infinite behaviour: states 1–\d+, then the cycle of states \d+–\d+ repeated forever", text);
        Assert.Single(Regex.Matches(text, "<g class=\"loopback\""));
        Assert.Contains("Temporal property EveryMessageDelivered is violated by a behaviour that stops: after state 3 nothing happens any more (it stutters forever).", text);
        Assert.Single(Regex.Matches(text, "<g class=\"stutter\">"));
        // The network's unsplit steps are named by the mapping, not by their line in Next.
        Assert.DoesNotContain("Next l.", text);
    }

    [Fact]
    public void Bad_input_is_a_clear_error_with_exit_code_2()
    {
        var (exit, output) = Verify("--manifest", Manifest, "--only", "NoSuchModel");
        Assert.Equal(2, exit);
        Assert.Contains("no manifest entry named NoSuchModel", output);

        var broken = Path.Combine(_dir, "manifest.json");
        File.WriteAllText(broken, """{ "entries": [ { "name": "X", "kind": "model", "spec": "X.tla", "cfg": "X.cfg", "ci": true, "result": "success", "distinct_states": "many" } ] }""");
        (exit, output) = Verify("--manifest", broken);
        Assert.Equal(2, exit);
        Assert.Contains("$.entries[0].distinct_states: expected a non-negative integer", output);

        (exit, output) = Verify("--manifest", Path.Combine(_dir, "absent.json"));
        Assert.Equal(2, exit);
        Assert.Contains("the manifest does not exist", output);
    }

    [Fact]
    public void A_missing_model_file_is_a_mismatch_that_names_the_file()
    {
        var manifest = CopyOfSpecs(m => Entry(m, "MCPipeBoundaries")["cfg"] = "Gone.cfg");
        var (exit, output) = Verify("--manifest", manifest, "--only", "MCPipeBoundaries");
        Assert.Equal(1, exit);
        Assert.Contains("Gone.cfg does not exist", output);
    }
}
