using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.Eval;

/// <summary>Locals of one activation (a top-level evaluation, a recursive call, a function body); linked to its lexical parent.</summary>
public sealed class Frame(int size, Frame? up)
{
    /// <summary>Slots of bound variables, allocated at compile time.</summary>
    public readonly Value?[] S = size == 0 ? [] : new Value?[size];

    /// <summary>The frame of the lexically enclosing scope.</summary>
    public readonly Frame? Up = up;
}

/// <summary>Receives each successor (or initial state) an action completes.</summary>
public interface ISuccessorSink
{
    /// <summary>Called with <see cref="Ctx.Nxt"/> filled (possibly with holes) by the action at <paramref name="actionIndex"/>.</summary>
    void OnSuccessor(Ctx c, int actionIndex);
}

/// <summary>
/// Per-worker evaluation context: the current state, the next state being assembled, the current frame and
/// the sink for completed successors. Compiled closures are shared between workers; contexts are not.
/// </summary>
public sealed class Ctx
{
    /// <summary>Creates a context over <paramref name="runtime"/>.</summary>
    public Ctx(ModelRuntime runtime, int varCount)
    {
        Runtime = runtime;
        Cur = new Value[varCount];
        Nxt = new Value?[varCount];
        F = new Frame(0, null);
    }

    /// <summary>Model-wide services (string table, output).</summary>
    public ModelRuntime Runtime { get; }

    /// <summary>The current state (unprimed variables).</summary>
    public Value[] Cur;

    /// <summary>The next state (primed variables; the state being built in Init); null = not yet assigned.</summary>
    public Value?[] Nxt;

    /// <summary>The current frame.</summary>
    public Frame F;

    /// <summary>Where completed successors go.</summary>
    public ISuccessorSink? Sink;

    /// <summary>Set by ENABLED's private sink to stop at the first successor.</summary>
    public bool Stop;

    /// <summary>Values of state-level definitions, each valid for the state array it was computed on.</summary>
    private Value[]?[] _cacheKeys = [];
    private Value?[] _cacheVals = [];

    /// <summary>The cached value of definition <paramref name="id"/> for the current state, or null.</summary>
    public Value? Cached(int id) => id < _cacheKeys.Length && ReferenceEquals(_cacheKeys[id], Cur) ? _cacheVals[id] : null;

    /// <summary>Forgets every cached value: for callers that reuse a state array for another state (the cache is
    /// keyed by the array, not its contents).</summary>
    public void ClearCache() => Array.Clear(_cacheKeys);

    /// <summary>Caches the value of definition <paramref name="id"/> for the current state.</summary>
    public void Cache(int id, Value v)
    {
        if (id >= _cacheKeys.Length)
        {
            Array.Resize(ref _cacheKeys, id + 8);
            Array.Resize(ref _cacheVals, id + 8);
        }
        _cacheKeys[id] = Cur;
        _cacheVals[id] = v;
    }
}

/// <summary>Model-wide services for evaluation.</summary>
public sealed class ModelRuntime(StringTable strings, TextWriter output)
{
    /// <summary>The model's intern table (string order).</summary>
    public StringTable Strings { get; } = strings;

    /// <summary>Where Print and PrintT write.</summary>
    public TextWriter Output { get; } = output;

    /// <summary>What the model reads from outside (IOEnv, ndJsonDeserialize): the process environment and files, unless
    /// the caller supplies them (trace validation passes the trace it has already parsed).</summary>
    public TraceValidation.ModelInputs Inputs { get; init; } = TraceValidation.ModelInputs.Default;

    private readonly Lock _printLock = new();

    /// <summary>Writes one Print/PrintT line.</summary>
    public void PrintLine(string s)
    {
        lock (_printLock) Output.WriteLine(s);
    }
}

/// <summary>An expression compiled to a closure.</summary>
public delegate Value Ev(Ctx c);

/// <summary>An action compiled in continuation-passing style: calls its continuation once per way it can be satisfied.</summary>
public delegate void Act(Ctx c);

/// <summary>A reference to a frame slot, used to apply operator arguments to values already computed.</summary>
internal sealed class SlotRefExpr(SourceSpan span, int depth, int slot) : Expr(span)
{
    public int Depth { get; } = depth;
    public int Slot { get; } = slot;
}

/// <summary>A constant value in expression position (used for values bound while splitting actions).</summary>
internal sealed class ValueExpr(SourceSpan span, Value value) : Expr(span)
{
    public Value Value { get; } = value;
}
