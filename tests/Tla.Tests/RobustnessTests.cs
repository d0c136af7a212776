using System.Text;
using VerifiedIpc.Tla.Config;
using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Modules;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

/// <summary>No input makes the front end throw, hang or overflow the stack.</summary>
public class RobustnessTests
{
    private static readonly string[] Specs =
    [
        "02-control-flow/Control.tla",
        "07-functions-except/Funcs.tla",
        "15-instance-named/InstNamed.tla",
        "26-init-forms-specification/InitForms.tla",
        "62-mp-sliding-window/SlidingWindow.tla",
    ];

    /// <summary>Runs the whole front end (parse, load with in-memory neighbours, resolve) on one text.</summary>
    private static int LoadText(string text, IReadOnlyDictionary<string, string>? neighbours = null)
    {
        var spec = SpecLoader.Load(new SourceFile("Main.tla", text), new InMemoryModuleSource(neighbours ?? new Dictionary<string, string>()));
        foreach (var d in spec.Diagnostics)
        {
            // Formatting every diagnostic exercises the line table and the caret excerpt too.
            Assert.False(string.IsNullOrEmpty(d.ToString()));
            Assert.InRange(d.Line, 1, int.MaxValue);
            Assert.InRange(d.Column, 1, int.MaxValue);
        }

        return spec.Diagnostics.Count;
    }

    /// <summary>Runs <paramref name="work"/> and fails (instead of hanging the suite) if it does not finish.</summary>
    private static void Bounded(Action work)
    {
        var task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(TimeSpan.FromSeconds(60)), "the front end did not finish: possible hang");
    }

    private static string Read(string relative) => File.ReadAllText(Path.Combine(Corpus.Root, relative));

    [Fact]
    public void DeletingAnyOneTokenNeverCrashes()
    {
        Bounded(() =>
        {
            var variants = 0;
            var rejected = 0;
            foreach (var relative in Specs)
            {
                var text = Read(relative);
                var file = new SourceFile("Main.tla", text);
                var tokens = Lexer.Tokenize(file, new DiagnosticBag()).Tokens;
                var neighbours = Directory.GetFiles(Path.GetDirectoryName(Path.Combine(Corpus.Root, relative))!, "*.tla")
                    .ToDictionary(p => Path.GetFileNameWithoutExtension(p), File.ReadAllText);
                foreach (var token in tokens)
                {
                    if (token.Kind == TokenKind.EndOfFile)
                    {
                        continue;
                    }

                    var mutated = text.Remove(token.Start, token.End - token.Start);
                    variants++;
                    if (LoadText(mutated, neighbours) > 0)
                    {
                        rejected++;
                    }
                }
            }

            // Most deletions break the spec; if almost none were reported, the checks are not running.
            Assert.True(variants > 1000, $"only {variants} variants");
            Assert.True(rejected > variants / 2, $"only {rejected} of {variants} deletions were diagnosed");
        });
    }

    [Fact]
    public void RandomBytesNeverCrash()
    {
        Bounded(() =>
        {
            var random = new Random(20261125);
            const string alphabet = "abcxyzXYZ019_ \n\t()[]{}<>=#~\\/*-+'\".,:;!@|&^%$?";
            for (var i = 0; i < 600; i++)
            {
                var length = random.Next(0, 400);
                var builder = new StringBuilder(i % 2 == 0 ? "---- MODULE Main ----\n" : string.Empty);
                for (var k = 0; k < length; k++)
                {
                    builder.Append(i % 3 == 0 ? (char)random.Next(0, 0x3000) : alphabet[random.Next(alphabet.Length)]);
                }

                if (i % 4 == 0)
                {
                    builder.Append("\n====\n");
                }

                LoadText(builder.ToString());
                ModelConfig.Parse(new SourceFile("M.cfg", builder.ToString()));
            }
        });
    }

    [Fact]
    public void MutatedCorpusFilesNeverCrash()
    {
        Bounded(() =>
        {
            var random = new Random(7);
            var sources = Specs.Select(Read).ToArray();
            const string replacements = "()[]{}<>=\\/\"'*-: \n";
            for (var i = 0; i < 400; i++)
            {
                var chars = sources[i % sources.Length].ToCharArray();
                var edits = random.Next(1, 6);
                for (var e = 0; e < edits; e++)
                {
                    chars[random.Next(chars.Length)] = replacements[random.Next(replacements.Length)];
                }

                LoadText(new string(chars));
            }
        });
    }

    [Theory]
    [InlineData("(", ")", "1")]
    [InlineData("~", "", "x")]
    [InlineData("- ", "", "1")]
    [InlineData("[", "]", "1")]
    [InlineData("{", "}", "1")]
    [InlineData("<<", ">>", "1")]
    [InlineData("IF TRUE THEN ", " ELSE 0", "1")]
    [InlineData("LET a == 1 IN ", "", "a")]
    [InlineData("\\A x \\in S : ", "", "x")]
    [InlineData("f[", "]", "1")]
    [InlineData("DOMAIN ", "", "f")]
    [InlineData("F(", ")", "1")]
    public void DeepNestingIsADiagnosticNotAStackOverflow(string open, string close, string core)
    {
        Bounded(() =>
        {
            const int depth = 5_000;
            var text = new StringBuilder("---- MODULE Main ----\nOp == ");
            text.Insert(text.Length, open, depth).Append(core).Insert(text.Length, close, depth).Append("\n====\n");
            var bag = new DiagnosticBag();
            Parser.ParseFile(new SourceFile("Main.tla", text.ToString()), bag);
            Assert.Contains(bag.Items, d => d.Code == DiagnosticCode.NestingTooDeep);
        });
    }

    [Theory]
    [InlineData(" + 1")]
    [InlineData(" /\\ TRUE")]
    [InlineData("'")]
    [InlineData("[1]")]
    [InlineData(".a")]
    public void LongChainsAreBoundedInHeight(string link)
    {
        Bounded(() =>
        {
            var text = new StringBuilder("---- MODULE Main ----\nOp == 1");
            text.Insert(text.Length, link, 3_000).Append("\n====\n");
            var bag = new DiagnosticBag();
            var result = Parser.ParseFile(new SourceFile("Main.tla", text.ToString()), bag);
            Assert.Contains(bag.Items, d => d.Code == DiagnosticCode.NestingTooDeep);
            Assert.NotNull(result.Module);
        });
    }

    [Fact]
    public void ChainsWithinTheLimitParseWithoutDiagnostics()
    {
        var text = "---- MODULE Main ----\nEXTENDS Naturals\nOp == 1" + string.Concat(Enumerable.Repeat(" + 1", 300)) + "\n====\n";
        Assert.Equal(0, LoadText(text));
    }
}

public class PathologicalInputTests
{
    [Fact]
    public async Task ManyUnclosedDefinitionHeadsStayFast()
    {
        // Every line looks like the start of "f(...) ==" but none closes: recovery must not rescan the file per line.
        var text = "---- MODULE Main ----\n" + string.Concat(Enumerable.Repeat("f(x, y, z\n", 5_000)) + "====\n";
        var task = Task.Run(() => VerifiedIpc.Tla.Modules.SpecLoader.Load(
            new VerifiedIpc.Tla.Syntax.SourceFile("Main.tla", text),
            new VerifiedIpc.Tla.Modules.InMemoryModuleSource(new Dictionary<string, string>())));
        // WaitAsync throws TimeoutException when recovery is quadratic or hangs.
        var spec = await task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(spec.HasErrors);
    }
}
