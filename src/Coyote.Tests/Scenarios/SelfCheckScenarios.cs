using VerifiedIpc.Coyote.Tests.Harness;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// A lock-protected counter and its lost-update twin. They check the harness itself, not the library: that the
/// scheduler really interleaves (the racy twin must fail), and that the correct twin passes a full budget.
/// </summary>
public static class SelfCheckScenarios
{
    public static IEnumerable<Scenario> All =>
    [
        new("selfcheck.counter", () => Counter(racy: false), null, "random", 100),
        new("selfcheck.counter!lost-update", () => Counter(racy: true), "Invariant: counter", "random", 100),
    ];

    private static async Task Counter(bool racy)
    {
        var gate = new object();
        var value = 0;
        var workers = new Task[2];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                if (racy)
                {
                    var read = Volatile.Read(ref value);
                    await Task.Yield();
                    Volatile.Write(ref value, read + 1);
                }
                else
                {
                    await Task.Yield();
                    lock (gate)
                    {
                        value++;
                    }
                }
            });
        }

        await Task.WhenAll(workers);
        Check.That(value == workers.Length, $"counter is {value} after {workers.Length} increments");
    }
}
