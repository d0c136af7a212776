using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Links;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// One end of a link whose deliveries the replay scripts: what the endpoint sends is captured, never delivered by
/// itself; the replayer hands datagrams to <see cref="Handler"/> exactly when, and as often as, the trace says.
/// </summary>
internal sealed class ScriptedLink(ProcessId local, ProcessId remote) : IDatagramLink
{
    public ProcessId Local { get; } = local;
    public ProcessId Remote { get; } = remote;
    public int MaxDatagramSize => 1024;
    public List<byte[]> Sent { get; } = new();
    public Action<ReadOnlyMemory<byte>>? Handler { get; private set; }
    public void Send(ReadOnlySpan<byte> datagram) => Sent.Add(datagram.ToArray());
    public void Attach(Action<ReadOnlyMemory<byte>> onDatagram) => Handler = onDatagram;
    public void Dispose() { }
}
