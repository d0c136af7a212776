using BenchmarkDotNet.Running;

namespace VerifiedIpc.Bench;

/// <summary>Runs the benchmarks named on the command line (BenchmarkDotNet's switcher: <c>--filter '*Bounded*'</c>).</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // "--checker-measure": one timed run per corpus benchmark case (wall, CPU, memory per state), for docs/benchmarks.md.
        if (args.Length == 1 && args[0] == "--checker-measure")
        {
            Checker.CorpusModels.Measure(Console.Out);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
