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
        // "--goodput-measure [runs [window]]": reliable-delivery transfers timed with their protocol counters (diagnosis).
        if (args.Length is >= 1 and <= 3 && args[0] == "--goodput-measure")
        {
            Streams.ReliableGoodputBenchmarks.Measure(Console.Out, args.Length >= 2 ? int.Parse(args[1]) : 5,
                args.Length == 3 ? int.Parse(args[2]) : 256);
            return;
        }
        // "--goodput-sim [runs [window]]": the same transfers on fake time over a modelled bottleneck (replayable).
        if (args.Length is >= 1 and <= 3 && args[0] == "--goodput-sim")
        {
            Streams.GoodputSimulation.Measure(Console.Out, args.Length >= 2 ? int.Parse(args[1]) : 5,
                args.Length == 3 ? int.Parse(args[2]) : 256);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
