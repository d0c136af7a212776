using System.Text;
using System.Text.Json;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Streams;
using VerifiedIpc.Reference.Tracing;

namespace VerifiedIpc.Reference.Tests.Tracing;

/// <summary>The NDJSON trace format (issue 8): exact lines from each kind of primitive, per-object clocks, process
/// names, message rendering and the destinations.</summary>
public sealed class NdjsonTraceWriterTests
{
    private static JsonElement[] Parse(NdjsonTraceWriter w) =>
        [.. w.Lines.Select(l => JsonDocument.Parse(l).RootElement)];

    private static string[] Kinds(IEnumerable<JsonElement> lines) => [.. lines.Select(l => l.GetProperty("kind").GetString()!)];

    [Fact]
    public void Bounded_buffer_steps_are_exact_lines_in_the_shared_format()
    {
        var w = NdjsonTraceWriter.InMemory();
        var buffer = new BoundedBuffer<(string, int)>(2, new BufferOptions { Name = "buf", Tracer = w });
        using (TraceProcess.Use("p1")) buffer.Send(("p1", 1));
        using (TraceProcess.Use("c1")) Assert.Equal(("p1", 1), buffer.Receive());

        Assert.Equal(
        [
            """{"proc":"p1","clock":1,"kind":"Send","obj":"buf","role":"sender","msg":["p1",1],"count":1}""",
            """{"proc":"c1","clock":2,"kind":"Receive","obj":"buf","role":"receiver","msg":["p1",1],"count":0}""",
        ], w.Lines.Where(l => !l.Contains("\"Broadcast\"")));
    }

    [Fact]
    public void Rendezvous_exchange_steps_are_attributed_to_the_side_whose_step_they_are()
    {
        var w = NdjsonTraceWriter.InMemory();
        var rv = new RendezvousBuffer<(string, int)>(new BufferOptions { Name = "rv", Tracer = w });
        ValueTask send;
        using (TraceProcess.Use("p1")) send = rv.SendAsync(("p1", 1));
        Assert.False(send.IsCompleted);
        using (TraceProcess.Use("c1")) Assert.Equal(("p1", 1), rv.Receive());

        var lines = Parse(w);
        Assert.Equal(["Wait", "Send", "Receive"], Kinds(lines));
        // The parked sender's Send is its own step, completed by the receiver on its behalf.
        Assert.Equal(["p1", "p1", "c1"], lines.Select(l => l.GetProperty("proc").GetString()));
        Assert.Equal([1L, 2L, 3L], lines.Select(l => l.GetProperty("clock").GetInt64()));
        Assert.Equal(1, lines[0].GetProperty("count").GetInt32()); // one sender parked with its message
        Assert.Equal("""["p1",1]""", lines[1].GetProperty("msg").GetRawText());
        Assert.Equal(0, lines[2].GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_waiting_receivers_receive_is_attributed_to_it_and_a_moved_senders_send_to_the_sender()
    {
        var w = NdjsonTraceWriter.InMemory();
        var buffer = new BoundedBuffer<(string, int)>(1, new BufferOptions { Name = "b", Tracer = w });
        ValueTask<(string, int)> receive;
        using (TraceProcess.Use("c1")) receive = buffer.ReceiveAsync();
        using (TraceProcess.Use("p1")) buffer.Send(("p1", 1)); // straight to the waiting receiver
        Assert.Equal(("p1", 1), await receive);
        using (TraceProcess.Use("p1")) buffer.Send(("p1", 2));
        ValueTask parked;
        using (TraceProcess.Use("p2")) parked = buffer.SendAsync(("p2", 1)); // full: parks
        using (TraceProcess.Use("c1")) Assert.Equal(("p1", 2), buffer.Receive()); // frees the slot, moves p2's message in
        await parked;

        var lines = Parse(w);
        Assert.Equal(["Wait", "Send", "Receive", "Send", "Wait", "Receive", "Send"], Kinds(lines));
        Assert.Equal(["c1", "p1", "c1", "p1", "p2", "c1", "p2"], lines.Select(l => l.GetProperty("proc").GetString()));
    }

    [Fact]
    public void Each_object_has_its_own_clock_starting_at_one()
    {
        var w = NdjsonTraceWriter.InMemory();
        var a = new UnboundedBuffer<int>(new BufferOptions { Name = "a", Tracer = w });
        var b = new UnboundedBuffer<int>(new BufferOptions { Name = "b", Tracer = w });
        a.Send(1);
        b.Send(2);
        a.Send(3);
        b.Send(4);
        b.Send(5);

        var lines = Parse(w);
        long[] Clocks(string obj) => [.. lines.Where(l => l.GetProperty("obj").GetString() == obj).Select(l => l.GetProperty("clock").GetInt64())];
        Assert.Equal([1L, 2L], Clocks("a"));
        Assert.Equal([1L, 2L, 3L], Clocks("b"));
    }

    [Fact]
    public void Concurrent_steps_get_contiguous_clocks_in_line_order()
    {
        var w = NdjsonTraceWriter.InMemory();
        var buffer = new UnboundedBuffer<(string, int)>(new BufferOptions { Name = "u", Tracer = w });
        const int producers = 4, each = 250;
        var threads = Enumerable.Range(1, producers).Select(p => new Thread(() =>
        {
            using var _ = TraceProcess.Use("p" + p);
            for (var i = 1; i <= each; i++) buffer.Send(("p" + p, i));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var lines = Parse(w);
        Assert.Equal(Enumerable.Range(1, producers * each).Select(i => (long)i), lines.Select(l => l.GetProperty("clock").GetInt64()));
        // The count after each Send is the clock: events were numbered in the order they took effect.
        Assert.Equal(lines.Select(l => l.GetProperty("clock").GetInt64()), lines.Select(l => (long)l.GetProperty("count").GetInt32()));
        foreach (var group in lines.GroupBy(l => l.GetProperty("proc").GetString()))
        {
            var ns = group.Select(l => l.GetProperty("msg")[1].GetInt32()).ToArray();
            Assert.Equal(Enumerable.Range(1, each), ns); // each producer's own messages in its program order
            Assert.All(group, l => Assert.Equal(group.Key, l.GetProperty("msg")[0].GetString()));
        }
    }

    [Fact]
    public void Unnamed_code_is_attributed_to_its_managed_thread()
    {
        var w = NdjsonTraceWriter.InMemory();
        var buffer = new UnboundedBuffer<int>(new BufferOptions { Name = "u", Tracer = w });
        var thread = new Thread(() => buffer.Send(7));
        thread.Start();
        thread.Join();
        Assert.Equal("t" + thread.ManagedThreadId, Parse(w).Single().GetProperty("proc").GetString());
    }

    [Fact]
    public async Task A_process_name_flows_into_tasks_and_is_restored_when_its_scope_ends()
    {
        Assert.Null(TraceProcess.Name);
        string? inner, inTask;
        using (TraceProcess.Use("outer"))
        {
            using (TraceProcess.Use("inner")) inner = TraceProcess.Current;
            inTask = await Task.Run(() => TraceProcess.Current);
            Assert.Equal("outer", TraceProcess.Current);
        }
        Assert.Equal("inner", inner);
        Assert.Equal("outer", inTask);
        Assert.Null(TraceProcess.Name);
        Assert.Throws<ArgumentException>(() => TraceProcess.Use(" "));
    }

    [Fact]
    public void Messages_render_as_json_values()
    {
        var w = NdjsonTraceWriter.InMemory();
        var buffer = new UnboundedBuffer<object>(new BufferOptions { Name = "m", Tracer = w });
        buffer.Send(42);
        buffer.Send("a \"quoted\" é");
        buffer.Send(("p", (1, true)));
        buffer.Send(new[] { 1, 2 });
        buffer.Send(new byte[] { 1, 2, 3 });
        buffer.Send(new ProcessId(3));
        buffer.Send(2.5);
        buffer.Send(new Uri("http://x/"));

        Assert.Equal(
            ["42", "\"a \\\"quoted\\\" é\"", """["p",[1,true]]""", "[1,2]", "\"AQID\"", "\"p3\"", "2.5", "\"http://x/\""],
            Parse(w).Select(l => l.GetProperty("msg").GetRawText()));
    }

    [Fact]
    public void Mailbox_steps_carry_the_process_ids_the_library_knows()
    {
        var w = NdjsonTraceWriter.InMemory();
        var mailbox = new Mailbox<string>(new MailboxOptions { Name = "mb", Tracer = w });
        ProcessId p1 = new(1), p2 = new(2);
        mailbox.Open(p1);
        mailbox.Open(p2);
        mailbox.Send(p1, "hello");
        Assert.Equal("hello", mailbox.Receive(p2).Body);

        var lines = Parse(w);
        Assert.Equal(["Open", "Open", "Send", "Receive"], Kinds(lines));
        Assert.Equal(["p1", "p2", "p1", "p2"], lines.Select(l => l.GetProperty("proc").GetString()));
        Assert.Equal(["buffer", "buffer", "sender", "receiver"], lines.Select(l => l.GetProperty("role").GetString()));
        Assert.Equal("""["p1",1]""", lines[2].GetProperty("msg").GetRawText());
        Assert.Equal("""["p1",1]""", lines[3].GetProperty("msg").GetRawText());
        Assert.Equal("p1", lines[3].GetProperty("peer").GetString());
        Assert.All(lines, l => Assert.Equal("mb", l.GetProperty("obj").GetString()));
    }

    [Fact]
    public async Task A_handler_receive_is_traced_as_delivery_then_handler_start_and_end()
    {
        var w = NdjsonTraceWriter.InMemory();
        var mailbox = new Mailbox<string>(new MailboxOptions { Name = "mb", Tracer = w });
        ProcessId p1 = new(1), p2 = new(2);
        mailbox.Open(p1);
        mailbox.Open(p2);
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = mailbox.Subscribe(p2, m => handled.TrySetResult(m.Body));
        mailbox.Send(p1, "hi");
        Assert.Equal("hi", await handled.Task.WaitAsync(TimeSpan.FromSeconds(20))); // a failure bound, not a wait for timing
        subscription.Dispose(); // waits for the handler run to finish, so its HandlerEnd is written

        var lines = Parse(w);
        var kinds = Kinds(lines).Where(k => k is "Send" or "Deliver" or "HandlerStart" or "HandlerEnd").ToArray();
        Assert.Equal(["Send", "Deliver", "HandlerStart", "HandlerEnd"], kinds);
        Assert.All(lines.Where(l => l.GetProperty("kind").GetString()!.StartsWith("Handler", StringComparison.Ordinal)), l =>
        {
            Assert.Equal("p2", l.GetProperty("proc").GetString());
            Assert.Equal("receiver", l.GetProperty("role").GetString());
            Assert.Equal("""["p1",1]""", l.GetProperty("msg").GetRawText());
        });
        Assert.Equal(Enumerable.Range(1, lines.Length).Select(i => (long)i), lines.Select(l => l.GetProperty("clock").GetInt64()));
    }

    [Theory]
    [InlineData(IpcAction.Open, "buffer", null)]
    [InlineData(IpcAction.Close, "buffer", null)]
    [InlineData(IpcAction.Send, "sender", "p1")]
    [InlineData(IpcAction.SendBlocked, "sender", "p1")]
    [InlineData(IpcAction.Deliver, "receiver", "p2")]
    [InlineData(IpcAction.Receive, "receiver", "p2")]
    [InlineData(IpcAction.ReceiveBlocked, "receiver", null)]
    [InlineData(IpcAction.HandBack, "buffer", null)]
    [InlineData(IpcAction.HandlerStart, "receiver", "p2")]
    [InlineData(IpcAction.HandlerEnd, "receiver", "p2")]
    public void Link_steps_map_to_a_role_and_name_the_message_source_where_the_step_says_it(IpcAction action, string role, string? source)
    {
        var w = NdjsonTraceWriter.InMemory();
        IIpcTracer tracer = w;
        tracer.OnEvent(new IpcTraceEvent(action, "net", new ProcessId(1), new ProcessId(2), 5, 3));
        var line = Parse(w).Single();
        Assert.Equal(action.ToString(), line.GetProperty("kind").GetString());
        Assert.Equal(role, line.GetProperty("role").GetString());
        Assert.Equal("p1", line.GetProperty("proc").GetString());
        Assert.Equal("p2", line.GetProperty("peer").GetString());
        Assert.Equal(5, line.GetProperty("seq").GetInt64());
        Assert.Equal(3, line.GetProperty("count").GetInt32());
        if (source is null) Assert.False(line.TryGetProperty("msg", out _));
        else Assert.Equal($"[\"{source}\",5]", line.GetProperty("msg").GetRawText());
    }

    [Fact]
    public void A_link_abort_is_the_senders_when_it_carries_a_message_and_unknown_peers_and_sequences_are_left_out()
    {
        var w = NdjsonTraceWriter.InMemory();
        IIpcTracer tracer = w;
        tracer.OnEvent(new IpcTraceEvent(IpcAction.Abort, "net", new ProcessId(1), new ProcessId(2), 4, 0));
        tracer.OnEvent(new IpcTraceEvent(IpcAction.Abort, "net", new ProcessId(2), ProcessId.Any, 0, 0));
        using (TraceProcess.Use("closer")) tracer.OnEvent(new IpcTraceEvent(IpcAction.Close, "net", ProcessId.Any, ProcessId.Any, 0, 2));
        var lines = Parse(w);
        Assert.Equal(["sender", "receiver", "buffer"], lines.Select(l => l.GetProperty("role").GetString()));
        Assert.False(lines[1].TryGetProperty("peer", out _));
        Assert.False(lines[1].TryGetProperty("seq", out _));
        Assert.Equal("closer", lines[2].GetProperty("proc").GetString()); // no process id: the ambient name
    }

    [Theory]
    [InlineData(DeliveryAction.Send, "sender", "seq")]
    [InlineData(DeliveryAction.Retransmit, "sender", "seq")]
    [InlineData(DeliveryAction.Timeout, "sender", "seq")]
    [InlineData(DeliveryAction.GiveUp, "sender", "seq")]
    [InlineData(DeliveryAction.AckReceived, "sender", "ack")]
    [InlineData(DeliveryAction.Deliver, "receiver", "seq")]
    [InlineData(DeliveryAction.DiscardDuplicate, "receiver", "seq")]
    [InlineData(DeliveryAction.Ack, "receiver", "ack")]
    [InlineData(DeliveryAction.Drop, "buffer", "datagram")]
    [InlineData(DeliveryAction.Duplicate, "buffer", "datagram")]
    public void Delivery_steps_map_to_a_side_and_carry_their_number(DeliveryAction action, string role, string field)
    {
        var w = NdjsonTraceWriter.InMemory();
        IDeliveryTracer tracer = w;
        tracer.Trace(new DeliveryTraceEvent(action, new(1), new(2), DateTimeOffset.UnixEpoch, Sequence: 7, Ack: 8, LinkIndex: 9));
        var line = Parse(w).Single();
        Assert.Equal(role, line.GetProperty("role").GetString());
        Assert.Equal(field switch { "seq" => 7, "ack" => 8, _ => 9 }, line.GetProperty(field).GetInt64());
        foreach (var other in new[] { "seq", "ack", "datagram" }.Where(f => f != field))
            Assert.False(line.TryGetProperty(other, out _), $"{action} should not carry {other}");
    }

    [Fact]
    public void Pipe_reader_close_is_the_readers_step()
    {
        var w = NdjsonTraceWriter.InMemory();
        var pipe = new Pipe(4, "pp", tracer: w);
        pipe.Write(new byte[] { 1, 2, 3 });
        Assert.Equal(3, pipe.CloseReader().Length);
        var lines = Parse(w);
        Assert.Equal(["Write", "CloseReader"], Kinds(lines));
        Assert.Equal(["sender", "receiver"], lines.Select(l => l.GetProperty("role").GetString()));
        Assert.Equal(3, lines[1].GetProperty("k").GetInt32());
        Assert.Equal(0, lines[1].GetProperty("count").GetInt32());
    }

    [Fact]
    public void Numbers_of_every_width_render_as_numbers_and_deep_or_odd_values_as_text()
    {
        var w = NdjsonTraceWriter.InMemory();
        var buffer = new UnboundedBuffer<object>(new BufferOptions { Name = "n", Tracer = w });
        object deep = 1;
        for (var i = 0; i < 10; i++) deep = new object[] { deep };
        foreach (var m in new object[] { 5L, (short)-3, (byte)7, 8u, 9ul, 1.5f, 2.25m, double.NaN, new ReadOnlyMemory<byte>([1, 2]), new Memory<byte>([3]), ("x", (string?)null), deep })
            buffer.Send(m);
        var msgs = Parse(w).Select(l => l.GetProperty("msg").GetRawText()).ToArray();
        Assert.Equal(["5", "-3", "7", "8", "9", "1.5", "2.25", "\"NaN\"", "\"AQI=\"", "\"Aw==\"", """["x",null]"""], msgs[..^1]);
        // Nesting deeper than the limit ends in the value's text instead of recursing without bound.
        Assert.StartsWith("[[[[[[[[\"System.Object[]\"]", msgs[^1]);
    }

    [Fact]
    public void Constructors_reject_a_missing_destination()
    {
        Assert.Throws<ArgumentNullException>(() => new NdjsonTraceWriter((TextWriter)null!));
        Assert.Throws<ArgumentNullException>(() => new NdjsonTraceWriter((Stream)null!));
        var w = new NdjsonTraceWriter(new StringWriter());
        Assert.Empty(w.Lines);
        Assert.Equal("", w.ToNdjson());
    }

    [Fact]
    public void Delivery_events_share_one_object_and_clock()
    {
        var w = new NdjsonTraceWriter(new StringWriter()) { DeliveryObject = "conn" };
        var mem = NdjsonTraceWriter.InMemory();
        var t = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        IDeliveryTracer tracer = mem;
        tracer.Trace(new DeliveryTraceEvent(DeliveryAction.Send, new(1), new(2), t, Sequence: 5));
        tracer.Trace(new DeliveryTraceEvent(DeliveryAction.Drop, new(1), new(2), t, LinkIndex: 0));
        tracer.Trace(new DeliveryTraceEvent(DeliveryAction.Ack, new(2), new(1), t, Ack: 6));

        Assert.Equal(
        [
            """{"proc":"p1","clock":1,"kind":"Send","obj":"delivery","role":"sender","peer":"p2","seq":5,"time":"2026-01-02T03:04:05.0000000+00:00"}""",
            """{"proc":"p1","clock":2,"kind":"Drop","obj":"delivery","role":"buffer","peer":"p2","datagram":0,"time":"2026-01-02T03:04:05.0000000+00:00"}""",
            """{"proc":"p2","clock":3,"kind":"Ack","obj":"delivery","role":"receiver","peer":"p1","ack":6,"time":"2026-01-02T03:04:05.0000000+00:00"}""",
        ], mem.Lines);
        Assert.Equal("conn", w.DeliveryObject);
    }

    [Fact]
    public async Task Pipe_steps_follow_the_spec_actions()
    {
        var w = NdjsonTraceWriter.InMemory();
        var pipe = new Pipe(2, "pp", tracer: w);
        ValueTask write;
        using (TraceProcess.Use("writer")) write = pipe.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.False(write.IsCompleted); // two of three bytes fit
        var got = new byte[8];
        using (TraceProcess.Use("reader")) Assert.Equal(2, pipe.Read(got));
        await write;                     // the third byte is copied once room appears
        pipe.Close();
        using (TraceProcess.Use("reader"))
        {
            Assert.Equal(1, pipe.Read(got));
            Assert.Equal(0, pipe.Read(got));
        }
        Assert.Throws<EndpointClosedException>(() => pipe.Write(new byte[] { 9, 9 }));

        var lines = Parse(w);
        Assert.Equal(["Write", "Read", "Copy", "Close", "Read", "ReadEof", "HandBack"], Kinds(lines));
        Assert.Equal(3, lines[0].GetProperty("n").GetInt32());
        Assert.Equal([2, 2, 1, 0, 1, 0, 2], lines.Select(l => l.GetProperty("k").GetInt32()));
        Assert.Equal([2, 0, 1, 1, 0, 0, 0], lines.Select(l => l.GetProperty("count").GetInt32()));
        Assert.Equal("reader", lines[1].GetProperty("proc").GetString());
        Assert.Equal("writer", lines[0].GetProperty("proc").GetString());
    }

    [Fact]
    public void A_stream_gets_utf8_lines_without_a_byte_order_mark()
    {
        var stream = new MemoryStream();
        using (var w = new NdjsonTraceWriter(stream, leaveOpen: true))
        {
            var buffer = new UnboundedBuffer<string>(new BufferOptions { Name = "s", Tracer = w });
            using var _ = TraceProcess.Use("é");
            buffer.Send("x");
            buffer.Send("y");
            Assert.Equal(2, w.EventCount);
        }
        var bytes = stream.ToArray();
        Assert.NotEqual(0xEF, bytes[0]);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Equal(
            """{"proc":"é","clock":1,"kind":"Send","obj":"s","role":"sender","msg":"x","count":1}""" + "\n" +
            """{"proc":"é","clock":2,"kind":"Send","obj":"s","role":"sender","msg":"y","count":2}""" + "\n", text);
    }

    [Fact]
    public void A_text_writer_gets_the_same_lines_as_memory()
    {
        var text = new StringWriter();
        var w = new NdjsonTraceWriter(text, leaveOpen: true);
        var mem = NdjsonTraceWriter.InMemory();
        foreach (var tracer in new[] { w, mem })
        {
            var buffer = new BoundedBuffer<int>(1, new BufferOptions { Name = "b", Tracer = tracer });
            buffer.Send(1);
            buffer.Receive();
            buffer.Close();
        }
        w.Flush();
        Assert.Equal(mem.ToNdjson(), text.ToString());
        Assert.Contains("\"kind\":\"Close\"", text.ToString());
    }

    /// <summary>A stream whose device fills up after <paramref name="capacity"/> bytes.</summary>
    private sealed class FullDisk(int capacity) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Length + buffer.Length > capacity) throw new IOException("No space left on device.");
            base.Write(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);
    }

    [Fact]
    public void A_failing_destination_stops_the_trace_but_never_the_buffer_and_the_error_surfaces_on_flush()
    {
        var disk = new FullDisk(150); // room for one line of about 90 bytes
        var w = new NdjsonTraceWriter(disk, leaveOpen: true);
        var buffer = new BoundedBuffer<int>(4, new BufferOptions { Name = "f", Tracer = w });
        for (var i = 0; i < 4; i++) buffer.Send(i); // the second line fails; every send still succeeds
        Assert.Equal(4, buffer.Count);
        Assert.Equal([0, 1, 2, 3], Enumerable.Range(0, 4).Select(_ => buffer.Receive()));

        Assert.Equal(1, w.EventCount);
        Assert.IsType<IOException>(w.Fault);
        var error = Assert.Throws<IOException>(w.Flush);
        Assert.Contains("after 1 events", error.Message);
        Assert.Same(w.Fault, error.InnerException);
        w.Dispose(); // does not throw; the fault stays readable
        Assert.NotNull(w.Fault);
    }

    [Fact]
    public void Reset_restarts_clocks_and_a_disposed_writer_ignores_late_steps()
    {
        var text = new StringWriter();
        var w = new NdjsonTraceWriter(text, leaveOpen: true);
        var buffer = new UnboundedBuffer<int>(new BufferOptions { Name = "r", Tracer = w });
        buffer.Send(1);
        var mem = NdjsonTraceWriter.InMemory();
        var other = new UnboundedBuffer<int>(new BufferOptions { Name = "r", Tracer = mem });
        other.Send(1);
        mem.Reset();
        other.Send(2);
        Assert.Equal(1, Parse(mem).Single().GetProperty("clock").GetInt64());

        w.Dispose();
        buffer.Send(2); // the buffer outlives its tracer: nothing is written, nothing throws
        Assert.Equal(1, text.ToString().Count(c => c == '\n'));
    }
}
