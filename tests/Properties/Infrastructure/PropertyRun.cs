using FsCheck;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;

namespace VerifiedIpc.Properties.Infrastructure;

/// <summary>
/// Runs FsCheck properties with an explicit number of cases, and the other way round: runs a property against a
/// seeded bug and returns FsCheck's report of the shrunk counterexample (the proof that the property can fail).
/// </summary>
public static class PropertyRun
{
    /// <summary>Checks that <paramref name="property"/> holds for <paramref name="cases"/> generated cases; fails the test with the shrunk counterexample otherwise.</summary>
    public static void Holds(Property property, int cases, ITestOutputHelper output, ulong? seed = null)
    {
        var config = Configure(cases, seed);
        Check.One(config, property);
        output.WriteLine($"property held for {cases} cases");
    }

    /// <summary>
    /// Checks that <paramref name="property"/> (run against a seeded bug) is falsified within <paramref name="cases"/>
    /// cases from the fixed <paramref name="seed"/>, and returns FsCheck's report: the shrunk counterexample.
    /// </summary>
    public static string FailsOnSeededBug(Property property, int cases, ulong seed, ITestOutputHelper output)
    {
        string report;
        try
        {
            Check.One(Configure(cases, seed), property);
            report = "";
        }
        catch (Exception e)
        {
            report = e.Message;
        }

        output.WriteLine(report.Length == 0 ? $"property held on the seeded bug for {cases} cases" : report);
        Console.WriteLine(report);
        Assert.False(report.Length == 0, $"the property held for {cases} cases against the seeded bug: it cannot catch it");
        Assert.Contains("Falsifiable", report);
        return report;
    }

    private static Config Configure(int cases, ulong? seed)
    {
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true);
        return seed is { } s ? config.WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(s, 1UL), FSharpOption<int>.None))) : config;
    }
}
