using System.Diagnostics;
using VerifiedIpc.Checker.Eval;
using VerifiedIpc.Checker.Model;
using VerifiedIpc.Checker.Output;
using VerifiedIpc.Checker.Values;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Checker.TraceValidation;

/// <summary>What to validate: a trace module (which EXTENDS the spec and reads the trace), its cfg, and the trace —
/// a file or lines held in memory.</summary>
public sealed record TraceValidationRequest
{
    /// <summary>The trace module, e.g. <c>spec/BoundedBufferTrace.tla</c>.</summary>
    public required string TraceModulePath { get; init; }

    /// <summary>Its cfg (INIT/NEXT and the constants taken from the trace); null: the module path with <c>.cfg</c>.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The NDJSON trace file; or leave it null and give <see cref="TraceLines"/> or <see cref="Trace"/>.</summary>
    public string? TracePath { get; init; }

    /// <summary>The trace as lines in memory (tests, Coyote and property runs need no temporary file).</summary>
    public IReadOnlyList<string>? TraceLines { get; init; }

    /// <summary>An already parsed trace (e.g. to validate one trace against several modules without parsing it again).</summary>
    public TraceLog? Trace { get; init; }

    /// <summary>Further environment variables the module sees in <c>IOEnv</c> (e.g. <c>VIPC_CAPACITY</c>); they win
    /// over the process environment.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>The environment variable through which the module finds the trace (<c>IOEnv.VIPC_TRACE</c>).</summary>
    public string TraceVariable { get; init; } = "VIPC_TRACE";

    /// <summary>The module's cursor variable: the number of the next event to match (TLC's idiom calls it <c>l</c>).</summary>
    public string CursorVariable { get; init; } = "l";

    /// <summary>How many distinct states one prefix may have before the search gives up (a module whose silent
    /// steps are unbounded would otherwise never finish).</summary>
    public int MaxStatesPerPrefix { get; init; } = 1_000_000;

    /// <summary>How many candidate states a rejection reports in full.</summary>
    public int MaxCandidatesReported { get; init; } = 20;

    /// <summary>
    /// Null (the default): the trace may be a prefix of a longer run, and every trace the spec allows as a prefix is
    /// accepted. Otherwise the name of a state predicate of the trace module (conventionally <c>TraceComplete</c>)
    /// and a promise that the run ended with the trace's last event — every process finished or was blocked for good,
    /// as when a test run returns or a deadlock is detected. The trace is then accepted only if some state consistent
    /// with the whole trace (closed under silent steps) satisfies the predicate: the implementation stopped, so
    /// whatever the spec says must follow the last event (a receiver released by Close returning) has to be in the
    /// trace. This is what rejects a lost wake-up, whose every prefix the spec allows.
    /// </summary>
    public string? CompletionPredicate { get; init; }
}

/// <summary>The event no action of the trace module explains.</summary>
/// <param name="Index">Position in the trace, 1-based (the module's <c>Trace[Index]</c>).</param>
/// <param name="LineNumber">Line of the trace, 1-based.</param>
/// <param name="Line">The line as written.</param>
public sealed record UnexplainedEvent(int Index, int LineNumber, string Line);

/// <summary>The verdict on one trace.</summary>
public sealed record TraceValidationResult
{
    /// <summary>The spec allows the whole trace.</summary>
    public required bool Accepted { get; init; }

    /// <summary>Length of the longest prefix the spec allows (all events when accepted).</summary>
    public required int EventsMatched { get; init; }

    /// <summary>Events in the trace.</summary>
    public required int TotalEvents { get; init; }

    /// <summary>When rejected: the first event no action explains; null when every event was explained but the run
    /// ended where the spec cannot stop (<see cref="IncompleteEnd"/>).</summary>
    public UnexplainedEvent? FirstUnexplained { get; init; }

    /// <summary>Rejected because the trace is complete (<see cref="TraceValidationRequest.CompletionPredicate"/>) and
    /// no state consistent with all of it satisfies the completion predicate: every event is explained, but the spec
    /// owes steps the implementation never took.</summary>
    public bool IncompleteEnd { get; init; }

    /// <summary>The completion predicate checked at the end, or null when the trace was validated as a prefix.</summary>
    public string? CompletionPredicate { get; init; }

    /// <summary>When rejected: the states consistent with the longest matched prefix (closed under silent steps),
    /// printed as TLC prints states; at most <see cref="TraceValidationRequest.MaxCandidatesReported"/>.</summary>
    public IReadOnlyList<string> CandidateStates { get; init; } = [];

    /// <summary>How many candidate states there were in all (may exceed <see cref="CandidateStates"/>'s count).</summary>
    public int CandidateCount { get; init; }

    /// <summary>Distinct states visited over all prefixes.</summary>
    public long StatesExplored { get; init; }

    /// <summary>Time spent matching (loading and compiling the module excluded).</summary>
    public TimeSpan MatchTime { get; init; }

    /// <summary>Time spent loading and compiling the trace module.</summary>
    public TimeSpan LoadTime { get; init; }
}

/// <summary>
/// Trace validation in the manner of TLC's (Cirstea, Kuppe, Merz et al., "Validating Traces of Distributed Programs
/// Against TLA+ Specifications", 2024): the trace module EXTENDS the spec, reads the trace, keeps a cursor variable,
/// and its next-state relation has two kinds of steps — one per logged event kind, which constrains the spec's
/// step by the event's fields and advances the cursor, and silent steps (spec actions the implementation does not
/// log), which leave it. The validator runs the module with the checker's compiled evaluator: the states
/// consistent with the first k events, closed under silent steps, are stepped by event k+1; when none can take
/// it, that event is the first the spec does not explain.
/// </summary>
/// <remarks>Unlogged variables need nothing special: the module does not constrain them, so the search keeps every
/// value the spec allows. States are deduplicated per prefix by fingerprint, as TLC does.</remarks>
public static class TraceValidator
{
    /// <summary>Validates the trace of <paramref name="request"/> against its trace module.</summary>
    /// <exception cref="TraceFormatException">A trace line is malformed (names the line).</exception>
    /// <exception cref="TraceModuleException">The trace module or cfg does not load (file:line:col), an ASSUME is
    /// false for this trace, or evaluation fails while matching.</exception>
    /// <exception cref="IOException">The trace file cannot be read.</exception>
    public static TraceValidationResult Validate(TraceValidationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var log = request.Trace
            ?? (request.TraceLines is { } lines ? TraceLog.Parse(lines, request.TracePath ?? "<memory>")
                : request.TracePath is { } p ? TraceLog.Load(p)
                : throw new ArgumentException("Give the trace as TracePath, TraceLines or Trace.", nameof(request)));
        var sw = Stopwatch.StartNew();
        var model = Load(request, log);
        var loadTime = sw.Elapsed;
        sw.Restart();
        var result = new Search(model, request, log).Run();
        return result with { LoadTime = loadTime, MatchTime = sw.Elapsed };
    }

    private static CompiledModel Load(TraceValidationRequest request, TraceLog log)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.Environment != null) foreach (var (k, v) in request.Environment) env[k] = v;
        env[request.TraceVariable] = log.Source;
        var inputs = new ModelInputs(env, new Dictionary<string, TraceLog> { [log.Source] = log });
        CompiledModel model;
        try
        {
            model = SpecLoader.Load(request.TraceModulePath, request.ConfigPath, TextWriter.Null, inputs);
        }
        catch (SpecErrorException e)
        {
            throw new TraceModuleException(e.Diagnostics.Count > 0 ? string.Join(System.Environment.NewLine, e.Diagnostics.Select(d => d.ToString())) : e.Message);
        }
        catch (SemanticException e)
        {
            throw new TraceModuleException($"{e.Span.File.Path}:{e.Span.StartLine}:{e.Span.StartColumn}: {e.Message}");
        }
        catch (CheckerException e) when (e is not TraceValidationException)
        {
            throw new TraceModuleException(e.Message);
        }
        catch (IOException e)
        {
            throw new TraceModuleException(e.Message);
        }
        var c = new Ctx(model.Runtime, model.VarNames.Length);
        foreach (var a in model.Assumptions)
        {
            Value v;
            try { v = a.Formula.Eval(c); }
            catch (EvalException e) { throw new TraceModuleException($"Evaluating the assumption at {Where(a.Formula.Span)} failed for this trace: {Describe(e)}"); }
            if (v is not BoolValue { Value: true })
                throw new TraceModuleException($"The assumption at {Where(a.Formula.Span)} is false for this trace (the constants the cfg takes from it do not fit the spec).");
        }
        return model;
    }

    private static string Where(SourceSpan s) => $"{s.File.Path}:{s.StartLine}:{s.StartColumn}";

    internal static string Describe(EvalException e) =>
        e.Span is { } s ? $"{Where(s)}: {e.Message}" : e.Context.Count > 0 ? $"{e.Message} ({e.Context[0]})" : e.Message;

    /// <summary>The breadth-first search over prefixes; one per validation, single-threaded.</summary>
    private sealed class Search : ISuccessorSink
    {
        private readonly CompiledModel _model;
        private readonly TraceValidationRequest _request;
        private readonly TraceLog _log;
        private readonly int _cursor;
        private readonly Ctx _ctx;

        // The prefix being closed under silent steps, and the next prefix being collected.
        private List<Value[]> _current = [];
        private HashSet<ulong> _currentSeen = [];
        private List<Value[]> _next = [];
        private HashSet<ulong> _nextSeen = [];
        private int _curCursor;
        private int _eventIndex;
        private long _explored;

        public Search(CompiledModel model, TraceValidationRequest request, TraceLog log)
        {
            _model = model;
            _request = request;
            _log = log;
            _cursor = Array.IndexOf(model.VarNames, request.CursorVariable);
            if (_cursor < 0)
                throw new TraceModuleException($"The trace module {Path.GetFileName(request.TraceModulePath)} declares no cursor variable {request.CursorVariable} (VARIABLE {request.CursorVariable}: the number of the next event to match).");
            _ctx = new Ctx(model.Runtime, model.VarNames.Length) { Sink = this };
            _guards = CursorGuards.Build(model, _cursor);
            _admitted = new bool[model.Actions.Length];
            if (request.CompletionPredicate is { } name)
            {
                try { _completion = model.DefinitionByName(name); }
                catch (CfgException)
                {
                    throw new TraceModuleException($"The trace module {Path.GetFileName(request.TraceModulePath)} defines no completion predicate {name} (a state predicate, true where the run may stop), which a complete trace is checked against.");
                }
            }
        }

        private readonly NamedFormula? _completion;

        private readonly CursorGuards _guards;
        private readonly bool[] _admitted;

        public TraceValidationResult Run()
        {
            var init = new InitCollector();
            var ic = new Ctx(_model.Runtime, _model.VarNames.Length) { Sink = init };
            try { _model.RunInit(ic); }
            catch (EvalException e) { throw new TraceModuleException($"Evaluating the initial predicate failed: {Describe(e)}", 0); }
            int? start = null;
            foreach (var s in init.States)
            {
                var full = Complete(s, "the initial predicate");
                int cur = CursorOf(full, "the initial predicate");
                if (start is { } st && st != cur)
                    throw new TraceModuleException($"The initial states disagree on {_request.CursorVariable} ({st} and {cur}); it must start at one value.", 0);
                start = cur;
                if (_nextSeen.Add(Fingerprint(full))) { _next.Add(full); _explored++; }
            }
            int total = _log.Events.Count;
            if (_next.Count == 0)
                throw new TraceModuleException("The initial predicate of the trace module has no state: the spec's Init and the constants taken from the trace contradict each other.", 0);
            for (int k = 0; ; k++)
            {
                (_current, _next) = (_next, _current);
                (_currentSeen, _nextSeen) = (_nextSeen, _currentSeen);
                // The states of the previous prefix are expanded and no longer needed: their arrays take the next
                // prefix's states (the context's cache is keyed by array, so it is cleared with them).
                foreach (var done in _next) _free.Push(done);
                _ctx.ClearCache();
                _next.Clear();
                _nextSeen.Clear();
                _curCursor = start!.Value + k;
                _eventIndex = k + 1;
                if (k == total && _completion is null) return Accepted(total);
                // Close the prefix under silent steps while collecting the states that take event k+1; actions
                // whose cursor guards reject event k+1 are not run at all.
                _guards.Admitted(_current[0], _admitted);
                for (int i = 0; i < _current.Count; i++)
                {
                    Expand(_current[i]);
                    if (_current.Count > _request.MaxStatesPerPrefix)
                        throw new TraceModuleException($"More than {_request.MaxStatesPerPrefix} states are consistent with the first {k} events: the module's silent steps are unbounded or leave too much free.", k + 1);
                }
                if (k == total) return Ended(total);
                if (_next.Count == 0) return Rejected(k, _current, k + 1);
            }
        }

        /// <summary>Every event matched and the run ended there: <see cref="_current"/> holds the states consistent with
        /// the whole trace, closed under silent steps; one of them must satisfy the completion predicate.</summary>
        private TraceValidationResult Ended(int total)
        {
            var c = new Ctx(_model.Runtime, _model.VarNames.Length);
            foreach (var s in _current)
            {
                c.Cur = s;
                c.ClearCache();
                Value v;
                try { v = _completion!.Eval(c); }
                catch (EvalException e)
                {
                    throw new TraceModuleException($"Evaluating the completion predicate {_completion!.Name} failed at the end of the trace: {Describe(e)}", total);
                }
                if (v is not BoolValue b)
                    throw new TraceModuleException($"The completion predicate {_completion.Name} is {v} at the end of the trace, not a Boolean.", total);
                if (b.Value) return Accepted(total) with { CompletionPredicate = _completion.Name };
            }
            return Rejected(total, _current, total + 1) with { IncompleteEnd = true, CompletionPredicate = _completion!.Name };
        }

        private void Expand(Value[] s)
        {
            _ctx.Cur = s;
            var n = _model.Actions.Length;
            for (int a = 0; a < n; a++)
            {
                if (!_admitted[a]) continue;
                Array.Clear(_ctx.Nxt);
                _ctx.Stop = false;
                try { _model.RunAction(_ctx, a); }
                catch (EvalException e)
                {
                    throw new TraceModuleException($"Evaluating action {_model.Actions[a].Name} failed while matching event {_eventIndex}: {Describe(e)}", _eventIndex);
                }
            }
        }

        public void OnSuccessor(Ctx c, int actionIndex)
        {
            // Fingerprint before copying: most successors of a prefix are states already seen.
            var nxt = c.Nxt;
            ulong h = FpSeed;
            for (int i = 0; i < nxt.Length; i++)
            {
                var v = nxt[i] ?? throw Incomplete($"action {_model.Actions[actionIndex].Name}", i);
                h = Fp.Mix(h, v.Fingerprint);
            }
            ulong fp = Fp.Finish(h);
            int cur = nxt[_cursor] is IntValue iv ? iv.Value
                : throw new TraceModuleException($"action {_model.Actions[actionIndex].Name} sets the cursor {_request.CursorVariable} to {nxt[_cursor]}, which is not an integer.", _eventIndex);
            if (cur == _curCursor)
            {
                if (_currentSeen.Add(fp)) { _current.Add(Copy(nxt)); _explored++; }
            }
            else if (cur == _curCursor + 1)
            {
                if (_nextSeen.Add(fp)) { _next.Add(Copy(nxt)); _explored++; }
            }
            else
            {
                throw new TraceModuleException($"Action {_model.Actions[actionIndex].Name} moves {_request.CursorVariable} from {_curCursor} to {cur}; a step matches one event ({_request.CursorVariable}' = {_request.CursorVariable} + 1) or none (silent).", _eventIndex);
            }
        }

        private readonly Stack<Value[]> _free = new();

        private Value[] Copy(Value?[] s)
        {
            var full = _free.TryPop(out var reused) ? reused : new Value[s.Length];
            Array.Copy(s, full, s.Length);
            return full;
        }

        private TraceModuleException Incomplete(string what, int i) =>
            new($"{what} does not determine the value of {_model.VarNames[i]} (TLC: the successor state is not completely specified).", _eventIndex);

        private Value[] Complete(Value?[] s, string what)
        {
            var full = new Value[s.Length];
            for (int i = 0; i < s.Length; i++) full[i] = s[i] ?? throw Incomplete(what, i);
            return full;
        }

        private int CursorOf(Value[] s, string what) =>
            s[_cursor] is IntValue i ? i.Value
            : throw new TraceModuleException($"{what} sets the cursor {_request.CursorVariable} to {s[_cursor]}, which is not an integer.", _eventIndex);

        private const ulong FpSeed = 0xCBF29CE484222325UL;

        private static ulong Fingerprint(Value[] s)
        {
            ulong h = FpSeed;
            foreach (var v in s) h = Fp.Mix(h, v.Fingerprint);
            return Fp.Finish(h);
        }

        private TraceValidationResult Accepted(int total) => new()
        {
            Accepted = true,
            EventsMatched = total,
            TotalEvents = total,
            StatesExplored = _explored,
        };

        private TraceValidationResult Rejected(int matched, List<Value[]> candidates, int failing)
        {
            var ev = failing >= 1 && failing <= _log.Events.Count ? _log.Events[failing - 1] : null;
            return new TraceValidationResult
            {
                Accepted = false,
                EventsMatched = matched,
                TotalEvents = _log.Events.Count,
                FirstUnexplained = ev is null ? null : new UnexplainedEvent(ev.Index, ev.LineNumber, ev.Line),
                CandidateStates = candidates.Take(_request.MaxCandidatesReported)
                    .Select(s => TlcReport.FormatState(_model.VarNames.Select((n, j) => (n, (Value?)s[j])).ToArray()))
                    .ToArray(),
                CandidateCount = candidates.Count,
                StatesExplored = _explored,
            };
        }

        private sealed class InitCollector : ISuccessorSink
        {
            public List<Value?[]> States { get; } = [];

            public void OnSuccessor(Ctx c, int actionIndex) => States.Add((Value?[])c.Nxt.Clone());
        }
    }
}
