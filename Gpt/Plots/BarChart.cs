using System.Text;
using static Scratch.Gpt.Plots.Svg;

namespace Scratch.Gpt.Plots;

/// <summary>
/// A bar chart written by hand: one bar per category for each group of values (groups side by side within a
/// category, each group a colour in the legend), a y axis from 0 with round ticks, the value above each bar.
/// <code>
/// new BarChart("file size", "MB").Group("size", [3.2, 1.6, 0.8]).Categories(["f32", "f16", "int8"]).Save("sizes.svg");
/// </code>
/// </summary>
public sealed class BarChart(string title, string yLabel)
{
    private const int Left = 72, Right = 24, Top = 40, Bottom = 70;
    private readonly List<(string Name, double[] Values)> groups = [];
    private string[] categories = [];

    /// <summary>Width of the whole picture in pixels.</summary>
    public int Width { get; init; } = 640;

    /// <summary>Height of the whole picture in pixels.</summary>
    public int Height { get; init; } = 400;

    /// <summary>How the value above each bar is written (default: up to 4 significant digits).</summary>
    public Func<double, string> ValueFormat { get; init; } = v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The names under the bars, one per category.</summary>
    public BarChart Categories(IReadOnlyList<string> names)
    {
        categories = [.. names];
        return this;
    }

    /// <summary>A group of values, one per category, drawn in one colour.</summary>
    public BarChart Group(string name, IReadOnlyList<double> values)
    {
        groups.Add((name, [.. values]));
        return this;
    }

    /// <summary>Writes <see cref="ToSvg"/> to a file, creating its folder.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, ToSvg());
    }

    /// <summary>The chart as a standalone SVG document.</summary>
    /// <exception cref="ArgumentException">A group's length differs from the number of categories.</exception>
    public string ToSvg()
    {
        foreach (var (name, values) in groups)
        {
            if (values.Length != categories.Length)
            {
                throw new ArgumentException($"bar chart: group \"{name}\" has {values.Length} values for {categories.Length} categories");
            }
        }
        double max = groups.SelectMany(g => g.Values).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        double[] ticks = Ticks.Linear(0, Math.Max(max, 1e-12));
        double top = ticks[^1];
        int plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom, bottom = Top + plotHeight;
        double Py(double v) => Top + (top - v) / top * plotHeight;

        var svg = new StringBuilder();
        svg.AppendLine(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>"));
        svg.AppendLine(F($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>"));
        foreach (double t in ticks)
        {
            svg.AppendLine(F($"<line x1=\"{Left - 5}\" y1=\"{Py(t):0.##}\" x2=\"{Left + plotWidth}\" y2=\"{Py(t):0.##}\" stroke=\"#e4e4e4\"/>"));
            svg.AppendLine(F($"<text x=\"{Left - 8}\" y=\"{Py(t) + 4:0.##}\" text-anchor=\"end\">{Number(t)}</text>"));
        }
        svg.AppendLine(F($"<text x=\"16\" y=\"{Top + plotHeight / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Top + plotHeight / 2})\">{Escape(yLabel)}</text>"));
        // Each category gets an equal slot; its bars fill 80% of the slot, side by side.
        double slot = plotWidth / (double)Math.Max(1, categories.Length), barWidth = slot * 0.8 / Math.Max(1, groups.Count);
        for (int c = 0; c < categories.Length; c++)
        {
            double slotLeft = Left + c * slot;
            for (int g = 0; g < groups.Count; g++)
            {
                double v = groups[g].Values[c], x = slotLeft + slot * 0.1 + g * barWidth;
                if (!double.IsFinite(v))
                {
                    continue;
                }
                svg.AppendLine(F($"<rect x=\"{x:0.##}\" y=\"{Py(v):0.##}\" width=\"{barWidth - 1:0.##}\" height=\"{bottom - Py(v):0.##}\" fill=\"{Colours.Series[g % Colours.Series.Length]}\"/>"));
                svg.AppendLine(F($"<text x=\"{x + barWidth / 2:0.##}\" y=\"{Py(v) - 4:0.##}\" text-anchor=\"middle\" font-size=\"10\">{Escape(ValueFormat(v))}</text>"));
            }
            svg.AppendLine(F($"<text x=\"{slotLeft + slot / 2:0.##}\" y=\"{bottom + 18}\" text-anchor=\"middle\">{Escape(categories[c])}</text>"));
        }
        svg.AppendLine(F($"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{Left + plotWidth}\" y2=\"{bottom}\" stroke=\"black\"/>"));
        for (int g = 0; g < groups.Count && groups.Count > 1; g++)
        {
            double x = Left + g * 150;
            svg.AppendLine(F($"<rect x=\"{x:0.##}\" y=\"{Height - 26}\" width=\"12\" height=\"12\" fill=\"{Colours.Series[g % Colours.Series.Length]}\"/>"));
            svg.AppendLine(F($"<text x=\"{x + 16:0.##}\" y=\"{Height - 16}\">{Escape(groups[g].Name)}</text>"));
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
