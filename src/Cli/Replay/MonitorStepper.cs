using VerifiedIpc.Reference;
using VerifiedIpc.Reference.Buffers;

namespace VerifiedIpc.Cli.Replay;

/// <summary>Where one spec thread's OS thread is, as the stepper sees it.</summary>
internal enum ThreadPhase
{
    /// <summary>Outside the buffer, waiting for the replay to start its next call (the spec's pc "acquire").</summary>
    AtGate,
    /// <summary>Inside a call the replay released; it runs until one of the other phases.</summary>
    Running,
    /// <summary>In the implementation's <c>Monitor.Wait</c> (after its Wait event), lock released.</summary>
    InWait,
    /// <summary>Notified and back from <c>Monitor.Wait</c>; parked by the tracer, lock released, until the replay
    /// says Wake.</summary>
    Woken,
    /// <summary>The call threw: the implementation failed.</summary>
    Failed,
}

/// <summary>
/// Runs a synchronous buffer with one OS thread per spec thread and releases them one spec step at a time. Each
/// thread waits at a gate before each call; a thread the implementation notifies is parked by the tracer as soon as
/// it has re-acquired the lock (it leaves and re-enters the lock, which the monitor's own wait set never sees), so
/// the replay, not the OS, decides who re-acquires the lock next. Every other step of a call runs under the lock
/// without interruption, as in the spec, where the lock holder is the only thread that moves.
/// </summary>
/// <remarks>
/// The stepper never invents a wake-up: a thread reaches <see cref="ThreadPhase.Woken"/> only by returning from the
/// implementation's own <c>Monitor.Wait</c>. To know when the buffer is quiet it counts notifications: a Broadcast
/// event owes a Wake event from every thread in <c>Monitor.Wait</c> that has not been notified yet, a Signal event
/// owes one (the monitor picks which).
/// </remarks>
internal sealed class MonitorStepper : IBufferTracer, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    internal sealed class Proc(string name, bool producer)
    {
        public string Name { get; } = name;
        public bool Producer { get; } = producer;
        public ThreadPhase Phase = ThreadPhase.Running;
        public int Calls;                       // calls started
        public int Returns;                     // calls returned
        public SpecItem? LastReceived;
        public Exception? Failure;
        public readonly List<BufferEvent> Events = new();
        public readonly SemaphoreSlim Gate = new(0);
        public readonly SemaphoreSlim WakeGate = new(0);
        public Thread? Thread;
    }

    [ThreadStatic] private static Proc? s_current;

    private readonly object _sync = new();
    private readonly Dictionary<string, Proc> _procs = new(StringComparer.Ordinal);
    private readonly List<string> _log = new();
    private int _unnotifiedWaiters, _pendingWakes;
    private volatile bool _stopping;

    public MonitorStepper(IEnumerable<(string Name, bool Producer)> threads, Func<IBufferTracer, MessageBuffer<SpecItem>> build)
    {
        Buffer = build(this);
        foreach (var (name, producer) in threads)
        {
            var p = new Proc(name, producer);
            _procs[name] = p;
            p.Thread = new Thread(() => Run(p)) { IsBackground = true, Name = $"replay {name}" };
        }
        foreach (var p in _procs.Values) p.Thread!.Start();
        Settle();
    }

    public MessageBuffer<SpecItem> Buffer { get; }

    public Proc this[string name] => _procs.TryGetValue(name, out var p) ? p : throw new DivergedException($"no thread '{name}'");

    public IEnumerable<Proc> Procs => _procs.Values;

    private void Run(Proc p)
    {
        s_current = p;
        while (true)
        {
            lock (_sync)
            {
                p.Phase = ThreadPhase.AtGate;
                Monitor.PulseAll(_sync);
            }
            p.Gate.Wait();
            if (_stopping) return;
            try
            {
                if (p.Producer)
                {
                    Buffer.Send(new SpecItem(p.Name, p.Calls));
                }
                else
                {
                    var m = Buffer.Receive();
                    lock (_sync) p.LastReceived = m;
                }
                lock (_sync) p.Returns++;
            }
            catch (Exception e)
            {
                lock (_sync)
                {
                    if (_stopping) return;
                    p.Failure = e;
                    p.Phase = ThreadPhase.Failed;
                    Monitor.PulseAll(_sync);
                }
                return;
            }
        }
    }

    /// <summary>Starts <paramref name="p"/>'s next call (the spec's Acquire) and waits until the buffer is quiet.</summary>
    public void StartCall(Proc p)
    {
        lock (_sync)
        {
            if (p.Phase != ThreadPhase.AtGate) throw new DivergedException($"{p.Name} is {Describe(p)}, not outside the buffer");
            p.Phase = ThreadPhase.Running;
            p.Calls++;
        }
        p.Gate.Release();
        Settle();
    }

    /// <summary>Lets a notified thread re-acquire the lock (the spec's Wake) and waits until the buffer is quiet.</summary>
    public void Wake(Proc p)
    {
        lock (_sync)
        {
            if (p.Phase != ThreadPhase.Woken) throw new DivergedException($"the implementation did not wake {p.Name}: it is {Describe(p)}");
            p.Phase = ThreadPhase.Running;
        }
        p.WakeGate.Release();
        Settle();
    }

    /// <summary>Waits until no thread is running and every notification owed has arrived.</summary>
    public void Settle()
    {
        var deadline = DateTime.UtcNow + Patience;
        lock (_sync)
        {
            // Patience is not synchronisation: every wait below ends on a signal from a replay thread; the deadline
            // only turns an implementation that hangs into a reported divergence instead of a hung replay.
            while (_pendingWakes > 0 || _procs.Values.Any(p => p.Phase == ThreadPhase.Running))
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_sync, left))
                {
                    var running = string.Join(", ", _procs.Values.Where(p => p.Phase == ThreadPhase.Running).Select(p => p.Name));
                    throw new DivergedException($"the implementation did not come to rest within {Patience.TotalSeconds:0} s"
                        + (running.Length > 0 ? $" ({running} still running)" : $" ({_pendingWakes} notified thread(s) never re-acquired the lock)"));
                }
            }
        }
    }

    /// <summary>
    /// Takes the first unmatched event of <paramref name="p"/> of one of the <paramref name="kinds"/>, passing over
    /// notifications (the implementation may notify before it traces the step the spec puts first; both happen
    /// under the one lock, so the order between them is not observable). Null when there is none; then
    /// <paramref name="instead"/> is the first event that is there.
    /// </summary>
    public BufferEvent? Take(Proc p, out BufferEvent? instead, params BufferAction[] kinds)
    {
        lock (_sync)
        {
            instead = p.Events.Count > 0 ? p.Events[0] : null;
            for (int i = 0; i < p.Events.Count; i++)
            {
                var e = p.Events[i];
                if (kinds.Contains(e.Action))
                {
                    p.Events.RemoveAt(i);
                    return e;
                }
                if (e.Action is not (BufferAction.Signal or BufferAction.Broadcast)) break;
            }
            return null;
        }
    }

    /// <summary>Events of <paramref name="p"/> not matched to a spec step yet.</summary>
    public IReadOnlyList<BufferEvent> Unmatched(Proc p)
    {
        lock (_sync) return p.Events.ToList();
    }

    public string Describe(Proc p) => p.Phase switch
    {
        ThreadPhase.AtGate => "outside the buffer (its call returned)",
        ThreadPhase.Running => "running",
        ThreadPhase.InWait => "blocked in Monitor.Wait",
        ThreadPhase.Woken => "notified and waiting for the lock",
        _ => $"failed ({p.Failure?.GetType().Name}: {p.Failure?.Message})",
    };

    /// <inheritdoc/>
    public void OnEvent(in BufferEvent e)
    {
        var me = s_current;
        bool park = false;
        lock (_sync)
        {
            if (me is not null && e.Action != BufferAction.Wake) me.Events.Add(e);
            switch (e.Action)
            {
                case BufferAction.Wait:
                    _unnotifiedWaiters++;
                    if (me is not null) me.Phase = ThreadPhase.InWait;
                    break;
                case BufferAction.Broadcast:
                    _pendingWakes += _unnotifiedWaiters;
                    _unnotifiedWaiters = 0;
                    break;
                case BufferAction.Signal:
                    if (_unnotifiedWaiters > 0)
                    {
                        _unnotifiedWaiters--;
                        _pendingWakes++;
                    }
                    break;
                case BufferAction.Wake:
                    _pendingWakes = Math.Max(0, _pendingWakes - 1);
                    if (me is not null && !_stopping)
                    {
                        me.Phase = ThreadPhase.Woken;
                        park = true;
                    }
                    break;
            }
            Monitor.PulseAll(_sync);
        }
        if (park)
        {
            // We are inside the buffer's lock, entered once (the lock statement around Monitor.Wait). Leaving it
            // here lets the replay pick who runs next; the implementation sees nothing but a slower re-acquisition.
            var bufferLock = Buffer.ReplayLock;
            Monitor.Exit(bufferLock);
            try
            {
                me!.WakeGate.Wait();
            }
            finally
            {
                Monitor.Enter(bufferLock);
            }
        }
    }

    /// <summary>Ends every thread: parked ones go on, blocked ones see the buffer closed.</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (var p in _procs.Values)
        {
            p.Gate.Release();
            p.WakeGate.Release();
        }
        try
        {
            Buffer.Close();
        }
        catch (Exception)
        {
            // A seeded bug may throw from Close; the replay's verdict is already taken.
        }
        foreach (var p in _procs.Values)
        {
            // A Pulse-instead-of-PulseAll build wakes only one thread on Close; wake the rest so none is left behind.
            for (int i = 0; i < 50 && p.Thread!.IsAlive; i++)
            {
                lock (Buffer.ReplayLock) Monitor.PulseAll(Buffer.ReplayLock);
                p.Thread.Join(TimeSpan.FromMilliseconds(100));
            }
        }
    }
}
