using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace VerifiedIpc.Bench.Buffers;

/// <summary>
/// One short job for every buffer benchmark: the machine is shared, so medians and ratios (same run, same class)
/// are what we quote. Each invocation moves <see cref="BufferBench.Messages"/> messages through a fresh buffer, and
/// OperationsPerInvoke makes every figure per message.
/// </summary>
public sealed class BufferBenchConfig : ManualConfig
{
    public BufferBenchConfig()
    {
        AddJob(Job.Default
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("Buffers"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, BaselineRatioColumn.RatioMean);
        HideColumns(Column.Error, Column.StdDev, Column.RatioSD);
        SummaryStyle = SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend);
    }
}

internal static class BufferBench
{
    /// <summary>Messages per invocation: enough that one invocation takes tens to hundreds of milliseconds.</summary>
    public const int Messages = 100_000;

    /// <summary>Starts <paramref name="count"/> dedicated threads running <paramref name="body"/>(index) and joins them.</summary>
    public static void RunThreads(int count, Action<int> body, int moreCount, Action<int> moreBody)
    {
        var threads = new List<Thread>(count + moreCount);
        for (int i = 0; i < count; i++)
        {
            int index = i;
            threads.Add(new Thread(() => body(index)) { IsBackground = true });
        }
        for (int i = 0; i < moreCount; i++)
        {
            int index = i;
            threads.Add(new Thread(() => moreBody(index)) { IsBackground = true });
        }
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
    }
}
