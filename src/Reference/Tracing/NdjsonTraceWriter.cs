using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Reference.Tracing;

/// <summary>
/// Writes the steps of any primitive as NDJSON, one JSON object per line, in the shared trace format:
/// <c>{"proc":"p1","clock":7,"kind":"Send","obj":"buffer","role":"sender","msg":["p1",1],"count":1}</c>.
/// Hand it to a primitive as its tracer (it implements every tracer interface of the library).
/// </summary>
/// <remarks>
/// <para><b>clock</b> is a per-object sequence number (1, 2, ...). Primitives call their tracer under their own
/// lock, and this writer numbers and writes each event under its lock nested inside, so for one object the clock
/// order is the order in which the steps took effect: a linearisation. Lines of different objects interleave in
/// the output; each object's own lines stay in clock order. Give each traced object a distinct name.</para>
/// <para><b>proc</b> is the logical process that took the step: for buffers and pipes the ambient
/// <see cref="TraceProcess.Current"/> of the calling code; for direct links, mailboxes and reliable delivery the
/// <see cref="Reference.ProcessId"/> the library already knows (it is the spec's process).</para>
/// <para><b>msg</b> renders a message as a JSON value: strings, numbers and booleans as themselves, tuples
/// (<see cref="ITuple"/>) and sequences as arrays, byte arrays as base64, anything else as its
/// <see cref="object.ToString"/>. A harness that sends <c>("p1", 1)</c> gets <c>["p1",1]</c>, the spec's
/// <c>&lt;&lt;p, n&gt;&gt;</c>.</para>
/// <para>Thread-safe. Events are written as they happen; with a <see cref="TextWriter"/> or <see cref="Stream"/>
/// the caller owns flushing (<see cref="Flush"/>, or <see cref="Dispose"/>).</para>
/// <para>A failing destination never fails the traced primitive: the writer is called under the primitive's lock,
/// in the middle of a step, and an exception there would leave the step half done. The first write error stops
/// the trace instead; <see cref="Fault"/> holds it and <see cref="Flush"/> throws it, so it is not lost.</para>
/// </remarks>
public sealed class NdjsonTraceWriter : IBufferTracer, IIpcTracer, IDeliveryTracer, IPipeTracer, IDisposable
{
    private const int MaxDepth = 8; // nested messages deeper than this are written as their ToString()

    private readonly object _gate = new();
    private readonly Dictionary<string, long> _clocks = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _json;
    private readonly TextWriter? _text;
    private readonly Stream? _stream;
    private readonly List<string>? _lines;
    private readonly bool _leaveOpen;
    private long _events;
    private bool _disposed;
    private Exception? _fault;

    private NdjsonTraceWriter(TextWriter? text, Stream? stream, List<string>? lines, bool leaveOpen)
    {
        _text = text;
        _stream = stream;
        _lines = lines;
        _leaveOpen = leaveOpen;
        // Relaxed escaping keeps process names and message text readable in the file; the output is never embedded in HTML.
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Writes each event as a line to <paramref name="writer"/>.</summary>
    /// <param name="writer">Destination; disposed with this writer unless <paramref name="leaveOpen"/>.</param>
    /// <param name="leaveOpen">Leave <paramref name="writer"/> open on <see cref="Dispose"/>.</param>
    public NdjsonTraceWriter(TextWriter writer, bool leaveOpen = false)
        : this(writer ?? throw new ArgumentNullException(nameof(writer)), null, null, leaveOpen) { }

    /// <summary>Writes each event as a UTF-8 line (no byte-order mark) to <paramref name="stream"/>.</summary>
    /// <param name="stream">Destination; disposed with this writer unless <paramref name="leaveOpen"/>.</param>
    /// <param name="leaveOpen">Leave <paramref name="stream"/> open on <see cref="Dispose"/>.</param>
    public NdjsonTraceWriter(Stream stream, bool leaveOpen = false)
        : this(null, stream ?? throw new ArgumentNullException(nameof(stream)), null, leaveOpen) { }

    /// <summary>A writer that keeps every line in memory (read them with <see cref="Lines"/> or <see cref="ToNdjson"/>).</summary>
    public static NdjsonTraceWriter InMemory() => new(null, null, [], leaveOpen: true);

    /// <summary>The <c>obj</c> of reliable-delivery and link events, which carry no object name of their own.
    /// Both endpoints and the link of one connection should share one writer and this one name, so their events
    /// share one clock.</summary>
    public string DeliveryObject { get; init; } = "delivery";

    /// <summary>The error that stopped the trace (the destination failed), or null.</summary>
    public Exception? Fault
    {
        get { lock (_gate) return _fault; }
    }

    /// <summary>Events written so far.</summary>
    public long EventCount
    {
        get { lock (_gate) return _events; }
    }

    /// <summary>The lines written so far (in-memory writers only; empty otherwise). A snapshot.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return _lines is null ? [] : [.. _lines];
        }
    }

    /// <summary>The in-memory trace as one NDJSON text, each line ending in '\n'.</summary>
    public string ToNdjson()
    {
        lock (_gate)
        {
            if (_lines is null) return "";
            var sb = new StringBuilder();
            foreach (var line in _lines) sb.Append(line).Append('\n');
            return sb.ToString();
        }
    }

    /// <summary>Forgets the in-memory lines and restarts every object's clock at 1 (a harness reuses one writer
    /// across iterations).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _lines?.Clear();
            _clocks.Clear();
            _events = 0;
        }
    }

    // ---- the tracer interfaces ---------------------------------------------------------------------------

    /// <inheritdoc/>
    public void OnEvent(in BufferEvent e)
    {
        var role = e.Role switch
        {
            BufferRole.Sender => "sender",
            BufferRole.Receiver => "receiver",
            _ => "buffer",
        };
        lock (_gate)
        {
            if (_disposed || _fault is not null) return; // a primitive may outlive its writer, or the trace stopped on an error
            var w = Begin(e.Process ?? TraceProcess.Current, e.Buffer, KindName(e.Action), role);
            if (e.Message is not null)
            {
                w.WritePropertyName("msg");
                WriteValue(w, e.Message, 0);
            }
            w.WriteNumber("count", e.Count);
            End();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Adds <c>peer</c> (the other side, when known) and <c>seq</c> (the message's sequence number in the
    /// link); <c>msg</c> is <c>[source, seq]</c> where the event says who the source is.</remarks>
    public void OnEvent(in IpcTraceEvent e)
    {
        string role = e.Action switch
        {
            IpcAction.Send or IpcAction.SendBlocked => "sender",
            IpcAction.Receive or IpcAction.ReceiveBlocked or IpcAction.Deliver or IpcAction.HandlerStart or IpcAction.HandlerEnd => "receiver",
            // A sender's abort carries its message's sequence number (from 1); a receiver's carries 0.
            IpcAction.Abort => e.Sequence > 0 ? "sender" : "receiver",
            // HandBack goes to a blocked sender or to the closer; Open and Close concern the endpoint.
            _ => "buffer",
        };
        ProcessId? source = e.Action switch
        {
            IpcAction.Send or IpcAction.SendBlocked => e.Process,
            IpcAction.Receive or IpcAction.Deliver or IpcAction.HandlerStart or IpcAction.HandlerEnd => e.Peer,
            _ => null,
        };
        lock (_gate)
        {
            if (_disposed || _fault is not null) return; // a primitive may outlive its writer, or the trace stopped on an error
            var w = Begin(e.Process.IsAny ? TraceProcess.Current : e.Process.ToString(), e.Endpoint, KindName(e.Action), role);
            if (source is { } s && e.Sequence > 0)
            {
                w.WriteStartArray("msg");
                w.WriteStringValue(s.ToString());
                w.WriteNumberValue(e.Sequence);
                w.WriteEndArray();
            }
            if (!e.Peer.IsAny) w.WriteString("peer", e.Peer.ToString());
            if (e.Sequence > 0) w.WriteNumber("seq", e.Sequence);
            w.WriteNumber("count", e.Count);
            End();
        }
    }

    /// <inheritdoc/>
    /// <remarks>All delivery events share the object <see cref="DeliveryObject"/>. Sender-side steps have role
    /// <c>sender</c>, receiver-side steps <c>receiver</c>, and the link's own (Drop, Duplicate) <c>buffer</c>: the
    /// medium. Payload: <c>seq</c> (data message), <c>ack</c> (cumulative ack), <c>datagram</c> (link index),
    /// <c>peer</c>, and <c>time</c> (the endpoint's clock, ISO 8601).</remarks>
    public void Trace(in DeliveryTraceEvent e)
    {
        string role = e.Action switch
        {
            DeliveryAction.Send or DeliveryAction.Retransmit or DeliveryAction.Timeout
                or DeliveryAction.AckReceived or DeliveryAction.GiveUp => "sender",
            DeliveryAction.Deliver or DeliveryAction.Ack or DeliveryAction.DiscardDuplicate => "receiver",
            _ => "buffer",
        };
        lock (_gate)
        {
            if (_disposed || _fault is not null) return; // a primitive may outlive its writer, or the trace stopped on an error
            var w = Begin(e.Process.ToString(), DeliveryObject, KindName(e.Action), role);
            w.WriteString("peer", e.Peer.ToString());
            switch (e.Action)
            {
                case DeliveryAction.Ack or DeliveryAction.AckReceived:
                    w.WriteNumber("ack", e.Ack);
                    break;
                case DeliveryAction.Drop or DeliveryAction.Duplicate:
                    w.WriteNumber("datagram", e.LinkIndex);
                    break;
                default:
                    w.WriteNumber("seq", e.Sequence);
                    break;
            }
            w.WriteString("time", e.Time.ToString("O", CultureInfo.InvariantCulture));
            End();
        }
    }

    /// <inheritdoc/>
    /// <remarks>Payload: <c>n</c> (bytes a write asked for, Write only), <c>k</c> (bytes moved), <c>count</c>
    /// (bytes buffered after the step).</remarks>
    public void OnEvent(in PipeTraceEvent e)
    {
        string role = e.Action switch
        {
            PipeAction.Write or PipeAction.Copy or PipeAction.HandBack or PipeAction.Close => "sender",
            PipeAction.Read or PipeAction.ReadEof or PipeAction.CloseReader => "receiver",
            _ => "buffer",
        };
        lock (_gate)
        {
            if (_disposed || _fault is not null) return; // a primitive may outlive its writer, or the trace stopped on an error
            var w = Begin(TraceProcess.Current, e.Pipe, KindName(e.Action), role);
            if (e.Action == PipeAction.Write) w.WriteNumber("n", e.Requested);
            w.WriteNumber("k", e.Bytes);
            w.WriteNumber("count", e.Count);
            End();
        }
    }

    /// <summary>Flushes the underlying writer or stream.</summary>
    /// <exception cref="IOException">An earlier write failed and stopped the trace (the original error is the inner
    /// exception); or flushing itself failed.</exception>
    public void Flush()
    {
        lock (_gate)
        {
            if (_fault is { } fault)
            {
                throw new IOException($"The trace stopped after {_events} events: writing it failed ({fault.Message}).", fault);
            }
            _text?.Flush();
            _stream?.Flush();
        }
    }

    /// <summary>Flushes, and disposes the destination unless it was to be left open. Later events are ignored.
    /// A write error that stopped the trace stays in <see cref="Fault"/> (Dispose does not throw it).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            if (_fault is null)
            {
                try
                {
                    _text?.Flush();
                    _stream?.Flush();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
                {
                    _fault = e;
                }
            }
            if (!_leaveOpen)
            {
                _text?.Dispose();
                _stream?.Dispose();
            }
            _json.Dispose();
        }
    }

    // ---- line assembly (under _gate) -----------------------------------------------------------------------

    private Utf8JsonWriter Begin(string proc, string obj, string kind, string role)
    {
        long clock = _clocks.TryGetValue(obj, out var c) ? c + 1 : 1;
        _clocks[obj] = clock;
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString("proc", proc);
        _json.WriteNumber("clock", clock);
        _json.WriteString("kind", kind);
        _json.WriteString("obj", obj);
        _json.WriteString("role", role);
        return _json;
    }

    private void End()
    {
        _json.WriteEndObject();
        _json.Flush();
        var bytes = _buffer.WrittenSpan;
        if (_lines is not null)
        {
            _lines.Add(Encoding.UTF8.GetString(bytes));
            _events++;
            return;
        }
        try
        {
            if (_stream is not null)
            {
                _stream.Write(bytes);
                _stream.WriteByte((byte)'\n');
            }
            else if (_text is not null)
            {
                Span<char> chars = bytes.Length <= 512 ? stackalloc char[bytes.Length] : new char[bytes.Length];
                int n = Encoding.UTF8.GetChars(bytes, chars);
                _text.Write(chars[..n]);
                _text.Write('\n');
            }
            _events++;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
        {
            // Not swallowed: kept in Fault and thrown by Flush (see the remarks on the type).
            _fault = e;
        }
    }

    private static void WriteValue(Utf8JsonWriter w, object? value, int depth)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); return;
            case string s: w.WriteStringValue(s); return;
            case bool b: w.WriteBooleanValue(b); return;
            case int i: w.WriteNumberValue(i); return;
            case long l: w.WriteNumberValue(l); return;
            case short sh: w.WriteNumberValue(sh); return;
            case byte by: w.WriteNumberValue(by); return;
            case uint ui: w.WriteNumberValue(ui); return;
            case ulong ul: w.WriteNumberValue(ul); return;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); return;
            case float f when float.IsFinite(f): w.WriteNumberValue(f); return;
            case decimal m: w.WriteNumberValue(m); return;
            case ProcessId p: w.WriteStringValue(p.ToString()); return;
            case byte[] bytes: w.WriteBase64StringValue(bytes); return;
            case ReadOnlyMemory<byte> rom: w.WriteBase64StringValue(rom.Span); return;
            case Memory<byte> mem: w.WriteBase64StringValue(mem.Span); return;
        }
        if (depth < MaxDepth)
        {
            if (value is ITuple tuple)
            {
                w.WriteStartArray();
                for (int k = 0; k < tuple.Length; k++) WriteValue(w, tuple[k], depth + 1);
                w.WriteEndArray();
                return;
            }
            if (value is IEnumerable items)
            {
                w.WriteStartArray();
                foreach (var item in items) WriteValue(w, item, depth + 1);
                w.WriteEndArray();
                return;
            }
        }
        w.WriteStringValue(value.ToString());
    }

    // Enum.ToString allocates and reflects per call; the vocabularies are small and fixed, so look them up once.
    private static readonly string[] BufferKinds = Enum.GetNames<BufferAction>();
    private static readonly string[] IpcKinds = Enum.GetNames<IpcAction>();
    private static readonly string[] DeliveryKinds = Enum.GetNames<DeliveryAction>();
    private static readonly string[] PipeKinds = Enum.GetNames<PipeAction>();

    private static string KindName(BufferAction a) => Kind(BufferKinds, (int)a, a);
    private static string KindName(IpcAction a) => Kind(IpcKinds, (int)a, a);
    private static string KindName(DeliveryAction a) => Kind(DeliveryKinds, (int)a, a);
    private static string KindName(PipeAction a) => Kind(PipeKinds, (int)a, a);

    private static string Kind<TEnum>(string[] names, int index, TEnum value) where TEnum : struct, Enum =>
        (uint)index < (uint)names.Length ? names[index] : value.ToString();
}
