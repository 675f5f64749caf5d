using System.Text;
using static Scratch.Gpt.Plots.Svg;

namespace Scratch.Gpt.Plots;

/// <summary>
/// A colour bar: a vertical strip of the colour scale from lo (bottom) to hi (top), round ticks with their values on
/// its right, and its name written upwards beside them. It says what each colour of a heatmap means, so that the
/// numbers can be read off a picture without hovering over it.
/// </summary>
internal static class ColourBar
{
    private const int BarWidth = 14, TickLength = 4, FontSize = 12;

    /// <summary>The round values marked on a bar from lo to hi.</summary>
    public static double[] TickValues(double lo, double hi) =>
        Ticks.Linear(lo, hi).Where(t => t >= lo - 1e-12 * Math.Abs(hi - lo) && t <= hi + 1e-12 * Math.Abs(hi - lo)).ToArray();

    /// <summary>How much width the bar, its tick labels and its name take.</summary>
    public static double Width(double lo, double hi) =>
        BarWidth + TickLength + 4 + TickValues(lo, hi).Select(t => TextWidth(Number(t), FontSize)).DefaultIfEmpty(0).Max() + 6 + FontSize + 4;

    /// <summary>Draws the bar with its top-left corner at (x, top), <paramref name="height"/> pixels tall.</summary>
    public static void Draw(StringBuilder svg, double x, double top, double height, Func<double, string> scale, double lo, double hi, string label)
    {
        const int steps = 50;
        svg.AppendLine(F($"<g class=\"colour-bar\">"));
        for (int k = 0; k < steps; k++)
        {
            double y = top + height * (steps - 1 - k) / steps;
            svg.AppendLine(F($"<rect x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{BarWidth}\" height=\"{height / steps + 0.5:0.##}\" fill=\"{scale((k + 0.5) / steps)}\"/>"));
        }
        svg.AppendLine(F($"<rect x=\"{x:0.##}\" y=\"{top:0.##}\" width=\"{BarWidth}\" height=\"{height:0.##}\" fill=\"none\" stroke=\"black\"/>"));
        double widest = 0;
        foreach (double t in TickValues(lo, hi))
        {
            double y = top + height * (hi - t) / (hi - lo); // y = top + height·(hi − t)/(hi − lo)
            svg.AppendLine(F($"<line x1=\"{x + BarWidth:0.##}\" y1=\"{y:0.##}\" x2=\"{x + BarWidth + TickLength:0.##}\" y2=\"{y:0.##}\" stroke=\"black\"/>"));
            svg.AppendLine(F($"<text class=\"tick colour\" x=\"{x + BarWidth + TickLength + 4:0.##}\" y=\"{y + 4:0.##}\" font-size=\"{FontSize}\">{Number(t)}</text>"));
            widest = Math.Max(widest, TextWidth(Number(t), FontSize));
        }
        // Written downwards (rotated 90°): the baseline is at lx and the letters stand to its right.
        double lx = x + BarWidth + TickLength + 4 + widest + 6, ly = top + height / 2;
        svg.AppendLine(F($"<text class=\"axis-name colour\" x=\"{lx:0.##}\" y=\"{ly:0.##}\" text-anchor=\"middle\" font-size=\"{FontSize}\" transform=\"rotate(90 {lx:0.##} {ly:0.##})\">{Escape(label)}</text>"));
        svg.AppendLine("</g>");
    }
}
