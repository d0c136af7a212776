using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Modules;

namespace VerifiedIpc.Tla.Tests;

/// <summary>Every spec of the TLC conformance corpus loads as TLC loads it.</summary>
public class CorpusTests
{
    private static readonly Dictionary<string, DiagnosticCode> ExpectedErrors = new()
    {
        ["50-parse-error"] = DiagnosticCode.UnexpectedToken,
        ["51-parse-precedence"] = DiagnosticCode.PrecedenceConflict,
        ["52-semantic-undefined"] = DiagnosticCode.UnknownOperator,
        ["53-semantic-arity"] = DiagnosticCode.ArityMismatch,
    };

    public static TheoryData<string> Cases() => Corpus.CaseNames();

    [Fact]
    public void CorpusIsPresentAndComplete() => Assert.Equal(67, Corpus.Cases.Count());

    [Theory]
    [MemberData(nameof(Cases))]
    public void MainModuleLoadsAsTlcDoes(string caseName)
    {
        var expected = Corpus.Expected(caseName);
        var spec = SpecLoader.Load(Path.Combine(Corpus.CaseDir(caseName), expected.GetProperty("tla").GetString()!));
        Assert.NotNull(spec.Main);

        if (!ExpectedErrors.TryGetValue(caseName, out var code))
        {
            Assert.True(spec.Diagnostics.Count == 0, string.Join("\n", spec.Diagnostics));
            Assert.NotNull(spec.MainContext);
            return;
        }

        // TLC stops at the first error; so do we for these single-mistake specs. The position is SANY's.
        var diagnostic = Assert.Single(spec.Diagnostics);
        Assert.Equal(code, diagnostic.Code);
        var location = expected.GetProperty("error_location");
        Assert.Equal(location.GetProperty("module").GetString(), diagnostic.Span.ModuleName);
        Assert.Equal(location.GetProperty("line").GetInt32(), diagnostic.Line);
        Assert.Equal(location.GetProperty("column").GetInt32(), diagnostic.Column);
        if (location.TryGetProperty("end_column", out var endColumn))
        {
            Assert.Equal(location.GetProperty("end_line").GetInt32(), diagnostic.Span.EndLine);
            Assert.Equal(endColumn.GetInt32(), diagnostic.Span.EndColumn);
        }

        var tlcMessage = expected.GetProperty("tlc_error_message").GetString()!;
        switch (code)
        {
            case DiagnosticCode.UnknownOperator or DiagnosticCode.ArityMismatch or DiagnosticCode.UnexpectedToken:
                Assert.Equal(tlcMessage, diagnostic.Message);
                break;
            case DiagnosticCode.PrecedenceConflict:
                Assert.Equal(tlcMessage, diagnostic.Message);
                break;
        }
    }
}
