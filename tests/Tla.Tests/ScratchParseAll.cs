using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

public class ScratchParseAll
{
    [Fact]
    public void EveryModuleParses()
    {
        var problems = new List<string>();
        foreach (var dir in Corpus.Cases)
        {
            foreach (var path in Directory.GetFiles(dir, "*.tla"))
            {
                var bag = new DiagnosticBag();
                var result = Parser.ParseFile(new SourceFile(path, File.ReadAllText(path)), bag);
                if (result.Module is null || bag.Count > 0)
                {
                    problems.AddRange(bag.Items.Select(d => d.ToString()));
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
