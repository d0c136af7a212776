using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using VerifiedIpc.Checker;
using VerifiedIpc.Checker.Engine;
using VerifiedIpc.Checker.Model;

namespace VerifiedIpc.Bench.Checker;

/// <summary>
/// Model-checking throughput on the conformance corpus's benchmark cases (64-66), one worker as the baseline
/// against two. Distinct states per second is distinct states / mean time; the corpus records TLC's wall time.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class CheckerThroughputBenchmarks
{
    private CompiledModel _model = null!;

    [Params("64-big-grid", "65-big-8puzzle", "66-big-token-bins")]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup() => _model = CorpusModels.Load(Case);

    [Benchmark(Baseline = true)]
    public long OneWorker() => new Explorer(_model, new CheckOptions { Workers = 1 }).Run().DistinctStates;

    [Benchmark]
    public long TwoWorkers() => new Explorer(_model, new CheckOptions { Workers = 2 }).Run().DistinctStates;
}

/// <summary>Finds and loads corpus models for the benchmarks.</summary>
public static class CorpusModels
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "tlc-conformance");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("The TLC conformance corpus (shared/tlc-conformance) was not found above " + AppContext.BaseDirectory);
    }

    public static CompiledModel Load(string caseName)
    {
        var dir = Path.Combine(Root(), caseName);
        var tla = Directory.GetFiles(dir, "*.tla").Single(f => File.Exists(Path.ChangeExtension(f, ".cfg")));
        return SpecLoader.Load(tla, Path.ChangeExtension(tla, ".cfg"), TextWriter.Null);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string MeasureOne(string name, int workers)
    {
        var model = Load(name);
        long before = GC.GetTotalMemory(true);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var explorer = new Explorer(model, new CheckOptions { Workers = workers });
        var r = explorer.Run();
        sw.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        long after = GC.GetTotalMemory(true);
        GC.KeepAlive(explorer);
        return $"| {name} | {workers} | {r.DistinctStates} | {r.StatesGenerated} | {sw.Elapsed.TotalSeconds:F2} | {cpu.TotalSeconds:F2} | {r.DistinctStates / sw.Elapsed.TotalSeconds:F0} | {(after - before) / Math.Max(1, r.DistinctStates)} |";
    }

    /// <summary>
    /// One timed run per case and worker count, with wall and CPU time and the managed heap retained per distinct
    /// state (the seen set and parent records, measured after a full collection while the explorer is alive).
    /// </summary>
    public static void Measure(TextWriter w)
    {
        w.WriteLine("| case | workers | distinct | generated | wall s | CPU s | distinct/s (wall) | heap bytes per distinct state |");
        w.WriteLine("|------|--------:|---------:|----------:|-------:|------:|------------------:|-------------------------------:|");
        foreach (var name in new[] { "64-big-grid", "65-big-8puzzle", "66-big-token-bins" })
        {
            foreach (var workers in new[] { 1, 2 }) w.WriteLine(MeasureOne(name, workers));
        }
    }
}
