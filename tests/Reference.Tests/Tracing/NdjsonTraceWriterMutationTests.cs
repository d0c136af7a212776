using System.Text;
using System.Text.Json;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Streams;
using VerifiedIpc.Reference.Tracing;

namespace VerifiedIpc.Reference.Tests.Tracing;

/// <summary>
/// The NDJSON writer's edges, event by event: each role mapping, fields present or absent, the destination's
/// lifetime (flushed, disposed or left open), errors kept rather than thrown into the traced primitive, and
/// <see cref="NdjsonTraceWriter.Reset"/>. Events are fed to the tracer interfaces directly, as a primitive would.
/// </summary>
public sealed class NdjsonTraceWriterMutationTests
{
    private static JsonElement Single(NdjsonTraceWriter w) => JsonDocument.Parse(Assert.Single(w.Lines)).RootElement;

    /// <summary>Counts flushes and disposal, so the writer's duties to its destination can be checked.</summary>
    private sealed class WatchedStream : MemoryStream
    {
        public int Flushes { get; private set; }
        public bool Disposed { get; private set; }
        public bool FailFlush { get; init; }

        public override void Flush()
        {
            if (FailFlush) throw new IOException("flush failed");
            Flushes++;
            base.Flush();
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    private sealed class WatchedWriter : StringWriter
    {
        public int Flushes { get; private set; }
        public bool Disposed { get; private set; }

        public override void Flush()
        {
            Flushes++;
            base.Flush();
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    [Theory]
    [InlineData(BufferRole.Sender, "sender")]
    [InlineData(BufferRole.Receiver, "receiver")]
    [InlineData(BufferRole.Buffer, "buffer")]
    public void Buffer_roles_map_to_their_names(BufferRole role, string name)
    {
        var w = NdjsonTraceWriter.InMemory();
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Close, role, null, 0));
        var line = Single(w);
        Assert.Equal(name, line.GetProperty("role").GetString());
        Assert.False(line.TryGetProperty("msg", out _)); // no message, no msg field
    }

    [Fact]
    public void A_buffer_event_naming_its_process_is_attributed_to_it_not_to_the_caller()
    {
        var w = NdjsonTraceWriter.InMemory();
        using var _ = TraceProcess.Use("caller");
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 1, 1, "p7"));
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 2, 2));
        Assert.Equal(["p7", "caller"], w.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("proc").GetString()));
    }

    [Fact]
    public void An_action_outside_the_vocabulary_is_written_as_its_number()
    {
        var w = NdjsonTraceWriter.InMemory();
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", (BufferAction)99, BufferRole.Buffer, null, 0));
        ((IPipeTracer)w).OnEvent(new PipeTraceEvent("p", (PipeAction)77, 0, 0, 0));
        int justPast = Enum.GetNames<BufferAction>().Length;
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", (BufferAction)justPast, BufferRole.Buffer, null, 0));
        var lines = w.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["99", "77", justPast.ToString()], lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal("buffer", lines[1].GetProperty("role").GetString()); // an unknown pipe step is the medium's
    }

    [Fact]
    public void Nested_tuples_stop_at_the_same_depth_as_sequences()
    {
        var w = NdjsonTraceWriter.InMemory();
        object nine = 1;
        for (var i = 0; i < 9; i++) nine = Tuple.Create(nine);
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, nine, 1));
        Assert.Equal("[[[[[[[[\"(1)\"]]]]]]]]", Single(w).GetProperty("msg").GetRawText());
    }

    [Theory]
    [InlineData(PipeAction.Write, "sender")]
    [InlineData(PipeAction.Copy, "sender")]
    [InlineData(PipeAction.HandBack, "sender")]
    [InlineData(PipeAction.Close, "sender")]
    [InlineData(PipeAction.Read, "receiver")]
    [InlineData(PipeAction.ReadEof, "receiver")]
    [InlineData(PipeAction.CloseReader, "receiver")]
    public void Pipe_steps_map_to_a_side_and_only_a_write_says_what_it_asked_for(PipeAction action, string role)
    {
        var w = NdjsonTraceWriter.InMemory();
        using var _ = TraceProcess.Use("t");
        ((IPipeTracer)w).OnEvent(new PipeTraceEvent("p", action, 5, 3, 2));
        var line = Single(w);
        Assert.Equal(role, line.GetProperty("role").GetString());
        Assert.Equal(action == PipeAction.Write, line.TryGetProperty("n", out var n));
        if (action == PipeAction.Write) Assert.Equal(5, n.GetInt32());
        Assert.Equal(3, line.GetProperty("k").GetInt32());
        Assert.Equal(2, line.GetProperty("count").GetInt32());
        Assert.Equal("t", line.GetProperty("proc").GetString());
        Assert.Equal("p", line.GetProperty("obj").GetString());
    }

    [Fact]
    public void A_link_send_without_a_sequence_number_has_no_msg_or_seq()
    {
        var w = NdjsonTraceWriter.InMemory();
        ((IIpcTracer)w).OnEvent(new IpcTraceEvent(IpcAction.Send, "net", new ProcessId(1), new ProcessId(2), 0, 1));
        var line = Single(w);
        Assert.False(line.TryGetProperty("msg", out _));
        Assert.False(line.TryGetProperty("seq", out _));
        Assert.Equal("p2", line.GetProperty("peer").GetString());
    }

    [Fact]
    public void A_link_step_of_a_known_process_ignores_the_ambient_name()
    {
        var w = NdjsonTraceWriter.InMemory();
        using var _ = TraceProcess.Use("ambient");
        ((IIpcTracer)w).OnEvent(new IpcTraceEvent(IpcAction.Open, "net", new ProcessId(4), ProcessId.Any, 0, 0));
        Assert.Equal("p4", Single(w).GetProperty("proc").GetString());
    }

    [Fact]
    public void A_stream_is_flushed_by_Flush_and_disposed_with_the_writer_unless_left_open()
    {
        var owned = new WatchedStream();
        var w = new NdjsonTraceWriter(owned);
        w.Flush();
        Assert.Equal(1, owned.Flushes);
        w.Dispose();
        Assert.Equal(2, owned.Flushes);
        Assert.True(owned.Disposed);
        w.Dispose(); // a second Dispose does nothing
        Assert.Equal(2, owned.Flushes);

        var shared = new WatchedStream();
        new NdjsonTraceWriter(shared, leaveOpen: true).Dispose();
        Assert.Equal(1, shared.Flushes);
        Assert.False(shared.Disposed);
    }

    [Fact]
    public void A_text_writer_is_flushed_by_Flush_and_disposed_with_the_writer_unless_left_open()
    {
        var owned = new WatchedWriter();
        var w = new NdjsonTraceWriter(owned);
        w.Flush();
        Assert.Equal(1, owned.Flushes);
        w.Dispose();
        Assert.Equal(2, owned.Flushes);
        Assert.True(owned.Disposed);

        var shared = new WatchedWriter();
        new NdjsonTraceWriter(shared, leaveOpen: true).Dispose();
        Assert.Equal(1, shared.Flushes);
        Assert.False(shared.Disposed);
    }

    [Fact]
    public void A_flush_that_fails_on_dispose_is_kept_as_the_fault_and_the_stream_still_disposed()
    {
        var failing = new WatchedStream { FailFlush = true };
        var w = new NdjsonTraceWriter(failing);
        Assert.Null(w.Fault);
        w.Dispose();
        Assert.Equal("flush failed", Assert.IsType<IOException>(w.Fault).Message);
        Assert.True(failing.Disposed);
    }

    [Fact]
    public void A_stopped_trace_writes_nothing_more_and_Flush_reports_the_count_and_cause()
    {
        var stream = new WatchedStream();
        var w = new NdjsonTraceWriter(stream, leaveOpen: true);
        IBufferTracer t = w;
        t.OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 1, 1));
        long length = stream.Length;
        stream.Dispose(); // the destination goes away under the writer
        t.OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 2, 2));
        Assert.IsType<ObjectDisposedException>(w.Fault);
        Assert.Equal(1, w.EventCount);
        var error = Assert.Throws<IOException>(w.Flush);
        Assert.StartsWith("The trace stopped after 1 events: writing it failed (", error.Message);
        Assert.EndsWith(").", error.Message);
        Assert.Equal(length, stream.ToArray().Length);
    }

    [Fact]
    public void A_line_longer_than_the_stack_buffer_reaches_a_text_writer_whole()
    {
        var text = new StringWriter();
        var w = new NdjsonTraceWriter(text, leaveOpen: true);
        string big = new('x', 2000);
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, big, 1));
        Assert.Equal(1, w.EventCount);
        var line = Assert.Single(text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(big, JsonDocument.Parse(line).RootElement.GetProperty("msg").GetString());
        Assert.EndsWith("\n", text.ToString());
    }

    [Fact]
    public void Reset_forgets_lines_and_counts()
    {
        var w = NdjsonTraceWriter.InMemory();
        IBufferTracer t = w;
        t.OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 1, 1));
        t.OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 2, 2));
        Assert.Equal(2, w.EventCount);
        Assert.Equal(2, w.ToNdjson().Count(c => c == '\n'));
        w.Reset();
        Assert.Equal(0, w.EventCount);
        Assert.Empty(w.Lines);
        Assert.Equal("", w.ToNdjson());
        t.OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 3, 1));
        Assert.Equal(1, Single(w).GetProperty("clock").GetInt64());
    }

    [Fact]
    public void A_disposed_in_memory_writer_ignores_every_kind_of_event()
    {
        var w = NdjsonTraceWriter.InMemory();
        w.Dispose();
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 1, 1));
        ((IIpcTracer)w).OnEvent(new IpcTraceEvent(IpcAction.Open, "n", new ProcessId(1), ProcessId.Any, 0, 0));
        ((VerifiedIpc.Reference.Reliable.IDeliveryTracer)w).Trace(new VerifiedIpc.Reference.Reliable.DeliveryTraceEvent(
            VerifiedIpc.Reference.Reliable.DeliveryAction.Send, new ProcessId(1), new ProcessId(2), DateTimeOffset.UnixEpoch, Sequence: 1));
        ((IPipeTracer)w).OnEvent(new PipeTraceEvent("p", PipeAction.Write, 1, 1, 1));
        Assert.Empty(w.Lines);
        Assert.Equal(0, w.EventCount);
    }

    [Fact]
    public void A_text_writer_that_fails_stops_the_trace_for_every_kind_of_event()
    {
        var text = new StringWriter();
        var w = new NdjsonTraceWriter(text, leaveOpen: true);
        text.Dispose();
        ((IPipeTracer)w).OnEvent(new PipeTraceEvent("p", PipeAction.Write, 1, 1, 1));
        Assert.IsType<ObjectDisposedException>(w.Fault);
        ((IIpcTracer)w).OnEvent(new IpcTraceEvent(IpcAction.Open, "n", new ProcessId(1), ProcessId.Any, 0, 0));
        ((VerifiedIpc.Reference.Reliable.IDeliveryTracer)w).Trace(new VerifiedIpc.Reference.Reliable.DeliveryTraceEvent(
            VerifiedIpc.Reference.Reliable.DeliveryAction.Send, new ProcessId(1), new ProcessId(2), DateTimeOffset.UnixEpoch, Sequence: 1));
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, 1, 1));
        Assert.Equal(0, w.EventCount);
        Assert.IsType<ObjectDisposedException>(w.Fault); // the first error is kept
    }

    [Fact]
    public void Nesting_stops_exactly_at_eight_levels()
    {
        var w = NdjsonTraceWriter.InMemory();
        object eight = 1;
        for (var i = 0; i < 8; i++) eight = new object[] { eight };
        object nine = new object[] { eight };
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, eight, 1));
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, nine, 1));
        Assert.Equal(["[[[[[[[[1]]]]]]]]", "[[[[[[[[\"System.Object[]\"]]]]]]]]"],
            w.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("msg").GetRawText()));
    }

    [Fact]
    public void Infinite_floating_point_values_are_written_as_text()
    {
        var w = NdjsonTraceWriter.InMemory();
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, float.PositiveInfinity, 1));
        ((IBufferTracer)w).OnEvent(new BufferEvent("b", BufferAction.Send, BufferRole.Sender, double.NegativeInfinity, 1));
        Assert.Equal([float.PositiveInfinity.ToString(), double.NegativeInfinity.ToString()],
            w.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("msg").GetString()));
    }

    [Fact]
    public void A_stream_gets_exactly_the_in_memory_lines()
    {
        var stream = new MemoryStream();
        var w = new NdjsonTraceWriter(stream, leaveOpen: true);
        var mem = NdjsonTraceWriter.InMemory();
        foreach (var t in new IPipeTracer[] { w, mem })
        {
            using var _ = TraceProcess.Use("x");
            t.OnEvent(new PipeTraceEvent("p", PipeAction.Write, 2, 2, 2));
            t.OnEvent(new PipeTraceEvent("p", PipeAction.Read, 0, 2, 0));
        }
        w.Flush();
        Assert.Equal(mem.ToNdjson(), Encoding.UTF8.GetString(stream.ToArray()));
        Assert.Empty(w.Lines); // a stream writer keeps no lines
        Assert.Equal("", w.ToNdjson());
    }
}
