using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

public class SourceTextTests
{
    [Theory]
    [InlineData("ab\ncd", 3, 2, 1)]
    [InlineData("ab\r\ncd", 4, 2, 1)]
    [InlineData("ab\rcd", 3, 2, 1)]
    [InlineData("ab\ncd", 1, 1, 2)]
    [InlineData("ab\n", 3, 2, 1)]
    public void LinesAndColumnsAreOneBasedForEveryLineEnding(string text, int offset, int line, int column)
    {
        var file = new SourceFile("X.tla", text);
        Assert.Equal((line, column), file.GetLineColumn(offset));
    }

    [Fact]
    public void SpansReportTlcStyleInclusiveEnds()
    {
        var file = new SourceFile("dir/Precedence.tla", "line one\nNext == x' = x \\div -2\n");
        var start = file.Text.IndexOf("\\div", StringComparison.Ordinal);
        var span = new SourceSpan(file, start, start + 4);
        Assert.Equal("line 2, col 16 to line 2, col 19 of module Precedence", span.ToTlcString());
        Assert.Equal("\\div", span.Text);
        Assert.Equal("Next == x' = x \\div -2", file.GetLine(2));
        Assert.Equal(string.Empty, file.GetLine(9));
    }
}
