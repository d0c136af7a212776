namespace VerifiedIpc.Properties.Infrastructure;

/// <summary>List shrinking for operation sequences: a failing sequence shrinks to one from which no single step can be removed.</summary>
public static class Shrink
{
    /// <summary>Candidates, largest cuts first: each half, then each sequence with one element removed, then each element simplified.</summary>
    public static IEnumerable<T[]> Sequence<T>(T[] items, Func<T, IEnumerable<T>>? simplify = null)
    {
        if (items.Length > 1)
        {
            yield return items[..(items.Length / 2)];
            yield return items[(items.Length / 2)..];
        }

        for (var i = 0; i < items.Length; i++)
        {
            yield return [.. items[..i], .. items[(i + 1)..]];
        }

        if (simplify is null)
        {
            yield break;
        }

        for (var i = 0; i < items.Length; i++)
        {
            foreach (var simpler in simplify(items[i]))
            {
                var copy = (T[])items.Clone();
                copy[i] = simpler;
                yield return copy;
            }
        }
    }

    /// <summary>Smaller positive sizes: 1, then half.</summary>
    public static IEnumerable<int> Size(int n)
    {
        if (n > 1)
        {
            yield return 1;
        }

        if (n > 2)
        {
            yield return n / 2;
        }
    }
}
