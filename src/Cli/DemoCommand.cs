using System.CommandLine;
using System.Text;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Buffers;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Mailboxes;
using VerifiedIpc.Reference.Reliable;
using VerifiedIpc.Reference.Streams;

namespace VerifiedIpc.Cli;

/// <summary>
/// <c>vipc demo</c>: a few seconds that exercise every primitive of the reference library — rendezvous, bounded and
/// unbounded buffers, asynchronous send with a callback, direct communication by process id (probe, receive from a
/// named source), event-handler receive, mailboxes under each receiver-selection policy, a pipe, fragmentation and
/// reliable delivery over a lossy link — printing what happens in plain lines.
/// <para>Every line is printed by the demo's own thread after the step it reports has finished (background parties
/// only signal), so the output is the same on every run except the counters of the lossy-link section.
/// Exit code 0 when every step behaved as described, 1 otherwise (the failing step is printed).</para>
/// </summary>
public static class DemoCommand
{
    /// <summary>A bound on every wait, so a broken primitive fails the demo instead of hanging it.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    /// <summary>Builds the <c>demo</c> sub-command.</summary>
    public static Command Create()
    {
        var command = new Command("demo", "Run a short demonstration of every message-passing primitive, printing what happens.");
        var network = NetDemo.AddTo(command); // --transport: two OS processes instead (NetDemo.cs)
        command.SetAction(parse => network(parse) is { } net
            ? NetDemo.Run(net, parse.InvocationConfiguration.Output)
            : Run(parse.InvocationConfiguration.Output));
        return command;
    }

    /// <summary>Runs the demonstration, writing to <paramref name="output"/>; returns the exit code.</summary>
    public static int Run(TextWriter output)
    {
        var demo = new Demo(output);
        try
        {
            demo.Rendezvous();
            demo.Bounded();
            demo.Unbounded();
            demo.AsyncSendWithCallback();
            demo.Direct();
            demo.Handlers();
            demo.Mailboxes();
            demo.PipeStream();
            demo.Fragmentation();
            demo.Reliable();
            output.WriteLine();
            output.WriteLine("demo finished: every primitive behaved as described.");
            return 0;
        }
        catch (Exception e)
        {
            output.WriteLine();
            output.WriteLine($"demo FAILED in '{demo.Section}': {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private sealed class Demo(TextWriter o)
    {
        private static readonly ProcessId P1 = new(1), P2 = new(2), P3 = new(3), P4 = new(4), P9 = new(9);

        public string Section { get; private set; } = "";

        private void Header(string title)
        {
            Section = title;
            o.WriteLine();
            o.WriteLine($"== {title}");
        }

        private void Line(string text) => o.WriteLine($"  {text}");

        private static void Expect(bool condition, string what)
        {
            if (!condition) throw new InvalidOperationException($"expected {what}");
        }

        private static T Await<T>(Task<T> task, string what)
        {
            if (!task.Wait(Bound)) throw new TimeoutException($"{what} did not happen within {Bound.TotalSeconds} s");
            return task.Result;
        }

        private static void Await(Task task, string what)
        {
            if (!task.Wait(Bound)) throw new TimeoutException($"{what} did not happen within {Bound.TotalSeconds} s");
        }

        private static Task<T> OnThread<T>(Func<T> body) =>
            Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        /// <summary>Signals when a buffer reports that a sender started waiting (the buffer's own trace, no polling).</summary>
        private sealed class SenderWaits : IBufferTracer
        {
            public readonly SemaphoreSlim Blocked = new(0);

            public void OnEvent(in BufferEvent e)
            {
                if (e.Action == BufferAction.Wait && e.Role == BufferRole.Sender) Blocked.Release();
            }
        }

        private sealed class ReceiverWaits : IIpcTracer
        {
            public readonly SemaphoreSlim Blocked = new(0);

            public void OnEvent(in IpcTraceEvent e)
            {
                if (e.Action == IpcAction.ReceiveBlocked) Blocked.Release();
            }
        }

        public void Rendezvous()
        {
            Header("Rendezvous (no buffering)");
            var link = new RendezvousBuffer<string>(new BufferOptions { Name = "rendezvous" });
            var receiver = OnThread(() => link.Receive());
            link.Send("ping");
            var got = Await(receiver, "the rendezvous receive");
            Expect(got == "ping", "the receiver to get \"ping\"");
            Line("p1 send(\"ping\") returned only once p2 had taken it");
            Line($"p2 received \"{got}\"; messages held by the link: {link.Count}");
        }

        public void Bounded()
        {
            Header("Bounded buffer, capacity 2 (Mesa monitor)");
            var waits = new SenderWaits();
            var buffer = new BoundedBuffer<string>(2, new BufferOptions { Name = "bounded", Tracer = waits });
            buffer.Send("a");
            buffer.Send("b");
            Line($"p1 sent \"a\" and \"b\": buffer full ({buffer.Count}/2)");
            Expect(!buffer.TrySend("c"), "TrySend to refuse when full");
            Line("p1 TrySend(\"c\") = false: a send now would block");
            var blocked = OnThread(() =>
            {
                buffer.Send("c");
                return true;
            });
            Expect(waits.Blocked.Wait(Bound), "the sender to block on the full buffer");
            Line("p1 send(\"c\") is blocked: the buffer is full");
            var first = buffer.Receive();
            Await(blocked, "the blocked send to resume");
            Line($"p2 received \"{first}\"; the blocked send of \"c\" resumed and completed");
            Line($"remaining in order: \"{buffer.Receive()}\", \"{buffer.Receive()}\"");
        }

        public void Unbounded()
        {
            Header("Unbounded buffer");
            var buffer = new UnboundedBuffer<int>(new BufferOptions { Name = "unbounded" });
            for (int i = 0; i < 10_000; i++) Expect(buffer.TrySend(i), "an unbounded send never to wait");
            Line($"p1 sent 10000 messages without ever blocking; buffered: {buffer.Count}");
            Expect(buffer.Receive() == 0, "FIFO order");
            Line("p2 received the first one: 0");
        }

        public void AsyncSendWithCallback()
        {
            Header("Asynchronous send: status handle and completion callback");
            var buffer = new BoundedBuffer<string>(1, new BufferOptions { Name = "async" });
            buffer.Send("x");
            var status = buffer.SendAsync("y");
            Line($"p1 async_send(\"y\") on a full buffer returned at once; completed = {status.IsCompleted}");
            var called = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            status.OnCompleted(error => called.SetResult(error));
            Line("p1 registered a completion callback and went on with other work");
            Line($"p2 received \"{buffer.Receive()}\"");
            var error = Await(called.Task, "the send's completion callback");
            Expect(error is null, "the send to succeed");
            Line("callback: the send of \"y\" completed (the message is out of p1's memory)");
            Line($"p2 received \"{buffer.Receive()}\"");
        }

        public void Direct()
        {
            Header("Direct communication by process id (a buffer at each receiver)");
            var net = new DirectNetwork<string>(new DirectOptions { Name = "direct", Layout = DirectLayout.ReceiverBuffer, Capacity = 8 });
            var p1 = net.Attach(P1);
            var p2 = net.Attach(P2);
            var p3 = net.Attach(P3);
            net.Attach(P4);
            p1.Send(P2, "from p1 #1");
            p3.Send(P2, "from p3");
            p1.Send(P2, "from p1 #2");
            Line("p1, p3, p1 sent to p2: \"from p1 #1\", \"from p3\", \"from p1 #2\"");
            Line($"p2 probe(p3) = {p2.Probe(P3)}, probe(p4) = {p2.Probe(P4)}");
            var fromP3 = p2.Receive(P3);
            Expect(fromP3.Body == "from p3", "receive(p3) to find p3's message");
            Line($"p2 receive(p3) = \"{fromP3.Body}\" (searched past p1's message ahead of it)");
            Line($"p2 receive(any) = \"{p2.Receive(ProcessId.Any).Body}\", then \"{p2.Receive(ProcessId.Any).Body}\"");
            Line($"p2 async_recv(any) on an empty buffer: got a message = {p2.TryReceive(ProcessId.Any, out _)} (status: no message)");

            var atSender = new DirectNetwork<string>(new DirectOptions { Name = "direct-at-sender", Layout = DirectLayout.SenderBuffer });
            var s1 = atSender.Attach(P1);
            var s2 = atSender.Attach(P2);
            var s3 = atSender.Attach(P3);
            s1.Send(P3, "for p3");
            s1.Send(P2, "for p2");
            var sb = s2.Receive(P1);
            Line($"buffer at each sender: p1's buffer holds \"for p3\", \"for p2\"; p2 receive(p1) searched it and got \"{sb.Body}\"");
            Expect(s3.Receive(P1).Body == "for p3", "p3 to get its message from p1's buffer");
        }

        public void Handlers()
        {
            Header("Event-handler receive (hrecv)");
            var net = new DirectNetwork<string>(new DirectOptions { Name = "hrecv" });
            var p1 = net.Attach(P1);
            var p2 = net.Attach(P2);
            var seen = new List<string>();
            var three = new CountdownEvent(3);
            var sub = p2.Subscribe(ProcessId.Any, m =>
            {
                lock (seen) seen.Add($"handler ran on \"{m.Body}\" from {m.Source}");
                three.Signal();
            });
            Line("p2 subscribed a handler for messages from any sender (one invocation at a time)");
            p1.Send(P2, "e1");
            p1.Send(P2, "e2");
            p1.Send(P2, "e3");
            Expect(three.Wait(Bound), "three handler runs");
            lock (seen) foreach (var s in seen) Line(s);
            sub.Dispose();
            p1.Send(P2, "after");
            Line($"after unsubscribing, a new message stays in the buffer: probe(p1) = {p2.Probe(P1)}");
            Expect(p2.Receive(P1).Body == "after", "the message to stay");
        }

        public void Mailboxes()
        {
            Header("Mailboxes (indirect communication)");

            var pair = new Mailbox<string>(new MailboxOptions { Name = "A", Policy = MailboxPolicy.TwoParty });
            pair.Open(P1);
            pair.Open(P2);
            try
            {
                pair.Open(P3);
                throw new InvalidOperationException("expected the third Open to be refused");
            }
            catch (PolicyViolationException e)
            {
                Line($"(i) two-party link: p1 and p2 opened A; p3 open -> refused ({e.Message})");
            }

            var single = new Mailbox<string>(new MailboxOptions { Name = "B", Policy = MailboxPolicy.SingleReceiver });
            foreach (var p in new[] { P1, P2, P3 }) single.Open(p);
            var p2Receiving = single.ReceiveAsync(P2).AsTask();
            try
            {
                single.Receive(P3);
                throw new InvalidOperationException("expected p3's receive to be refused");
            }
            catch (PolicyViolationException)
            {
                Line("(ii) one receiver at a time: p2 is receiving on B, so p3's receive is refused");
            }
            single.Send(P1, "job");
            Line($"     p1 sent \"job\"; p2 received \"{Await(p2Receiving, "p2's receive").Body}\"");

            var waits = new ReceiverWaits();
            var shared = new Mailbox<string>(new MailboxOptions { Name = "C", Policy = MailboxPolicy.ArbitraryReceiver, Tracer = waits });
            foreach (var p in new[] { P1, P2, P3 }) shared.Open(p);
            var p3Waits = OnThread(() => shared.Receive(P3));
            Expect(waits.Blocked.Wait(Bound), "p3 to wait");
            var p2Waits = OnThread(() => shared.Receive(P2));
            Expect(waits.Blocked.Wait(Bound), "p2 to wait");
            Line("(iii) arbitrary receiver: p3, then p2, wait on C; the system picks the longest-waiting receiver");
            var r1 = shared.Send(P1, "job-1");
            var r2 = shared.Send(P1, "job-2");
            var who1 = Await(r1.Receiver, "the receipt of job-1");
            var who2 = Await(r2.Receiver, "the receipt of job-2");
            Expect(Await(p3Waits, "p3").Body == "job-1" && Await(p2Waits, "p2").Body == "job-2", "job-1 at p3 and job-2 at p2");
            Line($"     p1 sent \"job-1\": received by {who1}");
            Line($"     p1 sent \"job-2\": received by {who2}");

            try
            {
                shared.Receive(P9);
                throw new InvalidOperationException("expected a receive without Open to fail");
            }
            catch (NotOpenedException e)
            {
                Line($"p9 receive on C without opening it -> {e.GetType().Name}");
            }

            shared.Send(P1, "unread");
            shared.Close(P1);
            shared.Close(P2);
            var back = shared.Close(P3);
            Line($"p1, p2, p3 close C; the last close hands back {back.Count} undelivered message: \"{back[0].Body}\"");
        }

        public void PipeStream()
        {
            Header("Pipe (byte stream)");
            var pipe = new Pipe(16, "pipe");
            pipe.Write("hello "u8);
            pipe.Write("world"u8);
            var buffer = new byte[64];
            int n = pipe.Read(buffer);
            Line($"p1 wrote \"hello \" and \"world\" (two writes); p2's one read got {n} bytes: \"{Encoding.ASCII.GetString(buffer, 0, n)}\" (boundaries erased)");
            pipe.Close();
            Line($"after close, read returns {pipe.Read(buffer)} (end of stream)");
            try
            {
                pipe.Write("late"u8);
                throw new InvalidOperationException("expected a write after close to fail");
            }
            catch (EndpointClosedException e)
            {
                Line($"a write after close fails with {e.GetType().Name}; its {((byte[])e.Undelivered!).Length} bytes are handed back");
            }
        }

        public void Fragmentation()
        {
            Header("Fragmentation (large messages as packets)");
            var options = new FragmentationOptions { PacketPayloadSize = 1024, MaxMessageSize = 16 * 1024 };
            var fragmenter = new Fragmenter(options);
            var reassembler = new Reassembler(options);
            var message = new byte[10_000];
            new Random(7).NextBytes(message);
            var packets = fragmenter.Split(message);
            Line($"a {message.Length}-byte message split into {packets.Length} packets of at most {options.PacketPayloadSize} bytes");
            byte[]? whole = null;
            for (int i = packets.Length - 1; i >= 0; i--)
                if (reassembler.Accept(packets[i], out var done) == ReassemblyOutcome.Completed) whole = done;
            Expect(whole is not null && whole.AsSpan().SequenceEqual(message), "the reassembled message to equal the original");
            Line($"delivered in reverse order and reassembled: {whole!.Length} bytes, identical to the original");
            Line($"a late duplicate packet -> {reassembler.Accept(packets[0], out _)}");
            try
            {
                fragmenter.Split(new byte[20_000]);
                throw new InvalidOperationException("expected the size cap to refuse the message");
            }
            catch (MessageTooLargeException e)
            {
                Line($"a 20000-byte message with a cap of {options.MaxMessageSize} -> {e.GetType().Name}, nothing sent");
            }
        }

        public void Reliable()
        {
            Header("Reliable delivery over a lossy link (ack, timeout, retransmit)");
            const int count = 20;
            var rates = new FaultRates { Loss = 0.25, Duplication = 0.1 };
            using var link = new FaultyLink(new SeededFaultSchedule(2024, rates), TimeProvider.System, P1, P2);
            var options = new ReliableOptions { InitialRetransmitTimeout = TimeSpan.FromMilliseconds(20), MinRetransmitTimeout = TimeSpan.FromMilliseconds(5) };
            using var sender = new ReliableEndpoint(link.A, options);
            using var receiver = new ReliableEndpoint(link.B, options);
            var sends = Enumerable.Range(0, count).Select(i => sender.SendAsync(BitConverter.GetBytes(i))).ToArray();
            var received = new List<int>();
            for (int i = 0; i < count; i++)
                received.Add(BitConverter.ToInt32(Await(receiver.ReceiveAsync().AsTask(), $"message {i}")));
            Await(Task.WhenAll(sends), "every acknowledgement");
            Expect(received.SequenceEqual(Enumerable.Range(0, count)), "every message once, in order");
            var linkStats = link.Statistics;
            var s = sender.Statistics;
            Line($"the link loses 25% and duplicates 10% of datagrams (seeded)");
            Line($"p1 sent {count} messages; p2 received all {count}, once each, in order");
            Line($"(this run: the link dropped {linkStats.Dropped} and duplicated {linkStats.Duplicated} datagrams; p1 retransmitted {s.Retransmissions} times)");
        }
    }
}
