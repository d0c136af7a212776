using System.CommandLine;

namespace VerifiedIpc.Cli;

/// <summary>
/// <c>vipc replay TRACE [--suite DLL]</c>: re-runs the exact schedule saved by <c>vipc test</c> (or by the xunit
/// suite) and says whether it reproduces the recorded bug.
/// Exit codes: 0 reproduced; 1 not reproduced; 2 bad trace file or suite not built.
/// </summary>
public static class ReplayCommand
{
    /// <summary>Builds the <c>replay</c> sub-command.</summary>
    public static Command Create()
    {
        var trace = new Argument<string>("trace") { Description = "A *.trace.json file written by vipc test or the Coyote tests." };
        var suite = new Option<string?>("--suite") { Description = "Path of VerifiedIpc.Coyote.Tests.dll (default: found under src/Coyote.Tests/bin)." };
        var command = new Command("replay", "Replay a Coyote bug trace on the reference implementation.") { trace, suite };
        command.SetAction(parse =>
        {
            var path = TestSuiteLoader.Locate(parse.GetValue(suite));
            var output = parse.InvocationConfiguration.Output;
            if (path is null)
            {
                output.WriteLine(TestSuiteLoader.NotFoundMessage(parse.GetValue(suite)));
                return 2;
            }

            return TestSuiteLoader.Invoke(path, "Replay", Path.GetFullPath(parse.GetValue(trace)!), output);
        });
        return command;
    }
}
