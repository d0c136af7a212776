using VerifiedIpc.Reference.Direct;

namespace VerifiedIpc.Reference.Tests.Direct;

/// <summary>
/// Random single-threaded operation sequences run against the network and against a plain sequential model of the
/// seed's two layouts (lists, no locks). Every answer must agree: which message a receive returns (the oldest
/// acceptable one), probes, when a full buffer refuses a non-waiting send, and what Close hands back. The seed is in
/// the failure message so a failure replays.
/// </summary>
public sealed class DirectModelTests
{
    private const int Processes = 4, Capacity = 3;

    /// <summary>The sequential model: messages with global order, where each one sits, and who is closed.</summary>
    private sealed class Model(DirectLayout layout)
    {
        private readonly List<(ProcessId From, ProcessId To, string Body, long Seq)> _messages = new();
        private readonly HashSet<ProcessId> _closed = new();
        private long _seq;

        private IEnumerable<(ProcessId From, ProcessId To, string Body, long Seq)> Lane(ProcessId from, ProcessId to) =>
            layout == DirectLayout.ReceiverBuffer ? _messages.Where(m => m.To == to) : _messages.Where(m => m.From == from);

        /// <summary>"sent", "full", or "closed".</summary>
        public string Send(ProcessId from, ProcessId to, string body)
        {
            if (_closed.Contains(from) || _closed.Contains(to)) return "closed";
            if (Lane(from, to).Count() >= Capacity) return "full";
            _messages.Add((from, to, body, ++_seq));
            return "sent";
        }

        public (ProcessId From, string Body)? Receive(ProcessId me, ProcessId src)
        {
            var pick = _messages.Where(m => m.To == me && (src.IsAny || m.From == src)).OrderBy(m => m.Seq).FirstOrDefault();
            if (pick.Body is null) return null;
            _messages.Remove(pick);
            return (pick.From, pick.Body);
        }

        public bool Probe(ProcessId me, ProcessId src) => _messages.Any(m => m.To == me && (src.IsAny || m.From == src));

        public bool IsClosed(ProcessId p) => _closed.Contains(p);

        public bool SourceGone(ProcessId src) => !src.IsAny && _closed.Contains(src);

        public List<(ProcessId From, string Body)> Close(ProcessId p)
        {
            _closed.Add(p);
            var mine = _messages.Where(m => m.To == p).OrderBy(m => m.Seq).ToList();
            foreach (var m in mine) _messages.Remove(m);
            return mine.Select(m => (m.From, m.Body)).ToList();
        }
    }

    [Theory]
    [InlineData(DirectLayout.ReceiverBuffer)]
    [InlineData(DirectLayout.SenderBuffer)]
    public void Random_operation_sequences_agree_with_the_sequential_model(DirectLayout layout)
    {
        for (int seed = 1; seed <= 150; seed++) RunOne(layout, seed, steps: 120);
    }

    private static void RunOne(DirectLayout layout, int seed, int steps)
    {
        var rng = new Random(seed);
        var net = new DirectNetwork<string>(new DirectOptions { Layout = layout, Capacity = Capacity });
        var ids = Enumerable.Range(1, Processes).Select(i => new ProcessId(i)).ToArray();
        var ends = ids.Select(net.Attach).ToArray();
        var model = new Model(layout);
        var log = new List<string>();
        string Where() => $"layout {layout}, seed {seed}, after: {string.Join("; ", log.TakeLast(8))}";

        for (int step = 0; step < steps; step++)
        {
            int a = rng.Next(Processes), b = rng.Next(Processes);
            var src = rng.Next(3) == 0 ? ProcessId.Any : ids[b];
            int op = rng.Next(100);
            if (op < 45)
            {
                var body = $"m{step}";
                log.Add($"p{a + 1}→p{b + 1} {body}");
                string expected = model.Send(ids[a], ids[b], body);
                string actual;
                try
                {
                    var status = ends[a].SendAsync(ids[b], body, TimeSpan.Zero);
                    actual = status.Status switch { SendStatus.Sent => "sent", SendStatus.TimedOut => "full", var s => s.ToString() };
                }
                catch (EndpointClosedException e)
                {
                    Assert.True(body == (string?)e.Undelivered, Where());
                    actual = "closed";
                }
                Assert.True(expected == actual, $"send: model {expected}, network {actual}; {Where()}");
            }
            else if (op < 85)
            {
                log.Add($"p{a + 1} recv({src})");
                if (model.IsClosed(ids[a]))
                {
                    Assert.Throws<EndpointClosedException>(() => ends[a].TryReceive(src, out _));
                    continue;
                }
                var expected = model.Receive(ids[a], src);
                if (expected is null && model.SourceGone(src))
                {
                    Assert.Throws<EndpointClosedException>(() => ends[a].TryReceive(src, out _));
                    continue;
                }
                bool got = ends[a].TryReceive(src, out var m);
                Assert.True(got == expected.HasValue, $"receive found={got}, model={expected.HasValue}; {Where()}");
                if (got) Assert.True((m.Source, m.Body) == expected!.Value, $"receive got {m.Source}:{m.Body}, model {expected}; {Where()}");
            }
            else if (op < 97)
            {
                if (model.IsClosed(ids[a])) continue;
                Assert.True(model.Probe(ids[a], src) == ends[a].Probe(src), $"probe({src}) by p{a + 1}; {Where()}");
            }
            else
            {
                log.Add($"close p{a + 1}");
                var expected = model.Close(ids[a]);
                var actual = ends[a].Close().Select(x => (x.Source, x.Body)).ToList();
                Assert.True(expected.SequenceEqual(actual), $"close p{a + 1}: model [{string.Join(",", expected)}], network [{string.Join(",", actual)}]; {Where()}");
            }
            Assert.True(net.CheckInvariants() is null, $"{net.CheckInvariants()}; {Where()}");
        }
    }
}
