using System.CommandLine;

namespace VerifiedIpc.Cli;

/// <summary>Entry point of <c>vipc</c>: one command line over the checker, the reference implementation and the test pillars.</summary>
public static class Program
{
    /// <summary>Builds the command tree; each sub-command lives in its own file and registers itself here.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("vipc — TLA+ model checking, a reference message-passing library, and the spec as its oracle.");
        root.Add(DemoCommand.Create());
        root.Subcommands.Add(TestCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(CheckCommand.Build());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        return root;
    }

    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();
}
