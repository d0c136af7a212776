using VerifiedIpc.Checker.Engine;
using Xunit.Abstractions;

namespace VerifiedIpc.Checker.Tests;

/// <summary>
/// Any input gives a diagnostic or a verdict: corpus specifications with seeded mutations (a deleted, duplicated
/// or replaced character) must never make the checker throw, crash or run without bound.
/// </summary>
public sealed class RobustnessTests(ITestOutputHelper log)
{
    public static TheoryData<string> Specs()
    {
        var data = new TheoryData<string>();
        foreach (var c in Corpus.Cases.Where(c => c.Number % 3 == 0 && !Corpus.Large.Contains(c.Name))) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Mutated_specifications_give_a_verdict_or_a_diagnostic(string name)
    {
        var c = Corpus.Get(name);
        var text = File.ReadAllText(c.Tla);
        // A stable seed per case (string.GetHashCode is randomised per process), so any failure replays.
        var rnd = new Random(name.Aggregate(17, (h, ch) => h * 31 + ch) & 0x7fffffff);
        var dir = Directory.CreateTempSubdirectory("vipc-mut-").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(c.Dir, "*.tla").Concat(Directory.GetFiles(c.Dir, "*.cfg")))
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            var verdicts = new Dictionary<string, int>();
            for (int i = 0; i < 12; i++)
            {
                int pos = rnd.Next(text.Length);
                var mutated = rnd.Next(3) switch
                {
                    0 => text.Remove(pos, 1),
                    1 => text.Insert(pos, text[pos].ToString()),
                    _ => text.Remove(pos, 1).Insert(pos, "+-{}()[]<>=~\\'01x"[rnd.Next(17)].ToString()),
                };
                File.WriteAllText(Path.Combine(dir, Path.GetFileName(c.Tla)), mutated);
                var output = new StringWriter();
                var outcome = ModelCheck.Run(new CheckRequest(Path.Combine(dir, Path.GetFileName(c.Tla)), Path.Combine(dir, Path.GetFileName(c.Cfg)), StateLimit: 20_000), output, (_, _, _, _) => { });
                Assert.True(outcome.ExitCode != 1, $"mutation {i} at offset {pos} made the checker fail:\n{output}"); // 1 = the checker itself failed
                Assert.True(outcome.LoadFailure != null || outcome.Result != null, $"mutation {i} at offset {pos} gave neither a verdict nor a diagnostic:\n{output}");
                var kind = outcome.LoadFailure ?? outcome.Result!.Verdict.ToString();
                verdicts[kind] = verdicts.GetValueOrDefault(kind) + 1;
            }
            log.WriteLine($"{name}: " + string.Join(", ", verdicts.Select(kv => $"{kv.Key} x{kv.Value}")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Unbounded_recursion_is_an_evaluation_error_not_a_stack_overflow()
    {
        var dir = Directory.CreateTempSubdirectory("vipc-rec-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Deep.tla"), "---- MODULE Deep ----\nEXTENDS Naturals\nRECURSIVE F(_)\nF(n) == F(n + 1)\nVARIABLE x\nInit == x = 0\nNext == x' = F(x)\n====\n");
            File.WriteAllText(Path.Combine(dir, "Deep.cfg"), "INIT Init\nNEXT Next\n");
            var outcome = ModelCheck.Run(new CheckRequest(Path.Combine(dir, "Deep.tla")), TextWriter.Null);
            Assert.Equal(Verdict.NextStateError, outcome.Result!.Verdict);
            Assert.Contains("too deep", outcome.ErrorMessage);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_state_limit_stops_an_unbounded_model()
    {
        var dir = Directory.CreateTempSubdirectory("vipc-inf-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Inf.tla"), "---- MODULE Inf ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1\n====\n");
            File.WriteAllText(Path.Combine(dir, "Inf.cfg"), "INIT Init\nNEXT Next\n");
            var outcome = ModelCheck.Run(new CheckRequest(Path.Combine(dir, "Inf.tla"), StateLimit: 500), TextWriter.Null);
            Assert.Equal(Verdict.StateLimitReached, outcome.Result!.Verdict);
            Assert.Equal(500, outcome.Result.DistinctStates);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
