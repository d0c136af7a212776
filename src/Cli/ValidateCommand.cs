using System.CommandLine;
using VerifiedIpc.Checker.TraceValidation;

namespace VerifiedIpc.Cli;

/// <summary>
/// <c>vipc validate --spec S.tla --trace T.ndjson [--trace-module M.tla] [--config C.cfg] [--env NAME=VALUE]</c>:
/// does the spec allow the implementation's trace? The trace module (default: <c>STrace.tla</c> beside the spec)
/// maps each event kind to the spec's actions; see docs/validation.md.
/// Exit codes: 0 accepted; 1 rejected (the first unexplained event and the candidate states are printed);
/// 2 bad input (a malformed trace line, a trace module that does not load, a missing file).
/// </summary>
public static class ValidateCommand
{
    /// <summary>Builds the <c>validate</c> sub-command.</summary>
    public static Command Create()
    {
        var spec = new Option<string>("--spec") { Description = "The spec the trace is judged by (e.g. spec/BoundedBuffer.tla).", Required = true };
        var trace = new Option<string>("--trace") { Description = "The NDJSON trace: one event object per line.", Required = true };
        var module = new Option<string?>("--trace-module") { Description = "The trace module (default: <Spec>Trace.tla beside the spec)." };
        var config = new Option<string?>("--config") { Description = "The trace module's cfg (default: the trace module with .cfg)." };
        var env = new Option<string[]>("--env")
        {
            Description = "NAME=VALUE seen by the module in IOEnv (e.g. VIPC_CAPACITY=4); repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var complete = new Option<bool>("--complete")
        {
            Description = "The run ended with the trace's last event (it returned, or deadlocked): also require the trace "
                + "module's completion predicate to hold at the end, so steps the spec owes after the last event count as missing.",
        };
        var predicate = new Option<string>("--completion-predicate")
        {
            Description = "The completion predicate --complete checks.",
            DefaultValueFactory = _ => "TraceComplete",
        };
        var command = new Command("validate", "Validate an implementation trace against a TLA+ spec (trace validation).")
        {
            spec, trace, module, config, env, complete, predicate,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var specPath = parse.GetValue(spec)!;
            var tracePath = parse.GetValue(trace)!;
            var modulePath = parse.GetValue(module)
                ?? Path.Combine(Path.GetDirectoryName(specPath) ?? ".", Path.GetFileNameWithoutExtension(specPath) + "Trace.tla");
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in parse.GetValue(env) ?? [])
            {
                int eq = kv.IndexOf('=');
                if (eq <= 0)
                {
                    output.WriteLine($"Error: --env expects NAME=VALUE, got '{kv}'.");
                    return 2;
                }
                environment[kv[..eq]] = kv[(eq + 1)..];
            }
            foreach (var (what, path) in new[] { ("spec", specPath), ("trace", tracePath), ("trace module", modulePath) })
            {
                if (!File.Exists(path))
                {
                    output.WriteLine($"Error: the {what} file {path} does not exist.");
                    return 2;
                }
            }
            output.WriteLine($"vipc validate: {tracePath} against {Path.GetFileName(specPath)} (trace module {Path.GetFileName(modulePath)})");
            TraceValidationResult r;
            try
            {
                r = TraceValidator.Validate(new TraceValidationRequest
                {
                    TraceModulePath = modulePath,
                    ConfigPath = parse.GetValue(config),
                    TracePath = tracePath,
                    Environment = environment,
                    CompletionPredicate = parse.GetValue(complete) ? parse.GetValue(predicate) : null,
                });
            }
            catch (TraceFormatException e)
            {
                output.WriteLine($"Error: bad trace line: {e.Message}");
                output.WriteLine($"  {e.Line}");
                return 2;
            }
            catch (TraceValidationException e)
            {
                output.WriteLine("Error: the trace module cannot judge this trace:");
                output.WriteLine(e.Message);
                return 2;
            }
            catch (IOException e)
            {
                output.WriteLine($"Error: {e.Message}");
                return 2;
            }
            Report(r, output);
            return r.Accepted ? 0 : 1;
        });
        return command;
    }

    /// <summary>Prints the verdict as <c>vipc validate</c> does.</summary>
    public static void Report(TraceValidationResult r, TextWriter output)
    {
        double seconds = Math.Max(r.MatchTime.TotalSeconds, 1e-9);
        string rate = $"{r.EventsMatched / seconds:N0} events/s";
        if (r.Accepted)
        {
            output.WriteLine($"Trace accepted: {r.EventsMatched} / {r.TotalEvents} events matched in {r.MatchTime.TotalMilliseconds:F1} ms ({rate}); " +
                             $"module loaded in {r.LoadTime.TotalMilliseconds:F0} ms; {r.StatesExplored} states explored" +
                             (r.CompletionPredicate is { } p ? $"; the run may end here ({p} holds)." : "."));
            return;
        }
        if (r.IncompleteEnd)
        {
            output.WriteLine($"Trace rejected at its end: all {r.TotalEvents} events are explained, but the run stopped where the spec cannot: " +
                             $"{r.CompletionPredicate} is false in every state consistent with the trace. The spec owes steps after event " +
                             $"{r.TotalEvents} that the implementation never took (a process left blocked, a hand-back never made).");
        }
        else
        {
            output.WriteLine($"Trace rejected: {r.EventsMatched} / {r.TotalEvents} events matched in {r.MatchTime.TotalMilliseconds:F1} ms ({rate}); " +
                             $"module loaded in {r.LoadTime.TotalMilliseconds:F0} ms.");
            output.WriteLine(r.EventsMatched == 0
                ? "Longest matched prefix: empty (the first event is already unexplained)."
                : $"Longest matched prefix: events 1..{r.EventsMatched}.");
            if (r.FirstUnexplained is { } u)
            {
                output.WriteLine($"First event no action explains: event {u.Index} (line {u.LineNumber}):");
                output.WriteLine($"  {u.Line}");
            }
        }
        output.WriteLine($"Candidate states {(r.IncompleteEnd ? "at the end of the trace" : "after the matched prefix")} ({r.CandidateStates.Count} of {r.CandidateCount} shown):");
        for (int i = 0; i < r.CandidateStates.Count; i++)
        {
            output.WriteLine($"State {i + 1}:");
            output.Write(r.CandidateStates[i]);
            output.WriteLine();
        }
    }
}
