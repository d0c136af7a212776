using System.Text.Json;

namespace VerifiedIpc.Cli.Replay;

/// <summary>A message as the buffer specs write it, <c>&lt;&lt;p, n&gt;&gt;</c>: producer (or sender) p's n-th message.</summary>
internal readonly record struct SpecItem(string Process, int Number)
{
    public override string ToString() => $"<<{Process}, {Number}>>";

    /// <summary>Reads <c>["p1", 2]</c>; null for the specs' "no message" values (a model value, or a number 0).</summary>
    public static SpecItem? From(JsonElement value, TraceState state, string variable)
    {
        if (value.ValueKind == JsonValueKind.String) return null; // NoMsg as a model value
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2
            || value[0].ValueKind != JsonValueKind.String || !value[1].TryGetInt32(out int n))
            throw state.Misfit($"'{variable}' holds {value.GetRawText()}, expected <<process, number>>");
        return n == 0 ? null : new SpecItem(value[0].GetString()!, n);
    }
}
