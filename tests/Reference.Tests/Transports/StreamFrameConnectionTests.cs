using VerifiedIpc.Reference.Framing;
using VerifiedIpc.Reference.Streams;
using VerifiedIpc.Reference.Transports;
using VerifiedIpc.Reference.Transports.Pipes;
using VerifiedIpc.Reference.Tests.Direct;
using VerifiedIpc.Reference.Tests.Streams;

namespace VerifiedIpc.Reference.Tests.Transports;

/// <summary>
/// <see cref="StreamFrameConnection"/> on its own, over in-memory pipes, with the test playing the peer frame by
/// frame: the handshake and what it refuses, the frames a send puts on the stream, what a receive skips or stops
/// at, one receive at a time, disposal (once, with a Close frame), and a write that fails.
/// </summary>
public sealed class StreamFrameConnectionTests
{
    private static readonly ProcessId Me = new(1), Peer = new(2);
    private static readonly FrameCodec Codec = new();

    /// <summary>A connection's stream and the peer's raw ends of the two pipes under it.</summary>
    private sealed class Wire
    {
        public readonly Pipe ToConnection = new(1 << 20, "to-connection");
        public readonly Pipe FromConnection = new(1 << 20, "from-connection");

        public Stream ConnectionStream() => new DuplexPipeStream(ToConnection.AsReadStream(), FromConnection.AsWriteStream());

        public void PeerWrites(FrameKind kind, ulong sequence = 0, byte[]? payload = null, ProcessId? source = null) =>
            ToConnection.Write(Codec.Encode(new FrameHeader(kind, FrameFlags.None, source ?? Peer, Me, sequence, 0), payload ?? []));

        private readonly List<byte> _unread = new();

        /// <summary>The next frame the connection wrote.</summary>
        public async Task<Frame> PeerReadsAsync()
        {
            var chunk = new byte[4096];
            while (true)
            {
                var span = _unread.ToArray();
                if (Codec.TryDecode(span, out var header, out var payload, out int used))
                {
                    _unread.RemoveRange(0, used);
                    return new Frame(header, payload.ToArray());
                }
                int n = await FromConnection.ReadAsync(chunk).AsTask().Within();
                Assert.True(n > 0, "the connection's stream ended before a whole frame");
                _unread.AddRange(chunk.AsSpan(0, n).ToArray());
            }
        }
    }

    private static async Task<(StreamFrameConnection Connection, Wire Wire)> OpenAsync(Action? onDisposed = null, int max = 1024)
    {
        var wire = new Wire();
        wire.PeerWrites(FrameKind.Hello);
        var connection = await StreamFrameConnection.OpenAsync(wire.ConnectionStream(), Me, max, onDisposed: onDisposed).Within();
        var hello = await wire.PeerReadsAsync();
        Assert.Equal(FrameKind.Hello, hello.Header.Kind);
        Assert.Equal(Me, hello.Header.Source);
        return (connection, wire);
    }

    [Fact]
    public async Task The_handshake_learns_the_peers_id_and_the_size_limit_is_the_one_asked_for()
    {
        var (c, _) = await OpenAsync(max: 777);
        Assert.Equal(Me, c.Local);
        Assert.Equal(Peer, c.Remote);
        Assert.Equal(777, c.MaxMessageSize);
        await Assert.ThrowsAsync<ArgumentNullException>(() => StreamFrameConnection.OpenAsync(null!, Me));
    }

    [Fact]
    public async Task A_first_frame_that_is_not_hello_is_refused_at_the_kind_field_and_the_stream_is_released()
    {
        var wire = new Wire();
        wire.PeerWrites(FrameKind.Data, 1, [1, 2, 3]);
        int disposed = 0;
        var ex = await Assert.ThrowsAsync<FrameFormatException>(() =>
            StreamFrameConnection.OpenAsync(wire.ConnectionStream(), Me, onDisposed: () => disposed++).Within());
        Assert.Equal(FrameField.Kind, ex.Field);
        Assert.Equal(5, ex.Offset);
        Assert.Contains("the first frame must be Hello, not Data", ex.Message);
        Assert.Equal(1, disposed);
    }

    [Fact]
    public async Task A_peer_that_ends_the_stream_before_hello_is_a_closed_endpoint_not_a_hang()
    {
        var wire = new Wire();
        wire.ToConnection.Close();
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() =>
            StreamFrameConnection.OpenAsync(wire.ConnectionStream(), Me).Within());
        Assert.Contains("vanished without closing", ex.Message);
    }

    [Fact]
    public async Task Each_send_is_one_data_frame_numbered_from_one_addressed_to_the_peer()
    {
        var (c, wire) = await OpenAsync();
        await c.SendAsync(new byte[] { 7 }).Within();
        await c.SendAsync(new byte[] { 8, 9 }).Within();
        var first = await wire.PeerReadsAsync();
        var second = await wire.PeerReadsAsync();
        Assert.Equal((FrameKind.Data, 1UL, Me, Peer), (first.Header.Kind, first.Header.Sequence, first.Header.Source, first.Header.Destination));
        Assert.Equal([7], first.Payload.ToArray());
        Assert.Equal(2UL, second.Header.Sequence);
        Assert.Equal([8, 9], second.Payload.ToArray());
        var tooLarge = await Assert.ThrowsAsync<MessageTooLargeException>(() => c.SendAsync(new byte[1025]));
        Assert.Equal(1025, tooLarge.Size);
        await c.SendAsync(new byte[1024]).Within(); // exactly the limit goes
    }

    [Fact]
    public async Task A_receive_skips_acks_and_stops_for_good_at_close()
    {
        var (c, wire) = await OpenAsync();
        wire.PeerWrites(FrameKind.Ack, 5);
        wire.PeerWrites(FrameKind.Data, 1, [42]);
        Assert.Equal([42], await c.ReceiveAsync().Within());
        wire.PeerWrites(FrameKind.Close);
        Assert.Null(await c.ReceiveAsync().Within());
        Assert.Null(await c.ReceiveAsync().Within());
    }

    [Fact]
    public async Task A_frame_larger_than_the_first_read_buffer_arrives_whole()
    {
        var (c, wire) = await OpenAsync(max: 16384);
        var big = Enumerable.Range(0, 9000).Select(i => (byte)i).ToArray(); // the read buffer starts at 4 KiB
        wire.PeerWrites(FrameKind.Data, 1, big);
        Assert.Equal(big, await c.ReceiveAsync().Within());
    }

    [Fact]
    public async Task A_second_hello_breaks_the_connection_with_a_kind_error()
    {
        var (c, wire) = await OpenAsync();
        wire.PeerWrites(FrameKind.Hello);
        var ex = await Assert.ThrowsAsync<FrameFormatException>(() => c.ReceiveAsync().Within());
        Assert.Equal(FrameField.Kind, ex.Field);
        Assert.Contains("a second Hello", ex.Message);
        Assert.Null(await c.ReceiveAsync().Within()); // broken: no further frames are read
    }

    [Fact]
    public async Task Only_one_receive_at_a_time_and_the_next_one_is_allowed_after_it()
    {
        var (c, wire) = await OpenAsync();
        var pending = c.ReceiveAsync();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => c.ReceiveAsync());
        Assert.Equal("One receive at a time on a stream connection.", ex.Message);
        wire.PeerWrites(FrameKind.Data, 1, [1]);
        Assert.Equal([1], await pending.Within());
        wire.PeerWrites(FrameKind.Data, 2, [2]);
        Assert.Equal([2], await c.ReceiveAsync().Within());
    }

    [Fact]
    public async Task Disposing_sends_close_once_runs_the_callback_once_and_refuses_later_sends()
    {
        int disposed = 0;
        var (c, wire) = await OpenAsync(onDisposed: () => disposed++);
        await c.DisposeAsync();
        await c.DisposeAsync();
        Assert.Equal(1, disposed);
        var close = await wire.PeerReadsAsync();
        Assert.Equal(FrameKind.Close, close.Header.Kind);
        Assert.Equal((Me, Peer), (close.Header.Source, close.Header.Destination));
        Assert.Equal(0, await wire.FromConnection.ReadAsync(new byte[16]).AsTask().Within()); // and the stream ended
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => c.SendAsync(new byte[] { 1 }));
        Assert.Contains("p1", ex.Endpoint);
        await Assert.ThrowsAsync<EndpointClosedException>(() => c.ReceiveAsync());
    }

    [Fact]
    public async Task Disposing_succeeds_when_the_peer_no_longer_reads_even_over_an_in_process_pipe()
    {
        // Over a socket the Close frame then fails with an IOException; over an in-process pipe with
        // EndpointClosedException. Either way closing must succeed and release the stream.
        int disposed = 0;
        var (c, wire) = await OpenAsync(onDisposed: () => disposed++);
        wire.FromConnection.CloseReader();
        await c.DisposeAsync();
        Assert.Equal(1, disposed);
        Assert.Throws<EndpointClosedException>(() => wire.ToConnection.Write([1])); // the stream was released
    }

    [Fact]
    public async Task A_close_frame_the_peer_never_takes_is_given_up_after_the_close_timeout_on_the_transports_clock()
    {
        var time = new TimerWatchingTimeProvider();
        var wire = new Wire();
        wire.PeerWrites(FrameKind.Hello);
        int disposed = 0;
        var c = await StreamFrameConnection.OpenAsync(wire.ConnectionStream(), Me, onDisposed: () => disposed++, timeProvider: time).Within();
        Assert.Equal(FrameKind.Hello, (await wire.PeerReadsAsync()).Header.Kind);
        wire.FromConnection.Write(new byte[1 << 20]); // the peer reads nothing more: the pipe is full
        time.ClearArmedDueTimes();

        var closing = c.DisposeAsync().AsTask();
        // The Close frame waits for room, bounded by a timer on the clock the connection was given (never the system's).
        Assert.Equal([StreamFrameConnection.CloseTimeout], time.ArmedDueTimes);
        time.Fake.Advance(StreamFrameConnection.CloseTimeout - TimeSpan.FromTicks(1));
        Assert.False(closing.IsCompleted);
        time.Fake.Advance(TimeSpan.FromTicks(1));
        await closing.Within();
        Assert.Equal(1, disposed);
        Assert.Throws<EndpointClosedException>(() => wire.ToConnection.Write([1])); // the stream was released
    }

    [Fact]
    public async Task A_broken_connection_releases_its_stream_so_the_peer_sees_the_end()
    {
        var (c, wire) = await OpenAsync();
        wire.PeerWrites(FrameKind.Hello);
        await Assert.ThrowsAsync<FrameFormatException>(() => c.ReceiveAsync().Within());
        Assert.Equal(0, await wire.FromConnection.ReadAsync(new byte[8]).AsTask().Within());
    }

    [Fact]
    public async Task A_write_that_fails_hands_the_message_back_in_a_closed_endpoint_error()
    {
        var wire = new Wire();
        wire.PeerWrites(FrameKind.Hello);
        var failing = new FailingWrites(wire.ConnectionStream());
        var c = await StreamFrameConnection.OpenAsync(failing, Me).Within();
        failing.Fail = true;
        var ex = await Assert.ThrowsAsync<EndpointClosedException>(() => c.SendAsync(new byte[] { 5, 6 }));
        Assert.True(ex.HasUndelivered);
        Assert.Equal([5, 6], (byte[])ex.Undelivered!);
        Assert.Contains("p1→p2", ex.Endpoint);
        Assert.Contains("the wire is cut", ex.Endpoint);
        await c.DisposeAsync(); // closing still succeeds although the Close frame cannot be written
    }

    /// <summary>A stream whose writes throw <see cref="IOException"/> once <see cref="Fail"/> is set.</summary>
    private sealed class FailingWrites(Stream inner) : Stream
    {
        public bool Fail;
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            Fail ? throw new IOException("the wire is cut") : inner.WriteAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
