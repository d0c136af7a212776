using System.Globalization;
using System.Text;

namespace VerifiedIpc.Report;

/// <summary>Escaping and number formatting shared by the HTML and SVG writers.</summary>
internal static class Html
{
    /// <summary>Escapes text for element content and quoted attribute values.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default:
                    // Control characters are not allowed in XML (the SVG) and mean nothing to a reader.
                    if (c < ' ' && c is not ('\n' or '\t')) sb.Append('\uFFFD');
                    else sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Escapes prose whose <c>`backquoted`</c> parts are code (manifest descriptions are written so): those become <c>&lt;code&gt;</c>.</summary>
    public static string EscapeProse(string? text)
    {
        var parts = Escape(text).Split('`');
        if (parts.Length < 3 || parts.Length % 2 == 0) return Escape(text);
        var sb = new StringBuilder();
        for (var i = 0; i < parts.Length; i++)
            sb.Append(i % 2 == 1 ? $"<code>{parts[i]}</code>" : parts[i]);
        return sb.ToString();
    }

    /// <summary>A coordinate with one decimal, culture-independent.</summary>
    public static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Shortens text for a chart label, keeping the start and marking the cut.</summary>
    public static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
