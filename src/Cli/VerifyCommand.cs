using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using VerifiedIpc.Report;

namespace VerifiedIpc.Cli;

/// <summary>
/// <c>vipc verify [--manifest F] [--all] [--only NAME...] [--html FILE] [--workers N] [--coyote-budget N] [--coyote-only TEXT]</c>: checks
/// every bundled model and mutant against <c>spec/manifest.json</c> (TLC's verdicts and numbers), prints a line per
/// entry as it finishes and a summary table, then runs the Coyote suite over the reference implementation at a small
/// budget. Exit codes: 0 every checked entry matches TLC and the Coyote suite passed; 1 at least one mismatch, or a
/// failed or missing Coyote suite; 2 bad input (manifest unreadable, unknown --only name).
/// </summary>
public static class VerifyCommand
{
    /// <summary>Iterations per Coyote scenario when <c>--coyote-budget</c> is not given: about 15 s for the whole suite.</summary>
    public const uint DefaultCoyoteBudget = 20;

    /// <summary>Builds the <c>verify</c> sub-command.</summary>
    public static Command Create()
    {
        var manifest = new Option<string?>("--manifest") { Description = "The manifest (default: spec/manifest.json in this folder or the nearest parent that has one)." };
        var all = new Option<bool>("--all") { Description = "Also check the larger configurations (entries with ci: false)." };
        var only = new Option<string[]>("--only") { Description = "Check only these entries (by name).", AllowMultipleArgumentsPerToken = true };
        var html = new Option<string?>("--html") { Description = "Write a self-contained HTML report to this file." };
        var workers = new Option<int>("--workers") { Description = "Worker threads of each check.", DefaultValueFactory = _ => 1 };
        var coyote = new Option<uint>("--coyote-budget")
        {
            Description = "After the models, run the Coyote suite and the traced workloads for trace validation at N iterations each (default 20; 0 skips both).",
            DefaultValueFactory = _ => DefaultCoyoteBudget,
        };
        var coyoteOnly = new Option<string?>("--coyote-only")
        {
            Description = "Run only the Coyote scenarios and traced workloads whose name contains this text (e.g. bounded.2p2c).",
        };
        var command = new Command("verify", "Check every bundled model and mutant against the manifest of TLC's results, then run the Coyote suite at a small budget.")
        {
            manifest, all, only, html, workers, coyote, coyoteOnly,
        };
        command.SetAction(parse => Run(parse.InvocationConfiguration.Output, parse.GetValue(manifest), parse.GetValue(all),
            parse.GetValue(only) ?? [], parse.GetValue(html), parse.GetValue(workers), parse.GetValue(coyote), parse.GetValue(coyoteOnly)));
        return command;
    }

    private static int Run(TextWriter output, string? manifestPath, bool all, string[] only, string? htmlPath, int workers, uint coyoteBudget, string? coyoteOnly)
    {
        if (workers < 1)
        {
            output.WriteLine("Error: --workers must be at least 1.");
            return 2;
        }
        manifestPath ??= FindManifest();
        if (manifestPath is null)
        {
            output.WriteLine("Error: no spec/manifest.json in this folder or any parent; pass --manifest FILE.");
            return 2;
        }
        IReadOnlyList<ManifestEntry> entries;
        try { entries = VerifyManifest.Load(manifestPath); }
        catch (ManifestFormatException e)
        {
            output.WriteLine($"Error: {e.Message}");
            return 2;
        }
        var unknown = only.Where(n => entries.All(e => e.Name != n)).ToArray();
        if (unknown.Length > 0)
        {
            output.WriteLine($"Error: no manifest entry named {string.Join(", ", unknown)} in {manifestPath}.");
            return 2;
        }
        var selected = entries.Where(e => only.Length > 0 ? only.Contains(e.Name) : all || e.Ci).ToList();
        var specDir = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        output.WriteLine($"vipc verify: {selected.Count} model{(selected.Count == 1 ? "" : "s")} of {manifestPath} with {workers} worker{(workers == 1 ? "" : "s")} each");

        var total = Stopwatch.StartNew();
        var results = new List<VerifyResult>();
        for (var i = 0; i < selected.Count; i++)
        {
            var r = VerifyRunner.Run(selected[i], specDir, workers);
            results.Add(r);
            output.WriteLine($"[{i + 1,2}/{selected.Count}] {Status(r.Status),-8} {r.Entry.Name} ({Seconds(r.Elapsed)}){(r.Note.Length > 0 ? ": " + r.Note : "")}");
        }
        total.Stop();

        output.WriteLine();
        VerifyTable.Write(output, results);
        var ok = results.Count(r => r.Status == VerifyStatus.Ok);
        var mismatches = results.Count(r => r.Status == VerifyStatus.Mismatch);
        output.WriteLine();
        output.WriteLine($"Models: {results.Count} checked in {Seconds(total.Elapsed)}: {ok} OK, {mismatches} MISMATCH.");

        var exit = mismatches > 0 ? 1 : 0;
        CoyoteSuiteReport? coyoteReport = null;
        TraceValidationReport? validationReport = null;
        var failedParts = new List<string>();
        if (mismatches > 0) failedParts.Add($"{mismatches} MISMATCH with TLC (see above)");
        output.WriteLine();
        if (coyoteBudget == 0)
        {
            output.WriteLine("Coyote suite and trace validation: skipped (--coyote-budget 0).");
        }
        else if (TestSuiteLoader.Locate(null) is not { } suite)
        {
            // Asked for and not there is a failure, not a pass: the summary must not read as if the implementation was tested.
            output.WriteLine($"Coyote suite and trace validation: NOT RUN: {TestSuiteLoader.NotFoundMessage(null)}");
            coyoteReport = new CoyoteSuiteReport { Budget = coyoteBudget, NotRun = TestSuiteLoader.NotFoundMessage(null) };
            validationReport = new TraceValidationReport { Budget = coyoteBudget, NotRun = "the Coyote suite, which runs the traced workloads, was not found" };
            exit = 1;
            failedParts.Add("the Coyote suite was not found");
        }
        else
        {
            var selection = coyoteOnly is null ? "" : $", only the scenarios whose name contains '{coyoteOnly}'";
            output.WriteLine($"Coyote suite at {coyoteBudget} iterations per correct scenario (seeded bugs: at least their own budget){selection}:");
            // A folder of this run's own: two runs at once on one machine (two CI jobs) must not write, replay and
            // report each other's trace files. The paths printed stay valid after the run, for `vipc replay`.
            var traces = Directory.CreateTempSubdirectory("vipc-verify-coyote-traces-").FullName;
            var json = new StringWriter();
            var code = TestSuiteLoader.Invoke(suite, "VerifyWithResults", coyoteBudget, coyoteOnly, traces, output, json);
            coyoteReport = new CoyoteSuiteReport { Budget = coyoteBudget, Scenarios = SuiteResultsJson.ReadScenarios(json.ToString()) };
            output.WriteLine(code == 0 ? "Coyote suite: OK." : $"Coyote suite: FAILED (exit {code}).");
            if (code != 0) { exit = 1; failedParts.Add("the Coyote suite failed (see above)"); }

            output.WriteLine();
            output.WriteLine($"Trace validation: traced buffer, mailbox, handler and reliable-delivery workloads at {coyoteBudget} Coyote iterations each (more where a seeded bug needs it), every distinct trace against spec/*Trace.tla{selection.Replace("scenarios", "workloads", StringComparison.Ordinal)}:");
            json = new StringWriter();
            code = TestSuiteLoader.Invoke(suite, "ValidateWithResults", coyoteBudget, coyoteOnly, output, json);
            validationReport = new TraceValidationReport { Budget = coyoteBudget, Workloads = SuiteResultsJson.ReadWorkloads(json.ToString()) };
            output.WriteLine(code == 0 ? "Trace validation: OK." : $"Trace validation: FAILED (exit {code}).");
            if (code != 0) { exit = 1; failedParts.Add("trace validation failed (see above)"); }
        }

        if (htmlPath is not null)
        {
            try
            {
                VerifyHtml.Write(htmlPath, results, specDir, coyoteReport, validationReport);
                output.WriteLine($"HTML report written: {htmlPath}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Report.ReportInputException)
            {
                output.WriteLine($"Error: cannot write the HTML report {htmlPath}: {e.Message}");
                return 2;
            }
        }
        output.WriteLine(exit == 0
            ? "Result: every checked entry matches TLC" + (coyoteBudget > 0 ? ", the Coyote suite passed and every trace was judged as expected." : ".")
            : "Result: UNEXPECTED RESULTS: " + string.Join("; ", failedParts) + ".");
        return exit;
    }

    /// <summary>The status as printed in the table.</summary>
    public static string Status(VerifyStatus s) => s switch
    {
        VerifyStatus.Ok => "OK",
        _ => "MISMATCH",
    };

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    private static string? FindManifest()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "spec", "manifest.json");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>The summary table of <c>vipc verify</c> as plain text (columns padded, one row per entry).</summary>
public static class VerifyTable
{
    /// <summary>Writes the table.</summary>
    public static void Write(TextWriter output, IReadOnlyList<VerifyResult> results)
    {
        string[] head = ["Model", "Expected", "Verdict", "Distinct", "Generated", "Depth", "Time", "Result"];
        var rows = results.Select(r => new[]
        {
            r.Entry.Name,
            r.Entry.Result + (r.Entry.Violated is { } v ? " " + v : ""),
            r.Verdict + (r.Violated is { } w ? " " + w : ""),
            r.DistinctStates?.ToString(CultureInfo.InvariantCulture) ?? "–",
            r.StatesGenerated?.ToString(CultureInfo.InvariantCulture) ?? "–",
            r.Depth?.ToString(CultureInfo.InvariantCulture) ?? "–",
            VerifyCommand.Seconds(r.Elapsed),
            VerifyCommand.Status(r.Status),
        }).ToList();
        var widths = head.Select((h, i) => Math.Max(h.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        bool[] right = [false, false, false, true, true, true, true, false];
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => right[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(head));
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var r in rows) output.WriteLine(Line(r));
    }
}
