using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.TraceValidation;

/// <summary>
/// For each action of a trace module, the leading conjuncts that read no variable but the cursor (the idiom's
/// <c>IsEvent("Send")</c>: <c>l &lt;= Len(Trace) /\ Trace[l].kind = "Send"</c>). Their value is the same for every
/// state of a prefix, so the search evaluates them once per event and runs only the actions they admit — the
/// action for the event's kind and the silent steps — instead of every action on every state. Nothing is assumed
/// about names or kinds: a conjunct counts only if a syntactic check shows it reads the cursor alone.
/// </summary>
internal sealed class CursorGuards
{
    private readonly Ev[]?[] _guards;

    private readonly Frame[] _frames;
    private readonly Ctx _ctx;

    private CursorGuards(Ev[]?[] guards, int[] frameSizes, ModelRuntime runtime, int varCount)
    {
        _guards = guards;
        // Guards bind no LET caches (Compiler.ReadsAtMost admits no LET with a slot allowed), so a frame per guard can be reused across events.
        _frames = frameSizes.Select(n => new Frame(n, null)).ToArray();
        _ctx = new Ctx(runtime, varCount);
    }

    /// <summary>Actions that have at least one cursor-only guard.</summary>
    public int GuardedCount => _guards.Count(g => g is not null);

    public static CursorGuards Build(CompiledModel model, int cursorSlot)
    {
        var guards = new Ev[]?[model.Actions.Length];
        var sizes = new int[model.Actions.Length];
        for (int a = 0; a < guards.Length; a++)
        {
            if (model.Actions[a].Part is not { } part) continue;
            var leading = new List<(Expr E, Scope S)>();
            foreach (var c in LeadingConjuncts(part.Expr, part.Cc.S, 0))
            {
                if (!Compiler.ReadsAtMost(c.E, c.S, cursorSlot, 0)) break;
                leading.Add(c);
            }
            if (leading.Count == 0) continue;
            var fb = new FrameBuilder(0);
            try
            {
                guards[a] = leading.Select(c => model.Compiler.Compile(c.E, new CC(c.S, fb, false, false)).Ev).ToArray();
                sizes[a] = fb.Size;
            }
            catch (CheckerException)
            {
                // Not compilable as a plain expression here: the action simply runs unguarded.
                guards[a] = null;
            }
        }
        return new CursorGuards(guards, sizes, model.Runtime, model.VarNames.Length);
    }

    /// <summary>Which actions may fire in the prefix whose states include <paramref name="anyState"/> (all states of a
    /// prefix share the cursor, and guards read nothing else). An error while evaluating a guard admits the action:
    /// running it reports the error where it belongs.</summary>
    public void Admitted(Value[] anyState, bool[] admitted)
    {
        // The validator reuses state arrays from one prefix to the next; a value cached for an array's old state
        // must not be read for its new one.
        _ctx.ClearCache();
        for (int a = 0; a < _guards.Length; a++)
        {
            admitted[a] = true;
            if (_guards[a] is not { } gs) continue;
            var c = _ctx;
            c.Cur = anyState;
            c.F = _frames[a];
            try
            {
                foreach (var g in gs)
                {
                    if (g(c) is not BoolValue { Value: true }) { admitted[a] = false; break; }
                }
            }
            catch (EvalException)
            {
                admitted[a] = true;
            }
        }
    }

    private static IEnumerable<(Expr E, Scope S)> LeadingConjuncts(Expr e, Scope s, int depth)
    {
        if (depth > 20) { yield return (e, s); yield break; }
        switch (e)
        {
            case JunctionList { Kind: JunctionKind.And } jl:
                foreach (var item in jl.Items)
                    foreach (var c in LeadingConjuncts(item, s, depth + 1)) yield return c;
                break;
            case OpApp { Name: Operators.And, Prefix.IsEmpty: true, Arguments.Length: 2 } conj when s.Lookup(Operators.And) is null:
                foreach (var item in conj.Arguments)
                    foreach (var c in LeadingConjuncts(item, s, depth + 1)) yield return c;
                break;
            case OpApp { Prefix.IsEmpty: true, Arguments.IsEmpty: true } r when s.Lookup(r.Name) is DefB { Def.Arity: 0 } d && !d.Def.IsRecursive:
                foreach (var c in LeadingConjuncts(d.Def.Body, d.Scope, depth + 1)) yield return c;
                break;
            default:
                yield return (e, s);
                break;
        }
    }
}
