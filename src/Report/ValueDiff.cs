using System.Collections.Immutable;

namespace VerifiedIpc.Report;

/// <summary>
/// What one step did to a collection: the positions of elements removed from the old value and of elements
/// added in the new one. Sequences and sets (both JSON arrays) are aligned by a longest common subsequence,
/// which for TLC's sorted sets is their intersection and for FIFO queues keeps the untouched middle in place.
/// </summary>
public sealed record CollectionDiff(ImmutableArray<int> RemovedAt, ImmutableArray<TraceValue> Removed, ImmutableArray<int> AddedAt, ImmutableArray<TraceValue> Added)
{
    /// <summary>No change.</summary>
    public static readonly CollectionDiff None = new([], [], [], []);

    /// <summary>True when nothing was added or removed.</summary>
    public bool IsEmpty => Removed.IsEmpty && Added.IsEmpty;
}

/// <summary>Computes element-level differences between two values of a variable.</summary>
public static class ValueDiff
{
    // Traces are short and channels small; beyond this the quadratic alignment is not worth it and the diff
    // degrades to "everything replaced", which still renders.
    private const int MaxAligned = 2000;

    /// <summary>The diff of two collection values; <see cref="CollectionDiff.None"/> when they are not comparable collections.</summary>
    /// <param name="before">The old value.</param>
    /// <param name="after">The new value.</param>
    /// <param name="asBag">Read objects as bags (element to count).</param>
    /// <param name="emptySlot">Read objects as slots: each key holds one message, or this value when empty.</param>
    public static CollectionDiff Diff(TraceValue? before, TraceValue? after, bool asBag = false, TraceValue? emptySlot = null)
    {
        // Slots are compared key by key (a function with domain 1..n arrives as an array).
        if (emptySlot is not null && before is ArrayValue sa && after is ArrayValue sb) return DiffSlots(AsObject(sa), AsObject(sb), emptySlot);
        if (emptySlot is not null && before is ObjectValue os && after is ObjectValue ns) return DiffSlots(os, ns, emptySlot);
        if (before is ArrayValue a && after is ArrayValue b) return DiffArrays(a.Items, b.Items);
        if (asBag && before is ObjectValue ob && after is ObjectValue nb) return DiffBags(ob, nb);
        return CollectionDiff.None;
    }

    private static ObjectValue AsObject(ArrayValue a) =>
        new([.. a.Items.Select((v, i) => new KeyValuePair<string, TraceValue>((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), v))]);

    private static CollectionDiff DiffSlots(ObjectValue before, ObjectValue after, TraceValue empty)
    {
        var removed = ImmutableArray.CreateBuilder<TraceValue>();
        var added = ImmutableArray.CreateBuilder<TraceValue>();
        foreach (var key in before.Fields.Select(f => f.Key).Union(after.Fields.Select(f => f.Key)))
        {
            var o = before[key];
            var n = after[key];
            if (o is not null && n is not null && o.Equals(n)) continue;
            if (o is not null && !o.Equals(empty)) removed.Add(o);
            if (n is not null && !n.Equals(empty)) added.Add(n);
        }
        return new CollectionDiff(
            [.. Enumerable.Repeat(-1, removed.Count)], removed.ToImmutable(),
            [.. Enumerable.Repeat(-1, added.Count)], added.ToImmutable());
    }

    private static CollectionDiff DiffArrays(ImmutableArray<TraceValue> x, ImmutableArray<TraceValue> y)
    {
        // Equal elements make the alignment ambiguous ([a, a] -> [a]). Channels are mostly queues, so a pure removal
        // is read as taking the oldest elements (align from the back) and anything else as appending (from the front).
        if (y.Length < x.Length && IsSubsequence(y, x))
        {
            var r = Align(Reverse(x), Reverse(y));
            return new CollectionDiff(
                [.. r.RemovedAt.Select(i => x.Length - 1 - i).Reverse()], [.. r.Removed.Reverse()],
                [.. r.AddedAt.Select(i => y.Length - 1 - i).Reverse()], [.. r.Added.Reverse()]);
        }
        return Align(x, y);
    }

    private static ImmutableArray<TraceValue> Reverse(ImmutableArray<TraceValue> a) => [.. a.Reverse()];

    private static bool IsSubsequence(ImmutableArray<TraceValue> small, ImmutableArray<TraceValue> big)
    {
        var j = 0;
        for (var i = 0; i < big.Length && j < small.Length; i++)
            if (big[i].Equals(small[j])) j++;
        return j == small.Length;
    }

    private static CollectionDiff Align(ImmutableArray<TraceValue> x, ImmutableArray<TraceValue> y)
    {
        // Fast path for the common queue operations: common prefix and suffix trimmed before aligning.
        var start = 0;
        while (start < x.Length && start < y.Length && x[start].Equals(y[start])) start++;
        var endX = x.Length;
        var endY = y.Length;
        while (endX > start && endY > start && x[endX - 1].Equals(y[endY - 1]))
        {
            endX--;
            endY--;
        }
        var n = endX - start;
        var m = endY - start;
        var keptX = new bool[n];
        var keptY = new bool[m];
        if (n > 0 && m > 0 && (long)n * m <= MaxAligned * MaxAligned)
        {
            var lcs = new int[n + 1, m + 1];
            for (var i = n - 1; i >= 0; i--)
                for (var j = m - 1; j >= 0; j--)
                    lcs[i, j] = x[start + i].Equals(y[start + j]) ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            for (int i = 0, j = 0; i < n && j < m;)
            {
                if (x[start + i].Equals(y[start + j]))
                {
                    keptX[i++] = true;
                    keptY[j++] = true;
                }
                else if (lcs[i + 1, j] >= lcs[i, j + 1]) i++;
                else j++;
            }
        }
        var removedAt = ImmutableArray.CreateBuilder<int>();
        var removed = ImmutableArray.CreateBuilder<TraceValue>();
        for (var i = 0; i < n; i++)
            if (!keptX[i])
            {
                removedAt.Add(start + i);
                removed.Add(x[start + i]);
            }
        var addedAt = ImmutableArray.CreateBuilder<int>();
        var added = ImmutableArray.CreateBuilder<TraceValue>();
        for (var j = 0; j < m; j++)
            if (!keptY[j])
            {
                addedAt.Add(start + j);
                added.Add(y[start + j]);
            }
        return new CollectionDiff(removedAt.ToImmutable(), removed.ToImmutable(), addedAt.ToImmutable(), added.ToImmutable());
    }

    private static CollectionDiff DiffBags(ObjectValue before, ObjectValue after)
    {
        static long Count(TraceValue? v) => v is IntValue i ? i.Value : 0;
        var removed = ImmutableArray.CreateBuilder<TraceValue>();
        var added = ImmutableArray.CreateBuilder<TraceValue>();
        foreach (var key in before.Fields.Select(f => f.Key).Union(after.Fields.Select(f => f.Key)))
        {
            var d = Count(after[key]) - Count(before[key]);
            var element = TlaValueText.Parse(key);
            for (var k = 0L; k < -d && k < MaxAligned; k++) removed.Add(element);
            for (var k = 0L; k < d && k < MaxAligned; k++) added.Add(element);
        }
        // Bags have no positions; -1 marks "anywhere".
        return new CollectionDiff(
            [.. Enumerable.Repeat(-1, removed.Count)], removed.ToImmutable(),
            [.. Enumerable.Repeat(-1, added.Count)], added.ToImmutable());
    }

    /// <summary>
    /// Elements added and removed, also inside a function of collections (a monitor's
    /// <c>waitSet = [c \in Conditions |-> {threads}]</c>): the diffs of its entries together.
    /// </summary>
    public static CollectionDiff Elements(TraceValue? before, TraceValue? after)
    {
        if (before is not ObjectValue bo || after is not ObjectValue ao) return Diff(before, after);
        var removed = ImmutableArray.CreateBuilder<TraceValue>();
        var added = ImmutableArray.CreateBuilder<TraceValue>();
        foreach (var key in bo.Fields.Select(f => f.Key).Union(ao.Fields.Select(f => f.Key)))
        {
            var d = Diff(bo[key] ?? new ArrayValue([]), ao[key] ?? new ArrayValue([]));
            removed.AddRange(d.Removed);
            added.AddRange(d.Added);
        }
        return new CollectionDiff(
            [.. Enumerable.Repeat(-1, removed.Count)], removed.ToImmutable(),
            [.. Enumerable.Repeat(-1, added.Count)], added.ToImmutable());
    }

    /// <summary>The variables whose values differ between two states.</summary>
    public static ImmutableHashSet<string> ChangedVariables(TraceState before, TraceState after)
    {
        var changed = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var (name, value) in after.Values)
            if (before[name] is not { } old || !old.Equals(value)) changed.Add(name);
        return changed.ToImmutable();
    }
}
