using System.CommandLine;

namespace VerifiedIpc.Cli.Tests;

/// <summary>The README's main command: <c>vipc demo</c> runs every primitive and says what happened.</summary>
public sealed class DemoCommandTests
{
    private static (int ExitCode, string Output) RunDemo()
    {
        var output = new StringWriter();
        int exit = Program.BuildRoot().Parse(["demo"]).Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    [Fact]
    public void The_demo_exercises_every_primitive_and_exits_zero()
    {
        var (exit, text) = RunDemo();
        Assert.True(exit == 0, text);
        string[] expected =
        [
            "== Rendezvous (no buffering)",
            "p2 received \"ping\"",
            "p1 send(\"c\") is blocked: the buffer is full",
            "the blocked send of \"c\" resumed and completed",
            "p1 sent 10000 messages without ever blocking; buffered: 10000",
            "async_send(\"y\") on a full buffer returned at once; completed = False",
            "callback: the send of \"y\" completed",
            "p2 probe(p3) = True, probe(p4) = False",
            "p2 receive(p3) = \"from p3\"",
            "p2 receive(any) = \"from p1 #1\", then \"from p1 #2\"",
            "handler ran on \"e1\" from p1",
            "handler ran on \"e3\" from p1",
            "a new message stays in the buffer: probe(p1) = True",
            "(i) two-party link: p1 and p2 opened A; p3 open -> refused",
            "so p3's receive is refused",
            "p1 sent \"job-1\": received by p3",
            "p1 sent \"job-2\": received by p2",
            "without opening it -> NotOpenedException",
            "the last close hands back 1 undelivered message",
            "\"hello world\" (boundaries erased)",
            "after close, read returns 0 (end of stream)",
            "split into 10 packets",
            "identical to the original",
            "MessageTooLargeException, nothing sent",
            "p2 received all 20, once each, in order",
            "demo finished: every primitive behaved as described.",
        ];
        foreach (var line in expected) Assert.Contains(line, text);
    }

    [Fact]
    public void The_demo_prints_its_sections_in_a_fixed_order()
    {
        var (_, text) = RunDemo();
        var sections = text.Split('\n').Where(l => l.StartsWith("== ")).Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(
        [
            "== Rendezvous (no buffering)",
            "== Bounded buffer, capacity 2 (Mesa monitor)",
            "== Unbounded buffer",
            "== Asynchronous send: status handle and completion callback",
            "== Direct communication by process id (a buffer at each receiver)",
            "== Event-handler receive (hrecv)",
            "== Mailboxes (indirect communication)",
            "== Pipe (byte stream)",
            "== Fragmentation (large messages as packets)",
            "== Reliable delivery over a lossy link (ack, timeout, retransmit)",
        ], sections);
    }

    [Fact]
    public void The_demo_is_registered_on_the_root_command()
    {
        Assert.Empty(Program.BuildRoot().Parse(["demo"]).Errors);
    }
}
