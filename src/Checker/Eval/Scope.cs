using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.Eval;

/// <summary>What a name means at compile time.</summary>
internal abstract class Binding;

/// <summary>A state variable.</summary>
internal sealed class VarB(int slot, string name) : Binding
{
    public int Slot { get; } = slot;
    public string Name { get; } = name;
}

/// <summary>A constant value (cfg constant, model value, value bound while splitting).</summary>
internal sealed class ValB(Value value) : Binding
{
    public Value Value { get; } = value;
}

/// <summary>A bound variable in a frame slot; <see cref="Depth"/> is the absolute frame depth.</summary>
internal sealed class LocalB(int depth, int slot) : Binding
{
    public int Depth { get; } = depth;
    public int Slot { get; } = slot;
}

/// <summary>A zero-arity LET definition cached in a frame slot for the duration of one LET evaluation.</summary>
internal sealed class LetCacheB(int depth, int slot, Expr body, Scope scope) : Binding
{
    public int Depth { get; } = depth;
    public int Slot { get; } = slot;
    public Expr Body { get; } = body;
    public Scope Scope { get; } = scope;
}

/// <summary>An argument passed by name: the expression and the scope it was written in (TLA+'s substitution semantics).</summary>
internal sealed class NameArgB(Expr expr, Scope scope) : Binding
{
    public Expr Expr { get; } = expr;
    public Scope Scope { get; } = scope;
}

/// <summary>A user operator definition (module level or LET).</summary>
internal sealed class DefB(OperatorDefinition def, Scope scope) : Binding
{
    public OperatorDefinition Def { get; } = def;
    public Scope Scope { get; } = scope;

    /// <summary>Cache for a constant zero-arity definition, evaluated once.</summary>
    public ConstCell? Const { get; set; }
}

/// <summary>A (possibly recursive) function definition <c>f[x \in S] == e</c>.</summary>
internal sealed class FcnDefB(FunctionDefinition def, Scope scope) : Binding
{
    public FunctionDefinition Def { get; } = def;
    public Scope Scope { get; } = scope;
    public ConstCell? Const { get; set; }
}

/// <summary>A named instance <c>I == INSTANCE M WITH ...</c>.</summary>
internal sealed class InstB(InstanceDefinition def, Scope scope) : Binding
{
    public InstanceDefinition Def { get; } = def;
    public Scope Scope { get; } = scope;
}

/// <summary>A LAMBDA passed as an operator argument.</summary>
internal sealed class LambdaB(Lambda lambda, Scope scope) : Binding
{
    public Lambda Lambda { get; } = lambda;
    public Scope Scope { get; } = scope;
}

/// <summary>A built-in operator passed as an operator argument, or a standard-module name.</summary>
internal sealed class BuiltinB(string name) : Binding
{
    public string Name { get; } = name;
}

/// <summary>An implicit instance substitution <c>p &lt;- p</c>: the name as seen from the instantiating scope.</summary>
internal sealed class AliasB(string name, Scope scope) : Binding
{
    public string Name { get; } = name;
    public Scope Scope { get; } = scope;
}

/// <summary>A lazily computed constant, shared between workers (a benign race computes it twice at most).</summary>
internal sealed class ConstCell(Ev ev)
{
    private Value? _value;
    public Ev Ev { get; } = ev;

    public Value Get(Ctx c) => _value ??= Ev(c);
}

/// <summary>Slot allocator of one frame.</summary>
internal sealed class FrameBuilder(int depth)
{
    public int Depth { get; } = depth;
    public int Size { get; private set; }

    public int Alloc() => Size++;
}

/// <summary>Lexical scope: names to bindings, chained to the enclosing scope and ending at a module's table.</summary>
internal sealed class Scope
{
    private readonly Dictionary<string, Binding> _names;

    public Scope(Scope? parent, Dictionary<string, Binding>? names = null, string? moduleName = null, int? depth = null)
    {
        Parent = parent;
        Depth = depth ?? parent?.Depth ?? 0;
        _names = names ?? new Dictionary<string, Binding>(StringComparer.Ordinal);
        ModuleName = moduleName ?? parent?.ModuleName ?? "";
    }

    public Scope? Parent { get; }

    /// <summary>Depth of the frame that holds locals declared in this scope.</summary>
    public int Depth { get; }

    /// <summary>True for the root module's scope, whose definitions depend only on the state.</summary>
    public bool IsRootModule { get; init; }

    /// <summary>Module the scope's text belongs to (for labels).</summary>
    public string ModuleName { get; }

    public Binding? Lookup(string name)
    {
        for (var s = this; s != null; s = s.Parent)
            if (s._names.TryGetValue(name, out var b)) return b;
        return null;
    }

    public void Add(string name, Binding b) => _names[name] = b;

    public bool HasOwn(string name) => _names.ContainsKey(name);

    public IEnumerable<KeyValuePair<string, Binding>> Own => _names;

    public Scope Child(int depth) => new(this, depth: depth);

    public Scope With(string name, Binding b, int depth)
    {
        var s = new Scope(this, depth: depth);
        s.Add(name, b);
        return s;
    }
}
