using Microsoft.Extensions.Time.Testing;
using VerifiedIpc.Reference.Links;
using VerifiedIpc.Reference.Reliable;

namespace VerifiedIpc.Reference.Tests.Reliable;

/// <summary>
/// Two reliable endpoints over a faulty link on fake time: a discrete-event simulation. Every timer (link delays,
/// retransmissions, delayed acks) fires on the test thread as the clock advances 1 ms at a time, so a run is a
/// pure function of (schedule, traffic, options, seeded bugs) and replays exactly.
/// </summary>
internal sealed class Simulation : IDisposable
{
    public static readonly ProcessId P = new(1);
    public static readonly ProcessId Q = new(2);

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public FaultyLink Link { get; }
    public RecordingTracer Trace { get; } = new();
    public ReliableEndpoint AtP { get; }
    public ReliableEndpoint AtQ { get; }
    public List<byte[]> DeliveredAtP { get; } = [];
    public List<byte[]> DeliveredAtQ { get; } = [];
    public List<Task> Sends { get; } = [];
    public List<byte[]> SentByP { get; } = [];
    public List<byte[]> SentByQ { get; } = [];
    public ReliableOptions Options { get; }

    public Simulation(IFaultSchedule schedule, ReliableOptions? options = null, SeededBugs bugs = SeededBugs.None)
    {
        Options = options ?? new ReliableOptions { WindowSize = 8 };
        Link = new FaultyLink(schedule, Time, P, Q, maxDatagramSize: 1500, tracer: Trace);
        AtP = new ReliableEndpoint(Link.A, Options, Time, m => DeliveredAtP.Add(m.ToArray()), Trace, bugs);
        AtQ = new ReliableEndpoint(Link.B, Options, Time, m => DeliveredAtQ.Add(m.ToArray()), Trace, bugs);
    }

    public static byte[] Message(ProcessId from, int i) => [(byte)from.Value, (byte)(i >> 8), (byte)i, 0xAB];

    /// <summary>Queues <paramref name="count"/> messages numbered from <paramref name="from"/> from P to Q and, if
    /// asked, as many back.</summary>
    public void Queue(int count, bool bothWays, int from = 0)
    {
        for (int i = from; i < from + count; i++)
        {
            var m = Message(P, i);
            SentByP.Add(m);
            Sends.Add(AtP.SendAsync(m));
            if (bothWays)
            {
                var r = Message(Q, i);
                SentByQ.Add(r);
                Sends.Add(AtQ.SendAsync(r));
            }
        }
    }

    /// <summary>Advances fake time until every send has completed (either way) or the step bound is reached.</summary>
    public int RunUntilSendsComplete(int maxSteps = 200_000)
    {
        int steps = 0;
        while (steps < maxSteps && !Sends.All(s => s.IsCompleted))
        {
            Time.Advance(TimeSpan.FromMilliseconds(1));
            steps++;
        }
        // Let trailing acks and duplicates drain so the final state is quiescent.
        for (int i = 0; i < 200; i++)
            Time.Advance(TimeSpan.FromMilliseconds(1));
        return steps;
    }

    /// <summary>
    /// The properties of reliable delivery, checked on a finished run; null when all hold, else what broke.
    /// Exactly-once in order: each side's deliveries equal what the other side sent. Completion: every send was
    /// acknowledged. Window: no message was sent at or beyond (last ack received + window), read off the trace.
    /// </summary>
    public string? Violation()
    {
        if (WindowViolation() is { } window)
            return window; // a safety violation names the cause better than its consequences below
        if (Sends.FirstOrDefault(s => !s.IsCompleted) is not null)
            return $"{Sends.Count(s => !s.IsCompleted)} sends never completed";
        if (Sends.FirstOrDefault(s => s.IsFaulted) is { } failed)
            return $"a send failed: {failed.Exception!.InnerException!.Message}";
        string? Compare(string where, List<byte[]> sent, List<byte[]> delivered)
        {
            for (int i = 0; i < Math.Max(sent.Count, delivered.Count); i++)
            {
                if (i >= delivered.Count) return $"{where}: message {i} of {sent.Count} never delivered";
                if (i >= sent.Count) return $"{where}: {delivered.Count - sent.Count} extra deliveries (duplicates)";
                if (!sent[i].AsSpan().SequenceEqual(delivered[i]))
                {
                    int earlier = sent.FindIndex(0, i, m => m.AsSpan().SequenceEqual(delivered[i]));
                    return earlier >= 0
                        ? $"{where}: message {earlier} delivered again as delivery {i} (duplicate)"
                        : $"{where}: delivery {i} is not message {i} (out of order)";
                }
            }
            return null;
        }
        return Compare("P→Q", SentByP, DeliveredAtQ) ?? Compare("Q→P", SentByQ, DeliveredAtP);
    }

    private string? WindowViolation()
    {
        var acked = new Dictionary<ProcessId, ulong> { [P] = 0, [Q] = 0 };
        foreach (var e in Trace.Events)
        {
            if (e.Action == DeliveryAction.AckReceived)
                acked[e.Process] = Math.Max(acked[e.Process], e.Ack);
            if (e.Action is DeliveryAction.Send or DeliveryAction.Retransmit && e.Sequence >= acked[e.Process] + (ulong)Options.WindowSize)
                return $"{e.Process} sent message {e.Sequence} with only {acked[e.Process]} acknowledged and a window of {Options.WindowSize}";
        }
        return null;
    }

    public void Dispose()
    {
        AtP.Dispose();
        AtQ.Dispose();
        Link.Dispose();
    }
}
