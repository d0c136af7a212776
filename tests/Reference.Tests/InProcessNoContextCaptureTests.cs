using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Streams;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests;

/// <summary>
/// The in-process primitives never resume on their caller's <see cref="SynchronizationContext"/> and never post a
/// callback to it: each asynchronous call is started under a <see cref="StalledContext"/> while it must wait (an
/// empty pipe or buffer, a full one), then released from outside it; the call must complete, or the callback run,
/// with nothing posted. A continuation that did resume on the caller's context would never run here, as it would
/// not in an application whose only thread is blocked on the call.
/// </summary>
public sealed class InProcessNoContextCaptureTests
{
    private readonly StalledContext _context = new();

    [Fact]
    public async Task A_pipe_read_waiting_for_data_and_a_write_waiting_for_room_never_resume_on_the_callers_context()
    {
        var pipe = new Pipe(2);
        var buffer = new byte[4];
        var read = _context.Under(() => pipe.ReadAsync(buffer).AsTask());
        pipe.Write([1]);
        Assert.Equal(1, await read);

        pipe.Write([2, 3]); // full
        var write = _context.Under(() => pipe.WriteAsync(new byte[] { 4 }).AsTask());
        Assert.Equal(2, pipe.Read(buffer));
        await write;
        Assert.Equal(1, pipe.Read(buffer));
        Assert.Equal(4, buffer[0]);
    }

    [Fact]
    public async Task A_buffers_channel_read_and_write_that_wait_never_resume_on_the_callers_context()
    {
        var buffer = new BoundedBuffer<string>(1);
        var channel = buffer.AsChannel();
        var read = _context.Under(() => channel.Reader.ReadAsync().AsTask());
        buffer.Send("a");
        Assert.Equal("a", await read);

        buffer.Send("full");
        var write = _context.Under(() => channel.Writer.WriteAsync("b").AsTask());
        Assert.Equal("full", buffer.Receive());
        await write;
        Assert.Equal("b", buffer.Receive());
    }

    [Fact]
    public async Task Timed_sends_and_receives_that_wait_never_resume_on_the_callers_context()
    {
        var buffer = new BoundedBuffer<string>(1);
        var receive = _context.Under(() => buffer.ReceiveAsync(TimeSpan.FromHours(1)).AsTask());
        buffer.Send("a");
        Assert.Equal("a", await receive);

        buffer.Send("full");
        var send = _context.Under(() => buffer.TrySendAsync("b", TimeSpan.FromHours(1)).AsTask());
        Assert.Equal("full", buffer.Receive());
        Assert.True(await send);
        Assert.Equal("b", buffer.Receive());
    }

    [Fact]
    public async Task A_send_status_callback_is_never_posted_to_the_callers_context()
    {
        var buffer = new BoundedBuffer<string>(1);
        buffer.Send("full");
        var pending = buffer.SendAsync("b");
        var called = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _context.Start(() => pending.OnCompleted(e => called.SetResult(e)));
        Assert.Equal("full", buffer.Receive());
        Assert.Null(await called.Task.Within());
        Assert.Equal(0, _context.Posts);
    }

    [Fact]
    public async Task A_direct_send_operations_callback_is_never_posted_to_the_callers_context()
    {
        var net = new DirectNetwork<string>(new DirectOptions { Capacity = 1 });
        var a = net.Attach(new ProcessId(1));
        var b = net.Attach(new ProcessId(2));
        a.Send(new ProcessId(2), "full");
        var op = a.SendAsync(new ProcessId(2), "queued");
        Assert.False(op.IsCompleted);
        var called = new TaskCompletionSource<SendStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        _context.Start(() => op.OnCompleted(o => called.SetResult(o.Status)));
        b.Receive(ProcessId.Any);
        Assert.Equal(SendStatus.Sent, await called.Task.Within());
        Assert.Equal(0, _context.Posts);
    }
}
