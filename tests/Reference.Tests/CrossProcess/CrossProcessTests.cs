using System.Globalization;
using VerifiedIpc.ProcessHost;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Transports;

namespace VerifiedIpc.Reference.Tests.CrossProcess;

/// <summary>
/// Cross-process tests run one at a time: a child started while another test's anonymous pipe handles are
/// inheritable would inherit them and keep that pipe open after its own child dies.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrossProcessCollection
{
    public const string Name = "cross-process";
}

/// <summary>
/// Real child processes (VerifiedIpc.ProcessHost) exchanging messages with this test process over every transport:
/// exactly once and in order, checked on both sides; large messages through fragmentation; a child killed in the
/// middle of a transfer.
/// </summary>
[Collection(CrossProcessCollection.Name)]
public sealed class CrossProcessTests
{
    /// <summary>A failure bound per test, never a means of synchronisation.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    private const int Count = 300;

    public static TheoryData<Transport> Transports => [Transport.Uds, Transport.Tcp, Transport.Udp, Transport.Pipe, Transport.NamedPipe];

    private static FaultRates? FaultsFor(Transport t) => t == Transport.Udp ? HostWire.Rates(loss: 0.1, dup: 0.05, reorder: 0.1) : null;

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Parent_to_child_every_message_arrives_once_in_order_checked_on_both_sides(Transport transport)
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var s = await CrossProcessSession.StartAsync(transport,
            ["sink", "--count", Count.ToString(CultureInfo.InvariantCulture), "--size", "100", "--ack"], cts.Token, FaultsFor(transport));

        // The child checks order and content of each message; this side checks the child's acks: one per message, in order.
        var acks = ReadAcksAsync(s.Connection, cts.Token);
        for (long seq = 0; seq < Count; seq++)
            await SendAsync(s, seq, 100, cts.Token);
        var (acked, end) = await acks;
        Assert.True(end is null, $"{end} {await s.Child.DescribeAsync()}");
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), acked);

        Assert.Equal(0, await s.Child.WaitForExitAsync(cts.Token));
        Assert.Contains($"sink: received {Count} messages in order, {Count * 100} bytes", string.Join("\n", s.Child.Lines));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"recv {i}"), s.Child.Lines.Where(l => l.StartsWith("recv ")));
        if (transport == Transport.Udp)
        {
            var stats = ((ReliableConnection)s.Connection).Endpoint.Statistics;
            Assert.True(stats.Retransmissions > 0, "10% loss must have cost retransmissions: the faults were not injected");
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Child_to_parent_every_message_arrives_once_in_order(Transport transport)
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var s = await CrossProcessSession.StartAsync(transport,
            ["source", "--count", Count.ToString(CultureInfo.InvariantCulture), "--size", "200"], cts.Token, FaultsFor(transport));

        for (long expected = 0; expected < Count; expected++)
        {
            var m = await s.Connection.ReceiveAsync(cts.Token);
            Assert.NotNull(m);
            var (seq, error) = HostWire.Check(m);
            Assert.Null(error);
            Assert.Equal(expected, seq);
            Assert.Equal(200, m.Length);
        }
        Assert.Equal(HostWire.Done, await s.Connection.ReceiveAsync(cts.Token));
        await CloseStreamSideAsync(s);
        Assert.Equal(0, await s.Child.WaitForExitAsync(cts.Token));
        Assert.Contains($"source: sent {Count} messages", s.Child.Lines);
        if (transport == Transport.Udp)
            Assert.True(((ReliableConnection)s.Connection).Endpoint.Statistics.DuplicatesDiscarded > 0,
                "5% duplication must have produced duplicates to remove");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_echoing_child_returns_every_message_unchanged_in_order(Transport transport)
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var s = await CrossProcessSession.StartAsync(transport, ["echo"], cts.Token, FaultsFor(transport));
        var rng = new Random(11);
        for (long seq = 0; seq < 100; seq++)
        {
            var m = HostWire.Create(seq, rng.Next(8, 2000));
            await s.Connection.SendAsync(m, cts.Token);
            Assert.Equal(m, await s.Connection.ReceiveAsync(cts.Token));
        }
        await s.Connection.SendAsync(Array.Empty<byte>(), cts.Token); // ends the echo
        var last = await s.Connection.ReceiveAsync(cts.Token);
        Assert.NotNull(last);
        Assert.Empty(last);
        await CloseStreamSideAsync(s);
        Assert.Equal(0, await s.Child.WaitForExitAsync(cts.Token));
        Assert.Contains("echo: 101 messages", s.Child.Lines);
    }

    [Theory]
    [InlineData(Transport.Tcp, 3 * 1024 * 1024)] // three times the stream connection's 1 MiB message cap
    [InlineData(Transport.Pipe, 3 * 1024 * 1024)]
    [InlineData(Transport.Udp, 300 * 1024)] // nearly five UDP datagrams' worth, under loss
    public async Task Large_messages_cross_through_fragmentation(Transport transport, int size)
    {
        using var cts = new CancellationTokenSource(Bound);
        const int count = 3;
        await using var s = await CrossProcessSession.StartAsync(transport,
            ["sink", "--count", count.ToString(CultureInfo.InvariantCulture), "--size", size.ToString(CultureInfo.InvariantCulture), "--fragment"],
            cts.Token, FaultsFor(transport), fragment: true);
        Assert.True(size > ((FragmentingConnection)s.Connection).Options.PacketPayloadSize);

        for (long seq = 0; seq < count; seq++)
            await s.Connection.SendAsync(HostWire.Create(seq, size), cts.Token);
        Assert.Equal(HostWire.Done, await s.Connection.ReceiveAsync(cts.Token));
        Assert.Equal(0, await s.Child.WaitForExitAsync(cts.Token));
        Assert.Contains($"sink: received {count} messages in order, {(long)count * size} bytes", string.Join("\n", s.Child.Lines));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_child_killed_mid_transfer_is_reported_with_a_typed_error_and_nothing_acknowledged_is_lost(Transport transport)
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var s = await CrossProcessSession.StartAsync(transport, ["sink", "--count", "100000000", "--size", "64", "--ack"],
            cts.Token, FaultsFor(transport));

        const int killAfter = 50;
        var acked = new List<long>();
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiver = Task.Run(async () =>
        {
            try
            {
                while (await s.Connection.ReceiveAsync(cts.Token) is { } ack)
                {
                    lock (acked)
                        acked.Add(HostWire.ReadAck(ack));
                    if (acked.Count == killAfter)
                    {
                        s.Child.Kill();
                        killed.TrySetResult();
                    }
                }
                return (Exception?)null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return e;
            }
        });
        var sender = Task.Run(async () =>
        {
            try
            {
                for (long seq = 0; ; seq++)
                    await SendAsync(s, seq, 64, cts.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return e;
            }
        });

        await killed.Task.WaitAsync(cts.Token);
        var senderError = await sender.WaitAsync(cts.Token);
        var receiverError = await receiver.WaitAsync(cts.Token);
        Assert.True(senderError is IpcException, $"sender: {senderError}");
        Assert.True(receiverError is IpcException, $"receiver: {receiverError}");

        await s.Child.WaitForExitAsync(cts.Token);
        Assert.True(acked.Count >= killAfter);
        Assert.Equal(Enumerable.Range(0, acked.Count).Select(i => (long)i), acked);
        Assert.Empty(AcknowledgedButLost(acked, Recorded(s.Child)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // seeded bug: the child acknowledges one message more than it has recorded
    public async Task The_acknowledged_but_lost_check_catches_a_child_that_acknowledges_too_much(bool bug)
    {
        using var cts = new CancellationTokenSource(Bound);
        string[] role = ["sink", "--count", "1000", "--size", "32", bug ? "--bug-ack-ahead" : "--ack"];
        await using var s = await CrossProcessSession.StartAsync(Transport.Tcp, role, cts.Token);
        // Lock-step: the child has recorded exactly what it was sent when it is killed, so the outcome is deterministic.
        var acked = new List<long>();
        for (long seq = 0; seq < 20; seq++)
        {
            await SendAsync(s, seq, 32, cts.Token);
            acked.Add(HostWire.ReadAck((await s.Connection.ReceiveAsync(cts.Token))!));
        }
        s.Child.Kill();
        await s.Child.WaitForExitAsync(cts.Token);
        var lost = AcknowledgedButLost(acked, Recorded(s.Child));
        if (bug)
            Assert.Equal([20L], lost);
        else
            Assert.Empty(lost);
    }

    [Fact]
    public async Task The_child_detects_a_message_out_of_sequence()
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var s = await CrossProcessSession.StartAsync(Transport.Pipe, ["sink", "--count", "10"], cts.Token);
        await SendAsync(s, 0, 16, cts.Token);
        await SendAsync(s, 2, 16, cts.Token);
        Assert.Equal(4, await s.Child.WaitForExitAsync(cts.Token));
        Assert.Contains("sink: ERROR received message 2 where 1 was next", s.Child.Lines);
    }

    /// <summary>What the child recorded (flushed before acknowledging), after checking it is 0..n-1 in order, once each.</summary>
    private static List<long> Recorded(ChildHost child)
    {
        var recorded = child.Lines.Where(l => l.StartsWith("recv ", StringComparison.Ordinal))
            .Select(l => long.Parse(l[5..], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(0, recorded.Count).Select(i => (long)i), recorded);
        return recorded;
    }

    /// <summary>Messages the parent saw acknowledged that the child has no record of receiving.</summary>
    private static List<long> AcknowledgedButLost(IEnumerable<long> acked, IEnumerable<long> recorded) =>
        [.. acked.Except(recorded).Order()];

    /// <summary>
    /// Sends one test message. Over a stream a send completes once written, so sends go one after another; over
    /// the reliable layer it completes on acknowledgement — awaiting it is the point there too.
    /// </summary>
    private static Task SendAsync(CrossProcessSession s, long seq, int size, CancellationToken ct) =>
        s.Connection.SendAsync(HostWire.Create(seq, size), ct);

    /// <summary>Reads acks until the child's final "done"; returns them and the error that ended reading early, if any.</summary>
    private static async Task<(List<long> Acks, Exception? End)> ReadAcksAsync(IMessageConnection connection, CancellationToken ct)
    {
        var acks = new List<long>();
        try
        {
            while (await connection.ReceiveAsync(ct) is { } m)
            {
                if (m.AsSpan().SequenceEqual(HostWire.Done))
                    return (acks, null);
                acks.Add(HostWire.ReadAck(m));
            }
            return (acks, new EndpointClosedException("closed before done"));
        }
        catch (Exception e) when (e is IpcException or FormatException)
        {
            return (acks, e);
        }
    }

    /// <summary>A stream child waits for the parent's orderly close before it exits; the reliable one does not.</summary>
    private static async Task CloseStreamSideAsync(CrossProcessSession s)
    {
        if (s.Transport != Transport.Udp)
            await s.Connection.DisposeAsync();
    }
}
