using System.Net;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// <see cref="UdpDatagramLink.Bind"/> then <see cref="UdpDatagramLink.Connect"/>: a port held from the start, so a
/// parent can hand it to a child before it knows the child's (the cross-process tests do so).
/// </summary>
public sealed class UdpBindThenConnectTests
{
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    [Fact]
    public async Task A_link_bound_first_and_connected_later_exchanges_datagrams()
    {
        using var a = UdpDatagramLink.Bind(AnyLoopback, new ProcessId(1), new ProcessId(2));
        using var b = UdpDatagramLink.Bind(AnyLoopback, new ProcessId(2), new ProcessId(1));
        a.Connect((IPEndPoint)b.LocalEndPoint);
        b.Connect((IPEndPoint)a.LocalEndPoint);
        var got = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Attach(d => got.TrySetResult(d.ToArray()));
        a.Send([1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, await got.Task.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void Sending_or_attaching_before_connecting_is_refused_and_so_is_connecting_twice()
    {
        using var a = UdpDatagramLink.Bind(AnyLoopback, new ProcessId(1), new ProcessId(2));
        using var b = UdpDatagramLink.Bind(AnyLoopback, new ProcessId(2), new ProcessId(1));
        Assert.Contains("Connect first", Assert.Throws<InvalidOperationException>(() => a.Send([1])).Message);
        Assert.Contains("Connect first", Assert.Throws<InvalidOperationException>(() => a.Attach(_ => { })).Message);
        a.Connect((IPEndPoint)b.LocalEndPoint);
        Assert.Contains("already connected", Assert.Throws<InvalidOperationException>(() => a.Connect((IPEndPoint)b.LocalEndPoint)).Message);
    }
}
