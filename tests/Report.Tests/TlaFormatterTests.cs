namespace VerifiedIpc.Report.Tests;

public sealed class TlaFormatterTests
{
    private static TraceValue V(string json) => TraceJson.ReadValue(System.Text.Json.JsonDocument.Parse(json).RootElement, "$", 0);

    [Theory]
    [InlineData("[1, 2]", null, "<<1, 2>>")]
    [InlineData("[]", null, "<<>>")]
    [InlineData("[1, 2]", "set", "{1, 2}")]
    [InlineData("[]", "set", "{}")]
    [InlineData("[[0, 1], [2, 3]]", "set(seq)", "{<<0, 1>>, <<2, 3>>}")]
    [InlineData("[[0, 1]]", "seq(set)", "<<{0, 1}>>")]
    [InlineData("{\"f\": 1, \"g\": true}", null, "[f |-> 1, g |-> TRUE]")]
    [InlineData("{\"1\": 2, \"3\": 4}", null, "(1 :> 2 @@ 3 :> 4)")]
    [InlineData("{\"a\": [1]}", "fn(set)", "(\"a\" :> {1})")]
    [InlineData("{\"a\": [1]}", "record(set)", "[a |-> {1}]")]
    [InlineData("{\"x\": 2, \"y\": 1}", "bag", "(\"x\" :> 2 @@ \"y\" :> 1)")]
    [InlineData("\"acq\"", null, "\"acq\"")]
    [InlineData("\"say \\\"hi\\\"\\n\"", null, "\"say \\\"hi\\\"\\n\"")]
    [InlineData("false", null, "FALSE")]
    [InlineData("-7", null, "-7")]
    public void PrintsTlaSyntax(string json, string? shape, string expected)
    {
        var s = shape is null ? null : ValueShape.Parse(shape, "test");
        Assert.Equal(expected, TlaFormatter.Default.Format(V(json), s));
    }

    [Fact]
    public void ModelValuesPrintBareAndMakeFunctions()
    {
        var f = new TlaFormatter(["sa", "sb", "none"], new Dictionary<string, ValueShape> { ["chan"] = ValueShape.Parse("set", "t") });
        Assert.Equal("(sa :> 0 @@ sb :> 1)", f.Format(V("{\"sa\": 0, \"sb\": 1}")));
        Assert.Equal("<<sa, \"other\", none>>", f.Format(V("[\"sa\", \"other\", \"none\"]")));
        Assert.Equal("{<<sa, 1>>}", f.FormatVariable("chan", V("[[\"sa\", 1]]")));
        Assert.Equal("<<<<sa, 1>>>>", f.FormatVariable("other", V("[[\"sa\", 1]]")));
    }

    [Theory]
    [InlineData("sett")]
    [InlineData("set(")]
    [InlineData("set(seq")]
    [InlineData("set) x")]
    [InlineData("")]
    public void BadShapesAreMappingErrors(string shape)
    {
        var e = Assert.Throws<MappingFormatException>(() => ValueShape.Parse(shape, "$.shapes.v"));
        Assert.Equal("$.shapes.v", e.Where);
    }
}
