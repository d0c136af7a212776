using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// <c>spec/Rendezvous.tla</c> on <see cref="RendezvousBuffer{T}"/> through the asynchronous API, on one thread: each
/// spec action is one whole call (<c>SendAsync(&lt;&lt;s, n&gt;&gt;)</c>, <c>ReceiveAsync()</c>, <c>Close()</c>), and a
/// blocked caller is a pending task, so the replay needs no threads and is deterministic by construction. After
/// every step the replay compares who is blocked: a sender's task is pending exactly when the spec's sender is
/// blocked on its offer, a receiver's exactly when it is in <c>waiting</c>.
/// </summary>
internal sealed class RendezvousReplayer : ISpecReplayer
{
    public string Spec => "Rendezvous";

    public IReadOnlyDictionary<string, string> Mutants { get; } = new Dictionary<string, string>
    {
        ["SendReturnsEarly"] = "BoundedBuffer<T>(capacity 1) standing in for the rendezvous (the build the mutant describes)",
        ["CloseDropsOffers"] = "RendezvousBuffer<T> with " + nameof(BufferFaults.CloseDropsOffers),
    };

    private sealed class Pending
    {
        public required SpecItem Item;
        public required Task Task;
    }

    public ReplayReport Replay(CheckerTrace trace, string module)
    {
        trace.RequireVariables("Rendezvous",
            ("next", Shape.Fn(Shape.Int)), ("offer", Shape.Fn(Shape.Or(Shape.Str, Shape.Tuple(Shape.Str, Shape.Int)))),
            ("waiting", Shape.Seq(Shape.Str)), ("received", Shape.Fn(Shape.Int)), ("returned", Shape.Seq(Shape.Tuple(Shape.Str, Shape.Int))),
            ("open", Shape.Bool));
        bool early = module == "Rendezvous_SendReturnsEarly";
        var faults = module == "Rendezvous_CloseDropsOffers" ? BufferFaults.CloseDropsOffers : BufferFaults.None;
        var first = trace.States[0];
        var senders = first.IntMap("next").Keys.ToList();
        var receivers = Receivers(trace);
        MessageBuffer<SpecItem> buffer = early
            ? new BoundedBuffer<SpecItem>(1, new BufferOptions { Name = "rendezvous" }, BufferFaults.None)
            : new RendezvousBuffer<SpecItem>(new BufferOptions { Name = "rendezvous" }, faults);
        string target = early
            ? "BoundedBuffer<T>(capacity 1) built as a rendezvous (the mutant's one-slot channel)"
            : faults == BufferFaults.None ? "RendezvousBuffer<T>, correct build" : $"RendezvousBuffer<T>, seeded bug {faults}";
        target += $"; senders {string.Join(", ", senders)}, receivers {string.Join(", ", receivers)}";

        var sends = new Dictionary<string, Pending>(StringComparer.Ordinal);          // calls not yet seen to finish
        var receives = new Dictionary<string, Task<SpecItem>>(StringComparer.Ordinal);
        var completedSends = new List<SpecItem>();                                    // sends that returned normally
        var receivedBy = new Dictionary<SpecItem, string>();
        string? implFailure = null;
        var log = new List<ReplayStep>();
        try
        {
            var diverged = ReplaySteps.Walk(trace, target, log, (i, before, after) =>
            {
                var (act, who) = Infer(trace, i, senders, receivers);
                string call;
                switch (act)
                {
                    case "Send":
                    {
                        var item = new SpecItem(who, before.IntMap("next")[who]);
                        call = $"{who}: SendAsync({item})";
                        sends[who] = new Pending { Item = item, Task = buffer.SendAsync(item).AsTask() };
                        break;
                    }
                    case "Receive":
                        call = $"{who}: ReceiveAsync()";
                        receives[who] = buffer.ReceiveAsync().AsTask();
                        break;
                    case "Close":
                        call = "Close()";
                        buffer.Close();
                        break;
                    default:
                        call = "(none)";
                        break;
                }

                var observed = new List<string>();
                var specReturned = after.Get("returned", System.Text.Json.JsonValueKind.Array).EnumerateArray()
                    .Select(v => SpecItem.From(v, after, "returned")).ToHashSet();
                foreach (var (s, p) in sends.ToList())
                {
                    if (!p.Task.IsCompleted) continue;
                    sends.Remove(s);
                    if (p.Task.IsCompletedSuccessfully)
                    {
                        completedSends.Add(p.Item);
                        observed.Add($"{s}'s send of {p.Item} returned");
                        if (specReturned.Contains(p.Item))
                            throw new DivergedException($"the spec hands {p.Item} back to {s}; the implementation's send returned normally");
                    }
                    else if (p.Task.Exception?.InnerException is EndpointClosedException { HasUndelivered: true } closed)
                    {
                        observed.Add($"{s}'s send handed {closed.Undelivered} back (closed)");
                        if (!specReturned.Contains(p.Item))
                            throw new DivergedException($"the implementation handed {p.Item} back to {s}; in the spec it is not handed back");
                    }
                    else
                        observed.Add($"{s}'s send failed: {p.Task.Exception?.InnerException?.Message}");
                }
                foreach (var (r, t) in receives.ToList())
                {
                    if (!t.IsCompleted) continue;
                    receives.Remove(r);
                    if (t.IsCompletedSuccessfully)
                    {
                        if (receivedBy.TryGetValue(t.Result, out var earlier))
                            implFailure = $"{t.Result} was received twice (by {earlier} and {r})";
                        receivedBy[t.Result] = r;
                        observed.Add($"{r} received {t.Result}");
                    }
                    else observed.Add($"{r}'s receive ended: {t.Exception?.InnerException?.GetType().Name}");
                }
                foreach (var s in sends.Keys) observed.Add($"{s} blocked");
                foreach (var r in receives.Keys) observed.Add($"{r} blocked");
                log.Add(new ReplayStep(before.Index, act == "Close" ? "Close" : $"{act}({who})", call, observed.Count > 0 ? string.Join("; ", observed) : "nothing changed"));

                // Who is blocked must agree with the spec's state after the step.
                var offer = after.Map("offer", v => v);
                var next = after.IntMap("next");
                foreach (var s in senders)
                {
                    var o = SpecItem.From(offer[s], after, "offer");
                    bool specBlocked = o is { } x && x.Number == next[s];
                    if (specBlocked != sends.ContainsKey(s))
                        throw new DivergedException(specBlocked
                            ? $"the spec's {s} is blocked on {o}; the implementation's send has returned"
                            : $"the spec's {s} is not blocked; the implementation's send of {sends[s].Item} is still pending");
                }
                var waiting = after.Strings("waiting").ToHashSet(StringComparer.Ordinal);
                foreach (var r in receivers)
                {
                    if (waiting.Contains(r) != receives.ContainsKey(r))
                        throw new DivergedException(waiting.Contains(r)
                            ? $"the spec's {r} waits; the implementation's receive has ended"
                            : $"the spec's {r} is not waiting; the implementation's receive is still pending");
                }
                foreach (var m in completedSends)
                {
                    if (!receivedBy.ContainsKey(m))
                    {
                        implFailure = $"SendAsync({m}) returned while no receiver has taken {m}";
                        break;
                    }
                }
                return implFailure is null;
            });
            if (diverged is not null) return diverged;
        }
        finally
        {
            buffer.Close();
        }

        string? specFailure = SpecFailure(trace.States[log.Count]);
        return ReplayReport.Conclude(target, log, implFailure, specFailure, log.Count);
    }

    private static string? SpecFailure(TraceState s)
    {
        var next = s.IntMap("next");
        var received = s.IntMap("received");
        var returned = s.Get("returned", System.Text.Json.JsonValueKind.Array).EnumerateArray()
            .Select(v => SpecItem.From(v, s, "returned")).ToHashSet();
        foreach (var (snd, n) in next)
            for (int k = 1; k < n; k++)
            {
                var m = new SpecItem(snd, k);
                if (received.GetValueOrDefault(m.ToString()) == 0 && !returned.Contains(m))
                    return $"SendReturnsOnlyWhenTaken (state {s.Index}: {snd}'s send of {m} returned, and {m} was neither received nor handed back)";
            }
        foreach (var (m, c) in received)
            if (c > 1) return $"NoDuplication (state {s.Index}: {m} received {c} times)";
        return null;
    }

    /// <summary>Receivers are not a variable of their own; they appear in <c>waiting</c> or in the actions' parameters.</summary>
    private static List<string> Receivers(CheckerTrace trace)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in trace.States) foreach (var r in s.Strings("waiting")) set.Add(r);
        foreach (var a in trace.Actions) if (a is { Name: "Receive" } && a.Parameters.TryGetValue("r", out var r)) set.Add(r);
        if (set.Count == 0) set.Add("r1");
        return set.ToList();
    }

    /// <summary>The step's action and process, from the change between the states (the dump's name and
    /// parameters, when present, must agree).</summary>
    private static (string Act, string Who) Infer(CheckerTrace trace, int i, List<string> senders, List<string> receivers)
    {
        var before = trace.States[i];
        var after = trace.States[i + 1];
        var named = trace.Actions[i];
        string act, who = "";
        var next0 = before.IntMap("next");
        var next1 = after.IntMap("next");
        var offer0 = before.Map("offer", v => v.GetRawText());
        var offer1 = after.Map("offer", v => v.GetRawText());
        var waiting0 = before.Strings("waiting").ToHashSet();
        var waiting1 = after.Strings("waiting").ToHashSet();
        if (before.Bool("open") && !after.Bool("open")) act = "Close";
        else if (waiting1.Except(waiting0).FirstOrDefault() is { } r)
        {
            act = "Receive";
            who = r;
        }
        else if (offer0.Any(kv => kv.Value != offer1[kv.Key] && offer1[kv.Key].StartsWith('[')))
        {
            act = "Send";
            who = offer0.First(kv => kv.Value != offer1[kv.Key] && offer1[kv.Key].StartsWith('[')).Key;
        }
        else if (offer0.Any(kv => kv.Value != offer1[kv.Key]))
        {
            // A blocked offer was taken: a receive; the spec does not record which receiver took it.
            act = "Receive";
            who = named?.Parameters.GetValueOrDefault("r") ?? receivers.First(x => !waiting0.Contains(x));
        }
        else if (next0.Any(kv => kv.Value != next1[kv.Key]))
        {
            act = "Send";
            who = next0.First(kv => kv.Value != next1[kv.Key]).Key;
        }
        else act = "Stutter";
        if (named is { Name.Length: > 0 } && act != "Stutter" && named.Name != act)
            throw after.Misfit($"the dump names this step {named.Name}, but the states show {act}");
        if (act is "Send" or "Receive" && named?.Parameters.TryGetValue(act == "Send" ? "s" : "r", out var p) == true && p != who)
            throw after.Misfit($"the dump says {act}({p}), but the states show {act}({who})");
        if (act == "Send" && !senders.Contains(who) || act == "Receive" && !receivers.Contains(who))
            throw after.Misfit($"{act} by unknown process '{who}'");
        return (act, who);
    }
}
