using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Buffers;

/// <summary>
/// The completion-notification and timeout helpers of <see cref="MessageBufferExtensions"/>: the inline path for a
/// finished operation, the outcome passed to the callback, argument checks, and timeouts on the caller's clock.
/// Written against mutants Stryker left alive in <c>src/Reference/Buffers/BufferChannel.cs</c> (docs/mutation.md).
/// </summary>
public sealed class BufferExtensionsMutationTests
{
    [Fact]
    public void A_finished_operation_notifies_inline_with_its_outcome()
    {
        Exception? seen = new InvalidOperationException("not called");
        ValueTask.CompletedTask.OnCompleted(e => seen = e);
        Assert.Null(seen); // called before OnCompleted returned, with null for success

        var error = new TimeoutException("t");
        ValueTask.FromException(error).OnCompleted(e => seen = e);
        Assert.Same(error, seen);
    }

    [Fact]
    public async Task A_pending_operation_notifies_once_it_fails_with_the_exception()
    {
        var source = new TaskCompletionSource();
        var seen = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        new ValueTask(source.Task).OnCompleted(e => seen.SetResult(e));
        Assert.False(seen.Task.IsCompleted);
        var error = new EndpointClosedException("b");
        source.SetException(error);
        Assert.Same(error, await seen.Task.Within());
    }

    [Fact]
    public void A_null_callback_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => ValueTask.CompletedTask.OnCompleted(null!));
    }

    [Fact]
    public async Task The_timeout_helpers_refuse_a_null_buffer()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await ((IMessageBuffer<string>)null!).TrySendAsync("m", TimeSpan.FromSeconds(1)));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await ((IMessageBuffer<string>)null!).ReceiveAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_timed_receive_runs_on_the_given_clock_and_names_the_buffer()
    {
        var time = new FakeTimeProvider();
        var buffer = new BoundedBuffer<string>(2, new BufferOptions { Name = "inbox" });
        var receive = buffer.ReceiveAsync(TimeSpan.FromHours(1), time).AsTask();
        Assert.False(receive.IsCompleted);
        time.Advance(TimeSpan.FromHours(1)); // an hour of fake time: the system clock cannot get there first
        var e = await Assert.ThrowsAsync<TimeoutException>(() => receive.Within());
        Assert.Equal("No message arrived at 'inbox' within 01:00:00.", e.Message);
    }

    [Fact]
    public async Task A_timed_send_runs_on_the_given_clock_and_leaves_the_message_with_the_caller()
    {
        var time = new FakeTimeProvider();
        var buffer = new BoundedBuffer<string>(1);
        await buffer.SendAsync("first");
        var send = buffer.TrySendAsync("second", TimeSpan.FromHours(1), time).AsTask();
        Assert.False(send.IsCompleted);
        time.Advance(TimeSpan.FromHours(1)); // an hour of fake time: the system clock cannot get there first
        Assert.False(await send.Within());
        Assert.Equal(1, buffer.Count);
    }

    [Fact]
    public void Completing_a_send_that_finished_at_once_changes_nothing()
    {
        var op = new SendOperation(pending: false, receipt: null);
        op.Complete(SendStatus.Sent, null);
        Assert.Equal(SendStatus.Sent, op.Status);
        Assert.True(op.Completion.IsCompletedSuccessfully);
    }
}
