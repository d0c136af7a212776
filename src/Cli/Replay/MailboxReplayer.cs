using System.Text.Json;
using System.Text.RegularExpressions;
using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Direct;
using VerifiedIpc.Reference.Mailboxes;

namespace VerifiedIpc.Cli.Replay;

/// <summary>
/// <c>spec/Mailbox.tla</c> on <see cref="Mailbox{T}"/> through its asynchronous API on one thread: Open, SendAsync,
/// ReceiveAsync (a blocked receiver is a pending task), Close. For the selection-race mutant the implementation is
/// built with <see cref="DirectFaults.SplitTakeCheck"/>, and the spec's PeekHead(r) starts r's receive on a thread of
/// its own that the fault's window hook parks between its two critical sections; the spec's Receive(r) lets it go on.
/// Processes are numbered in the order the states list them.
/// </summary>
internal sealed partial class MailboxReplayer(string? cfg) : ISpecReplayer
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public string Spec => "Mailbox";

    public IReadOnlyDictionary<string, string> Mutants { get; } = new Dictionary<string, string>
    {
        ["SelectionRace"] = "Mailbox<T> with " + nameof(DirectFaults.SplitTakeCheck) + " (PeekHead parks the receive in the fault's window)",
    };

    [GeneratedRegex("Policy\\s*=\\s*\"(\\w+)\"")]
    private static partial Regex PolicyConstant();

    /// <summary>A receive started by PeekHead on its own thread, parked in the split window.</summary>
    private sealed class Parked
    {
        public readonly SemaphoreSlim Arrived = new(0);
        public readonly SemaphoreSlim Go = new(0);
        public Thread? Thread;
        public Message<SpecItem>? Result;
        public Exception? Error;
    }

    [ThreadStatic] private static Parked? s_parking;

    public ReplayReport Replay(CheckerTrace trace, string module)
    {
        bool race = module == "Mailbox_SelectionRace";
        var item = Shape.Tuple(Shape.Str, Shape.Int);
        var variables = new List<(string, Shape)>
        {
            ("pc", Shape.Fn(Shape.Str)), ("bound", Shape.Seq(Shape.Str)), ("disposed", Shape.Bool), ("box", Shape.Seq(item)),
            ("next", Shape.Fn(Shape.Int)), ("deliveredTo", Shape.Fn(Shape.Seq(Shape.Str))), ("told", Shape.Fn(Shape.Str)),
            ("returned", Shape.Seq(item)),
        };
        // The mutant's extra variable; a mutant trace replayed as the correct spec keeps it (and diverges at PeekHead).
        if (race || trace.States[0].Variables.ContainsKey("picked")) variables.Add(("picked", Shape.Fn(item)));
        trace.RequireVariables(module, [.. variables]);

        string policyName = cfg is not null && PolicyConstant().Match(cfg) is { Success: true } m ? m.Groups[1].Value : "arbitrary";
        var policy = policyName switch
        {
            "arbitrary" => MailboxPolicy.ArbitraryReceiver,
            "exclusive" => MailboxPolicy.SingleReceiver,
            "pair" => MailboxPolicy.TwoParty,
            _ => throw new ReplayInputException(trace.File, null, $"Mailbox policy \"{policyName}\" is not one of arbitrary, exclusive, pair"),
        };
        var first = trace.States[0];
        var procs = first.StringMap("pc").Keys.ToList();
        var senders = first.IntMap("next").Keys.ToHashSet(StringComparer.Ordinal);
        var pid = procs.Select((p, i) => (p, new ProcessId(i + 1))).ToDictionary(x => x.p, x => x.Item2, StringComparer.Ordinal);
        var name = pid.ToDictionary(kv => kv.Value, kv => kv.Key);
        var faults = race
            ? new DirectFaults { SplitTakeCheck = true, SplitTakeWindow = ParkHere }
            : DirectFaults.None;
        var mailbox = new Mailbox<SpecItem>(new MailboxOptions { Policy = policy, Name = "mailbox" }, faults);
        string target = $"Mailbox<T> ({policyName}), {(race ? "seeded bug SplitTakeCheck" : "correct build")}; processes "
                        + string.Join(", ", procs.Select(p => $"{p} = {pid[p].Value}"));

        var receives = new Dictionary<string, Task<Message<SpecItem>>>(StringComparer.Ordinal);
        var parked = new Dictionary<string, Parked>(StringComparer.Ordinal);
        var sends = new Dictionary<SpecItem, SendOperation>();
        var deliveredTo = new Dictionary<SpecItem, List<string>>();
        var log = new List<ReplayStep>();
        string? implFailure = null;

        void Got(string r, Message<SpecItem> msg, List<string> notes)
        {
            if (!deliveredTo.TryGetValue(msg.Body, out var list)) deliveredTo[msg.Body] = list = new List<string>();
            list.Add(r);
            notes.Add($"{r} received {msg.Body}");
            if (list.Count > 1) implFailure = $"{msg.Body} was delivered to {string.Join(" and ", list)}";
        }

        try
        {
            var diverged = ReplaySteps.Walk(trace, target, log, (step, before, after) =>
            {
                var (act, who) = Infer(trace, step, senders);
                var notes = new List<string>();
                string call;
                switch (act)
                {
                    case "Open":
                        call = $"Open({who})";
                        try
                        {
                            mailbox.Open(pid[who]);
                            notes.Add("opened");
                        }
                        catch (IpcException e)
                        {
                            notes.Add($"refused: {e.GetType().Name}");
                        }
                        break;
                    case "Send" or "Deliver":
                    {
                        var msg = new SpecItem(who, before.IntMap("next")[who]);
                        call = $"{who}: SendAsync({msg})";
                        sends[msg] = mailbox.SendAsync(pid[who], msg);
                        notes.Add(sends[msg].IsCompleted ? $"send completed; the mailbox holds {mailbox.Count}" : "send pending");
                        break;
                    }
                    case "Receive" when race:
                    {
                        call = $"{who}: let the parked receive go on";
                        if (!parked.Remove(who, out var pk)) throw new DivergedException($"{who} has no receive parked in the split window");
                        pk.Go.Release();
                        if (!pk.Thread!.Join(Patience)) throw new DivergedException($"{who}'s receive did not finish within {Patience.TotalSeconds:0} s");
                        if (pk.Error is not null) notes.Add($"{who}'s receive threw {pk.Error.GetType().Name}: {pk.Error.Message}");
                        else Got(who, pk.Result!.Value, notes);
                        break;
                    }
                    case "Receive" or "ReceiveBlocked":
                        call = $"{who}: ReceiveAsync()";
                        receives[who] = mailbox.ReceiveAsync(pid[who]).AsTask();
                        break;
                    case "PeekHead":
                    {
                        call = $"{who}: ReceiveAsync() on its own thread, parked in the split window";
                        var pk = new Parked();
                        var r = pid[who];
                        pk.Thread = new Thread(() =>
                        {
                            s_parking = pk;
                            try
                            {
                                pk.Result = mailbox.ReceiveAsync(r).AsTask().GetAwaiter().GetResult();
                            }
                            catch (Exception e)
                            {
                                pk.Error = e;
                            }
                            pk.Arrived.Release(); // also when it never reached the window
                        }) { IsBackground = true, Name = $"replay {who}" };
                        parked[who] = pk;
                        pk.Thread.Start();
                        if (!pk.Arrived.Wait(Patience)) throw new DivergedException($"{who}'s receive neither returned nor reached the split window");
                        if (!pk.Thread.IsAlive || pk.Result is not null || pk.Error is not null)
                            throw new DivergedException($"{who}'s receive did not stop between reading and taking the head (it {(pk.Error is null ? "returned" : "threw")} at once)");
                        notes.Add($"{who} read the head and stopped before taking it");
                        break;
                    }
                    case "Close":
                    {
                        call = $"Close({who})";
                        var back = mailbox.Close(pid[who]);
                        notes.Add(back.Count > 0 ? $"handed back {string.Join(", ", back.Select(b => b.Body))}" : "closed");
                        break;
                    }
                    default:
                        call = "(none)";
                        break;
                }
                foreach (var (r, t) in receives.ToList())
                {
                    if (!t.IsCompleted) continue;
                    receives.Remove(r);
                    if (t.IsCompletedSuccessfully) Got(r, t.Result, notes);
                    else notes.Add($"{r}'s receive ended: {t.Exception?.InnerException?.GetType().Name}");
                }
                foreach (var r in receives.Keys) notes.Add($"{r} waiting");
                log.Add(new ReplayStep(before.Index, who.Length > 0 ? $"{act}({who})" : act, call, notes.Count > 0 ? string.Join("; ", notes) : "nothing changed"));

                // Compare with the spec's state after the step.
                var specDelivered = after.Map("deliveredTo", v => v.EnumerateArray().Select(x => x.GetString()!).ToHashSet());
                foreach (var (key, specRs) in specDelivered)
                {
                    var implRs = deliveredTo.FirstOrDefault(kv => kv.Key.ToString() == key).Value ?? new List<string>();
                    if (!specRs.SetEquals(implRs))
                        throw new DivergedException($"the spec delivers {key} to {{{string.Join(", ", specRs)}}}, the implementation to {{{string.Join(", ", implRs)}}}");
                }
                var pc = after.StringMap("pc");
                foreach (var r in procs.Where(p => !senders.Contains(p)))
                {
                    bool specWaits = pc[r] == "waiting";
                    if (specWaits != receives.ContainsKey(r))
                        throw new DivergedException(specWaits ? $"the spec's {r} waits; the implementation's receive has returned" : $"the spec's {r} does not wait; the implementation's receive is pending");
                }
                var box = after.Get("box", JsonValueKind.Array).GetArrayLength();
                if (!after.Bool("disposed") && mailbox.Count != box)
                    throw new DivergedException($"the spec's mailbox holds {box} message(s), the implementation's {mailbox.Count}");
                return implFailure is null;
            });
            if (diverged is not null) return diverged;
        }
        finally
        {
            foreach (var pk in parked.Values) pk.Go.Release();
            try
            {
                mailbox.Destroy();
            }
            catch (IpcException)
            {
                // Already disposed by the trace's last Close.
            }
        }

        string? specFailure = null;
        foreach (var (key, rs) in trace.States[log.Count].Map("deliveredTo", v => v.GetArrayLength()))
            if (rs > 1) specFailure = $"NoDuplication (state {log.Count + 1}: {key} delivered to {rs} receivers)";
        return ReplayReport.Conclude(target, log, implFailure, specFailure, log.Count);
    }

    private static void ParkHere()
    {
        // Only receives a PeekHead started park; any other take passes through the window at once.
        if (s_parking is not { } pk) return;
        s_parking = null;
        pk.Arrived.Release();
        pk.Go.Wait();
    }

    /// <summary>The step's action and process from the change between the states; the dump's name, when there is
    /// one, must agree.</summary>
    private static (string Act, string Who) Infer(CheckerTrace trace, int i, HashSet<string> senders)
    {
        var before = trace.States[i];
        var after = trace.States[i + 1];
        var pc0 = before.StringMap("pc");
        var pc1 = after.StringMap("pc");
        var next0 = before.IntMap("next");
        var next1 = after.IntMap("next");
        var changed = pc0.Keys.Where(p => pc0[p] != pc1[p]).ToList();
        string act, who;
        var sender = next0.Keys.FirstOrDefault(s => next0[s] != next1[s]);
        if (sender is not null)
        {
            who = sender;
            act = before.Get("box", JsonValueKind.Array).GetArrayLength() < after.Get("box", JsonValueKind.Array).GetArrayLength() ? "Send" : "Deliver";
        }
        else if (changed.Count == 1 && pc0[changed[0]] == "new")
            (act, who) = ("Open", changed[0]);
        else if (changed.Count == 1 && pc1[changed[0]] == "closed")
            (act, who) = ("Close", changed[0]);
        else if (changed.Count == 1 && pc1[changed[0]] == "waiting")
            (act, who) = ("ReceiveBlocked", changed[0]);
        else if (after.Variables.ContainsKey("picked")
                 && after.Map("picked", v => v.GetRawText()) is var picked1
                 && before.Map("picked", v => v.GetRawText()) is var picked0
                 && picked0.Keys.FirstOrDefault(r => picked0[r] != picked1[r]) is { } r)
            (act, who) = (picked1[r].Contains("NoOne", StringComparison.Ordinal) ? "Receive" : "PeekHead", r);
        else if (after.Map("deliveredTo", v => v.GetArrayLength()) is var d1 && before.Map("deliveredTo", v => v.GetArrayLength()) is var d0
                 && d0.Keys.FirstOrDefault(m => d0[m] != d1[m]) is { } msg)
        {
            var rs0 = before.Map("deliveredTo", v => v.EnumerateArray().Select(x => x.GetString()!).ToList())[msg];
            var rs1 = after.Map("deliveredTo", v => v.EnumerateArray().Select(x => x.GetString()!).ToList())[msg];
            (act, who) = ("Receive", rs1.Except(rs0).Single());
        }
        else if (changed.Count == 0) (act, who) = ("Stutter", "");
        else throw after.Misfit($"{string.Join(", ", changed)} change pc in a way no Mailbox action explains");

        var named = trace.Actions[i];
        if (named is { Name.Length: > 0 } && act != "Stutter" && named.Name != act)
            throw after.Misfit($"the dump names this step {named.Name}, but the states show {act}({who})");
        if (act is "Send" or "Deliver" && !senders.Contains(who)) throw after.Misfit($"{act} by '{who}', who is not a sender");
        return (act, who);
    }
}
