namespace VerifiedIpc.Reference.Tests.Core;

/// <summary>
/// The error types and process ids every other folder relies on: what each error says and carries, and how
/// process ids compare and print. Written against the mutants Stryker left alive in <c>src/Reference/Core</c>
/// (see docs/mutation.md); each assertion is behaviour a caller can observe.
/// </summary>
public sealed class CoreMutationTests
{
    [Fact]
    public void A_closed_endpoint_error_without_a_message_names_the_endpoint_and_carries_nothing()
    {
        var e = new EndpointClosedException("box-1");
        Assert.Equal("'box-1' is closed.", e.Message);
        Assert.Equal("box-1", e.Endpoint);
        Assert.False(e.HasUndelivered);
        Assert.Null(e.Undelivered);
    }

    [Fact]
    public void A_closed_endpoint_error_with_a_message_says_it_is_handed_back_and_carries_it()
    {
        var body = new object();
        var e = new EndpointClosedException("pipe-9", body, hasUndelivered: true);
        Assert.Equal("'pipe-9' is closed; the message was not delivered and is handed back in Undelivered.", e.Message);
        Assert.Equal("pipe-9", e.Endpoint);
        Assert.True(e.HasUndelivered);
        Assert.Same(body, e.Undelivered);
    }

    [Fact]
    public void A_too_large_error_states_what_its_size_and_the_cap()
    {
        var e = new MessageTooLargeException(70_000, 65_536, "frame payload");
        Assert.Equal("The frame payload is 70000 bytes, over the cap of 65536 bytes; nothing was sent.", e.Message);
        Assert.Equal(70_000, e.Size);
        Assert.Equal(65_536, e.Limit);
        Assert.StartsWith("The message is 5 bytes", new MessageTooLargeException(5, 4).Message);
    }

    [Fact]
    public void A_not_opened_error_names_the_process_the_operation_and_the_endpoint()
    {
        var e = new NotOpenedException("mbox", new ProcessId(3), "Receive");
        Assert.Equal("Process p3 called Receive on 'mbox' without having opened it.", e.Message);
        Assert.Equal("mbox", e.Endpoint);
        Assert.Equal(new ProcessId(3), e.Process);
    }

    [Fact]
    public void A_policy_violation_names_the_endpoint_before_the_reason()
    {
        var e = new PolicyViolationException("link", "a third process may not bind");
        Assert.Equal("'link': a third process may not bind", e.Message);
        Assert.Equal("link", e.Endpoint);
        Assert.IsAssignableFrom<IpcException>(e);
    }

    [Fact]
    public void Only_minus_one_is_any_and_it_prints_as_any()
    {
        Assert.True(ProcessId.Any.IsAny);
        Assert.Equal(-1, ProcessId.Any.Value);
        Assert.False(new ProcessId(0).IsAny);
        Assert.False(new ProcessId(1).IsAny);
        Assert.False(new ProcessId(-2).IsAny);
        Assert.Equal("any", ProcessId.Any.ToString());
        Assert.Equal("p0", new ProcessId(0).ToString());
        Assert.Equal("p12", new ProcessId(12).ToString());
    }

    [Fact]
    public void Process_ids_order_by_their_value()
    {
        Assert.True(new ProcessId(1).CompareTo(new ProcessId(2)) < 0);
        Assert.True(new ProcessId(2).CompareTo(new ProcessId(1)) > 0);
        Assert.Equal(0, new ProcessId(4).CompareTo(new ProcessId(4)));
        Assert.True(ProcessId.Any.CompareTo(new ProcessId(0)) < 0);
        var sorted = new[] { new ProcessId(3), ProcessId.Any, new ProcessId(1) }.Order().ToArray();
        Assert.Equal(new[] { ProcessId.Any, new ProcessId(1), new ProcessId(3) }, sorted);
    }
}
