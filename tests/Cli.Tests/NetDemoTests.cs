using System.CommandLine;
using System.Text.RegularExpressions;

namespace VerifiedIpc.Cli.Tests;

/// <summary>
/// <c>vipc demo --transport …</c> end to end: this test process runs the demo, which starts a second vipc process and
/// sends to it through injected loss, duplication and reordering; the summary line must say every message arrived
/// once, in order.
/// </summary>
/// <remarks>
/// Run alone (not beside other test classes): a child started while another test's anonymous-pipe handles are
/// inheritable would inherit them and keep that pipe open after its own peer died.
/// </remarks>
[Collection(NetDemoCollection.Name)]
public sealed partial class NetDemoTests
{
    private static (int ExitCode, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        int exit = Program.BuildRoot().Parse(["demo", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    [GeneratedRegex(@"^summary: sent (\d+), delivered (\d+) in order, retransmits (\d+), duplicates removed (\d+), goodput [0-9.]+ MiB/s", RegexOptions.Multiline)]
    private static partial Regex Summary();

    [Theory]
    [InlineData("udp")]
    [InlineData("uds")]
    [InlineData("tcp")]
    [InlineData("pipe")]
    public void Two_processes_deliver_every_message_once_in_order_through_injected_faults(string transport)
    {
        var (exit, text) = Run("--transport", transport, "--count", "300", "--size", "256", "--loss", "0.1", "--dup", "0.05",
            "--reorder", "0.1", "--seed", "5");
        Assert.True(exit == 0, text);
        var summaries = Summary().Matches(text);
        var m = Assert.Single(summaries);
        Assert.Equal("300", m.Groups[1].Value);
        Assert.Equal("300", m.Groups[2].Value);
        // 10% loss and 5% duplication over 300+ datagrams: the faults really were injected and really were repaired.
        Assert.True(long.Parse(m.Groups[3].Value) > 0, text);
        Assert.True(long.Parse(m.Groups[4].Value) > 0, text);
        Assert.Contains($"demo over {transport}: 300 messages of 256 B", text);
        Assert.DoesNotContain("peer:", text);
    }

    [Fact]
    public void Messages_larger_than_a_datagram_are_fragmented_and_still_arrive_in_order()
    {
        var (exit, text) = Run("--transport", "udp", "--count", "4", "--size", "150000", "--loss", "0.05", "--seed", "2");
        Assert.True(exit == 0, text);
        Assert.Matches(Summary(), text);
        Assert.Contains("sent 4, delivered 4 in order", text);
    }

    [Fact]
    public void A_probability_out_of_range_is_a_clear_error_with_exit_code_2()
    {
        var (exit, text) = Run("--transport", "tcp", "--loss", "1.5");
        Assert.Equal(2, exit);
        Assert.Contains("--loss 1.5: a probability", text);
    }

    [Fact]
    public void An_unknown_transport_is_refused_by_the_command_line()
    {
        var (exit, text) = Run("--transport", "carrier-pigeon");
        Assert.NotEqual(0, exit);
        Assert.Contains("carrier-pigeon", text);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetDemoCollection
{
    public const string Name = "net-demo";
}
