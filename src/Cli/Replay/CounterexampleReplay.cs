using System.Text.RegularExpressions;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// Turns a checker counterexample into a run of the reference implementation: picks the replayer of the trace's
/// spec (from <c>--spec</c>, else from the module the dump names), the build of the implementation that matches the
/// module (the correct one, or the seeded bug of a mutant), and replays step by step.
/// </summary>
public static partial class CounterexampleReplay
{
    /// <summary>
    /// Replays the counterexample in <paramref name="tracePath"/>. <paramref name="specPath"/> names the module to
    /// replay as (its seeded bug, or the correct build); <paramref name="configPath"/> supplies constants the states
    /// do not show. Throws <see cref="ReplayInputException"/> for bad input.
    /// </summary>
    public static ReplayReport Run(string tracePath, string? specPath = null, string? configPath = null)
    {
        var trace = CheckerTrace.Load(tracePath);
        string module = specPath is not null ? ModuleOf(specPath) : trace.Module
            ?? throw new ReplayInputException(tracePath, null, "the dump names no module (no action locations); say which spec it is with --spec");
        string? cfg = null;
        if (configPath is not null)
        {
            try
            {
                cfg = File.ReadAllText(configPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ReplayInputException(configPath, null, $"cannot read the config ({e.Message})");
            }
        }

        foreach (var r in Replayers(cfg))
        {
            if (module == r.Spec) return Liveness(trace, r.Replay(trace, module));
            if (module.StartsWith(r.Spec + "_", StringComparison.Ordinal))
            {
                string mutant = module[(r.Spec.Length + 1)..];
                if (r.Mutants.ContainsKey(mutant)) return Liveness(trace, r.Replay(trace, module));
                throw new ReplayInputException(tracePath, null,
                    $"mutant '{module}' has no seeded counterpart in the implementation (replayable mutants of {r.Spec}: {string.Join(", ", r.Mutants.Keys)})");
            }
        }
        throw new ReplayInputException(tracePath, null,
            $"no replay for spec '{module}' (supported: {string.Join(", ", Replayers(null).Select(r => r.Spec))})");
    }

    /// <summary>A finite run cannot show that something never happens: for a liveness counterexample that did not
    /// reproduce, say so rather than pretend the prefix was the failure.</summary>
    private static ReplayReport Liveness(CheckerTrace trace, ReplayReport report)
    {
        if (trace.LivenessEnding is not { } ending || report.Reproduced) return report;
        return new ReplayReport
        {
            Target = report.Target,
            Steps = report.Steps,
            Divergence = $"{report.Divergence}. This is a liveness counterexample ({ending}): a finite run of the implementation "
                         + "cannot show that something never happens, so only its finite steps were replayed",
        };
    }

    private static IEnumerable<ISpecReplayer> Replayers(string? cfg)
    {
        yield return new BoundedBufferReplayer(BoundedBufferConfig.From(cfg));
        yield return new RendezvousReplayer();
        yield return new AckRetransmitReplayer();
        yield return new SlidingWindowReplayer(cfg);
        yield return new MailboxReplayer(cfg);
        yield return new FragmentationReplayer(cfg);
    }

    private static string ModuleOf(string specPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(specPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReplayInputException(specPath, null, $"cannot read the spec ({e.Message})");
        }
        var m = ModuleHeader().Match(text);
        return m.Success ? m.Groups[1].Value : throw new ReplayInputException(specPath, null, "no '---- MODULE Name ----' header");
    }

    [GeneratedRegex(@"-{4,}\s*MODULE\s+(\w+)")]
    private static partial Regex ModuleHeader();
}
