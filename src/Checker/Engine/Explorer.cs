using System.Runtime.CompilerServices;
using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Engine;

/// <summary>
/// Breadth-first explicit-state exploration with TLC's semantics and accounting. The search runs level by level,
/// so with any number of workers the depth is exact and every recorded parent is on a shortest path; only the
/// fingerprint, parent fingerprint and action of each distinct state are kept (traces are recovered by replaying
/// the actions forward, as TLC does).
/// </summary>
public sealed class Explorer
{
    private readonly CompiledModel _model;
    private readonly CheckOptions _options;
    private readonly SeenSet _seen = new();
    private readonly bool _checkDeadlock;
    private long _generated;
    private readonly Lock _errorLock = new();
    private volatile bool _stop;
    private Failure? _failure;
    private int _maxDepth;
    private long _leftOnQueue;

    /// <summary>Creates an explorer for <paramref name="model"/>.</summary>
    public Explorer(CompiledModel model, CheckOptions options)
    {
        _model = model;
        _options = options;
        _checkDeadlock = model.CheckDeadlock && !options.DisableDeadlock;
        if (model.Temporal is { IsEmpty: false } t) _live = new Liveness.LivenessRecorder(model, t);
    }

    // Temporal properties: the behaviour graph is recorded by one worker, in the order states are expanded.
    private readonly Liveness.LivenessRecorder? _live;

    private sealed record Failure(Verdict Verdict, string? Name, Value?[]? Bad, ulong ParentFp, bool HasParent, int Action, EvalException? Error, string? Detail, bool Initial, VerifiedIpc.Tla.Syntax.SourceSpan? Span = null);

    /// <summary>Record kept per distinct state: how it was first reached.</summary>
    internal readonly record struct Rec(ulong ParentFp, int Action, int Depth);

    /// <summary>Runs ASSUMEs, then the search.</summary>
    public CheckResult Run()
    {
        var nvars = _model.VarNames.Length;
        var c = new Ctx(_model.Runtime, nvars);
        foreach (var a in _model.Assumptions)
        {
            Value v;
            try { v = a.Formula.Eval(c); }
            catch (EvalException e)
            {
                return new CheckResult { Verdict = Verdict.AssumptionError, Violated = a.Formula.Span.ToTlcString(), Error = e };
            }
            if (v is not BoolValue { Value: true })
                return new CheckResult { Verdict = Verdict.AssumptionFalse, Violated = a.Assumption.Body.Span.ToTlcString() };
        }

        // Initial states: TLC generates (and counts) them all, then admits and checks them in generation order,
        // stopping at the first bad one.
        var level = new List<Value[]>();
        var initSink = new InitSink();
        c.Sink = initSink;
        try { _model.RunInit(c); }
        // TLC reports any error while computing the initial states plainly, with exit 75, whatever raised it
        // (a standard-module operator, an overflow or a failed Assert included).
        catch (EvalException e) { return Finish(Verdict.NextStateError, null, null, 0, false, -1, e, null, true); }
        _generated = initSink.States.Count;
        var initEval = new Ctx(_model.Runtime, nvars);
        foreach (var s0 in initSink.States)
            if (!Admit(s0, 0, false, -1, 1, initEval, null, level, countGenerated: false)) break;
        if (_failure != null) return Result();

        int depth = 1;
        var lastReport = _options.Time.GetTimestamp();
        while (level.Count > 0 && !_stop)
        {
            var nextLevel = ExpandLevel(level, depth);
            if (_stop) break;
            level = nextLevel;
            if (level.Count > 0) depth++;
            if (level.Count > 0 && _options.Progress != null && _options.Time.GetElapsedTime(lastReport) >= _options.ProgressInterval)
            {
                lastReport = _options.Time.GetTimestamp();
                _options.Progress(depth, Interlocked.Read(ref _generated), _seen.Count, level.Count);
            }
        }
        if (_failure is null && _live is { NeedsGraph: true } && _live.Check() is { } cex)
            return Liveness.LassoBuilder.Build(this, _model, cex, _generated, _seen.Count, _maxDepth);
        return Result();
    }

    private List<Value[]> ExpandLevel(List<Value[]> level, int depth)
    {
        int workers = _live is { NeedsGraph: true } ? 1 : Math.Max(1, Math.Min(_options.Workers, level.Count / 64 + 1));
        if (workers == 1)
        {
            var w = new Worker(this, depth);
            foreach (var s in level)
            {
                if (_stop) break;
                w.Started++;
                w.Expand(s);
            }
            if (_stop) _leftOnQueue = level.Count - w.Started + w.Next.Count;
            return w.Next;
        }
        var ws = Enumerable.Range(0, workers).Select(_ => new Worker(this, depth)).ToArray();
        int nextIndex = 0;
        const int chunk = 32;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, wi =>
        {
            var w = ws[wi];
            while (!_stop)
            {
                int start = Interlocked.Add(ref nextIndex, chunk) - chunk;
                if (start >= level.Count) break;
                int end = Math.Min(level.Count, start + chunk);
                for (int i = start; i < end && !_stop; i++) { w.Started++; w.Expand(level[i]); }
            }
        });
        if (_stop) _leftOnQueue = level.Count - ws.Sum(w => w.Started) + ws.Sum(w => w.Next.Count);
        var next = new List<Value[]>(ws.Sum(w => w.Next.Count));
        foreach (var w in ws) next.AddRange(w.Next);
        return next;
    }

    private static Verdict Classify(EvalException e, bool inInvariant) => e.Kind switch
    {
        EvalErrorKind.Overflow => Verdict.Overflow,
        EvalErrorKind.Module when !inInvariant => Verdict.ModuleError,
        EvalErrorKind.Assert => Verdict.AssertFailed,
        _ => inInvariant ? Verdict.InvariantError : Verdict.NextStateError,
    };

    private CheckResult Finish(Verdict v, string? name, Value?[]? bad, ulong parentFp, bool hasParent, int action, EvalException? e, string? detail, bool initial)
    {
        Fail(new Failure(v, name, bad, parentFp, hasParent, action, e, detail, initial));
        return Result();
    }

    private void Fail(Failure f)
    {
        lock (_errorLock)
        {
            if (_failure != null) return;
            _failure = f;
            _stop = true;
        }
    }

    // ------------------------------------------------------------------ fingerprints

    /// <summary>The state's fingerprint after VIEW and SYMMETRY (the minimum over the symmetry group).</summary>
    internal ulong Fingerprint(Value[] s, Ctx eval)
    {
        var fp = RawFingerprint(s, eval);
        foreach (var perm in _model.Symmetry)
        {
            var p = new Value[s.Length];
            for (int i = 0; i < s.Length; i++) p[i] = Symmetry.Permute(s[i], perm);
            var f2 = RawFingerprint(p, eval);
            if (f2 < fp) fp = f2;
        }
        return fp;
    }

    private ulong RawFingerprint(Value[] s, Ctx eval)
    {
        if (_model.View is { } view)
        {
            var saved = eval.Cur;
            eval.Cur = s;
            try { return view.Eval(eval).Fingerprint; }
            finally { eval.Cur = saved; }
        }
        ulong h = Fp.Start(ValueKind.Function) ^ 0x5bd1e995UL;
        foreach (var v in s) h = Fp.Mix(h, v.Fingerprint);
        return Fp.Finish(h);
    }

    // ------------------------------------------------------------------ per-successor logic

    /// <summary>TLC's order for a new state: count it, test the model constraints, admit it, check invariants.</summary>
    private bool Admit(Value?[] nxt, ulong parentFp, bool hasParent, int action, int depth, Ctx eval, Value[]? cur, List<Value[]> queue, bool countGenerated = true)
    {
        if (countGenerated) Interlocked.Increment(ref _generated);
        for (int i = 0; i < nxt.Length; i++)
        {
            if (nxt[i] is null)
            {
                var missing = string.Join(", ", _model.VarNames.Where((_, j) => nxt[j] is null));
                // TLC names the sub-action by its operator (without arguments) when the next-state relation splits
                // into several, and says "the next-state action" when it is one.
                var actionName = action >= 0 ? _model.Actions[action].BaseName : "the initial predicate";
                var plural = nxt.Count(v => v is null) > 1;
                Fail(new Failure(action >= 0 ? Verdict.IncompleteSuccessor : Verdict.NextStateError, null, (Value?[])nxt.Clone(), parentFp, hasParent, action, null,
                    action >= 0
                        ? $"Successor state is not completely specified by {(_model.Actions.Length == 1 ? "the next-state action" : $"action {actionName} of the next-state relation")}. The following variable{(plural ? "s are" : " is")} not defined: {missing}."
                        : $"The initial predicate does not assign {missing}.", action < 0));
                return false;
            }
        }
        var s = new Value[nxt.Length];
        Array.Copy(nxt, s, s.Length);

        bool inModel;
        ulong fp;
        try
        {
            inModel = InModel(s, cur, eval);
            fp = Fingerprint(s, eval);
        }
        catch (EvalException e)
        {
            Fail(new Failure(Classify(e, false), null, s, parentFp, hasParent, action, e, null, action < 0));
            return false;
        }
        bool isNew = false;
        if (inModel)
        {
            if (_options.StateLimit > 0 && _seen.Count >= _options.StateLimit && !_seen.Contains(fp))
            {
                Fail(new Failure(Verdict.StateLimitReached, null, null, parentFp, false, action, null, $"Stopped after {_options.StateLimit} distinct states.", false));
                return false;
            }
            isNew = _seen.TryAdd(fp, new Rec(parentFp, action, depth));
            if (isNew)
            {
                if (depth > Volatile.Read(ref _maxDepth)) InterlockedMax(ref _maxDepth, depth);
            }
        }
        if (!inModel || isNew)
        {
            eval.Cur = s;
            foreach (var inv in _model.Invariants)
            {
                Value v;
                try { v = inv.Eval(eval); }
                catch (EvalException e)
                {
                    // On an initial state TLC reports the failure with exit 75: a core-language error "while working on
                    // the initial state" (printing it), any other (standard module, overflow, Assert) plainly. On a
                    // later state it is "Evaluating invariant ... failed" (exit 76), whatever raised it.
                    if (action < 0)
                        Fail(new Failure(Verdict.NextStateError, inv.Name, e.Kind == EvalErrorKind.General ? s : null, parentFp, hasParent, action, e, null, true));
                    else
                        Fail(new Failure(Verdict.InvariantError, inv.Name, s, parentFp, hasParent, action, e, null, false));
                    return false;
                }
                if (v is not BoolValue b)
                {
                    Fail(new Failure(Verdict.InvariantError, inv.Name, s, parentFp, hasParent, action,
                        new EvalException($"The invariant {inv.Name} is not a boolean:\n{v}"), null, action < 0));
                    return false;
                }
                if (!b.Value)
                {
                    Fail(new Failure(Verdict.InvariantViolated, inv.Name, s, parentFp, hasParent, action, null, null, action < 0));
                    return false;
                }
            }
        }
        if (_live != null)
        {
            (string Name, VerifiedIpc.Tla.Syntax.SourceSpan Span)? bad;
            try { bad = _live.OnTransition(s, fp, inModel, isNew, cur, parentFp, eval); }
            catch (EvalException e)
            {
                Fail(new Failure(Classify(e, true), null, s, parentFp, hasParent, action, e, null, action < 0));
                return false;
            }
            if (bad is { } b)
            {
                Fail(new Failure(Verdict.ActionPropertyViolated, b.Name, s, parentFp, hasParent, action, null, null, action < 0, b.Span));
                return false;
            }
        }
        // As TLC: a new state joins the queue only once its invariants hold.
        if (isNew) queue.Add(s);
        return true;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int cur;
        while ((cur = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, cur) != cur) { }
    }

    private bool InModel(Value[] s, Value[]? cur, Ctx eval)
    {
        eval.Cur = s;
        foreach (var con in _model.Constraints)
            if (!Stdlib.Bool(con.Eval(eval), $" in the constraint {con.Name}")) return false;
        if (cur != null && _model.ActionConstraints.Length > 0)
        {
            eval.Cur = cur;
            var savedNxt = eval.Nxt;
            eval.Nxt = s;
            try
            {
                foreach (var con in _model.ActionConstraints)
                    if (!Stdlib.Bool(con.Eval(eval), $" in the action constraint {con.Name}")) return false;
            }
            finally { eval.Nxt = savedNxt; }
        }
        return true;
    }

    private sealed class InitSink : ISuccessorSink
    {
        public List<Value?[]> States { get; } = [];

        public void OnSuccessor(Ctx c, int actionIndex) => States.Add((Value?[])c.Nxt.Clone());
    }

    /// <summary>One worker: its own contexts, its share of the next level.</summary>
    private sealed class Worker : ISuccessorSink
    {
        private readonly Explorer _ex;
        private readonly int _depth;
        private readonly Ctx _c;
        private readonly Ctx _eval;
        private ulong _curFp;
        private int _successors;

        public Worker(Explorer ex, int depth)
        {
            _ex = ex;
            _depth = depth;
            _c = new Ctx(ex._model.Runtime, ex._model.VarNames.Length) { Sink = this };
            _eval = new Ctx(ex._model.Runtime, ex._model.VarNames.Length);
        }

        public List<Value[]> Next { get; } = [];

        /// <summary>States of the level this worker has taken off the queue.</summary>
        public int Started;

        public void Expand(Value[] s)
        {
            _c.Cur = s;
            _curFp = _ex.Fingerprint(s, _eval);
            _successors = 0;
            var actions = _ex._model.Actions;
            for (int i = 0; i < actions.Length; i++)
            {
                Array.Clear(_c.Nxt);
                _c.Stop = false;
                try { _ex._model.RunAction(_c, i); }
                catch (EvalException e)
                {
                    _ex.Fail(new Failure(Classify(e, false), null, null, _curFp, true, -2, e, null, false));
                    return;
                }
                if (_ex._stop) return;
            }
            if (_successors == 0 && _ex._checkDeadlock)
                _ex.Fail(new Failure(Verdict.Deadlock, null, null, _curFp, true, -2, null, null, false));
        }

        public void OnSuccessor(Ctx c, int actionIndex)
        {
            if (_ex._stop) { c.Stop = true; return; }
            _successors++;
            if (!_ex.Admit(c.Nxt, _curFp, true, actionIndex, _depth + 1, _eval, c.Cur, Next)) c.Stop = true;
        }
    }

    // ------------------------------------------------------------------ results and traces

    private CheckResult Result()
    {
        var f = _failure;
        if (f is null)
        {
            return new CheckResult
            {
                Verdict = Verdict.Success,
                StatesGenerated = _generated,
                DistinctStates = _seen.Count,
                Depth = _maxDepth,
            };
        }
        IReadOnlyList<TraceStep>? trace = null;
        if (f.HasParent || f.Bad != null)
        {
            var steps = f.HasParent ? Replay(f.ParentFp) : [];
            if (f.Bad != null) steps.Add(new TraceStep(f.Bad, f.Action >= 0 ? _model.Actions[f.Action] : null));
            trace = steps;
        }
        return new CheckResult
        {
            Verdict = f.Verdict,
            Violated = f.Name,
            StatesGenerated = _generated,
            DistinctStates = _seen.Count,
            Depth = _maxDepth,
            Trace = trace,
            StatesLeftOnQueue = _leftOnQueue,
            Error = f.Error,
            IncompleteDetail = f.Detail,
            InInitialState = f.Initial,
            PropertySpan = f.Span,
        };
    }

    /// <summary>Recovers the states from the initial state to <paramref name="fp"/> by replaying recorded actions.</summary>
    internal List<TraceStep> Replay(ulong fp)
    {
        var chain = new List<(ulong Fp, Rec Rec)>();
        for (ulong cur = fp; ;)
        {
            if (!_seen.TryGet(cur, out var rec)) throw new CheckerException("internal: a trace state is missing from the seen set");
            chain.Add((cur, rec));
            if (rec.Action < 0) break;
            cur = rec.ParentFp;
            if (chain.Count > 1_000_000) throw new CheckerException("internal: cyclic parent chain");
        }
        chain.Reverse();
        var nvars = _model.VarNames.Length;
        var eval = new Ctx(_model.Runtime, nvars);
        var c = new Ctx(_model.Runtime, nvars);
        var finder = new FindSink(this, eval);
        c.Sink = finder;
        finder.Target = chain[0].Fp;
        _model.RunInit(c);
        var state = finder.Found ?? throw new CheckerException("internal: the initial state of the trace was not regenerated");
        var steps = new List<TraceStep> { new(state, null) };
        for (int i = 1; i < chain.Count; i++)
        {
            var a = chain[i].Rec.Action;
            finder.Target = chain[i].Fp;
            finder.Found = null;
            c.Cur = state;
            Array.Clear(c.Nxt);
            c.Stop = false;
            _model.RunAction(c, a);
            state = finder.Found ?? throw new CheckerException("internal: a trace step was not regenerated");
            steps.Add(new TraceStep(state, _model.Actions[a]));
        }
        return steps;
    }

    private sealed class FindSink(Explorer ex, Ctx eval) : ISuccessorSink
    {
        public ulong Target;
        public Value[]? Found;

        public void OnSuccessor(Ctx c, int actionIndex)
        {
            if (Found != null || c.Nxt.Any(v => v is null)) return;
            var s = new Value[c.Nxt.Length];
            Array.Copy(c.Nxt, s, s.Length);
            if (ex.Fingerprint(s, eval) == Target) { Found = s; c.Stop = true; }
        }
    }
}

/// <summary>The set of seen fingerprints with how each was reached; lock-striped for parallel workers.</summary>
internal sealed class SeenSet
{
    private const int Stripes = 64;
    private readonly Dictionary<ulong, Explorer.Rec>[] _maps = Enumerable.Range(0, Stripes).Select(_ => new Dictionary<ulong, Explorer.Rec>()).ToArray();
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Dictionary<ulong, Explorer.Rec> Map(ulong fp) => _maps[(int)(fp >> 58)];

    public bool TryAdd(ulong fp, Explorer.Rec rec)
    {
        var m = Map(fp);
        lock (m)
        {
            if (!m.TryAdd(fp, rec)) return false;
        }
        Interlocked.Increment(ref _count);
        return true;
    }

    public bool Contains(ulong fp) => TryGet(fp, out _);

    public bool TryGet(ulong fp, out Explorer.Rec rec)
    {
        var m = Map(fp);
        lock (m) return m.TryGetValue(fp, out rec);
    }
}
