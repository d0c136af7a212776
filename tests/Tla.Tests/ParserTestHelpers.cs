using VerifiedIpc.Tla.Diagnostics;
using VerifiedIpc.Tla.Syntax;

namespace VerifiedIpc.Tla.Tests;

internal static class ParserTestHelpers
{
    /// <summary>Parses an expression that must have no diagnostics and returns its fully parenthesised print.</summary>
    public static string Parenthesize(string text)
    {
        var bag = new DiagnosticBag();
        var expr = Parser.ParseExpressionText(text, bag);
        Assert.True(bag.Count == 0, $"unexpected diagnostics for '{text}':\n" + string.Join("\n", bag.Items));
        return Printer.Print(expr);
    }

    /// <summary>Parses an expression and returns its diagnostics.</summary>
    public static IReadOnlyList<Diagnostic> ExpressionDiagnostics(string text)
    {
        var bag = new DiagnosticBag();
        Parser.ParseExpressionText(text, bag);
        return bag.Items;
    }

    /// <summary>Parses module text (wrapped in a header when it has none) and returns the result and diagnostics.</summary>
    public static (Module? Module, DiagnosticBag Diagnostics) ParseModule(string text, string path = "M.tla")
    {
        var bag = new DiagnosticBag();
        var result = Parser.ParseFile(new SourceFile(path, text), bag);
        return (result.Module, bag);
    }
}
