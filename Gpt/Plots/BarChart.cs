using System.Text;
using static Scratch.Gpt.Plots.Svg;

namespace Scratch.Gpt.Plots;

/// <summary>
/// A bar chart written by hand: one bar per category for each group of values (groups side by side within a
/// category, each group a colour in the legend), a y axis from 0 with round ticks, the value above each bar.
/// With <see cref="LogY"/> the y axis is logarithmic, for values that span several powers of ten: its ticks are
/// whole decades and each bar rises from the lowest one to its value (a value ≤ 0 gets no bar).
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

    /// <summary>A logarithmic y axis (only positive values are drawn).</summary>
    public bool LogY { get; init; }

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
        CheckGroups();
        var finite = groups.SelectMany(g => g.Values).Where(v => double.IsFinite(v) && (!LogY || v > 0)).ToList();
        double max = finite.DefaultIfEmpty(1).Max();
        double[] ticks = LogY ? Ticks.Log(finite.DefaultIfEmpty(1).Min(), max) : Ticks.Linear(0, Math.Max(max, 1e-12));
        if (LogY)
        {
            ticks = ticks.Where(t => Math.Abs(Math.Log10(t) - Math.Round(Math.Log10(t))) < 1e-9).ToArray(); // decades only: bars need no 2s and 5s
        }
        double bottomValue = ticks[0], top = ticks[^1];
        int plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom, bottom = Top + plotHeight;
        // py = top + (y₁ − y)/(y₁ − y₀)·plotHeight, after log₁₀ on a log axis
        double Py(double v) => LogY
            ? Top + (Math.Log10(top) - Math.Log10(v)) / (Math.Log10(top) - Math.Log10(bottomValue)) * plotHeight
            : Top + (top - v) / top * plotHeight;

        var svg = new StringBuilder();
        svg.AppendLine(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>"));
        svg.AppendLine(F($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>"));
        foreach (double t in ticks)
        {
            svg.AppendLine(F($"<line x1=\"{Left - 5}\" y1=\"{Py(t):0.##}\" x2=\"{Left + plotWidth}\" y2=\"{Py(t):0.##}\" stroke=\"#e4e4e4\"/>"));
            svg.AppendLine(F($"<text x=\"{Left - 8}\" y=\"{Py(t) + 4:0.##}\" text-anchor=\"end\">{Number(t)}</text>"));
        }
        string yName = LogY ? yLabel + " (log scale)" : yLabel;
        svg.AppendLine(F($"<text x=\"16\" y=\"{Top + plotHeight / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Top + plotHeight / 2})\">{Escape(yName)}</text>"));
        // Each category gets an equal slot; its bars fill 80% of the slot, side by side.
        double slot = plotWidth / (double)Math.Max(1, categories.Length), barWidth = slot * 0.8 / Math.Max(1, groups.Count);
        for (int c = 0; c < categories.Length; c++)
        {
            double slotLeft = Left + c * slot;
            for (int g = 0; g < groups.Count; g++)
            {
                double v = groups[g].Values[c], x = slotLeft + slot * 0.1 + g * barWidth;
                if (!double.IsFinite(v) || (LogY && v <= 0))
                {
                    continue;
                }
                svg.AppendLine(F($"<rect x=\"{x:0.##}\" y=\"{Py(v):0.##}\" width=\"{barWidth - 1:0.##}\" height=\"{bottom - Py(v):0.##}\" fill=\"{Colours.Series[g % Colours.Series.Length]}\"/>"));
                svg.AppendLine(F($"<text x=\"{x + barWidth / 2:0.##}\" y=\"{Py(v) - 4:0.##}\" text-anchor=\"middle\" font-size=\"10\">{Escape(ValueFormat(v))}</text>"));
            }
            svg.AppendLine(F($"<text x=\"{slotLeft + slot / 2:0.##}\" y=\"{bottom + 18}\" text-anchor=\"middle\">{Escape(categories[c])}</text>"));
        }
        svg.AppendLine(F($"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{Left + plotWidth}\" y2=\"{bottom}\" stroke=\"black\"/>"));
        double legendX = Left; // each legend entry is as wide as its name (about 7 px a character), then a gap
        for (int g = 0; g < groups.Count && groups.Count > 1; g++)
        {
            svg.AppendLine(F($"<rect x=\"{legendX:0.##}\" y=\"{Height - 26}\" width=\"12\" height=\"12\" fill=\"{Colours.Series[g % Colours.Series.Length]}\"/>"));
            svg.AppendLine(F($"<text x=\"{legendX + 16:0.##}\" y=\"{Height - 16}\">{Escape(groups[g].Name)}</text>"));
            legendX += 16 + 7 * groups[g].Name.Length + 24;
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>Every group has one value per category.</summary>
    private void CheckGroups()
    {
        foreach (var (name, values) in groups)
        {
            if (values.Length != categories.Length)
            {
                throw new ArgumentException($"bar chart: group \"{name}\" has {values.Length} values for {categories.Length} categories");
            }
        }
    }
}
