using FsCheck;
using FsCheck.Fluent;
using VerifiedIpc.Properties.Infrastructure;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;
using Xunit.Abstractions;

namespace VerifiedIpc.Properties.Mailboxes;

/// <summary>Operations on a shared mailbox by senders p1, p2 and receivers p11, p12.</summary>
public enum MailboxOpKind { SendAsync, TryReceive, ReceiveAsync, Destroy }

/// <summary>One operation; <c>Who</c> picks the sender (1 or 2) or the receiver (11 or 12).</summary>
public readonly record struct MailboxOp(MailboxOpKind Kind, int Who)
{
    public override string ToString() => Kind == MailboxOpKind.Destroy ? "Destroy" : $"{Kind}(p{Who})";
}

/// <summary>A generated case: capacity and operations.</summary>
public sealed record MailboxCase(int Capacity, MailboxOp[] Ops)
{
    public override string ToString() => $"capacity {Capacity}: [{string.Join(", ", Ops)}]";
}

/// <summary>
/// The arbitrary-receiver mailbox (longest-waiting selection) against a sequential model: FIFO buffer, FIFO
/// pending senders, FIFO pending receivers. Each received message names its real sender; each sender's
/// <c>ReceivedBy</c> names the process that really received it, or faults when the message was handed back.
/// </summary>
public sealed class MailboxModelProperties(ITestOutputHelper output)
{
    internal static Arbitrary<MailboxCase> Cases()
    {
        var op = Gen.Frequency(
            (4, Gen.Elements(1, 2).Select(w => new MailboxOp(MailboxOpKind.SendAsync, w))),
            (3, Gen.Elements(11, 12).Select(w => new MailboxOp(MailboxOpKind.TryReceive, w))),
            (3, Gen.Elements(11, 12).Select(w => new MailboxOp(MailboxOpKind.ReceiveAsync, w))),
            (1, Gen.Constant(new MailboxOp(MailboxOpKind.Destroy, 0))));
        var gen = from capacity in Gen.Choose(1, 3)
                  from ops in Gen.ArrayOf(op)
                  select new MailboxCase(capacity, ops);
        return Arb.From(gen, c => Shrink.Sequence(c.Ops).Select(ops => c with { Ops = ops }));
    }

    private sealed record Sent(int Message, ProcessId Sender, SendOperation Operation);

    internal static void Conforms(MailboxCase c, DirectFaults faults)
    {
        var box = new Mailbox<int>(new MailboxOptions { Capacity = c.Capacity, Policy = MailboxPolicy.ArbitraryReceiver, Selection = ReceiverSelection.LongestWaiting }, faults);
        foreach (var p in new[] { 1, 2, 11, 12 })
        {
            box.Open(new ProcessId(p));
        }

        var items = new Queue<Sent>();
        var blocked = new Queue<Sent>();
        var waiting = new Queue<(ProcessId Receiver, Task<Message<int>> Handle)>();
        var receivedBy = new Dictionary<int, ProcessId?>(); // null: handed back
        var expectDone = new HashSet<Sent>();
        var expectValue = new List<(Task<Message<int>> Handle, Sent Message)>();
        var expectClosed = new List<Task>();
        var all = new List<Sent>();
        var destroyed = false;
        var next = 0;

        void Deliver(Sent s, ProcessId receiver) => receivedBy[s.Message] = receiver;

        bool TakeFor(ProcessId receiver, out Sent taken)
        {
            if (!items.TryDequeue(out taken!))
            {
                return false;
            }

            Deliver(taken, receiver);
            if (blocked.TryDequeue(out var promoted))
            {
                items.Enqueue(promoted);
                expectDone.Add(promoted);
            }

            return true;
        }

        for (var step = 0; step < c.Ops.Length; step++)
        {
            var op = c.Ops[step];
            var who = new ProcessId(op.Who);
            string Where() => $"step {step} ({op})";
            switch (op.Kind)
            {
                case MailboxOpKind.SendAsync:
                {
                    var m = Workload(op.Who, next++);
                    if (destroyed)
                    {
                        Expect<EndpointClosedException>(() => box.SendAsync(who, m), Where());
                        break;
                    }

                    var s = new Sent(m, who, box.SendAsync(who, m));
                    all.Add(s);
                    if (waiting.TryDequeue(out var w))
                    {
                        Deliver(s, w.Receiver);
                        expectDone.Add(s);
                        expectValue.Add((w.Handle, s));
                    }
                    else if (items.Count < c.Capacity)
                    {
                        items.Enqueue(s);
                        expectDone.Add(s);
                    }
                    else
                    {
                        blocked.Enqueue(s);
                    }

                    break;
                }

                case MailboxOpKind.TryReceive:
                {
                    if (destroyed)
                    {
                        Expect<EndpointClosedException>(() => box.TryReceive(who, out _), Where());
                        break;
                    }

                    var ok = box.TryReceive(who, out var got);
                    var expected = TakeFor(who, out var want);
                    Require(ok == expected && (!ok || (got.Body == want.Message && got.Source == want.Sender)),
                        $"{Where()}: TryReceive gave ({ok}, {got.Body} from {got.Source}), the model says ({expected}, {want?.Message} from {want?.Sender})");
                    break;
                }

                case MailboxOpKind.ReceiveAsync:
                {
                    if (destroyed)
                    {
                        var h = box.ReceiveAsync(who).AsTask();
                        expectClosed.Add(h);
                        break;
                    }

                    var handle = box.ReceiveAsync(who).AsTask();
                    if (TakeFor(who, out var want))
                    {
                        expectValue.Add((handle, want));
                    }
                    else
                    {
                        waiting.Enqueue((who, handle));
                    }

                    break;
                }

                case MailboxOpKind.Destroy:
                {
                    var handedBack = box.Destroy();
                    var want = items.Select(s => s.Message).ToArray();
                    Require(handedBack.Select(m => m.Body).SequenceEqual(want),
                        $"{Where()}: Destroy handed back [{string.Join(",", handedBack.Select(m => m.Body))}], the model holds [{string.Join(",", want)}]");
                    foreach (var s in items)
                    {
                        receivedBy[s.Message] = null;
                    }

                    foreach (var s in blocked)
                    {
                        receivedBy[s.Message] = null;
                        expectClosed.Add(s.Operation.Completion);
                    }

                    foreach (var (_, handle) in waiting)
                    {
                        expectClosed.Add(handle);
                    }

                    items.Clear();
                    blocked.Clear();
                    waiting.Clear();
                    destroyed = true;
                    break;
                }
            }

            foreach (var s in expectDone)
            {
                Require(s.Operation.Completion.IsCompletedSuccessfully, $"{Where()}: send of {s.Message} is {s.Operation.Status}, the model says sent");
            }

            foreach (var (handle, s) in expectValue)
            {
                Require(handle.IsCompletedSuccessfully && handle.Result.Body == s.Message && handle.Result.Source == s.Sender,
                    $"{Where()}: a receive shows {(handle.IsCompletedSuccessfully ? handle.Result.Body.ToString() : handle.Status.ToString())}, the model says {s.Message} from {s.Sender}");
            }

            foreach (var handle in expectClosed)
            {
                Require(handle.IsFaulted && handle.Exception!.InnerException is EndpointClosedException,
                    $"{Where()}: an operation on the destroyed mailbox is {handle.Status}, the model says it failed as closed");
            }

            foreach (var (_, handle) in waiting)
            {
                Require(!handle.IsCompleted, $"{Where()}: a receive completed while the model has it waiting");
            }

            foreach (var s in all)
            {
                var receipt = s.Operation.ReceivedBy;
                if (!receivedBy.TryGetValue(s.Message, out var receiver))
                {
                    Require(!receipt.IsCompleted, $"{Where()}: the receipt of {s.Message} completed before anyone received it");
                }
                else if (receiver is { } r)
                {
                    Require(receipt.IsCompletedSuccessfully && receipt.Result == r,
                        $"{Where()}: the sender of {s.Message} was told {(receipt.IsCompletedSuccessfully ? receipt.Result.ToString() : receipt.Status.ToString())}, but {r} received it");
                }
                else
                {
                    Require(receipt.IsFaulted, $"{Where()}: the receipt of handed-back {s.Message} is {receipt.Status}");
                }
            }
        }
    }

    private static int Workload(int sender, int index) => sender * 1000 + index;

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static void Expect<T>(Func<object> action, string where) where T : Exception
    {
        try
        {
            action();
        }
        catch (T)
        {
            return;
        }

        throw new InvalidOperationException($"{where}: expected {typeof(T).Name}");
    }

    [Fact]
    public void Arbitrary_receiver_mailbox_behaves_as_the_model() =>
        PropertyRun.Holds(Prop.ForAll(Cases(), c => Conforms(c, DirectFaults.None)), cases: 1000, output);

    [Fact]
    public void Seeded_bug_lost_wakeup_on_close_is_caught_with_a_minimal_sequence()
    {
        var report = PropertyRun.FailsOnSeededBug(Prop.ForAll(Cases(), c => Conforms(c, new DirectFaults { LostWakeupOnClose = true })), cases: 1000, seed: 3, output);
        Assert.Contains("Destroy", report);
    }
}
