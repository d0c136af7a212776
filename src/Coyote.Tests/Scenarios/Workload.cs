using VerifiedIpc.Coyote.Tests.Harness;

namespace VerifiedIpc.Coyote.Tests;

/// <summary>
/// Bookkeeping shared by the producer/consumer scenarios: message <c>p * 1000 + i</c> is producer p's i-th, so
/// loss, duplication and per-producer order can be judged from what each consumer saw.
/// </summary>
internal static class Workload
{
    public static int Message(int producer, int index) => producer * 1000 + index;

    /// <summary>
    /// The delivery invariants: every message sent is accounted for exactly once (received by one consumer, or
    /// handed back to its sender or to the closer), nothing else appears, and each consumer saw each producer's
    /// messages in the order they were sent.
    /// </summary>
    public static void CheckDelivery(IEnumerable<int> sent, IReadOnlyList<IReadOnlyList<int>> receivedPerConsumer, IEnumerable<int>? handedBack = null)
    {
        var accounted = receivedPerConsumer.SelectMany(r => r).Concat(handedBack ?? []).ToList();
        var duplicate = accounted.GroupBy(m => m).FirstOrDefault(g => g.Count() > 1);
        Check.That(duplicate is null, $"message {duplicate?.Key} delivered {duplicate?.Count()} times (duplication)");
        var sentSet = sent.ToHashSet();
        var missing = sentSet.Except(accounted).ToList();
        Check.That(missing.Count == 0, $"messages [{string.Join(",", missing)}] were sent but neither delivered nor handed back (loss)");
        var invented = accounted.Except(sentSet).ToList();
        Check.That(invented.Count == 0, $"messages [{string.Join(",", invented)}] were delivered but never sent");
        foreach (var received in receivedPerConsumer)
        {
            foreach (var byProducer in received.GroupBy(m => m / 1000))
            {
                var order = byProducer.ToList();
                Check.That(order.SequenceEqual(order.Order()), $"a consumer saw producer {byProducer.Key}'s messages as [{string.Join(",", order)}] (order)");
            }
        }
    }
}
