using System.Diagnostics;
using System.Text.Json.Nodes;
using VerifiedIpc.Checker.Engine;
using VerifiedIpc.Checker.Output;
using Xunit.Abstractions;

namespace VerifiedIpc.Checker.Tests;

/// <summary>
/// Every safety case of the TLC conformance corpus: verdict, violated property, distinct states, states
/// generated, depth, trace length, exit code, error message and location, Print output and trace.json,
/// compared with what real TLC recorded.
/// </summary>
public sealed class ConformanceTests(ITestOutputHelper log)
{
    public static TheoryData<string> SafetyCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Corpus.Cases)
            if (!Corpus.Large.Contains(c.Name)) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(SafetyCases))]
    public void Case_agrees_with_TLC(string name) => Check(Corpus.Get(name), workers: 1);

    [Fact]
    public void Large_cases_agree_with_TLC_with_one_worker()
    {
        foreach (var name in Corpus.Large) Check(Corpus.Get(name), workers: 1);
    }

    [Theory]
    [InlineData("07-functions-except")]
    [InlineData("19-symmetry-off")]
    [InlineData("57-mp-monitor-if-bug")]
    [InlineData("62-mp-sliding-window")]
    public void Two_workers_give_the_same_counts_depth_and_trace_length(string name)
    {
        var c = Corpus.Get(name);
        var outcome = Run(c, workers: 2, out _);
        var r = outcome.Result!;
        if (c.Result == "success") Assert.Equal(c.Long("states_generated"), r.StatesGenerated);
        if (c.Result == "success") Assert.Equal(c.Long("distinct_states"), r.DistinctStates);
        Assert.Equal(c.Long("tlc_exit_code"), outcome.ExitCode);
        if (c.Result == "success") Assert.Equal(c.Long("depth"), r.Depth);
        Assert.Equal(c.Long("trace_length"), r.Trace?.Count);
    }

    [Fact]
    public void Temporal_cases_are_exactly_the_liveness_cases_and_all_are_checked()
    {
        var temporal = Corpus.Cases.Where(c => c.Result == "property" || (c.Number >= 29 && c.Number <= 39)).Select(c => c.Name).ToArray();
        Assert.Equal(temporal.Order(), Corpus.Temporal.Order());
        var checkedCases = ((IEnumerable<object[]>)SafetyCases()).Select(row => (string)row[0]).ToHashSet();
        Assert.All(Corpus.Temporal, name => Assert.Contains(name, checkedCases));
    }

    [Fact]
    public void Every_corpus_case_is_checked()
    {
        var checkedCases = new List<string>();
        foreach (var row in (IEnumerable<object[]>)SafetyCases()) checkedCases.Add((string)row[0]);
        var covered = checkedCases.Concat(Corpus.Large).Order().ToArray();
        Assert.Equal(Corpus.Cases.Select(c => c.Name).Order(), covered);
        Assert.Equal(67, Corpus.Cases.Count);
    }

    private CheckOutcome Run(CorpusCase c, int workers, out string output)
    {
        var sw = new StringWriter();
        var request = new CheckRequest(c.Tla, c.Cfg, workers, c.TlcArgs.Contains("-deadlock"));
        var outcome = ModelCheck.Run(request, sw, (_, _, _, _) => { });
        output = sw.ToString();
        return outcome;
    }

    private static string ResultKind(CheckOutcome o) => o.LoadFailure ?? o.Result!.Verdict switch
    {
        Verdict.Success => "success",
        Verdict.InvariantViolated => "invariant",
        Verdict.Deadlock => "deadlock",
        Verdict.AssumptionFalse or Verdict.AssumptionError => "assume",
        Verdict.TemporalViolated or Verdict.ActionPropertyViolated => "property",
        _ => "eval-error",
    };

    private static string? TraceKind(CheckResult r) =>
        r.Trace is null ? null : r.Stuttering ? "stuttering" : r.LoopBackTo != null ? "lasso" : "finite";

    private void Check(CorpusCase c, int workers)
    {
        var sw = Stopwatch.StartNew();
        var o = Run(c, workers, out var output);
        sw.Stop();
        var r = o.Result;
        log.WriteLine($"{c.Name}: expected {c.Result} {c.Str("violated")} distinct={c.Long("distinct_states")} generated={c.Long("states_generated")} depth={c.Long("depth")} trace={c.Long("trace_length")} exit={c.Long("tlc_exit_code")}");
        log.WriteLine($"{new string(' ', c.Name.Length)}  got      {ResultKind(o)} {r?.Violated} distinct={r?.DistinctStates} generated={r?.StatesGenerated} depth={r?.Depth} trace={r?.Trace?.Count} exit={o.ExitCode} ({sw.ElapsedMilliseconds} ms)");
        if (ResultKind(o) != c.Result) log.WriteLine(output);

        Assert.Equal(c.Result, ResultKind(o));
        Assert.Equal(c.Long("tlc_exit_code"), o.ExitCode);
        if (c.Result == "invariant") Assert.Equal(c.Str("violated"), r!.Violated);
        if (c.Result == "property" && c.Expected.TryGetProperty("violated_named_by_tlc", out var named) && named.ValueKind == System.Text.Json.JsonValueKind.True)
            Assert.Equal(c.Str("violated"), r!.Violated);
        // TLC's liveness counterexamples depend on its random fingerprint polynomial: only their kind is stable.
        bool traceDeterministic = !(c.Expected.TryGetProperty("trace_deterministic", out var det) && det.ValueKind == System.Text.Json.JsonValueKind.False);
        if (c.Str("trace_kind") is { } kind) Assert.Equal(kind, TraceKind(r!));
        if (c.Long("distinct_states") is { } distinct) Assert.Equal(distinct, r!.DistinctStates);
        if (c.Long("states_generated") is { } generated) Assert.Equal(generated, r!.StatesGenerated);
        if (c.Long("depth") is { } depth) Assert.Equal(depth, r!.Depth);
        if (traceDeterministic) Assert.Equal(c.Long("trace_length"), r?.Trace?.Count);
        if (c.Long("lasso_loop_back_to") is { } back && traceDeterministic) Assert.Equal((int?)back, r!.LoopBackTo);
        var tlcOutput = File.ReadAllText(Path.Combine(c.Dir, "tlc-output.txt"));
        var queue = System.Text.RegularExpressions.Regex.Match(tlcOutput, @"distinct states found, (\d+) states left on queue");
        if (queue.Success) Assert.Equal(long.Parse(queue.Groups[1].Value), r!.StatesLeftOnQueue);

        if (c.Str("tlc_error_message") is { } message && c.Result is not ("parse-error" or "semantic-error"))
            Assert.Contains(message, output);
        if (c.Result == "semantic-error") Assert.Contains(c.Str("tlc_error_message")!, output);
        if (c.Str("tlc_error_detail") is { } detail) Assert.Contains(detail, output);
        if (c.Expected.TryGetProperty("error_location", out var loc) && loc.ValueKind == System.Text.Json.JsonValueKind.Object && c.Result != "assume" && o.ErrorLocation is { } got)
        {
            Assert.Equal(loc.GetProperty("line").GetInt32(), got.Line);
            Assert.Equal(loc.GetProperty("column").GetInt32(), got.Column);
        }
        else if (c.Expected.TryGetProperty("error_location", out var loc2) && loc2.ValueKind == System.Text.Json.JsonValueKind.Object && c.Result != "assume")
        {
            Assert.Fail($"TLC reports the error at line {loc2.GetProperty("line")}, column {loc2.GetProperty("column")}; the checker reported no location.");
        }
        if (c.Expected.TryGetProperty("expected_output_lines", out var lines) && lines.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            int at = 0;
            foreach (var line in lines.EnumerateArray().Select(l => l.GetString()!))
            {
                int i = output.IndexOf(line, at, StringComparison.Ordinal);
                Assert.True(i >= 0, $"expected output line not found (in order): {line}\n{output}");
                at = i + line.Length;
            }
        }
        var tracePath = Path.Combine(c.Dir, "trace.json");
        if (c.Expected.GetProperty("has_trace_json").GetBoolean() && File.Exists(tracePath) && r?.Trace is { } && traceDeterministic)
        {
            var expected = JsonNode.Parse(File.ReadAllText(tracePath));
            var mine = JsonNode.Parse(VerifiedIpc.Checker.Liveness.LassoBuilder.TraceJsonFor(r, o.Model!));
            Assert.True(JsonNode.DeepEquals(expected, mine), $"trace.json differs:\nexpected {expected?.ToJsonString()}\ngot      {mine?.ToJsonString()}");
        }
    }
}
