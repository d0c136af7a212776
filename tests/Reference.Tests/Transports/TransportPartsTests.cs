using System.Net;
using System.Threading.Channels;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Streams;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// The small transport pieces on their own: the UDP link's limits and lifecycle, the fragmenting wrapper's
/// packet sizing and delegation, the reliable connection's ownership of its link, and the two-way pipe stream's
/// pass-through and close order.
/// </summary>
public sealed class TransportPartsTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2);
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    // ------------------------------------------------------------------ UDP

    [Fact]
    public void A_udp_link_refuses_oversized_and_post_close_datagrams_handing_the_bytes_back()
    {
        var (a, b) = UdpDatagramLink.CreateLoopbackPair(P1, P2);
        using var _ = b;
        Assert.Equal((P1, P2, 65_507), (a.Local, a.Remote, a.MaxDatagramSize));
        var big = Assert.Throws<MessageTooLargeException>(() => a.Send(new byte[65_508]));
        Assert.Equal((65_508L, 65_507L), (big.Size, big.Limit));
        Assert.Contains("datagram", big.Message);
        a.Send(new byte[65_507]); // exactly the limit goes
        a.Dispose();
        a.Dispose(); // idempotent
        var closed = Assert.Throws<EndpointClosedException>(() => a.Send([4, 2]));
        Assert.Equal("udp p1→p2", closed.Endpoint);
        Assert.True(closed.HasUndelivered);
        Assert.Equal([4, 2], (byte[])closed.Undelivered!);
    }

    [Fact]
    public async Task A_udp_links_receive_loop_takes_one_handler_ends_on_close_and_faults_when_the_handler_throws()
    {
        var (a, b) = UdpDatagramLink.CreateLoopbackPair(P1, P2);
        using var _a = a;
        Assert.True(b.Completion.IsCompletedSuccessfully); // no loop before a handler is attached
        Assert.Throws<ArgumentNullException>(() => b.Attach(null!));
        b.Attach(d => throw new InvalidOperationException($"handler saw {d.Length} bytes"));
        var twice = Assert.Throws<InvalidOperationException>(() => b.Attach(_ => { }));
        Assert.Equal("A handler is already attached to udp p2→p1.", twice.Message);
        a.Send([1, 2, 3]);
        var fault = await Assert.ThrowsAsync<InvalidOperationException>(() => b.Completion.Within());
        Assert.Equal("handler saw 3 bytes", fault.Message);
        b.Dispose();

        var (c, d) = UdpDatagramLink.CreateLoopbackPair(P1, P2);
        using var _c = c;
        d.Attach(_ => { });
        d.Dispose();
        await d.Completion.Within(); // the loop ends quietly on close
    }

    [Fact]
    public async Task A_udp_link_made_with_both_addresses_is_connected_and_sending_to_an_absent_peer_is_loss_not_an_error()
    {
        using var receiver = UdpDatagramLink.Bind(AnyLoopback, P2, P1);
        using var sender = new UdpDatagramLink(AnyLoopback, (IPEndPoint)receiver.LocalEndPoint, P1, P2);
        receiver.Connect((IPEndPoint)sender.LocalEndPoint);
        Assert.Throws<ArgumentNullException>(() => receiver.Connect(null!));
        var got = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Attach(m => got.TrySetResult(m.ToArray()));
        sender.Send([9]);
        Assert.Equal([9], await got.Task.Within());

        receiver.Dispose(); // its port now answers "unreachable"
        for (int i = 0; i < 5; i++) sender.Send([1]); // each is loss, reported or not; none throws
        Assert.Contains("already connected", Assert.Throws<InvalidOperationException>(() => sender.Connect(AnyLoopback)).Message);
    }

    [Fact]
    public void A_closed_udp_link_gives_its_port_back()
    {
        var link = UdpDatagramLink.Bind(AnyLoopback, P1, P2);
        var port = (IPEndPoint)link.LocalEndPoint;
        link.Dispose();
        using var again = UdpDatagramLink.Bind(port, P1, P2);
        Assert.Equal(port.Port, ((IPEndPoint)again.LocalEndPoint).Port);
    }

    // ------------------------------------------------------------------ fragmentation

    /// <summary>Two in-memory message connections, each the other's peer.</summary>
    private sealed class QueueConnection(ProcessId local, ProcessId remote, int max, Channel<byte[]?> inbox, Channel<byte[]?> outbox)
        : IMessageConnection
    {
        public bool Disposed;
        public bool FailSends;
        public ProcessId Local => local;
        public ProcessId Remote => remote;
        public int MaxMessageSize => max;

        public static (QueueConnection, QueueConnection) Pair(int max)
        {
            var ab = Channel.CreateUnbounded<byte[]?>();
            var ba = Channel.CreateUnbounded<byte[]?>();
            return (new QueueConnection(P1, P2, max, ba, ab), new QueueConnection(P2, P1, max, ab, ba));
        }

        public async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
        {
            Assert.True(message.Length <= max, $"{message.Length} bytes over an inner limit of {max}");
            await Task.Yield(); // the failure comes later, as a real connection's would
            if (FailSends) throw new EndpointClosedException("queue");
            await outbox.Writer.WriteAsync(message.ToArray(), cancellationToken);
        }

        public async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken = default) =>
            await inbox.Reader.ReadAsync(cancellationToken);

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            outbox.Writer.TryWrite(null); // the peer sees an orderly end
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public void A_fragmenting_connection_sizes_packets_to_its_inner_connection_and_checks_the_size_asked_for()
    {
        var (inner, _) = QueueConnection.Pair(100);
        int largest = 100 - Packet.HeaderSize;
        var f = new FragmentingConnection(inner);
        Assert.Equal(largest, f.Options.PacketPayloadSize);
        Assert.Equal(new FragmentationOptions().MaxMessageSize, f.MaxMessageSize);
        Assert.Equal((P1, P2), (f.Local, f.Remote));
        Assert.Equal(largest, new FragmentingConnection(inner, packetPayloadSize: largest).Options.PacketPayloadSize);
        Assert.Equal(1, new FragmentingConnection(inner, packetPayloadSize: 1).Options.PacketPayloadSize);
        Assert.Equal(1000, new FragmentingConnection(inner, new FragmentationOptions { MaxMessageSize = 1000 }).MaxMessageSize);
        foreach (int bad in new[] { 0, largest + 1 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FragmentingConnection(inner, packetPayloadSize: bad));
            Assert.Equal("packetPayloadSize", e.ParamName);
            Assert.Contains($"Between 1 and {largest}", e.Message);
        }
        var (tiny, _) = QueueConnection.Pair(Packet.HeaderSize);
        var small = Assert.Throws<ArgumentException>(() => new FragmentingConnection(tiny));
        Assert.Equal("inner", small.ParamName);
        Assert.StartsWith($"The inner connection's messages ({Packet.HeaderSize} bytes) cannot hold a packet header.", small.Message);
        // One payload byte per packet: the smallest inner connection that can carry anything.
        Assert.Equal(1, new FragmentingConnection(QueueConnection.Pair(Packet.HeaderSize + 1).Item1).Options.PacketPayloadSize);
        Assert.Throws<ArgumentNullException>(() => new FragmentingConnection(null!));
    }

    [Fact]
    public async Task A_fragmenting_connection_round_trips_a_many_packet_message_and_passes_on_the_peers_end()
    {
        var (ia, ib) = QueueConnection.Pair(64);
        var a = new FragmentingConnection(ia);
        var b = new FragmentingConnection(ib);
        var message = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        await a.SendAsync(message).Within();
        await a.SendAsync(new byte[] { 1 }).Within();
        Assert.Equal(message, await b.ReceiveAsync().Within());
        Assert.Equal([1], await b.ReceiveAsync().Within());
        await a.DisposeAsync();
        Assert.True(ia.Disposed);
        Assert.Null(await b.ReceiveAsync().Within());
        await Assert.ThrowsAsync<MessageTooLargeException>(() =>
            new FragmentingConnection(ia, new FragmentationOptions { MaxMessageSize = 10 }).SendAsync(new byte[11]));
    }

    [Fact]
    public async Task A_fragmenting_send_fails_when_a_packet_send_fails()
    {
        var (inner, _) = QueueConnection.Pair(64);
        inner.FailSends = true;
        var f = new FragmentingConnection(inner);
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => f.SendAsync(new byte[500]).Within());
        Assert.Equal("queue", ex.Endpoint);
    }

    // ------------------------------------------------------------------ reliable connection

    [Fact]
    public async Task A_reliable_connection_owns_its_link_and_reports_the_links_ends()
    {
        Assert.Throws<ArgumentNullException>(() => new ReliableConnection(null!));
        using var faulty = new FaultyLink(new SeededFaultSchedule(0, FaultRates.None), TimeProvider.System, P1, P2);
        var c = new ReliableConnection(faulty.A);
        Assert.Equal((faulty.A.Local, faulty.A.Remote), (c.Local, c.Remote));
        Assert.Equal(c.Endpoint.MaxMessageSize, c.MaxMessageSize);
        Assert.Equal(faulty.A.MaxDatagramSize - VerifiedIpc.Reference.Framing.FrameCodec.Overhead, c.MaxMessageSize);
        var other = new ReliableConnection(faulty.B);
        await c.SendAsync(new byte[] { 3 }).Within();
        Assert.Equal([3], await other.ReceiveAsync().Within());
        await c.DisposeAsync();
        await Assert.ThrowsAsync<EndpointClosedException>(() => c.ReceiveAsync());
        Assert.Throws<EndpointClosedException>(() => faulty.A.Send([1])); // the link was closed with it
        await other.DisposeAsync();
    }

    // ------------------------------------------------------------------ two-way pipe stream

    [Fact]
    public void A_duplex_stream_needs_a_readable_input_and_a_writable_output()
    {
        var p = new Pipe(64);
        Assert.Equal("input", Assert.Throws<ArgumentNullException>(() => new DuplexPipeStream(null!, p.AsWriteStream())).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentNullException>(() => new DuplexPipeStream(p.AsReadStream(), null!)).ParamName);
        var notReadable = Assert.Throws<ArgumentException>(() => new DuplexPipeStream(p.AsWriteStream(), p.AsWriteStream()));
        Assert.Equal("input", notReadable.ParamName);
        Assert.StartsWith("The input stream cannot be read.", notReadable.Message);
        var notWritable = Assert.Throws<ArgumentException>(() => new DuplexPipeStream(p.AsReadStream(), p.AsReadStream()));
        Assert.Equal("output", notWritable.ParamName);
        Assert.StartsWith("The output stream cannot be written.", notWritable.Message);
    }

    [Fact]
    public async Task A_duplex_stream_reads_from_its_input_writes_to_its_output_and_seeks_nowhere()
    {
        var inPipe = new Pipe(64);
        var outPipe = new Pipe(64);
        var s = new DuplexPipeStream(inPipe.AsReadStream(), outPipe.AsWriteStream());
        Assert.True(s.CanRead);
        Assert.True(s.CanWrite);
        Assert.False(s.CanSeek);
        Assert.Throws<NotSupportedException>(() => s.Length);
        Assert.Throws<NotSupportedException>(() => s.Position);
        Assert.Throws<NotSupportedException>(() => s.Position = 0);
        Assert.Throws<NotSupportedException>(() => s.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => s.SetLength(0));

        s.Write([1, 2], 0, 2);
        s.Write(new ReadOnlySpan<byte>([3]));
        await s.WriteAsync(new ReadOnlyMemory<byte>([4]));
        await s.WriteAsync(new byte[] { 9, 5, 9 }, 1, 1);
        s.Flush();
        await s.FlushAsync();
        var got = new byte[5];
        Assert.Equal(5, outPipe.Read(got));
        Assert.Equal([1, 2, 3, 4, 5], got);

        inPipe.Write([10, 11, 12, 13, 14, 15]);
        var buf = new byte[3];
        Assert.Equal(1, s.Read(buf, 2, 1));
        Assert.Equal(10, buf[2]);
        Assert.Equal(1, s.Read(buf.AsSpan(0, 1)));
        Assert.Equal(11, buf[0]);
        Assert.Equal(1, await s.ReadAsync(buf.AsMemory(1, 1)));
        Assert.Equal(12, buf[1]);
        Assert.Equal(3, await s.ReadAsync(buf, 0, 3));
        Assert.Equal([13, 14, 15], buf);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Closing_a_duplex_stream_closes_both_directions(bool async)
    {
        var inPipe = new Pipe(64);
        var outPipe = new Pipe(64);
        var s = new DuplexPipeStream(inPipe.AsReadStream(), outPipe.AsWriteStream());
        if (async) await s.DisposeAsync();
        else s.Dispose();
        Assert.Equal(0, outPipe.Read(new byte[4])); // the peer reading our output sees its end
        Assert.Throws<EndpointClosedException>(() => inPipe.Write([1])); // and our input no longer takes bytes
    }
}
