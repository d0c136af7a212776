using VerifiedIpc.Checker.Engine;
using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Liveness;

/// <summary>
/// Records the behaviour graph during the search (int node ids, edge arrays, one 64-bit label per node and per
/// edge) and checks action properties on every transition. Only built when the model has temporal properties.
/// </summary>
internal sealed class LivenessRecorder
{
    private readonly CompiledModel _model;
    private readonly TemporalSpec _t;
    private readonly Dictionary<ulong, int> _ids = [];
    private readonly List<ulong> _fps = [];
    private readonly List<ulong> _nodeLabels = [];
    private readonly List<int> _initial = [];
    private readonly Dictionary<int, ulong> _outsideEnabled = [];
    private int[] _from = new int[1024];
    private int[] _to = new int[1024];
    private ulong[] _edgeLabels = new ulong[1024];
    private int _edges;

    public LivenessRecorder(CompiledModel model, TemporalSpec t)
    {
        _model = model;
        _t = t;
    }

    public bool NeedsGraph => _t.NeedsGraph;

    internal int NodeCount => _fps.Count;
    internal int EdgeCount => _edges;

    /// <summary>
    /// Called for every generated successor (and initial state) after its invariants held; returns the violated
    /// property (action property or initial predicate) or null.
    /// </summary>
    public (string Name, Tla.Syntax.SourceSpan Span)? OnTransition(Value[] s, ulong fp, bool inModel, bool isNew, Value[]? cur, ulong parentFp, Ctx eval)
    {
        if (cur is null)
        {
            eval.Cur = s;
            foreach (var ip in _t.InitProperties)
                if (!Truth(ip.Formula.Eval(eval), ip.Property)) return (ip.DisplayName, ip.Span);
        }
        else if (_t.ActionProperties.Count > 0)
        {
            var saved = eval.Nxt;
            eval.Cur = cur;
            eval.Nxt = s;
            try
            {
                foreach (var ap in _t.ActionProperties)
                    if (!Truth(ap.Formula.Eval(eval), ap.Property)) return (ap.DisplayName, ap.Span);
            }
            finally { eval.Nxt = saved; }
        }
        if (!_t.NeedsGraph) return null;
        if (!inModel)
        {
            // A step to a state outside the CONSTRAINT is not in the graph, but it still makes its action enabled
            // (TLC's ENABLED ignores constraints), so stuttering at the boundary is not fair.
            if (cur != null && _ids.TryGetValue(parentFp, out var from)) _outsideEnabled[from] = _outsideEnabled.GetValueOrDefault(from) | EdgeLabel(cur, s, eval);
            return null;
        }
        if (isNew)
        {
            eval.Cur = s;
            ulong label = 0;
            for (int i = 0; i < _t.NodePredicates.Count; i++)
                if (Truth(_t.NodePredicates[i].Eval(eval), _t.NodePredicates[i].Name)) label |= 1UL << i;
            _ids[fp] = _fps.Count;
            _fps.Add(fp);
            _nodeLabels.Add(label);
            if (cur is null) _initial.Add(_fps.Count - 1);
        }
        if (cur != null)
        {
            ulong label = EdgeLabel(cur, s, eval);
            if (_edges == _from.Length)
            {
                Array.Resize(ref _from, _edges * 2);
                Array.Resize(ref _to, _edges * 2);
                Array.Resize(ref _edgeLabels, _edges * 2);
            }
            _from[_edges] = _ids[parentFp];
            _to[_edges] = _ids[fp];
            _edgeLabels[_edges] = label;
            _edges++;
        }
        else if (!isNew && !_initial.Contains(_ids[fp])) _initial.Add(_ids[fp]);
        return null;
    }

    private ulong EdgeLabel(Value[] cur, Value[] s, Ctx eval)
    {
        ulong label = 0;
        var saved = eval.Nxt;
        eval.Cur = cur;
        eval.Nxt = s;
        try
        {
            for (int i = 0; i < _t.EdgePredicates.Count; i++)
                if (Truth(_t.EdgePredicates[i].Eval(eval), _t.EdgePredicates[i].Name)) label |= 1UL << i;
        }
        finally { eval.Nxt = saved; }
        return label;
    }

    private static bool Truth(Value v, string what) =>
        v is BoolValue b ? b.Value : throw new EvalException($"The property {what} evaluated to a non-boolean value:\n{v}");

    /// <summary>Searches every liveness obligation in order; the first violated one yields a counterexample.</summary>
    public LivenessCounterexample? Check()
    {
        var g = new Graph(_fps.Count, _from, _to, _edgeLabels, _edges, _nodeLabels.ToArray(), _initial.ToArray(), _t, _outsideEnabled);
        foreach (var ob in _t.Obligations)
            if (g.Find(ob) is { } cex) return cex with { Nodes = cex.NodeIds.Select(i => _fps[i]).ToArray() };
        return null;
    }
}

/// <summary>A violated liveness obligation: the states (fingerprints) of prefix + cycle and where the loop returns.</summary>
internal sealed record LivenessCounterexample(string Property, int[] NodeIds, int LoopBack, bool Stuttering)
{
    public ulong[] Nodes { get; init; } = [];
}

/// <summary>The behaviour graph in compressed adjacency form and the fair-cycle search over it.</summary>
internal sealed class Graph
{
    private readonly int _n;
    private readonly int[] _start;
    private readonly int[] _succ;
    private readonly ulong[] _elab;
    private readonly ulong[] _nlab;
    private readonly int[] _initial;
    private readonly TemporalSpec _t;
    private readonly ulong[] _enabled;

    public Graph(int n, int[] from, int[] to, ulong[] labels, int m, ulong[] nodeLabels, int[] initial, TemporalSpec t, IReadOnlyDictionary<int, ulong> outsideEnabled)
    {
        _n = n;
        _nlab = nodeLabels;
        _initial = initial;
        _t = t;
        _start = new int[n + 1];
        for (int e = 0; e < m; e++) _start[from[e] + 1]++;
        for (int i = 0; i < n; i++) _start[i + 1] += _start[i];
        _succ = new int[m];
        _elab = new ulong[m];
        var fill = (int[])_start.Clone();
        _enabled = new ulong[n];
        for (int e = 0; e < m; e++)
        {
            int k = fill[from[e]]++;
            _succ[k] = to[e];
            _elab[k] = labels[e];
            // A fairness action is enabled in a state when one of the state's recorded transitions is an <<A>>_v step.
            _enabled[from[e]] |= labels[e];
        }
        foreach (var (v, mask) in outsideEnabled) _enabled[v] |= mask;
    }

    private int[]? _index;
    private int[]? _low;
    private bool[]? _onStack;

    private static int[] NewFilled(int n)
    {
        var a = new int[n];
        Array.Fill(a, -1);
        return a;
    }

    private bool NodeBit(int v, int bit) => (_nlab[v] & (1UL << bit)) != 0;

    public LivenessCounterexample? Find(LiveObligation ob)
    {
        // The negated property as: a fair cycle inside the nodes `inF`, reached from `start` inside inF, containing a `must` node,
        // using no edge with the `forbidEdge` label.
        Func<int, bool> inF = _ => true, start = _ => true;
        Func<int, bool>? must = null;
        ulong forbid = 0;
        switch (ob.Form)
        {
            case LiveForm.Eventually:
                inF = v => !NodeBit(v, ob.P);
                var init = new HashSet<int>(_initial);
                start = init.Contains;
                break;
            case LiveForm.InfinitelyOften:
                inF = v => !NodeBit(v, ob.P);
                break;
            case LiveForm.EventuallyAlways:
                var init2 = new HashSet<int>(_initial);
                start = init2.Contains;
                must = v => !NodeBit(v, ob.P);
                break;
            case LiveForm.LeadsTo:
                inF = v => !NodeBit(v, ob.Q);
                start = v => NodeBit(v, ob.P);
                break;
            case LiveForm.Always:
                for (int v = 0; v < _n; v++)
                    if (!NodeBit(v, ob.P)) return new LivenessCounterexample(ob.Property, PathFromInit(v), -1, false);
                return null;
            case LiveForm.WeakFair:
                inF = v => (_enabled[v] & (1UL << ob.Edge)) != 0;
                forbid = 1UL << ob.Edge;
                break;
            case LiveForm.StrongFair:
                must = v => (_enabled[v] & (1UL << ob.Edge)) != 0;
                forbid = 1UL << ob.Edge;
                break;
        }

        // Nodes reachable from the start set inside F, in BFS order, with parents for the prefix.
        var parent = new int[_n];
        Array.Fill(parent, -2);
        var order = new List<int>();
        var q = new Queue<int>();
        foreach (var v in Enumerable.Range(0, _n).Where(v => inF(v) && start(v)).OrderBy(v => v))
        {
            parent[v] = -1;
            q.Enqueue(v);
        }
        while (q.Count > 0)
        {
            int v = q.Dequeue();
            order.Add(v);
            for (int k = _start[v]; k < _start[v + 1]; k++)
            {
                int w = _succ[k];
                if ((_elab[k] & forbid) != 0 || parent[w] != -2 || !inF(w)) continue;
                parent[w] = v;
                q.Enqueue(w);
            }
        }
        var reached = new bool[_n];
        var pos = new int[_n];
        for (int i = 0; i < order.Count; i++) { reached[order[i]] = true; pos[order[i]] = i; }

        // Stuttering forever in a state is a behaviour of [][Next]_v; it is fair only where no WF/SF action is enabled.
        ulong fairMask = 0;
        foreach (var f in _t.Fairness) fairMask |= 1UL << f.Edge;
        foreach (var v in order)
            if ((_enabled[v] & fairMask) == 0 && (must is null || must(v)))
                return new LivenessCounterexample(ob.Property, Prefix(parent, v), -1, true);

        foreach (var scc in Sccs(order, v => reached[v], forbid))
        {
            if (scc.Count < 2) continue;
            if (Refine(scc, forbid, must) is { } fair)
            {
                var root = fair.OrderBy(v => pos[v]).First();
                var prefix = Prefix(parent, root);
                var cycle = Cycle(fair, root, forbid, must);
                var nodes = prefix.Concat(cycle.Skip(1)).ToArray();
                return new LivenessCounterexample(ob.Property, nodes, prefix.Length, false);
            }
        }
        return null;
    }

    /// <summary>A fair sub-SCC of <paramref name="scc"/> (strong fairness removes the states that enable an action never taken), or null.</summary>
    private List<int>? Refine(List<int> scc, ulong forbid, Func<int, bool>? must)
    {
        if (must != null && !scc.Any(must)) return null;
        var inC = Mark(scc);
        ulong taken = 0, anyEnabled = 0, allEnabled = ulong.MaxValue;
        foreach (var v in scc)
        {
            anyEnabled |= _enabled[v];
            allEnabled &= _enabled[v];
            for (int k = _start[v]; k < _start[v + 1]; k++)
                if (inC(_succ[k]) && (_elab[k] & forbid) == 0) taken |= _elab[k];
        }
        foreach (var f in _t.Fairness)
        {
            ulong bit = 1UL << f.Edge;
            if (!f.Strong && (allEnabled & bit) != 0 && (taken & bit) == 0) return null;
        }
        foreach (var f in _t.Fairness)
        {
            ulong bit = 1UL << f.Edge;
            if (f.Strong && (anyEnabled & bit) != 0 && (taken & bit) == 0)
            {
                var rest = scc.Where(v => (_enabled[v] & bit) == 0).ToList();
                var keepSet = new HashSet<int>(rest);
                foreach (var sub in Sccs(rest, keepSet.Contains, forbid))
                    if (sub.Count >= 2 && Refine(sub, forbid, must) is { } r) return r;
                return null;
            }
        }
        return scc;
    }

    private Func<int, bool> Mark(List<int> nodes)
    {
        var set = new HashSet<int>(nodes);
        return set.Contains;
    }

    /// <summary>A cycle from <paramref name="root"/> back to it inside the SCC, through a witness for every fairness condition and the required node.</summary>
    private List<int> Cycle(List<int> scc, int root, ulong forbid, Func<int, bool>? must)
    {
        var inC = new HashSet<int>(scc);
        var targets = new List<(int From, int To)>(); // To = -1: visit From only
        foreach (var f in _t.Fairness)
        {
            ulong bit = 1UL << f.Edge;
            (int, int)? edge = null;
            foreach (var v in scc)
            {
                for (int k = _start[v]; k < _start[v + 1] && edge is null; k++)
                    if (inC.Contains(_succ[k]) && (_elab[k] & forbid) == 0 && (_elab[k] & bit) != 0) edge = (v, _succ[k]);
                if (edge != null) break;
            }
            if (edge is { } e) targets.Add(e);
            else if (!f.Strong && scc.FirstOrDefault(v => (_enabled[v] & bit) == 0, -1) is var d and >= 0) targets.Add((d, -1));
        }
        if (must != null && !must(root)) targets.Add((scc.First(must), -1));
        var cycle = new List<int> { root };
        int cur = root;
        foreach (var (from, to) in targets)
        {
            var p = PathWithin(cur, from, inC, forbid);
            cycle.AddRange(p.Skip(1));
            cur = from;
            if (to >= 0) { cycle.Add(to); cur = to; }
        }
        if (cycle.Count == 1)
        {
            // Any step inside the SCC and back gives a proper cycle.
            for (int k = _start[root]; k < _start[root + 1]; k++)
                if (inC.Contains(_succ[k]) && _succ[k] != root && (_elab[k] & forbid) == 0) { cur = _succ[k]; cycle.Add(cur); break; }
        }
        if (cur != root) cycle.AddRange(PathWithin(cur, root, inC, forbid).Skip(1));
        // The closing return to root is the "Back to state" line, not a state of its own.
        if (cycle.Count > 1 && cycle[^1] == root) cycle.RemoveAt(cycle.Count - 1);
        return cycle;
    }

    private List<int> PathWithin(int from, int to, HashSet<int> inC, ulong forbid)
    {
        if (from == to) return [from];
        var par = new Dictionary<int, int> { [from] = -1 };
        var q = new Queue<int>();
        q.Enqueue(from);
        while (q.Count > 0)
        {
            int v = q.Dequeue();
            for (int k = _start[v]; k < _start[v + 1]; k++)
            {
                int w = _succ[k];
                if (!inC.Contains(w) || (_elab[k] & forbid) != 0 || par.ContainsKey(w)) continue;
                par[w] = v;
                if (w == to)
                {
                    var path = new List<int>();
                    for (int x = w; x != -1; x = par[x]) path.Add(x);
                    path.Reverse();
                    return path;
                }
                q.Enqueue(w);
            }
        }
        throw new CheckerException("internal: no path inside a strongly connected component");
    }

    /// <summary>Shortest path from an initial state to <paramref name="target"/> in the whole graph.</summary>
    private int[] PathFromInit(int target)
    {
        var par = new int[_n];
        Array.Fill(par, -2);
        var q = new Queue<int>();
        foreach (var i in _initial) { if (par[i] == -2) { par[i] = -1; q.Enqueue(i); } }
        while (q.Count > 0)
        {
            int v = q.Dequeue();
            if (v == target) break;
            for (int k = _start[v]; k < _start[v + 1]; k++)
                if (par[_succ[k]] == -2) { par[_succ[k]] = v; q.Enqueue(_succ[k]); }
        }
        var path = new List<int>();
        for (int x = target; x != -1; x = par[x]) path.Add(x);
        path.Reverse();
        return path.ToArray();
    }

    /// <summary>Path from an initial state to the start of the restricted search, then inside it to <paramref name="v"/>.</summary>
    private int[] Prefix(int[] parent, int v)
    {
        var inner = new List<int>();
        for (int x = v; x != -1; x = parent[x]) inner.Add(x);
        inner.Reverse();
        var head = PathFromInit(inner[0]);
        return head.Concat(inner.Skip(1)).ToArray();
    }

    /// <summary>Tarjan's strongly connected components over the nodes accepted by <paramref name="inSub"/>, iteratively (no recursion on big graphs).</summary>
    private List<List<int>> Sccs(IEnumerable<int> nodes, Func<int, bool> inSub, ulong forbid)
    {
        // Per-node arrays are allocated once per graph and reset after each call (only the touched entries).
        _index ??= NewFilled(_n);
        _low ??= new int[_n];
        _onStack ??= new bool[_n];
        var index = _index;
        var low = _low;
        var onStack = _onStack;
        var touched = new List<int>();
        var result = new List<List<int>>();
        var stack = new Stack<int>();
        var work = new Stack<(int V, int K)>();
        int counter = 0;
        void Open(int v)
        {
            index[v] = low[v] = counter++;
            touched.Add(v);
            stack.Push(v);
            onStack[v] = true;
        }
        foreach (var root in nodes)
        {
            if (index[root] >= 0) continue;
            Open(root);
            work.Push((root, _start[root]));
            while (work.Count > 0)
            {
                var (v, k) = work.Pop();
                bool descended = false;
                for (; k < _start[v + 1]; k++)
                {
                    int w = _succ[k];
                    if (!inSub(w) || (_elab[k] & forbid) != 0) continue;
                    if (index[w] < 0)
                    {
                        work.Push((v, k + 1));
                        Open(w);
                        work.Push((w, _start[w]));
                        descended = true;
                        break;
                    }
                    if (onStack[w]) low[v] = Math.Min(low[v], index[w]);
                }
                if (descended) continue;
                if (low[v] == index[v])
                {
                    var comp = new List<int>();
                    int x;
                    do { x = stack.Pop(); onStack[x] = false; comp.Add(x); } while (x != v);
                    result.Add(comp);
                }
                if (work.Count > 0)
                {
                    var (p, _) = work.Peek();
                    low[p] = Math.Min(low[p], low[v]);
                }
            }
        }
        foreach (var v in touched) index[v] = -1;
        return result;
    }
}
