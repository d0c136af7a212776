using System.Collections.Immutable;

namespace VerifiedIpc.Report;

/// <summary>How a counterexample ends.</summary>
public enum TraceKind
{
    /// <summary>A finite prefix (safety, deadlock or evaluation-error trace).</summary>
    Finite,

    /// <summary>A lasso: the last step leads back to an earlier state and the cycle repeats forever.</summary>
    Lasso,

    /// <summary>The last state stutters forever (TLC's "State k: Stuttering").</summary>
    Stuttering,
}

/// <summary>One state of a trace: TLC's 1-based number and the value of each variable.</summary>
public sealed record TraceState(int Number, ImmutableDictionary<string, TraceValue> Values)
{
    /// <summary>The value of a variable, or null when the state does not mention it.</summary>
    public TraceValue? this[string variable] => Values.TryGetValue(variable, out var v) ? v : null;
}

/// <summary>Where an action is defined in the spec.</summary>
public sealed record SourceLocation(string Module, int BeginLine, int BeginColumn, int EndLine, int EndColumn);

/// <summary>
/// One step of a trace: the action TLC reports for the transition from state <see cref="From"/> to state
/// <see cref="To"/> (1-based state numbers). Parameters are the values of the action's formal parameters
/// (TLC's <c>context</c>), in declaration order.
/// </summary>
public sealed record TraceStep(
    int Number,
    int From,
    int To,
    string ActionName,
    SourceLocation? Location,
    ImmutableArray<KeyValuePair<string, TraceValue>> Parameters)
{
    /// <summary>The value of a parameter, or null.</summary>
    public TraceValue? Parameter(string name)
    {
        foreach (var p in Parameters)
            if (p.Key == name) return p.Value;
        return null;
    }

    /// <summary>
    /// The key a mapping uses for this step's action: the name, except for actions TLC could not split into
    /// named sub-actions (it then labels them with the enclosing definition, e.g. <c>Next</c>), where a mapping
    /// may say <c>Next@51</c> to address the disjunct that begins on line 51.
    /// </summary>
    public string LineKey => Location is null ? ActionName : $"{ActionName}@{Location.BeginLine}";
}

/// <summary>
/// A counterexample as TLC's <c>-dumpTrace json</c> writes it: the states in order and the steps between them.
/// For a lasso the last step leads back to <see cref="LoopBackTo"/>; for stuttering the last step is a
/// self-loop on the last state.
/// </summary>
public sealed class Counterexample
{
    /// <summary>Creates a counterexample from already validated parts (use <see cref="TraceJson.Parse"/>).</summary>
    public Counterexample(ImmutableArray<string> variables, ImmutableArray<TraceState> states, ImmutableArray<TraceStep> steps)
    {
        Variables = variables;
        States = states;
        Steps = steps;
        if (states.Length > 0 && steps.Length == states.Length)
        {
            var last = steps[^1];
            if (last.To == last.From) Kind = TraceKind.Stuttering;
            else
            {
                Kind = TraceKind.Lasso;
                LoopBackTo = last.To;
            }
        }
        else Kind = TraceKind.Finite;
    }

    /// <summary>The variables in the order TLC wrote them in the first state.</summary>
    public ImmutableArray<string> Variables { get; }

    /// <summary>The states; <c>States[i].Number == i + 1</c>.</summary>
    public ImmutableArray<TraceState> States { get; }

    /// <summary>The steps; step <c>i</c> (1-based <see cref="TraceStep.Number"/>) leads from state i to state i + 1,
    /// except a final loop-back or stuttering step.</summary>
    public ImmutableArray<TraceStep> Steps { get; }

    /// <summary>How the trace ends.</summary>
    public TraceKind Kind { get; }

    /// <summary>For a lasso, the 1-based number of the state the cycle returns to.</summary>
    public int? LoopBackTo { get; }

    /// <summary>The state with a given 1-based number.</summary>
    public TraceState State(int number) => States[number - 1];
}
