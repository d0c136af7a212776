using VerifiedIpc.Reference.Tests.Transports;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;

namespace VerifiedIpc.Reference.Tests.CrossProcess;

/// <summary>
/// The named-pipe transport held to everything <see cref="MessageConnectionTests"/> asks of a transport, within one
/// process (the anonymous-pipe transport is exercised across processes only: in one process the "child" end would
/// share the parent's copy of the handle). Cross-process behaviour is in <see cref="CrossProcessTests"/>.
/// </summary>
public sealed class NamedPipeConnectionTests : MessageConnectionTests
{
    protected override async Task<(IMessageConnection, IMessageConnection)> ConnectAsync()
    {
        string name = "vipc-inproc-" + Guid.NewGuid().ToString("N")[..12];
        await using var listener = PipeTransport.ListenNamed(name, ServerId);
        var accept = listener.AcceptAsync();
        var client = await PipeTransport.ConnectNamedAsync(name, ClientId);
        return (client, await accept);
    }
}
