using System.Collections.Immutable;

namespace VerifiedIpc.Report;

/// <summary>What became of a message by the end of the trace.</summary>
public enum MessageFate
{
    /// <summary>A process received it.</summary>
    Delivered,

    /// <summary>The link lost it (a removal by a <see cref="ActionKind.Lose"/> action).</summary>
    Lost,

    /// <summary>Still in its channel when the trace ends.</summary>
    InFlight,
}

/// <summary>What an event box on a lifeline stands for.</summary>
public enum EventKind
{
    /// <summary>A step of a process (an internal step, or the send/receive end of arrows).</summary>
    Action,

    /// <summary>A step of the link that lost messages (drawn at the cross, not on a lifeline).</summary>
    Loss,

    /// <summary>A step of the link that duplicated messages (drawn at the doubled arrow's start).</summary>
    Duplication,
}

/// <summary>One step drawn in the chart. <see cref="State"/> is the number of the state the step leads to, which is
/// also the row of the state table that shows its effect.</summary>
public sealed record ChartEvent(int Step, int State, EventKind Kind, string? Lifeline, string Label, int Sent, int Received)
{
    /// <summary>Whether the box carries its number in a badge; false for a second box of the same event in its row
    /// (a trace chart's primitive), where the badge would only repeat the number and hide the arrowhead.</summary>
    public bool Numbered { get; init; } = true;
}

/// <summary>One arrow of the chart.</summary>
public sealed record ChartMessage
{
    /// <summary>A number unique within the chart.</summary>
    public required int Id { get; init; }

    /// <summary>The channel variable.</summary>
    public required string Channel { get; init; }

    /// <summary>The message value.</summary>
    public required TraceValue Value { get; init; }

    /// <summary>The arrow's label (the message in TLA+ syntax, or the channel's label expression).</summary>
    public required string Label { get; init; }

    /// <summary>The step that sent it; 0 when it was already in the channel in the first state.</summary>
    public required int SendStep { get; init; }

    /// <summary>The sending lifeline.</summary>
    public required string From { get; init; }

    /// <summary>The step that received or lost it; null while in flight.</summary>
    public int? EndStep { get; init; }

    /// <summary>The receiving lifeline (for a delivery) or the intended one (for a loss or in-flight message), if known.</summary>
    public string? To { get; init; }

    /// <summary>Its fate.</summary>
    public MessageFate Fate { get; init; }

    /// <summary>True for a copy: a retransmission or link duplicate of an equal message, or a second delivery of the same message.</summary>
    public bool IsDuplicate { get; init; }
}

/// <summary>A wake-up: in step <paramref name="Step"/> process <paramref name="From"/> made <paramref name="To"/> runnable (a signal or notify).</summary>
public sealed record ChartSignal(int Step, string From, string To);

/// <summary>A watched variable shown beside the chart: its value in the state each row leads to.</summary>
/// <param name="Variable">The variable.</param>
/// <param name="Values">Per row (row 0 = state 1), the value in TLA+ syntax.</param>
/// <param name="Changed">Per row, whether the row's step changed it.</param>
public sealed record WatchColumn(string Variable, ImmutableArray<string> Values, ImmutableArray<bool> Changed)
{
    /// <summary>Per row, what changed inside a compound value (<c>&lt;&lt;s1, 1&gt;&gt;: {r1} → {r1, r2}</c>), or null: shown
    /// instead of a value too long for the column, where the change is the story.</summary>
    public ImmutableArray<string?> Deltas { get; init; } = [];
}

/// <summary>A message sequence chart derived from a counterexample.</summary>
public sealed record Chart(
    ImmutableArray<string> Lifelines,
    ImmutableArray<ChartEvent> Events,
    ImmutableArray<ChartMessage> Messages,
    ImmutableArray<string> Channels,
    int Rows,
    TraceKind Kind,
    int? LoopBackTo,
    int LastState)
{
    /// <summary>Variables shown beside the chart (the mapping's <c>watch</c> list).</summary>
    public ImmutableArray<WatchColumn> Watches { get; init; } = [];

    /// <summary>Wake-ups drawn as dashed arrows within a row (the mapping's <c>signals</c>).</summary>
    public ImmutableArray<ChartSignal> Signals { get; init; } = [];
}
