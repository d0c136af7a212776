namespace VerifiedIpc.Report.Tests;

public sealed class ValueDiffTests
{
    private static TraceValue V(string json) => TraceJson.ReadValue(System.Text.Json.JsonDocument.Parse(json).RootElement, "$", 0);

    [Theory]
    [InlineData("[1, 2]", "[1, 2, 3]", "", "2")]           // append
    [InlineData("[1, 2, 3]", "[2, 3]", "0", "")]           // take the head
    [InlineData("[1, 2, 3]", "[1, 3]", "1", "")]           // take from the middle (out-of-order receive)
    [InlineData("[1, 1]", "[1]", "0", "")]                 // equal messages: a receive takes the oldest
    [InlineData("[1]", "[1, 1]", "", "1")]                 // equal messages: a send appends
    [InlineData("[1, 2]", "[2, 4]", "0", "1")]             // receive and send in one step
    [InlineData("[[0,0],[1,1]]", "[[0,0],[1,1],[2,2]]", "", "2")] // sets in TLC's order
    [InlineData("[1, 2]", "[1, 2]", "", "")]
    public void AlignsCollections(string before, string after, string removedAt, string addedAt)
    {
        var d = ValueDiff.Diff(V(before), V(after));
        Assert.Equal(removedAt, string.Join(",", d.RemovedAt));
        Assert.Equal(addedAt, string.Join(",", d.AddedAt));
    }

    [Fact]
    public void BagsAndSlotsDiffByValue()
    {
        var bag = ValueDiff.Diff(V("{\"m1\": 2, \"m2\": 1}"), V("{\"m1\": 1, \"m3\": 1}"), asBag: true);
        Assert.Equal(["m1", "m2"], bag.Removed.Cast<StringValue>().Select(s => s.Value).Order());
        Assert.Equal(["m3"], bag.Added.Cast<StringValue>().Select(s => s.Value));
        var slot = ValueDiff.Diff(V("{\"r1\": \"nomsg\", \"r2\": \"s1\"}"), V("{\"r1\": \"s3\", \"r2\": \"s2\"}"), emptySlot: new StringValue("nomsg"));
        Assert.Equal([new StringValue("s1")], slot.Removed.ToList());
        Assert.Equal([new StringValue("s3"), new StringValue("s2")], slot.Added.ToList());
        Assert.True(ValueDiff.Diff(V("3"), V("4")).IsEmpty);
    }

    [Fact]
    public void ChangedVariablesAreExactlyThoseThatDiffer()
    {
        var t = Corpus.Trace("55");
        Assert.Equal(["chan", "sent"], ValueDiff.ChangedVariables(t.State(1), t.State(2)).Order());
        Assert.Equal(["chan", "got"], ValueDiff.ChangedVariables(t.State(3), t.State(4)).Order());
        Assert.Empty(ValueDiff.ChangedVariables(t.State(2), t.State(2)));
    }

    [Theory]
    [InlineData("<<\"data\", 1>>", "[\"data\", 1]")]
    [InlineData("{1, 2}", "[1, 2]")]
    [InlineData("<<>>", "[]")]
    [InlineData("p1", "\"p1\"")]
    [InlineData("-3", "-3")]
    [InlineData("TRUE", "true")]
    [InlineData("\"a\\\"b\"", "\"a\\\"b\"")]
    [InlineData("[a |-> 1]", "\"[a |-> 1]\"")]
    [InlineData("<<1, ", "\"<<1, \"")]
    public void PrintedKeysAreReadBack(string text, string json)
    {
        Assert.Equal(V(json), TlaValueText.Parse(text));
    }
}
