using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;

namespace VerifiedIpc.Reference.Tests.Mailboxes;

/// <summary>
/// Random single-threaded sequences of open, close, non-waiting send, try-receive and probe, run against a mailbox
/// and a sequential model of spec/Mailbox.tla's rules (open before use, two-party binding, last close disposes and
/// hands back, a two-party process never gets its own message). Receipts must name the receiver that really took
/// each message. The seed is in the failure message.
/// </summary>
public sealed class MailboxModelTests
{
    private const int Processes = 4, Capacity = 3;

    private sealed class Model(MailboxPolicy policy)
    {
        public readonly List<(ProcessId From, string Body)> Box = new();
        public readonly HashSet<ProcessId> Open = new();
        public readonly List<ProcessId> Bound = new();
        public bool Disposed;

        public string OpenFor(ProcessId p)
        {
            if (Disposed) return "closed";
            if (Open.Contains(p)) return "ok";
            if (policy == MailboxPolicy.TwoParty && !Bound.Contains(p))
            {
                if (Bound.Count == 2) return "policy";
                Bound.Add(p);
            }
            Open.Add(p);
            return "ok";
        }

        public (string Outcome, List<(ProcessId, string)> Back) Close(ProcessId p)
        {
            if (!Open.Remove(p)) return ("not-opened", new());
            if (Open.Count > 0) return ("ok", new());
            Disposed = true;
            var back = Box.ToList();
            Box.Clear();
            return ("ok", back);
        }

        public string Send(ProcessId p, string body)
        {
            if (Disposed) return "closed";
            if (!Open.Contains(p)) return "not-opened";
            if (Box.Count >= Capacity) return "full";
            Box.Add((p, body));
            return "sent";
        }

        public (string Outcome, (ProcessId, string)? Message) Receive(ProcessId p)
        {
            if (Disposed) return ("closed", null);
            if (!Open.Contains(p)) return ("not-opened", null);
            int i = Box.FindIndex(m => policy != MailboxPolicy.TwoParty || m.From != p);
            if (i < 0) return ("empty", null);
            var m = Box[i];
            Box.RemoveAt(i);
            return ("got", m);
        }
    }

    private static string Outcome(Action action)
    {
        try
        {
            action();
            return "ok";
        }
        catch (NotOpenedException) { return "not-opened"; }
        catch (EndpointClosedException) { return "closed"; }
        catch (PolicyViolationException) { return "policy"; }
    }

    [Theory]
    [InlineData(MailboxPolicy.TwoParty)]
    [InlineData(MailboxPolicy.SingleReceiver)]
    [InlineData(MailboxPolicy.ArbitraryReceiver)]
    public async Task Random_operation_sequences_agree_with_the_sequential_model(MailboxPolicy policy)
    {
        for (int seed = 1; seed <= 150; seed++) await RunOne(policy, seed, steps: 80);
    }

    private static async Task RunOne(MailboxPolicy policy, int seed, int steps)
    {
        var rng = new Random(seed);
        var box = new Mailbox<string>(new MailboxOptions { Policy = policy, Capacity = Capacity });
        var model = new Model(policy);
        var ids = Enumerable.Range(1, Processes).Select(i => new ProcessId(i)).ToArray();
        var receipts = new List<(string Body, Task<ProcessId> ReceivedBy)>();
        var takenBy = new Dictionary<string, ProcessId>();
        var log = new List<string>();
        string Where() => $"policy {policy}, seed {seed}, after: {string.Join("; ", log.TakeLast(8))}";

        for (int step = 0; step < steps; step++)
        {
            var p = ids[rng.Next(Processes)];
            int op = rng.Next(100);
            if (op < 20)
            {
                log.Add($"open {p}");
                var expected = model.OpenFor(p);
                var actual = Outcome(() => box.Open(p));
                Assert.True(expected == actual, $"open: model {expected}, mailbox {actual}; {Where()}");
            }
            else if (op < 30)
            {
                log.Add($"close {p}");
                var (expected, back) = model.Close(p);
                IReadOnlyList<Message<string>> actualBack = [];
                var actual = Outcome(() => actualBack = box.Close(p));
                Assert.True(expected == actual, $"close: model {expected}, mailbox {actual}; {Where()}");
                Assert.True(back.SequenceEqual(actualBack.Select(m => (m.Source, m.Body))), $"close hand-back differs; {Where()}");
            }
            else if (op < 65)
            {
                var body = $"m{step}";
                log.Add($"{p} send {body}");
                var expected = model.Send(p, body);
                string actual;
                try
                {
                    var status = box.SendAsync(p, body, TimeSpan.Zero);
                    actual = status.Status == SendStatus.Sent ? "sent" : status.Status == SendStatus.TimedOut ? "full" : status.Status.ToString();
                    if (actual == "sent") receipts.Add((body, status.ReceivedBy));
                }
                catch (Exception e) when (e is IpcException)
                {
                    actual = Outcome(() => throw e);
                }
                Assert.True(expected == actual, $"send: model {expected}, mailbox {actual}; {Where()}");
            }
            else if (op < 90)
            {
                log.Add($"{p} recv");
                var (expected, message) = model.Receive(p);
                Message<string> got = default;
                bool found = false;
                var actual = Outcome(() => found = box.TryReceive(p, out got));
                if (actual == "ok") actual = found ? "got" : "empty";
                Assert.True(expected == actual, $"receive: model {expected}, mailbox {actual}; {Where()}");
                if (found)
                {
                    Assert.True((got.Source, got.Body) == message!.Value, $"receive got {got}, model {message}; {Where()}");
                    takenBy[got.Body] = p;
                }
            }
            else
            {
                var expected = model.Disposed ? "closed" : !model.Open.Contains(p) ? "not-opened" : "ok";
                bool there = false;
                var actual = Outcome(() => there = box.Probe(p));
                Assert.True(expected == actual, $"probe: model {expected}, mailbox {actual}; {Where()}");
                if (actual == "ok")
                    Assert.True(there == model.Box.Any(m => policy != MailboxPolicy.TwoParty || m.From != p), $"probe answer; {Where()}");
            }
            Assert.True(box.CheckInvariants() is null, $"{box.CheckInvariants()}; {Where()}");
        }

        // Every sender is told exactly who took its message, or that it came back undelivered.
        foreach (var (body, receivedBy) in receipts)
        {
            if (takenBy.TryGetValue(body, out var who)) Assert.Equal(who, await receivedBy);
            else if (receivedBy.IsCompletedSuccessfully) Assert.Fail($"{body} was never received but its receipt says {receivedBy.Result}; {Where()}");
        }
    }
}
