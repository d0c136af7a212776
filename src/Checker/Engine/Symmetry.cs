using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Engine;

/// <summary>Applies a permutation of model values to a value, renormalising sets and function domains.</summary>
public static class Symmetry
{
    /// <summary>The image of <paramref name="v"/> under <paramref name="perm"/>.</summary>
    public static Value Permute(Value v, FcnValue perm)
    {
        switch (v)
        {
            case ModelValue:
                {
                    int i = perm.IndexOf(v);
                    return i >= 0 ? perm.Vals[i] : v;
                }
            case SetValue s:
                {
                    if (s.Count == 0) return s;
                    var arr = new Value[s.Count];
                    bool changed = false;
                    for (int i = 0; i < arr.Length; i++) { arr[i] = Permute(s.Items[i], perm); changed |= !ReferenceEquals(arr[i], s.Items[i]); }
                    return changed ? SetValue.FromUnsorted(arr) : s;
                }
            case SetBase sb when sb.IsFinite:
                return Permute(sb.Normalize(), perm);
            case FcnValue f:
                {
                    if (f.Count == 0) return f;
                    var keys = new Value[f.Count];
                    var vals = new Value[f.Count];
                    bool changed = false;
                    for (int i = 0; i < keys.Length; i++)
                    {
                        keys[i] = Permute(f.Keys[i], perm);
                        vals[i] = Permute(f.Vals[i], perm);
                        changed |= !ReferenceEquals(keys[i], f.Keys[i]) || !ReferenceEquals(vals[i], f.Vals[i]);
                    }
                    return changed ? FcnValue.FromPairs(keys, vals) : f;
                }
            default:
                return v;
        }
    }
}
