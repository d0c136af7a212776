using System.Text;
using VerifiedIpc.Checker.Engine;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Values;

namespace VerifiedIpc.Checker.Output;

/// <summary>Writes results in TLC's words, so that CI scripts that grep TLC's output keep working.</summary>
public static class TlcReport
{
    /// <summary>Prints a state as TLC does: <c>/\ x = 1</c> per variable (a lone variable has no bullet).</summary>
    public static string FormatState(IReadOnlyList<(string Name, Value? Value)> state, IReadOnlyList<(string Name, Value? Value)>? previous = null, bool markChanges = false)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < state.Count; i++)
        {
            if (state.Count > 1) sb.Append("/\\ ");
            sb.Append(state[i].Name).Append(" = ");
            if (state[i].Value is { } v) v.Print(sb); else sb.Append("null");
            if (markChanges && previous != null && i < previous.Count && !Equals(previous[i].Value, state[i].Value)) sb.Append("    \\* changed");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>Writes the verdict, the counterexample and the statistics.</summary>
    public static void Write(CheckResult r, CompiledModel model, TextWriter w, bool markChanges = false)
    {
        switch (r.Verdict)
        {
            case Verdict.Success:
                w.WriteLine("Model checking completed. No error has been found.");
                break;
            case Verdict.AssumptionFalse:
                w.WriteLine($"Error: Assumption {r.Violated} is false.");
                return;
            case Verdict.AssumptionError:
                w.WriteLine($"Error: Evaluating assumption {r.Violated} failed.");
                if (r.Error != null) w.WriteLine(r.Error.Message);
                return;
            case Verdict.InvariantViolated when r.InInitialState:
                w.WriteLine($"Error: Invariant {r.Violated} is violated by the initial state:");
                if (r.Trace is { Count: > 0 } t0) w.WriteLine(FormatState(model.Render(t0, t0.Count - 1)));
                return;
            case Verdict.InvariantViolated:
                w.WriteLine($"Error: Invariant {r.Violated} is violated.");
                break;
            case Verdict.StateLimitReached:
                w.WriteLine($"Error: {r.IncompleteDetail}");
                break;
            case Verdict.Deadlock:
                w.WriteLine("Error: Deadlock reached.");
                break;
            case Verdict.IncompleteSuccessor:
                w.WriteLine($"Error: {r.IncompleteDetail}");
                w.WriteLine();
                break;
            case Verdict.InvariantError:
                w.WriteLine($"Error: Evaluating invariant {r.Violated} failed.");
                if (r.Error != null) w.WriteLine(r.Error.Message);
                break;
            case Verdict.AssertFailed:
            case Verdict.Overflow:
            case Verdict.ModuleError:
                w.WriteLine($"Error: {r.Error?.Message}");
                break;
            case Verdict.NextStateError when r.InInitialState && r.Trace is { Count: > 0 } t1:
                w.WriteLine($"Error: {r.Error?.Message ?? r.IncompleteDetail}");
                w.WriteLine("While working on the initial state:");
                w.WriteLine(FormatState(model.Render(t1, t1.Count - 1)));
                w.WriteLine($"{r.StatesGenerated} states generated, {r.DistinctStates} distinct states found, {r.StatesLeftOnQueue} states left on queue.");
                w.WriteLine($"The depth of the complete state graph search is {r.Depth}.");
                return;
            case Verdict.NextStateError when r.InInitialState && r.IncompleteDetail is null && r.Error != null:
                // An error while computing the initial states: TLC prints its message plainly.
                w.WriteLine($"Error: {r.Error.Message}");
                break;
            case Verdict.NextStateError:
                if (r.IncompleteDetail != null) w.WriteLine($"Error: {r.IncompleteDetail}");
                else
                {
                    w.WriteLine("Error: TLC threw an unexpected exception.");
                    w.WriteLine("This was probably caused by an error in the spec or model.");
                    w.WriteLine("See the User Output or TLC Console for clues to what happened.");
                    w.WriteLine("The exception was a java.lang.RuntimeException");
                    if (r.Error != null) w.WriteLine(": " + r.Error.Message);
                }
                break;
        }
        if (r.Trace is { Count: > 0 } trace)
        {
            w.WriteLine("Error: The behavior up to this point is:");
            IReadOnlyList<(string, Value?)>? prev = null;
            for (int i = 0; i < trace.Count; i++)
            {
                var step = trace[i];
                var shown = model.Render(trace, i);
                w.WriteLine($"State {i + 1}: <{(step.Action is null ? "Initial predicate" : step.Action.Label)}>");
                w.WriteLine(FormatState(shown, prev, markChanges));
                prev = shown;
            }
        }
        if (r.Error is { Context.Count: > 0 } e && r.Verdict != Verdict.InvariantError)
        {
            w.WriteLine("Error: The error occurred when TLC was evaluating the nested");
            w.WriteLine("expressions at the following positions:");
            for (int i = 0; i < e.Context.Count; i++) w.WriteLine($"{i}. {e.Context[i]}");
            w.WriteLine();
        }
        w.WriteLine($"{r.StatesGenerated} states generated, {r.DistinctStates} distinct states found, {r.StatesLeftOnQueue} states left on queue.");
        w.WriteLine($"The depth of the complete state graph search is {r.Depth}.");
    }
}
