namespace VerifiedIpc.Cli.Tests;

public sealed class RootCommandTests
{
    [Fact]
    public void Unknown_sub_command_is_a_usage_error()
    {
        var result = VerifiedIpc.Cli.Program.BuildRoot().Parse(["no-such-command"]);
        Assert.NotEmpty(result.Errors);
    }
}
