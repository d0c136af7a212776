using System.CommandLine;
using VerifiedIpc.Checker;

namespace VerifiedIpc.Cli;

/// <summary><c>vipc check Spec.tla [-config F] [-workers N] [-deadlock] [-dumpTrace json F]</c>: TLC's flags and exit codes.</summary>
public static class CheckCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var spec = new Argument<string>("spec") { Description = "The root TLA+ module (Spec.tla)." };
        var config = new Option<string?>("-config") { Description = "The model configuration (default: Spec.cfg next to the spec)." };
        var workers = new Option<int>("-workers") { Description = "Worker threads.", DefaultValueFactory = _ => 1 };
        var deadlock = new Option<bool>("-deadlock") { Description = "Do not check for deadlock (as TLC's -deadlock)." };
        var dump = new Option<string[]>("-dumpTrace")
        {
            Description = "Write the counterexample: -dumpTrace json FILE.",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var cmd = new Command("check", "Model-check a TLA+ specification as TLC does (verdict, counts, shortest counterexample, exit code).")
        {
            spec, config, workers, deadlock, dump,
        };
        cmd.SetAction(parse =>
        {
            var d = parse.GetValue(dump);
            string? jsonPath = null;
            if (d is { Length: 2 })
            {
                if (!string.Equals(d[0], "json", StringComparison.OrdinalIgnoreCase))
                {
                    Console.Error.WriteLine($"Error: unsupported trace format '{d[0]}' (only json).");
                    return 255;
                }
                jsonPath = d[1];
            }
            var specPath = parse.GetValue(spec)!;
            if (!File.Exists(specPath))
            {
                Console.Error.WriteLine($"Error: the file {specPath} does not exist.");
                return 255;
            }
            var n = parse.GetValue(workers);
            if (n < 1)
            {
                Console.Error.WriteLine("Error: -workers must be at least 1.");
                return 255;
            }
            var outcome = ModelCheck.Run(new CheckRequest(specPath, parse.GetValue(config), n, parse.GetValue(deadlock), jsonPath), Console.Out);
            return outcome.ExitCode;
        });
        return cmd;
    }
}
