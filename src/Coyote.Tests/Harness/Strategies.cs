using System.Reflection;
using Microsoft.Coyote;

namespace VerifiedIpc.Coyote.Tests.Harness;

/// <summary>
/// Exploration strategies by name: the only place that knows how a name maps onto Coyote's configuration.
/// <list type="bullet">
/// <item><c>random</c>: uniform random choice at each scheduling point.</item>
/// <item><c>probabilistic</c>: random walk that keeps the current operation with high probability
/// (few context switches), Coyote's "probabilistic" strategy.</item>
/// <item><c>pct</c> / <c>fair-pct</c>: priority-based scheduling with a bounded number of priority changes
/// (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of Finding
/// Bugs", ASPLOS 2010).</item>
/// <item><c>delay-bounding</c>: a bounded number of delays of the default scheduler (Emmi, Qadeer, Rakamarić,
/// "Delay-Bounded Scheduling", POPL 2011).</item>
/// <item><c>qlearning</c>: reinforcement learning over program states (Mukherjee, Deligiannis, Biswas, Lal,
/// "Learning-Based Controlled Concurrency Testing", OOPSLA 2020).</item>
/// <item><c>dfs</c>: depth-first enumeration of schedules; Coyote keeps it internal, so it is reached by
/// reflection. It stores no states, so it is exhaustive only for tiny scenarios.</item>
/// </list>
/// </summary>
public static class Strategies
{
    private static readonly Dictionary<string, Func<Configuration, Configuration>> Registry = new(StringComparer.OrdinalIgnoreCase)
    {
        ["random"] = c => c.WithRandomStrategy(),
        ["probabilistic"] = c => c.WithProbabilisticStrategy(3),
        ["pct"] = c => c.WithPrioritizationStrategy(false, 3),
        ["fair-pct"] = c => c.WithPrioritizationStrategy(true, 3),
        ["delay-bounding"] = c => c.WithDelayBoundingStrategy(false, 3),
        ["qlearning"] = c => c.WithQLearningStrategy(),
        ["dfs"] = WithDfs,
    };

    /// <summary>The registered names, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Registry.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Whether <paramref name="name"/> is a registered strategy.</summary>
    public static bool IsKnown(string name) => Registry.ContainsKey(name);

    internal static Configuration Apply(Configuration configuration, string name) =>
        Registry.TryGetValue(name, out var apply)
            ? apply(configuration)
            : throw new ArgumentException($"Unknown strategy '{name}'; known: {string.Join(", ", Names)}.", nameof(name));

    private static Configuration WithDfs(Configuration c)
    {
        var method = typeof(Configuration).GetMethod("WithDFSStrategy", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            ?? throw new InvalidOperationException("This Coyote version has no WithDFSStrategy; use another strategy.");
        return (Configuration)method.Invoke(c, null)!;
    }
}
