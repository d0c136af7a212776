using System.CommandLine;
using VerifiedIpc.Cli.Replay;

namespace VerifiedIpc.Cli;

/// <summary>
/// <c>vipc replay TRACE [--spec S.tla] [--config M.cfg] [--suite DLL]</c>. What TRACE holds decides what runs:
/// a checker counterexample (<c>vipc check … -dumpTrace json</c>, or TLC's) drives the reference implementation
/// through the same steps (<see cref="CounterexampleReplay"/>); a Coyote schedule saved by <c>vipc test</c> is
/// re-run exactly by the Coyote suite.
/// Exit codes: 0 reproduced; 1 not reproduced; 2 bad input (not JSON, neither kind of trace, unknown spec, a
/// state that does not fit the spec) or the Coyote suite not built.
/// </summary>
public static class ReplayCommand
{
    /// <summary>Builds the <c>replay</c> sub-command.</summary>
    public static Command Create()
    {
        var trace = new Argument<string>("trace") { Description = "A checker counterexample (-dumpTrace json) or a *.trace.json Coyote schedule from vipc test." };
        var spec = new Option<string?>("--spec") { Description = "Checker traces: the spec or mutant module to replay as (default: the module the dump names). Its seeded bug, or none, selects the build of the implementation." };
        var config = new Option<string?>("--config") { Description = "Checker traces: the model's .cfg, for constants the states do not show." };
        var suite = new Option<string?>("--suite") { Description = "Coyote traces: path of VerifiedIpc.Coyote.Tests.dll (default: found under src/Coyote.Tests/bin)." };
        var command = new Command("replay", "Replay a checker counterexample or a Coyote bug trace on the reference implementation.")
        {
            trace, spec, config, suite,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var path = parse.GetValue(trace)!;
            try
            {
                if (CheckerTrace.Sniff(path) == TraceFileKind.Checker)
                {
                    var report = CounterexampleReplay.Run(path, parse.GetValue(spec), parse.GetValue(config));
                    report.Write(output);
                    return report.Reproduced ? 0 : 1;
                }
            }
            catch (ReplayInputException e)
            {
                output.WriteLine($"error: {e.Message}");
                return 2;
            }

            var suitePath = TestSuiteLoader.Locate(parse.GetValue(suite));
            if (suitePath is null)
            {
                output.WriteLine(TestSuiteLoader.NotFoundMessage(parse.GetValue(suite)));
                return 2;
            }

            return TestSuiteLoader.Invoke(suitePath, "Replay", Path.GetFullPath(path), output);
        });
        return command;
    }
}
