namespace VerifiedIpc.Reference;

/// <summary>
/// Identity of a communicating process (a thread, task or OS process standing in for the seed's "pid").
/// Direct communication addresses by it; mailboxes use it to know who opened them and who received.
/// </summary>
public readonly record struct ProcessId(int Value) : IComparable<ProcessId>
{
    /// <summary>"No particular source": a receive that takes a message from any sender.</summary>
    public static readonly ProcessId Any = new(-1);

    public bool IsAny => Value == -1;

    public int CompareTo(ProcessId other) => Value.CompareTo(other.Value);

    public override string ToString() => IsAny ? "any" : $"p{Value}";
}
