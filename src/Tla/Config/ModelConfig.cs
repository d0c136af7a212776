using System.Collections.Immutable;
using System.Numerics;
using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Config;

/// <summary>A name in a .cfg file (an operator, invariant, constant) with its span.</summary>
public sealed record CfgName(string Name, SourceSpan Span)
{
    public override string ToString() => Name;
}

/// <summary>A value written in a .cfg file.</summary>
public abstract record CfgValue(SourceSpan Span);

/// <summary>An integer (TLC accepts a leading minus).</summary>
public sealed record CfgNumber(BigInteger Value, SourceSpan Span) : CfgValue(Span);

/// <summary>A string literal.</summary>
public sealed record CfgString(string Value, SourceSpan Span) : CfgValue(Span);

/// <summary>TRUE or FALSE.</summary>
public sealed record CfgBoolean(bool Value, SourceSpan Span) : CfgValue(Span);

/// <summary>A bare identifier in value position: a model value (TLC creates it on first mention).</summary>
public sealed record CfgModelValue(string Name, SourceSpan Span) : CfgValue(Span);

/// <summary><c>{v1, v2, ...}</c>.</summary>
public sealed record CfgSet(ImmutableArray<CfgValue> Elements, SourceSpan Span) : CfgValue(Span);

/// <summary><c>&lt;&lt;v1, v2, ...&gt;&gt;</c>.</summary>
public sealed record CfgTuple(ImmutableArray<CfgValue> Elements, SourceSpan Span) : CfgValue(Span);

/// <summary><c>Name = value</c> in a CONSTANT(S) section (also <c>c = c</c> for a model value of the same name).</summary>
public sealed record ConstantAssignment(CfgName Constant, CfgValue Value);

/// <summary><c>Name &lt;- Other</c> or <c>Name &lt;- [Module] Other</c> in a CONSTANT(S) section.</summary>
public sealed record OperatorOverride(CfgName Target, CfgName Replacement, CfgName? Module);

/// <summary>
/// A parsed TLC model configuration. Sections may repeat (their entries accumulate, as in TLC); for the
/// single-valued sections (INIT, NEXT, SPECIFICATION, VIEW, ALIAS, CHECK_DEADLOCK) the last one wins.
/// </summary>
public sealed class ModelConfig
{
    internal ModelConfig(SourceFile file) => File = file;

    public SourceFile File { get; }

    /// <summary><c>Name = value</c> entries in order.</summary>
    public List<ConstantAssignment> Constants { get; } = [];

    /// <summary><c>Name &lt;- Other</c> entries in order.</summary>
    public List<OperatorOverride> Overrides { get; } = [];

    public CfgName? Init { get; internal set; }

    public CfgName? Next { get; internal set; }

    public CfgName? Specification { get; internal set; }

    public List<CfgName> Invariants { get; } = [];

    public List<CfgName> Properties { get; } = [];

    public List<CfgName> Constraints { get; } = [];

    public List<CfgName> ActionConstraints { get; } = [];

    /// <summary>SYMMETRY names (TLC uses one; all are kept).</summary>
    public List<CfgName> Symmetry { get; } = [];

    /// <summary>POSTCONDITION names (checked by TLC after the search).</summary>
    public List<CfgName> Postconditions { get; } = [];

    public CfgName? View { get; internal set; }

    public CfgName? Alias { get; internal set; }

    /// <summary>CHECK_DEADLOCK's value; null when the section is absent (TLC's default: check).</summary>
    public bool? CheckDeadlock { get; internal set; }

    /// <summary>Model values in the order the file first mentions them (TLC orders model values by creation).</summary>
    public List<string> ModelValues { get; } = [];

    /// <summary>Identifiers and strings in the order first read (the cfg's part of TLC's intern order).</summary>
    public List<string> InternOrder { get; } = [];

    /// <summary>Problems found; the configuration is usable only without errors.</summary>
    public List<Diagnostic> Diagnostics { get; } = [];

    public bool HasErrors => Diagnostics.Count > 0;

    /// <summary>Reads and parses a .cfg file; an unreadable file is a diagnostic, not an exception.</summary>
    public static ModelConfig Load(string path)
    {
        try
        {
            return Parse(new SourceFile(path, System.IO.File.ReadAllText(path)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var config = new ModelConfig(new SourceFile(path, string.Empty));
            var span = new SourceSpan(config.File, 0, 0);
            config.Diagnostics.Add(new Diagnostic(DiagnosticCode.FileNotReadable, DiagnosticSeverity.Error, span,
                DiagnosticMessages.Format(DiagnosticCode.FileNotReadable, path, e.Message)));
            return config;
        }
    }

    /// <summary>Parses .cfg text; never throws, problems are in <see cref="Diagnostics"/>.</summary>
    public static ModelConfig Parse(SourceFile file) => new CfgParser(file).Parse();
}
