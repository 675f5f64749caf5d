using System.Globalization;
using System.Security;

namespace Scratch.Gpt.Plots;

/// <summary>The two things every SVG writer here needs: numbers in invariant culture, and text escaped for XML.</summary>
internal static class Svg
{
    /// <summary>A formattable string in invariant culture (a decimal point, never a comma).</summary>
    public static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Text with &lt;, &gt;, &amp; and quotes escaped, safe inside an element or an attribute.</summary>
    public static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    /// <summary>
    /// How wide a text is drawn, estimated without a font: 0.6 em a character, which is exact for a monospace font
    /// (DejaVu Sans Mono, Courier) and a little generous for most lower-case sans-serif text. Layout uses it to keep
    /// labels apart and inside the picture.
    /// </summary>
    public static double TextWidth(string text, double fontSize) => 0.6 * fontSize * new System.Globalization.StringInfo(text).LengthInTextElements;

    /// <summary>A number short enough for a tick label: 0.5, 2, 1e-06, 1.5e+04.</summary>
    public static string Number(double v)
    {
        if (v == 0)
        {
            return "0";
        }
        double a = Math.Abs(v);
        return a >= 1e-3 && a < 1e5
            ? v.ToString("0.####", CultureInfo.InvariantCulture)
            : v.ToString("0.#e+0", CultureInfo.InvariantCulture);
    }
}
