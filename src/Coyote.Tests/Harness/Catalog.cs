namespace VerifiedIpc.Coyote.Tests.Harness;

/// <summary>
/// Every scenario of the suite, by name: the xunit tests and <c>vipc test</c> run the same list, so a schedule
/// found from the command line replays in a unit test and the other way round.
/// </summary>
public static class Catalog
{
    /// <summary>All scenarios, correct ones and seeded bugs.</summary>
    public static IReadOnlyList<Scenario> All { get; } = Build();

    /// <summary>The scenario called <paramref name="name"/>, or null.</summary>
    public static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>The scenario called <paramref name="name"/>; a missing name is a bug in the suite.</summary>
    public static Scenario Get(string name) => Find(name) ?? throw new KeyNotFoundException($"No Coyote scenario '{name}'.");

    private static List<Scenario> Build()
    {
        List<Scenario> all = [.. SelfCheckScenarios.All, .. PipeScenarios.All, .. BufferScenarios.All, .. MailboxScenarios.All, .. ReliableScenarios.All];
        var duplicate = all.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two Coyote scenarios are called '{duplicate.Key}'.");
        }

        return all;
    }
}
