using System.Diagnostics;
using VerifiedIpc.Reference.Handlers;

namespace VerifiedIpc.Reference.Direct;

/// <summary>
/// The Mesa monitor behind direct links and mailboxes: one private lock guarding one or more buffers
/// (<see cref="Lane{T}"/>), the receivers waiting for a message, the senders waiting for room, and the handler
/// subscriptions. Every decision (which message, which receiver, who wins a race with cancellation) is taken under
/// the lock, exactly once, by moving a waiter out of <see cref="WaitState.Waiting"/>.
/// <para>
/// Waiting: a synchronous caller waits on the monitor itself (<c>while (state == Waiting) Monitor.Wait</c>: the
/// condition is re-checked after every wake-up, as Mesa semantics require, because PulseAll wakes every synchronous
/// waiter of the monitor). An asynchronous caller waits on a TaskCompletionSource created with
/// RunContinuationsAsynchronously, so completing it under the lock only schedules the continuation and never runs
/// the caller's code under the lock; no thread is blocked.
/// </para>
/// <para>
/// Hand-off instead of re-competition: a message that arrives while a receiver waits is given to that receiver
/// directly (and a freed slot to the oldest blocked sender), so a woken party never has to compete again and
/// there are no lost or stolen wake-ups. Per-source FIFO holds: within a lane the queue is older than the blocked
/// senders, and a waiting receiver exists only when nothing it accepts is queued or blocked.
/// </para>
/// </summary>
internal sealed class MessageMonitor<T>
{
    private readonly object _lock = new();
    private readonly MonitorSettings _s;
    private readonly ILinkRules _rules;
    private readonly Lane<T>? _single;
    private readonly Dictionary<ProcessId, Lane<T>> _lanesByOwner = new();
    private readonly List<Lane<T>> _lanes = new();
    private readonly List<ReceiveWaiter<T>> _receivers = new();
    private readonly List<Sub> _subscriptions = new();
    private int _syncWaiters;
    private long _nextSequence;
    private bool _closed;

    /// <summary>A monitor with one buffer (a direct receiver's buffer, or a mailbox's).</summary>
    public MessageMonitor(MonitorSettings settings, ILinkRules rules, ProcessId owner, int capacity)
    {
        _s = settings;
        _rules = rules;
        _single = new Lane<T>(owner, capacity);
        _lanes.Add(_single);
    }

    /// <summary>A monitor with one buffer per sender, added by <see cref="AddLane"/> (direct, buffer at each sender).</summary>
    public MessageMonitor(MonitorSettings settings, ILinkRules rules)
    {
        _s = settings;
        _rules = rules;
    }

    public string Name => _s.Name;

    /// <summary>The lock, for link rules whose state must change atomically with the buffers (mailbox open/close).</summary>
    internal object SyncRoot => _lock;

    public void AddLane(ProcessId owner, int capacity)
    {
        lock (_lock)
        {
            Debug.Assert(_single is null, "per-sender lanes only in a per-sender monitor");
            var lane = new Lane<T>(owner, capacity);
            _lanesByOwner.Add(owner, lane);
            _lanes.Add(lane);
        }
    }

    // ------------------------------------------------------------------ send

    /// <summary>Synchronous send: returns once the message is in a buffer or with a receiver. Returns the receipt when tracked.</summary>
    public Task<ProcessId>? Send(ProcessId source, ProcessId destination, T body, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var receipt = NewReceipt();
        lock (_lock)
        {
            ThrowIfSendRefused(source, destination, body);
            var env = new Envelope<T>(source, destination, body, ++_nextSequence, receipt);
            if (TrySendLocked(env, out var lane))
            {
                AssertInvariants();
                return receipt?.Task;
            }
            if (timeout == TimeSpan.Zero) throw SendTimeout(source, destination, timeout);

            var w = new SendWaiter<T>(this, lane, env, operation: null);
            lane.Blocked.Add(w);
            _syncWaiters++;
            ArmTimer(w, timeout);
            Trace(IpcAction.SendBlocked, source, destination, env.Sequence, lane.Queue.Count);
            ArmCancellation(w, ct);
            AssertInvariants();
            WaitLocked(w);
            _syncWaiters--;
            switch (w.State)
            {
                case WaitState.Done: return receipt?.Task;
                case WaitState.Canceled: throw new OperationCanceledException(ct);
                case WaitState.TimedOut: throw SendTimeout(source, destination, timeout);
                case WaitState.Failed: throw w.Error!;
                default: return receipt?.Task; // only reachable with the IfInsteadOfWhile fault: the send "returns" unsent
            }
        }
    }

    /// <summary>Asynchronous send: never blocks; the handle completes when the message leaves the sender.</summary>
    public SendOperation SendAsync(ProcessId source, ProcessId destination, T body, TimeSpan timeout, CancellationToken ct)
    {
        var receipt = NewReceipt();
        if (ct.IsCancellationRequested)
        {
            var canceled = new SendOperation(pending: true, receipt);
            canceled.Complete(SendStatus.Canceled, new OperationCanceledException(ct));
            return canceled;
        }
        lock (_lock)
        {
            ThrowIfSendRefused(source, destination, body);
            var env = new Envelope<T>(source, destination, body, ++_nextSequence, receipt);
            if (TrySendLocked(env, out var lane))
            {
                AssertInvariants();
                return receipt is null ? SendOperation.CompletedNoReceipt : new SendOperation(pending: false, receipt);
            }
            var op = new SendOperation(pending: true, receipt);
            if (timeout == TimeSpan.Zero)
            {
                op.Complete(SendStatus.TimedOut, SendTimeout(source, destination, timeout));
                return op;
            }
            var w = new SendWaiter<T>(this, lane, env, op);
            lane.Blocked.Add(w);
            ArmTimer(w, timeout);
            Trace(IpcAction.SendBlocked, source, destination, env.Sequence, lane.Queue.Count);
            ArmCancellation(w, ct);
            AssertInvariants();
            return op;
        }
    }

    /// <summary>Gives the message to a waiting receiver or idle handler, or buffers it; false when the sender must wait on <paramref name="lane"/>.</summary>
    private bool TrySendLocked(in Envelope<T> env, out Lane<T> lane)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        lane = LaneOfSender(env.Source);
        if (TryDispatchLocked(env, lane)) return true;
        // A sender that finds others already blocked queues behind them even if a slot just freed, so blocked
        // senders are served in order (and the invariant "blocked ⇒ full" keeps the queue older than the blocked).
        if (lane.Blocked.Count == 0 && lane.Queue.Count < lane.Capacity)
        {
            lane.Queue.Enqueue(env);
            Trace(IpcAction.Send, env.Source, env.Destination, env.Sequence, lane.Queue.Count);
            return true;
        }
        return false;
    }

    /// <summary>Hands a new message to a waiting receiver (the longest-waiting, or a seeded choice) or to an idle handler.</summary>
    private bool TryDispatchLocked(in Envelope<T> env, Lane<T> lane)
    {
        ReceiveWaiter<T>? chosen = null;
        if (_s.Selection is null)
        {
            foreach (var w in _receivers)
                if (w.Filter.Matches(env)) { chosen = w; break; }
        }
        else
        {
            int matching = 0;
            foreach (var w in _receivers) if (w.Filter.Matches(env)) matching++;
            if (matching > 0)
            {
                int pick = _s.Selection.Next(matching);
                foreach (var w in _receivers)
                    if (w.Filter.Matches(env) && pick-- == 0) { chosen = w; break; }
            }
        }
        if (chosen is not null)
        {
            _receivers.Remove(chosen);
            Trace(IpcAction.Send, env.Source, env.Destination, env.Sequence, lane.Queue.Count);
            Trace(IpcAction.Deliver, chosen.Filter.Receiver, env.Source, env.Sequence, lane.Queue.Count);
            CompleteReceive(chosen, env);
            return true;
        }
        foreach (var sub in _subscriptions)
        {
            if (sub.HasRoom && sub.Filter.Matches(env))
            {
                Trace(IpcAction.Send, env.Source, env.Destination, env.Sequence, lane.Queue.Count);
                Trace(IpcAction.Deliver, sub.Receiver, env.Source, env.Sequence, lane.Queue.Count);
                env.Receipt?.TrySetResult(sub.Receiver);
                sub.InFlight++;
                StartHandler(sub, env);
                return true;
            }
        }
        return false;
    }

    // --------------------------------------------------------------- receive

    /// <summary>Synchronous receive: blocks until a message the filter accepts arrives.</summary>
    public Message<T> Receive(ProcessId receiver, ProcessId source, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var filter = Filter(receiver, source);
        lock (_lock)
        {
            ThrowIfReceiveRefused(receiver, nameof(Receive));
            if (TryTakeForCallerLocked(filter, out var env)) return new Message<T>(env.Source, env.Body);
            ThrowIfSourceGone(filter);
            if (timeout == TimeSpan.Zero) throw ReceiveTimeout(filter, timeout);

            var w = new ReceiveWaiter<T>(this, filter, isSync: true);
            _receivers.Add(w);
            _syncWaiters++;
            ArmTimer(w, timeout);
            Trace(IpcAction.ReceiveBlocked, receiver, source, 0, 0);
            ArmCancellation(w, ct);
            AssertInvariants();
            WaitLocked(w);
            _syncWaiters--;
            return w.State switch
            {
                WaitState.Done => new Message<T>(w.Result.Source, w.Result.Body),
                WaitState.Canceled => throw new OperationCanceledException(ct),
                WaitState.TimedOut => throw ReceiveTimeout(filter, timeout),
                WaitState.Failed => throw w.Error!,
                // Only with the IfInsteadOfWhile fault: woken by an unrelated PulseAll, it returns no message.
                _ => new Message<T>(w.Result.Source, w.Result.Body),
            };
        }
    }

    /// <summary>Asynchronous receive that waits without blocking a thread.</summary>
    public ValueTask<Message<T>> ReceiveAsync(ProcessId receiver, ProcessId source, TimeSpan timeout, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled<Message<T>>(ct);
        var filter = Filter(receiver, source);
        lock (_lock)
        {
            var refused = RefuseReceive(receiver, nameof(ReceiveAsync));
            if (refused is not null) return ValueTask.FromException<Message<T>>(refused);
            if (TryTakeForCallerLocked(filter, out var env)) return new ValueTask<Message<T>>(new Message<T>(env.Source, env.Body));
            var gone = SourceGone(filter);
            if (gone is not null) return ValueTask.FromException<Message<T>>(gone);
            if (timeout == TimeSpan.Zero) return ValueTask.FromException<Message<T>>(ReceiveTimeout(filter, timeout));

            var w = new ReceiveWaiter<T>(this, filter, isSync: false);
            _receivers.Add(w);
            ArmTimer(w, timeout);
            Trace(IpcAction.ReceiveBlocked, receiver, source, 0, 0);
            ArmCancellation(w, ct);
            AssertInvariants();
            return new ValueTask<Message<T>>(w.Completion!.Task);
        }
    }

    /// <summary>The seed's asynchronous receive: a message if one is there, otherwise false at once.</summary>
    public bool TryReceive(ProcessId receiver, ProcessId source, out Message<T> message)
    {
        var filter = Filter(receiver, source);
        lock (_lock)
        {
            ThrowIfReceiveRefused(receiver, nameof(TryReceive));
            if (TryTakeForCallerLocked(filter, out var env))
            {
                message = new Message<T>(env.Source, env.Body);
                return true;
            }
            ThrowIfSourceGone(filter);
            message = default;
            return false;
        }
    }

    /// <summary>Whether a message from <paramref name="source"/> (or any) is available to <paramref name="receiver"/>, without taking it.</summary>
    public bool Probe(ProcessId receiver, ProcessId source)
    {
        var filter = Filter(receiver, source);
        lock (_lock)
        {
            ThrowIfReceiveRefused(receiver, nameof(Probe));
            return Find(filter).Lane is not null;
        }
    }

    /// <summary>Messages currently buffered (queued plus held by blocked senders), over all lanes.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                int n = 0;
                foreach (var lane in _lanes) n += lane.Queue.Count + lane.Blocked.Count;
                return n;
            }
        }
    }

    private ReceiveFilter Filter(ProcessId receiver, ProcessId source) => new(receiver, source, _s.ExcludeOwn);

    private bool TryTakeForCallerLocked(in ReceiveFilter filter, out Envelope<T> env)
    {
        if (_s.Faults.SplitTakeCheck) return TryTakeSplitLocked(filter, out env);
        bool taken = TryTakeLocked(filter, out env);
        if (taken) AssertInvariants();
        return taken;
    }

    private readonly record struct Location(Lane<T>? Lane, int Index, bool InBlocked, long Sequence);

    /// <summary>
    /// The oldest message the filter accepts. Cost: in a lane whose entries all match (a receiver's own buffer,
    /// receive from any) the first entry is the answer, O(1); receiving from one named source scans the lane until
    /// the first entry from that source, O(n) in the entries queued before it. With one lane per sender, a named
    /// source looks in that sender's lane only, and "any" looks at the first match of every lane.
    /// </summary>
    private Location Find(in ReceiveFilter filter)
    {
        Location best = default;
        if (_single is not null) return FindIn(_single, filter);
        if (!filter.Source.IsAny)
            return _lanesByOwner.TryGetValue(filter.Source, out var own) ? FindIn(own, filter) : default;
        foreach (var lane in _lanes)
        {
            var here = FindIn(lane, filter);
            if (here.Lane is not null && (best.Lane is null || here.Sequence < best.Sequence)) best = here;
        }
        return best;
    }

    private static Location FindIn(Lane<T> lane, in ReceiveFilter filter)
    {
        var q = lane.Queue;
        for (int i = 0; i < q.Count; i++)
            if (filter.Matches(q[i])) return new Location(lane, i, false, q[i].Sequence);
        // Blocked senders hold newer messages than anything queued: look at them only when the queue has no match,
        // so a receive naming a source is never stuck behind a buffer full of other sources' messages.
        var b = lane.Blocked;
        for (int i = 0; i < b.Count; i++)
            if (filter.Matches(b[i].Envelope)) return new Location(lane, i, true, b[i].Envelope.Sequence);
        return default;
    }

    private bool TryTakeLocked(in ReceiveFilter filter, out Envelope<T> env)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        var at = Find(filter);
        if (at.Lane is null)
        {
            env = default;
            return false;
        }
        env = TakeAt(at);
        Settle(env, filter.Receiver, at.Lane);
        return true;
    }

    private Envelope<T> TakeAt(in Location at)
    {
        var lane = at.Lane!;
        if (!at.InBlocked)
        {
            var env = lane.Queue.RemoveAt(at.Index);
            PromoteLocked(lane);
            return env;
        }
        // Taken straight from a blocked sender: a rendezvous, the send completes now.
        var w = lane.Blocked[at.Index];
        lane.Blocked.RemoveAt(at.Index);
        CompleteSend(w, WaitState.Done, null);
        return w.Envelope;
    }

    private void Settle(in Envelope<T> env, ProcessId receiver, Lane<T> lane)
    {
        env.Receipt?.TrySetResult(receiver);
        Trace(IpcAction.Receive, receiver, env.Source, env.Sequence, lane.Queue.Count);
    }

    /// <summary>
    /// SEEDED BUG (<see cref="DirectFaults.SplitTakeCheck"/>): the message is chosen in one critical section and
    /// removed by position in a second one, without checking it is still there. Two receivers that both choose
    /// entry i both return it, and whatever is at i when the second one acts is removed undelivered.
    /// </summary>
    private bool TryTakeSplitLocked(in ReceiveFilter filter, out Envelope<T> env)
    {
        var at = Find(filter);
        if (at.Lane is null)
        {
            env = default;
            return false;
        }
        env = at.InBlocked ? at.Lane.Blocked[at.Index].Envelope : at.Lane.Queue[at.Index];
        Monitor.Exit(_lock);
        _s.Faults.SplitTakeWindow?.Invoke();
        Monitor.Enter(_lock);
        var lane = at.Lane;
        if (!at.InBlocked && at.Index < lane.Queue.Count) TakeAt(at);
        else if (at.InBlocked && at.Index < lane.Blocked.Count) TakeAt(at);
        Settle(env, filter.Receiver, lane);
        return true;
    }

    /// <summary>Moves blocked senders' messages into freed slots, oldest first, completing their sends.</summary>
    private void PromoteLocked(Lane<T> lane)
    {
        while (lane.Blocked.Count > 0 && lane.Queue.Count < lane.Capacity)
        {
            var w = lane.Blocked[0];
            lane.Blocked.RemoveAt(0);
            // No waiting receiver or idle handler accepts it (they would have taken it from the blocked list),
            // so it joins the queue like any message.
            lane.Queue.Enqueue(w.Envelope);
            Trace(IpcAction.Send, w.Envelope.Source, w.Envelope.Destination, w.Envelope.Sequence, lane.Queue.Count);
            CompleteSend(w, WaitState.Done, null);
        }
    }

    // ---------------------------------------------------- completion, abort

    private void CompleteReceive(ReceiveWaiter<T> w, in Envelope<T> env)
    {
        Debug.Assert(Monitor.IsEntered(_lock) && w.State == WaitState.Waiting);
        w.Result = env;
        w.State = WaitState.Done;
        w.Disarm();
        env.Receipt?.TrySetResult(w.Filter.Receiver);
        if (w.IsSync) PulseAllLocked();
        else w.Completion!.TrySetResult(new Message<T>(env.Source, env.Body));
    }

    private void FailReceive(ReceiveWaiter<T> w, WaitState state, Exception error)
    {
        Debug.Assert(Monitor.IsEntered(_lock) && w.State == WaitState.Waiting);
        w.State = state;
        w.Error = error;
        w.Disarm();
        if (w.IsSync) PulseAllLocked();
        else if (error is OperationCanceledException oce) w.Completion!.TrySetCanceled(oce.CancellationToken);
        else w.Completion!.TrySetException(error);
    }

    private void CompleteSend(SendWaiter<T> w, WaitState state, Exception? error)
    {
        Debug.Assert(Monitor.IsEntered(_lock) && w.State == WaitState.Waiting);
        w.State = state;
        w.Error = error;
        w.Disarm();
        if (w.IsSync)
        {
            PulseAllLocked();
            return;
        }
        var status = state switch
        {
            WaitState.Done => SendStatus.Sent,
            WaitState.Canceled => SendStatus.Canceled,
            WaitState.TimedOut => SendStatus.TimedOut,
            _ => SendStatus.Failed,
        };
        w.Operation!.Complete(status, error);
    }

    /// <summary>Cancellation/timeout of a blocked receive. Loses cleanly to a completion that came first.</summary>
    internal void AbortReceive(ReceiveWaiter<T> w, WaitState reason)
    {
        lock (_lock)
        {
            // Benign race: the message (or a close) may have reached the waiter just before the cancellation or
            // the timer; whoever moved the state first decided the outcome, and the late one does nothing. A
            // receive that completed keeps its message, so no message is taken and then dropped.
            if (w.State != WaitState.Waiting) return;
            _receivers.Remove(w);
            Trace(IpcAction.Abort, w.Filter.Receiver, w.Filter.Source, 0, 0);
            FailReceive(w, reason, reason == WaitState.Canceled ? new OperationCanceledException(w.Token) : ReceiveTimeout(w.Filter, null));
            AssertInvariants();
        }
    }

    /// <summary>Cancellation/timeout of a blocked send: the message never entered the buffer, so the caller keeps it.</summary>
    internal void AbortSend(SendWaiter<T> w, WaitState reason)
    {
        lock (_lock)
        {
            // Same race as AbortReceive: a receiver or promotion that took the message first wins; the send then
            // reports success although its token fired, because the message is really gone from the sender.
            if (w.State != WaitState.Waiting) return;
            w.Lane.Blocked.Remove(w);
            Trace(IpcAction.Abort, w.Envelope.Source, w.Envelope.Destination, w.Envelope.Sequence, w.Lane.Queue.Count);
            CompleteSend(w, reason, reason == WaitState.Canceled
                ? new OperationCanceledException(w.Token)
                : SendTimeout(w.Envelope.Source, w.Envelope.Destination, null));
            AssertInvariants();
        }
    }

    /// <summary>
    /// Starts the timeout, under the lock, before the blocked step is traced: a test (or replay) that reacts to the
    /// trace by advancing a fake clock then always finds the timer. A positive timeout never fires synchronously,
    /// and a real timer's callback waits for the lock. The clock is the link's TimeProvider.
    /// </summary>
    private void ArmTimer(Waiter w, TimeSpan timeout)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
            w.Timer = _s.Time.CreateTimer(static o => ((Waiter)o!).Abort(WaitState.TimedOut), w, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Registers cancellation, under the lock, after the blocked step is traced. If the token was cancelled since
    /// the entry check, the callback runs here, re-enters the (re-entrant) lock and aborts the waiter before the
    /// caller waits: nothing is missed, and the trace reads "blocked, then aborted".
    /// </summary>
    private void ArmCancellation(Waiter w, CancellationToken ct)
    {
        w.Token = ct;
        if (ct.CanBeCanceled)
            w.Registration = ct.UnsafeRegister(static o => ((Waiter)o!).Abort(WaitState.Canceled), w);
    }

    private void WaitLocked(Waiter w)
    {
        if (_s.Faults.IfInsteadOfWhile)
        {
            // SEEDED BUG: Mesa semantics give no guarantee on wake-up; one check is not enough.
            if (w.State == WaitState.Waiting) Monitor.Wait(_lock);
            return;
        }
        while (w.State == WaitState.Waiting) Monitor.Wait(_lock);
    }

    private void PulseAllLocked()
    {
        if (_syncWaiters > 0) Monitor.PulseAll(_lock);
    }

    // ----------------------------------------------------------- subscribe

    /// <summary>Starts an event-handler receive; takes buffered messages at once, up to the degree of parallelism.</summary>
    public Subscription Subscribe(ProcessId receiver, ProcessId source, Func<Message<T>, CancellationToken, ValueTask> handler, HandlerOptions options)
    {
        var sub = new Sub(this, Filter(receiver, source), handler, options.MaxDegreeOfParallelism);
        lock (_lock)
        {
            ThrowIfReceiveRefused(receiver, "Subscribe");
            _subscriptions.Add(sub);
            while (sub.HasRoom && TryTakeLocked(sub.Filter, out var env))
            {
                sub.InFlight++;
                StartHandler(sub, env);
            }
            AssertInvariants();
        }
        return new Subscription(sub);
    }

    private void StartHandler(Sub sub, Envelope<T> env)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        // Task.Run only queues the invocation: the handler never runs on the sender's thread or under the lock.
        _ = Task.Run(() => RunHandlerAsync(sub, env));
    }

    private async Task RunHandlerAsync(Sub sub, Envelope<T> env)
    {
        Sub.Current.Value = sub;
        while (true)
        {
            if (_s.Tracer is not null)
                lock (_lock) Trace(IpcAction.HandlerStart, sub.Receiver, env.Source, env.Sequence, 0);
            Exception? error = null;
            try
            {
                await sub.Handler(new Message<T>(env.Source, env.Body), sub.Stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException oce) when (oce.CancellationToken == sub.Stopping.Token && sub.Stopping.IsCancellationRequested)
            {
                // The handler honoured Dispose's cancellation: a requested stop, not a failure.
            }
            catch (Exception e)
            {
                error = e;
            }
            lock (_lock)
            {
                Trace(IpcAction.HandlerEnd, sub.Receiver, env.Source, env.Sequence, 0);
                if (error is not null && sub.Fault is null)
                {
                    sub.Fault = new HandlerFailedException(_s.Name, sub.Receiver, env.Source, env.Body, error);
                    DeactivateLocked(sub);
                }
                if (sub.Active && TryTakeLocked(sub.Filter, out env))
                {
                    AssertInvariants();
                    continue;
                }
                sub.InFlight--;
                if (!sub.Active) FinishIfIdleLocked(sub);
                AssertInvariants();
                return;
            }
        }
    }

    private void DeactivateLocked(Sub sub)
    {
        if (!sub.Active) return;
        sub.Active = false;
        _subscriptions.Remove(sub);
        FinishIfIdleLocked(sub);
    }

    private void FinishIfIdleLocked(Sub sub)
    {
        if (sub.Active || sub.InFlight > 0) return;
        if (sub.Fault is not null) sub.CompletionSource.TrySetException(sub.Fault);
        else sub.CompletionSource.TrySetResult();
        // Dispose may be waiting on the monitor for the last invocation to end.
        PulseAllLocked();
    }

    private void StopSubscription(Sub sub, bool wait)
    {
        lock (_lock)
        {
            DeactivateLocked(sub);
            AssertInvariants();
        }
        // Outside the lock: Cancel runs the handler's registrations synchronously, and they are user code.
        sub.Stopping.Cancel();
        if (!wait || sub.IsInsideOwnHandler) return;
        lock (_lock)
        {
            _syncWaiters++;
            while (sub.InFlight > 0) Monitor.Wait(_lock);
            _syncWaiters--;
        }
    }

    /// <summary>One subscription's state, guarded by the monitor's lock (except the immutable fields).</summary>
    private sealed class Sub : SubscriptionCore
    {
        public static readonly AsyncLocal<Sub?> Current = new();

        public Sub(MessageMonitor<T> owner, ReceiveFilter filter, Func<Message<T>, CancellationToken, ValueTask> handler, int maxDegree)
        {
            Owner = owner;
            Filter = filter;
            Handler = handler;
            MaxDegree = maxDegree;
        }

        public MessageMonitor<T> Owner { get; }
        public ReceiveFilter Filter { get; }
        public Func<Message<T>, CancellationToken, ValueTask> Handler { get; }
        public int MaxDegree { get; }
        public int InFlight;
        public bool Active = true;
        public Exception? Fault;
        public readonly TaskCompletionSource CompletionSource = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly CancellationTokenSource Stopping = new();

        /// <summary>Room for another invocation; the HandlerReentrancy fault ignores the limit.</summary>
        public bool HasRoom => Active && (InFlight < MaxDegree || Owner._s.Faults.HandlerReentrancy);

        public override ProcessId Receiver => Filter.Receiver;
        public override ProcessId Source => Filter.Source;
        public override Task Completion => CompletionSource.Task;
        public override bool IsActive { get { lock (Owner._lock) return Active; } }
        public override bool IsInsideOwnHandler => ReferenceEquals(Current.Value, this);
        public override void Stop(bool wait) => Owner.StopSubscription(this, wait);
    }

    // ------------------------------------------------------------- closing

    /// <summary>
    /// Closes the whole monitor: every buffered message is returned (their receipts fault), every blocked sender
    /// fails with its message handed back, every waiting receiver fails, every subscription stops. Idempotent.
    /// </summary>
    public List<Envelope<T>> CloseAll(ProcessId closer)
    {
        var drained = new List<Envelope<T>>();
        lock (_lock)
        {
            if (_closed) return drained;
            _closed = true;
            foreach (var lane in _lanes)
            {
                while (lane.Queue.Count > 0) drained.Add(HandBack(lane.Queue.RemoveAt(0), closer));
                foreach (var w in lane.Blocked) FailBlockedSend(w);
                lane.Blocked.Clear();
            }
            if (!_s.Faults.LostWakeupOnClose)
            {
                foreach (var w in _receivers) FailReceive(w, WaitState.Failed, new EndpointClosedException(_s.Name));
                _receivers.Clear();
            }
            // SEEDED BUG (LostWakeupOnClose): the receivers above stay Waiting and nobody pulses them.
            foreach (var sub in _subscriptions.ToArray()) DeactivateLocked(sub);
            drained.Sort(static (x, y) => x.Sequence.CompareTo(y.Sequence));
            Trace(IpcAction.Close, closer, ProcessId.Any, 0, drained.Count);
            AssertInvariants();
        }
        return drained;
    }

    /// <summary>
    /// Ends one process's part in this monitor: its blocked sends fail with their messages handed back, its
    /// waiting receives fail, its subscriptions stop, receives naming it as source fail (the rules now say it is
    /// gone). With <paramref name="drainAddressed"/>, messages addressed to it are removed and returned.
    /// </summary>
    public List<Envelope<T>> CloseProcess(ProcessId p, bool drainAddressed)
    {
        var drained = new List<Envelope<T>>();
        lock (_lock)
        {
            foreach (var lane in _lanes)
            {
                for (int i = lane.Blocked.Count - 1; i >= 0; i--)
                {
                    var w = lane.Blocked[i];
                    if (w.Envelope.Source == p || (drainAddressed && w.Envelope.Destination == p))
                    {
                        lane.Blocked.RemoveAt(i);
                        FailBlockedSend(w);
                    }
                }
                if (drainAddressed)
                {
                    for (int i = 0; i < lane.Queue.Count;)
                    {
                        if (lane.Queue[i].Destination == p) drained.Add(HandBack(lane.Queue.RemoveAt(i), p));
                        else i++;
                    }
                }
                PromoteLocked(lane);
            }
            if (!_s.Faults.LostWakeupOnClose)
            {
                for (int i = _receivers.Count - 1; i >= 0; i--)
                {
                    var w = _receivers[i];
                    bool own = w.Filter.Receiver == p;
                    bool namesGoneSource = w.Filter.Source == p && _rules.IsSourceGone(p);
                    if (own || namesGoneSource)
                    {
                        _receivers.RemoveAt(i);
                        FailReceive(w, WaitState.Failed, new EndpointClosedException(own ? $"{_s.Name} ({p}'s end)" : $"{_s.Name} (source {p})"));
                    }
                }
            }
            foreach (var sub in _subscriptions.ToArray())
                if (sub.Receiver == p) DeactivateLocked(sub);
            // Lanes were drained one after the other; hand back in global send order, oldest first.
            drained.Sort(static (x, y) => x.Sequence.CompareTo(y.Sequence));
            Trace(IpcAction.Close, p, ProcessId.Any, 0, drained.Count);
            AssertInvariants();
        }
        return drained;
    }

    private Envelope<T> HandBack(Envelope<T> env, ProcessId closer)
    {
        env.Receipt?.TrySetException(new EndpointClosedException(_s.Name, env.Body, hasUndelivered: true));
        Trace(IpcAction.HandBack, closer, env.Source, env.Sequence, 0);
        return env;
    }

    private void FailBlockedSend(SendWaiter<T> w)
    {
        var env = w.Envelope;
        env.Receipt?.TrySetException(new EndpointClosedException(_s.Name, env.Body, hasUndelivered: true));
        Trace(IpcAction.HandBack, env.Source, env.Destination, env.Sequence, 0);
        CompleteSend(w, WaitState.Failed, new EndpointClosedException(_s.Name, env.Body, hasUndelivered: true));
    }

    // --------------------------------------------------------------- rules

    private Lane<T> LaneOfSender(ProcessId source) => _single ?? _lanesByOwner[source];

    private void ThrowIfSendRefused(ProcessId source, ProcessId destination, T body)
    {
        if (_closed) throw new EndpointClosedException(_s.Name, body, hasUndelivered: true);
        var error = _rules.CheckSend(source, destination, body);
        if (error is not null) throw error;
    }

    private Exception? RefuseReceive(ProcessId receiver, string operation)
    {
        if (_closed) return new EndpointClosedException(_s.Name);
        var error = _rules.CheckReceive(receiver, operation);
        if (error is not null) return error;
        if (_s.ExclusiveReceiver)
        {
            // "Only one process at a time may execute a receive": a receive in progress is a waiting receiver or
            // an active subscription; the same process may have several.
            foreach (var w in _receivers)
                if (w.Filter.Receiver != receiver)
                    return new PolicyViolationException(_s.Name, $"{receiver} called {operation} while {w.Filter.Receiver} is receiving; this mailbox allows one receiving process at a time.");
            foreach (var sub in _subscriptions)
                if (sub.Receiver != receiver)
                    return new PolicyViolationException(_s.Name, $"{receiver} called {operation} while {sub.Receiver} has a handler subscribed; this mailbox allows one receiving process at a time.");
        }
        return null;
    }

    private void ThrowIfReceiveRefused(ProcessId receiver, string operation)
    {
        var error = RefuseReceive(receiver, operation);
        if (error is not null) throw error;
    }

    private Exception? SourceGone(in ReceiveFilter filter) =>
        !filter.Source.IsAny && _rules.IsSourceGone(filter.Source)
            ? new EndpointClosedException($"{_s.Name} (source {filter.Source})")
            : null;

    private void ThrowIfSourceGone(in ReceiveFilter filter)
    {
        var error = SourceGone(filter);
        if (error is not null) throw error;
    }

    private TaskCompletionSource<ProcessId>? NewReceipt() =>
        _s.TrackReceipts ? new TaskCompletionSource<ProcessId>(TaskCreationOptions.RunContinuationsAsynchronously) : null;

    private TimeoutException SendTimeout(ProcessId source, ProcessId destination, TimeSpan? timeout) =>
        new($"Send from {source} to {destination} on '{_s.Name}' timed out{After(timeout)} waiting for room; the message was not sent.");

    private TimeoutException ReceiveTimeout(in ReceiveFilter filter, TimeSpan? timeout) =>
        new($"Receive by {filter.Receiver} from {filter.Source} on '{_s.Name}' timed out{After(timeout)}; nothing was taken.");

    private static string After(TimeSpan? t) => t is null ? "" : $" after {t.Value.TotalMilliseconds} ms";

    private void Trace(IpcAction action, ProcessId process, ProcessId peer, long sequence, int count) =>
        _s.Tracer?.OnEvent(new IpcTraceEvent(action, _s.Name, process, peer, sequence, count));

    // ----------------------------------------------------------- invariants

    /// <summary>
    /// The monitor's invariants, as English sentences; null when they hold. These are the Mailbox spec's
    /// invariants and what the Coyote tests assert. Must be called under the lock.
    /// </summary>
    internal string? FindViolation()
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        foreach (var lane in _lanes)
        {
            if (lane.Queue.Count > lane.Capacity) return $"buffer of {lane.Owner} holds {lane.Queue.Count} > capacity {lane.Capacity}";
            if (lane.Blocked.Count > 0 && lane.Queue.Count != lane.Capacity) return "a blocked sender ⇒ its buffer is full";
            foreach (var w in lane.Blocked) if (w.State != WaitState.Waiting) return "a blocked sender in the list ⇒ it is still waiting";
        }
        foreach (var w in _receivers)
        {
            if (w.State != WaitState.Waiting) return "a receiver in the list ⇒ it is still waiting";
            if (Find(w.Filter).Lane is not null) return $"a waiting receiver ({w.Filter.Receiver} from {w.Filter.Source}) ⇒ no message it accepts is buffered or blocked";
        }
        foreach (var sub in _subscriptions)
        {
            if (!sub.Active) return "a listed subscription ⇒ it is active";
            if (sub.InFlight < sub.MaxDegree && Find(sub.Filter).Lane is not null) return "an idle handler ⇒ no message it accepts is buffered or blocked";
            if (sub.InFlight > sub.MaxDegree) return "handler invocations ≤ the subscription's degree of parallelism";
        }
        if (_closed)
        {
            if (_receivers.Count > 0 || _subscriptions.Count > 0) return "closed ⇒ nobody waits to receive";
            foreach (var lane in _lanes)
                if (lane.Queue.Count > 0 || lane.Blocked.Count > 0) return "closed ⇒ nothing buffered, no blocked sender";
        }
        return null;
    }

    /// <summary>Checks <see cref="FindViolation"/> from outside the lock (tests).</summary>
    internal string? CheckInvariants()
    {
        lock (_lock) return FindViolation();
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        // With a seeded fault the invariants are meant to break; the tests, not a debug assertion, must find it.
        if (_s.Faults.Any) return;
        var violation = FindViolation();
        Debug.Assert(violation is null, violation);
    }
}
