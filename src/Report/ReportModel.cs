namespace VerifiedIpc.Report;

/// <summary>
/// One checked model as the report shows it: the verdict metadata from the caller and, when the checker found
/// an error, its counterexample. Verdicts use the manifest's words: <c>success</c>, <c>invariant</c>,
/// <c>property</c>, <c>deadlock</c>, <c>assume</c>, <c>eval-error</c>, <c>parse-error</c>, <c>semantic-error</c>.
/// </summary>
public sealed record ReportModel
{
    /// <summary>The model's name (e.g. <c>MCBoundedBuffer</c> or <c>mutants/BoundedBufferIf</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The verdict the checker reached.</summary>
    public required string Verdict { get; init; }

    /// <summary>The verdict the manifest expects, if known.</summary>
    public string? Expected { get; init; }

    /// <summary>The violated invariant or property, if any.</summary>
    public string? ViolatedProperty { get; init; }

    /// <summary>The property the manifest expects to be violated, if it names one.</summary>
    public string? ExpectedProperty { get; init; }

    /// <summary>A sentence on what the model is or what the mutant breaks.</summary>
    public string? Description { get; init; }

    /// <summary>The checker's error message (TLC's first <c>Error:</c> line), if any.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Distinct states found.</summary>
    public long? DistinctStates { get; init; }

    /// <summary>States generated.</summary>
    public long? StatesGenerated { get; init; }

    /// <summary>Depth of the state graph.</summary>
    public int? Depth { get; init; }

    /// <summary>Wall-clock time of the check.</summary>
    public TimeSpan? Elapsed { get; init; }

    /// <summary>The counterexample, when there is one.</summary>
    public Counterexample? Counterexample { get; init; }

    /// <summary>How to draw the counterexample; automatic when null.</summary>
    public ChartMapping? Mapping { get; init; }

    /// <summary>Model values of the model's configuration (printed bare in cells), in addition to the mapping's.</summary>
    public IReadOnlyList<string> ModelValues { get; init; } = [];

    /// <summary>
    /// What differs from the expected outcome beyond the verdict and property (e.g. vipc verify's "distinct 97, TLC 98");
    /// non-null makes the model count as unexpected.
    /// </summary>
    public string? Mismatch { get; init; }

    /// <summary>True when the verdict meets the expectation (<see cref="AsExpected"/>) and nothing else differs (<see cref="Mismatch"/>).</summary>
    public bool Passed => AsExpected && Mismatch is null;

    /// <summary>True when there is no expectation or the verdict (and the property, when both name one) meets it.</summary>
    public bool AsExpected =>
        (Expected is null || string.Equals(Expected, Verdict, StringComparison.OrdinalIgnoreCase))
        && (ExpectedProperty is null || ViolatedProperty is null || ExpectedProperty == ViolatedProperty);
}

/// <summary>Options of a report.</summary>
/// <param name="Title">The page title.</param>
/// <param name="Subtitle">A line under the title (e.g. the command and the time it ran); none when null.</param>
public sealed record ReportOptions(string Title = "VerifiedIpc verification report", string? Subtitle = null);
