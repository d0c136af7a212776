using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Diagnostics;

/// <summary>
/// Every diagnostic the front end can report. Numbers are stable and never reused: 1xxx lexical, 2xxx syntax,
/// 3xxx semantic (names, arities, modules), 4xxx model configuration (.cfg); gaps are numbers retired before
/// release. Messages live in
/// <see cref="DiagnosticMessages"/>, one table for all codes.
/// </summary>
public enum DiagnosticCode
{
    UnexpectedCharacter = 1001,
    UnterminatedString = 1002,
    UnterminatedComment = 1003,
    InvalidEscape = 1004,
    InvalidNumber = 1005,

    MissingModuleHeader = 2001,
    MissingModuleEnd = 2002,
    UnexpectedToken = 2003,
    ExpectedToken = 2004,
    PrecedenceConflict = 2006,
    NestingTooDeep = 2007,
    UnsupportedConstruct = 2009,

    UnknownOperator = 3001,
    ArityMismatch = 3002,
    MultiplyDefined = 3003,
    ModuleNotFound = 3004,
    CircularModuleDependency = 3005,
    NotAnInstanceParameter = 3006,
    AtOutsideExcept = 3007,
    ModuleNameMismatch = 3008,
    RecursiveNotDefined = 3009,
    NotAnInstance = 3010,
    MissingSubstitution = 3012,
    FileNotReadable = 3013,

    CfgUnexpectedToken = 4001,
    CfgExpectedValue = 4002,
    CfgUnterminatedString = 4003,
    CfgUnexpectedCharacter = 4004,
    CfgExpectedName = 4005,
    CfgInvalidNumber = 4006,
}

/// <summary>The message format of each code (composite format strings, arguments in the order documented).</summary>
public static class DiagnosticMessages
{
    private static readonly FrozenDictionary<DiagnosticCode, string> Table = new Dictionary<DiagnosticCode, string>
    {
        [DiagnosticCode.UnexpectedCharacter] = "Unexpected character '{0}'.",
        [DiagnosticCode.UnterminatedString] = "Unterminated string literal.",
        [DiagnosticCode.UnterminatedComment] = "Unterminated comment: '(*' without a matching '*)'.",
        [DiagnosticCode.InvalidEscape] = "Invalid escape sequence '\\{0}' in string literal.",
        [DiagnosticCode.InvalidNumber] = "Invalid number literal '{0}'.",
        [DiagnosticCode.MissingModuleHeader] = "Expected a module header '---- MODULE Name ----'.",
        [DiagnosticCode.MissingModuleEnd] = "Module {0} has no end line '===='.",
        [DiagnosticCode.UnexpectedToken] = "Encountered \"{0}\" at line {1}, column {2} and token \"{3}\"",
        [DiagnosticCode.ExpectedToken] = "Expected {0} but encountered \"{1}\".",
        [DiagnosticCode.PrecedenceConflict] = "Precedence conflict between ops {0} in block {1} and {2}.",
        [DiagnosticCode.NestingTooDeep] = "Expression nested too deeply (more than {0} levels).",
        [DiagnosticCode.UnsupportedConstruct] = "{0} is not supported.",
        [DiagnosticCode.UnknownOperator] = "Unknown operator: `{0}'.",
        [DiagnosticCode.ArityMismatch] = "The operator {0} requires {1} arguments.",
        [DiagnosticCode.MultiplyDefined] = "Multiply-defined symbol '{0}': this definition or declaration conflicts with the one at {1}.",
        [DiagnosticCode.ModuleNotFound] = "Cannot find source file for module {0} imported in module {1}.",
        [DiagnosticCode.CircularModuleDependency] = "Circular dependency among modules: {0}.",
        [DiagnosticCode.NotAnInstanceParameter] = "{0} is not a CONSTANT or VARIABLE of module {1} and cannot be substituted.",
        [DiagnosticCode.AtOutsideExcept] = "'@' used outside the value of an EXCEPT clause.",
        [DiagnosticCode.ModuleNameMismatch] = "File {0} contains module {1}; TLA+ requires the file to be named after its module.",
        [DiagnosticCode.RecursiveNotDefined] = "Operator {0} is declared RECURSIVE but never defined in the same scope.",
        [DiagnosticCode.NotAnInstance] = "{0} is not an instance, so {0}!... is not defined.",
        [DiagnosticCode.FileNotReadable] = "Cannot read file {0}: {1}",
        [DiagnosticCode.MissingSubstitution] = "Substitution missing for symbol {0} of module {1}: WITH does not mention it and no {0} is defined here.",
        [DiagnosticCode.CfgUnexpectedToken] = "Unexpected \"{0}\" in configuration file; expected {1}.",
        [DiagnosticCode.CfgExpectedValue] = "Expected a value (number, string, TRUE/FALSE, set or model value) but encountered \"{0}\".",
        [DiagnosticCode.CfgUnterminatedString] = "Unterminated string in configuration file.",
        [DiagnosticCode.CfgUnexpectedCharacter] = "Unexpected character '{0}' in configuration file.",
        [DiagnosticCode.CfgExpectedName] = "Expected a name after {0} but encountered \"{1}\".",
        [DiagnosticCode.CfgInvalidNumber] = "Number {0} is out of range.",
    }.ToFrozenDictionary();

    /// <summary>Formats the message of <paramref name="code"/> with its arguments.</summary>
    public static string Format(DiagnosticCode code, params object?[] args) =>
        Table.TryGetValue(code, out var format)
            ? string.Format(CultureInfo.InvariantCulture, format, args)
            : code.ToString();

    /// <summary>Every code has a message (checked by a test).</summary>
    public static bool HasMessage(DiagnosticCode code) => Table.ContainsKey(code);
}

/// <summary>How bad a diagnostic is.</summary>
public enum DiagnosticSeverity
{
    Warning,
    Error,
}

/// <summary>A located, typed message about user input.</summary>
public sealed class Diagnostic(DiagnosticCode code, DiagnosticSeverity severity, SourceSpan span, string message)
{
    public DiagnosticCode Code { get; } = code;

    public DiagnosticSeverity Severity { get; } = severity;

    public SourceSpan Span { get; } = span;

    public string Message { get; } = message;

    /// <summary>1-based line of the start of the span.</summary>
    public int Line => Span.StartLine;

    /// <summary>1-based column of the start of the span.</summary>
    public int Column => Span.StartColumn;

    /// <summary>"TLA2006" style identifier.</summary>
    public string Id => "TLA" + ((int)Code).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The offending line with a caret line beneath it marking the span; very long lines are cut to a window
    /// around the column so that a message stays readable.
    /// </summary>
    public string Excerpt
    {
        get
        {
            const int Before = 60, After = 100;
            var line = Span.File.GetLine(Line);
            var start = Math.Min(Column - 1, line.Length);
            var width = Span.EndLine == Line ? Math.Max(1, Span.EndColumn - Column + 1) : Math.Max(1, line.Length - start);
            var from = Math.Max(0, start - Before);
            var to = Math.Min(line.Length, start + After);
            var shown = (from > 0 ? "..." : string.Empty) + line[from..to] + (to < line.Length ? "..." : string.Empty);
            var caret = new StringBuilder();
            caret.Append(' ', from > 0 ? 3 : 0);
            for (var i = from; i < start; i++)
            {
                caret.Append(line[i] == '\t' ? '\t' : ' ');
            }

            caret.Append('^', Math.Min(width, Math.Max(1, to - start)));
            return shown + Environment.NewLine + caret;
        }
    }

    /// <summary>"file:line:col: error TLA2003: message" followed by the caret excerpt.</summary>
    public override string ToString() =>
        $"{Span.File.Path}:{Line}:{Column}: {(Severity == DiagnosticSeverity.Error ? "error" : "warning")} {Id}: {Message}"
        + Environment.NewLine + Excerpt;
}

/// <summary>Collects diagnostics in report order.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Any(d => d.Severity == DiagnosticSeverity.Error);

    public int Count => _items.Count;

    public Diagnostic Add(DiagnosticCode code, SourceSpan span, params object?[] args)
    {
        var diagnostic = new Diagnostic(code, DiagnosticSeverity.Error, span, DiagnosticMessages.Format(code, args));
        _items.Add(diagnostic);
        return diagnostic;
    }

    public void AddRange(IEnumerable<Diagnostic> diagnostics) => _items.AddRange(diagnostics);
}
