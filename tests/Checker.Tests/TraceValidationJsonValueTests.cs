using VerifiedIpc.Checker.TraceValidation;

namespace VerifiedIpc.Checker.Tests;

/// <summary>The TLA+ value a trace module sees (<c>ndJsonDeserialize</c>) is the JSON of its lines, whatever the field
/// order, escapes, nesting or repetition: the trace reader shares strings and record shapes between lines, and a
/// mix-up there would hand the module another trace.</summary>
public sealed class TraceValidationJsonValueTests
{
    private const string Module = """
        ---- MODULE JsonValueTrace ----
        EXTENDS Json, IOUtils, Integers, Sequences
        Trace == ndJsonDeserialize(IOEnv.VIPC_TRACE)
        Expected ==
          << [proc |-> "p1", clock |-> 1, kind |-> "A", msg |-> <<"p1", -3>>, ok |-> TRUE],
             [proc |-> "p2", clock |-> 2, kind |-> "A", msg |-> <<"p2", 2147483647>>, ok |-> FALSE],
             [proc |-> "p1", clock |-> 3, kind |-> "B"],
             [proc |-> "q", clock |-> 4, kind |-> "A", nested |-> [a |-> <<>>, b |-> <<[c |-> "p2"]>>]],
             [proc |-> "p1", clock |-> 5, kind |-> "A", msg |-> <<"p1", 1>>, ok |-> TRUE] >>
        ASSUME Trace = Expected
        VARIABLE l
        Init == l = 1
        Next == l <= Len(Trace) /\ l' = l + 1
        ====
        """;

    private static readonly string[] Lines =
    [
        """{"ok":true,"msg":["p1",-3],"kind":"A","clock":1,"proc":"p1"}""",
        """{"ok":false,"msg":["p2",2147483647],"kind":"A","clock":2,"proc":"p2"}""",
        """{"kind":"B","clock":3,"proc":"p1"}""",
        """{"proc":"\u0071","clock":4,"kind":"A","nested":{"a":[],"b":[{"c":"p\u0032"}]}}""",
        """{"proc":"p1","clock":5,"kind":"A","msg":["p1",1],"ok":true}""",
    ];

    private static TraceValidationResult Validate(string dir, IReadOnlyList<string> lines) =>
        TraceValidator.Validate(new TraceValidationRequest { TraceModulePath = Path.Combine(dir, "JsonValueTrace.tla"), TraceLines = lines });

    [Fact]
    public void The_module_sees_each_line_as_written_and_a_changed_value_is_seen()
    {
        var dir = Directory.CreateTempSubdirectory("vipc-tv-json-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "JsonValueTrace.tla"), Module);
            File.WriteAllText(Path.Combine(dir.FullName, "JsonValueTrace.cfg"), "INIT Init\nNEXT Next\n");
            var r = Validate(dir.FullName, Lines);
            Assert.True(r.Accepted, $"{r.FirstUnexplained}");
            Assert.Equal(5, r.EventsMatched);
            // Each change of one value in one line makes the assumption false: the reader did not reuse a value
            // of an earlier line of the same shape, nor a string cached under other bytes.
            (int Line, string From, string To)[] changes =
            [
                (0, "-3", "3"), (1, "false", "true"), (2, "\"B\"", "\"A\""), (3, "p\\u0032", "p\\u0031"),
                (3, "\"a\":[]", "\"a\":[1]"), (4, "[\"p1\",1]", "[\"p1\",2]"), (4, "\"ok\":true", "\"ok\":false"),
            ];
            foreach (var (line, from, to) in changes)
            {
                var changed = Lines.ToArray();
                Assert.Contains(from, changed[line]);
                changed[line] = changed[line].Replace(from, to);
                var e = Assert.Throws<TraceModuleException>(() => Validate(dir.FullName, changed));
                Assert.Contains("false for this trace", e.Message);
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void A_field_named_twice_is_an_error_naming_the_line()
    {
        var e = Assert.Throws<TraceFormatException>(() => TraceLog.Parse(
            [Lines[0], """{"proc":"p1","clock":2,"kind":"A","kind":"B"}"""]));
        Assert.Equal(2, e.LineNumber);
        Assert.Contains("\"kind\" appears twice", e.Problem);
    }

    [Fact]
    public void Parsed_events_keep_their_fields_and_json()
    {
        var log = TraceLog.Parse(Lines);
        Assert.Equal(["p1", "p2", "p1", "q", "p1"], log.Events.Select(e => e.Proc));
        Assert.Equal(["A", "A", "B", "A", "A"], log.Events.Select(e => e.Kind));
        Assert.Equal([1L, 2, 3, 4, 5], log.Events.Select(e => e.Clock));
        Assert.Equal("p2", log.Events[3].Json.GetProperty("nested").GetProperty("b")[0].GetProperty("c").GetString());
    }
}
