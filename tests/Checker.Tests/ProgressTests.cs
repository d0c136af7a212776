using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Checker.Engine;
using VerifiedIpc.Checker.Model;

namespace VerifiedIpc.Checker.Tests;

/// <summary>Progress lines on long runs, driven by fake time (no waiting).</summary>
public sealed class ProgressTests
{
    [Fact]
    public void Progress_is_reported_when_the_interval_has_elapsed_and_not_before()
    {
        var c = Corpus.Get("62-mp-sliding-window");
        var model = SpecLoader.Load(c.Tla, c.Cfg, TextWriter.Null);

        // Every reading of the clock advances it by a minute: each BFS level ends past the interval.
        var ticking = new FakeTimeProvider { AutoAdvanceAmount = TimeSpan.FromMinutes(1) };
        var reports = new List<(int Depth, long Generated, long Distinct, long Queue)>();
        var r = new Explorer(model, new CheckOptions { Time = ticking, Progress = (d, g, n, q) => reports.Add((d, g, n, q)) }).Run();
        Assert.Equal(2456, r.DistinctStates);
        Assert.NotEmpty(reports);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.Distinct <= p.Second.Distinct && p.First.Depth < p.Second.Depth));
        Assert.All(reports, p => Assert.True(p.Distinct <= 2456 && p.Generated >= p.Distinct));

        // A frozen clock never reaches the interval.
        var frozen = new FakeTimeProvider();
        var none = new List<int>();
        new Explorer(model, new CheckOptions { Time = frozen, Progress = (d, _, _, _) => none.Add(d) }).Run();
        Assert.Empty(none);
    }
}
