using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Handlers;
using VerifiedIpc.Reference.Tests.Direct;

namespace VerifiedIpc.Reference.Tests.Handlers;

/// <summary>
/// Options, identity and failure reporting of event-handler subscriptions: behaviour the subscription tests did not
/// pin down and that Stryker's mutants of <c>src/Reference/Handlers</c> changed unnoticed (docs/mutation.md).
/// </summary>
public sealed class HandlerMutationTests
{
    private static readonly ProcessId P1 = new(1), P2 = new(2);

    [Fact]
    public void The_degree_of_parallelism_is_one_unless_set_and_must_be_at_least_one()
    {
        Assert.Equal(1, new HandlerOptions().MaxDegreeOfParallelism);
        Assert.Equal(1, HandlerOptions.Sequential.MaxDegreeOfParallelism);
        Assert.Equal(1, new HandlerOptions { MaxDegreeOfParallelism = 1 }.MaxDegreeOfParallelism);
        Assert.Equal(4, new HandlerOptions { MaxDegreeOfParallelism = 4 }.MaxDegreeOfParallelism);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HandlerOptions { MaxDegreeOfParallelism = 0 });
        Assert.Equal(nameof(HandlerOptions.MaxDegreeOfParallelism), e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HandlerOptions { MaxDegreeOfParallelism = -3 });
    }

    [Fact]
    public void A_handler_failure_names_receiver_endpoint_sender_and_cause()
    {
        var inner = new FormatException("cannot parse");
        var e = new HandlerFailedException("net:p2", P2, P1, "body", inner);
        Assert.Equal("The handler of p2's subscription on 'net:p2' threw on a message from p1: cannot parse", e.Message);
        Assert.Equal("net:p2", e.Endpoint);
        Assert.Equal(P2, e.Receiver);
        Assert.Equal(P1, e.Sender);
        Assert.Equal("body", e.FailedMessage);
        Assert.Same(inner, e.InnerException);
    }

    [Theory]
    [InlineData(DirectLayout.ReceiverBuffer)]
    [InlineData(DirectLayout.SenderBuffer)]
    public async Task A_subscription_reports_who_subscribed_and_to_whom_and_the_failure_names_the_receiver(DirectLayout layout)
    {
        var net = new DirectNetwork<string>(new DirectOptions { Layout = layout, Capacity = 4, Name = "net" });
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var sub = b.Subscribe(P1, _ => throw new InvalidOperationException("boom"));
        Assert.Equal(P2, sub.Receiver);
        Assert.Equal(P1, sub.Source);
        using var any = a.Subscribe(ProcessId.Any, _ => { });
        Assert.Equal(P1, any.Receiver);
        Assert.True(any.Source.IsAny);

        a.Send(P2, "x");
        var e = await Assert.ThrowsAsync<HandlerFailedException>(() => sub.Completion.Within());
        Assert.Equal(P2, e.Receiver);
        Assert.Contains("boom", e.Message);
        Assert.Contains("p2", e.Message);
    }

    [Theory]
    [InlineData(DirectLayout.ReceiverBuffer)]
    [InlineData(DirectLayout.SenderBuffer)]
    public async Task DisposeAsync_from_inside_the_handler_returns_without_waiting_for_itself(DirectLayout layout)
    {
        var net = new DirectNetwork<string>(new DirectOptions { Layout = layout, Capacity = 4 });
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        Subscription? sub = null;
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var disposedInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            await subscribed.Task;
            // Awaiting its own completion here would wait for this very invocation: a deadlock.
            await sub!.DisposeAsync();
            disposedInside.SetResult();
        });
        a.Send(P2, "one");
        a.Send(P2, "two");
        subscribed.SetResult();
        await disposedInside.Task.Within();
        await sub.Completion.Within();
        Assert.False(sub.IsActive);
        Assert.Equal("two", b.Receive(P1).Body);
    }

    [Fact]
    public async Task DisposeAsync_from_outside_waits_for_the_running_invocation()
    {
        var net = new DirectNetwork<string>(new DirectOptions { Layout = DirectLayout.ReceiverBuffer, Capacity = 4 });
        var a = net.Attach(P1);
        var b = net.Attach(P2);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sub = b.Subscribe(ProcessId.Any, async (m, ct) =>
        {
            entered.SetResult();
            await release.Task; // ignores the token on purpose: DisposeAsync must still wait
        });
        a.Send(P2, "x");
        await entered.Task.Within();
        var disposing = sub.DisposeAsync().AsTask();
        Assert.False(disposing.IsCompleted, "DisposeAsync returned while the handler was still running");
        release.SetResult();
        await disposing.Within();
        Assert.True(sub.Completion.IsCompletedSuccessfully);
    }
}
