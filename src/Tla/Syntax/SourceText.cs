using System.Collections.Immutable;

namespace VerifiedIpc.Tla.Syntax;

/// <summary>
/// The text of one loaded file. Offsets everywhere in the front end are 0-based character offsets into
/// <see cref="Text"/>; lines and columns are computed lazily from a line table built on first use, because the
/// parser needs offsets only while diagnostics and traces need line/column for a handful of nodes.
/// </summary>
public sealed class SourceFile
{
    private ImmutableArray<int> _lineStarts;

    public SourceFile(string path, string text)
    {
        Path = path;
        Text = text;
        ModuleName = System.IO.Path.GetFileNameWithoutExtension(path);
    }

    /// <summary>The path the file was read from (or a synthetic name for in-memory text).</summary>
    public string Path { get; }

    /// <summary>The whole text of the file.</summary>
    public string Text { get; }

    /// <summary>
    /// The module name TLC reports in locations ("of module M"): the file name without extension, which TLA+
    /// requires to equal the name of the file's top-level module.
    /// </summary>
    public string ModuleName { get; }

    /// <summary>0-based offsets at which each line starts; line 1 starts at offset 0.</summary>
    public ImmutableArray<int> LineStarts
    {
        get
        {
            if (_lineStarts.IsDefault)
            {
                var builder = ImmutableArray.CreateBuilder<int>();
                builder.Add(0);
                for (var i = 0; i < Text.Length; i++)
                {
                    if (Text[i] == '\n')
                    {
                        builder.Add(i + 1);
                    }
                    else if (Text[i] == '\r' && (i + 1 >= Text.Length || Text[i + 1] != '\n'))
                    {
                        builder.Add(i + 1);
                    }
                }

                _lineStarts = builder.ToImmutable();
            }

            return _lineStarts;
        }
    }

    /// <summary>1-based line and column of a 0-based offset (columns count characters, tabs count as one).</summary>
    public (int Line, int Column) GetLineColumn(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        var starts = LineStarts;
        var index = starts.BinarySearch(offset);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return (index + 1, offset - starts[index] + 1);
    }

    /// <summary>The text of a 1-based line without its line terminator (empty when out of range).</summary>
    public string GetLine(int line)
    {
        var starts = LineStarts;
        if (line < 1 || line > starts.Length)
        {
            return string.Empty;
        }

        var start = starts[line - 1];
        var end = line < starts.Length ? starts[line] : Text.Length;
        while (end > start && (Text[end - 1] == '\n' || Text[end - 1] == '\r'))
        {
            end--;
        }

        return Text[start..end];
    }

    public override string ToString() => Path;
}

/// <summary>
/// A half-open range [<see cref="Start"/>, <see cref="End"/>) of character offsets in one file.
/// <see cref="EndLine"/>/<see cref="EndColumn"/> name the last character inside the span (inclusive), which is
/// how TLC prints locations ("line 14, col 16 to line 14, col 19").
/// </summary>
public readonly record struct SourceSpan(SourceFile File, int Start, int End)
{
    /// <summary>Length in characters.</summary>
    public int Length => End - Start;

    /// <summary>The module name of the file (TLC's "of module M").</summary>
    public string ModuleName => File.ModuleName;

    public int StartLine => File.GetLineColumn(Start).Line;

    public int StartColumn => File.GetLineColumn(Start).Column;

    public int EndLine => File.GetLineColumn(Math.Max(Start, End - 1)).Line;

    public int EndColumn => File.GetLineColumn(Math.Max(Start, End - 1)).Column;

    /// <summary>The covered text.</summary>
    public string Text => File.Text.Substring(Start, Math.Min(End, File.Text.Length) - Start);

    /// <summary>The smallest span covering both (same file assumed).</summary>
    public SourceSpan Union(SourceSpan other) =>
        new(File, Math.Min(Start, other.Start), Math.Max(End, other.End));

    /// <summary>TLC's wording: "line L, col C to line L2, col C2 of module M".</summary>
    public string ToTlcString() =>
        $"line {StartLine}, col {StartColumn} to line {EndLine}, col {EndColumn} of module {ModuleName}";

    public override string ToString() => $"{File.Path}:{StartLine}:{StartColumn}";
}
