using System.Text;
using static Scratch.Gpt.Plots.Svg;

namespace Scratch.Gpt.Plots;

/// <summary>
/// A small SVG chart written by hand, for lessons and the CLI's pictures: lines, points, a heatmap with
/// contour lines beneath them, on round-valued axes (linear or log), with a title, axis names and a legend.
/// Data coordinates map to pixels linearly, on a log axis after taking log₁₀:
/// <code>
/// px = left + (x − x₀) / (x₁ − x₀) · plotWidth        py = top + (y₁ − y) / (y₁ − y₀) · plotHeight
/// </code>
/// Non-finite values are left out (a line breaks there); whatever falls outside the axes is clipped.
/// <code>
/// new Chart("loss", "step", "loss") { LogY = true }.Line("train", steps, losses).Save("loss.svg");
/// </code>
/// </summary>
public sealed partial class Chart(string title, string xLabel, string yLabel)
{
    private const int MinLeft = 56, Right = 24, Top = 40, Bottom = 56, LabelFont = 11;
    private readonly List<Action<StringBuilder, Frame>> layers = [];
    private readonly List<(string Name, string Colour, bool IsLine, bool Dashed)> legend = [];
    private readonly List<(double X, double Y)> extent = [];
    private (Func<double, string> Scale, double Lo, double Hi, string Label)? colourBar;
    private int labelsLeftOut; // point labels with no free place, counted while drawing

    /// <summary>Width of the whole picture in pixels.</summary>
    public int Width { get; init; } = 640;

    /// <summary>Height of the whole picture in pixels.</summary>
    public int Height { get; init; } = 420;

    /// <summary>A logarithmic x axis (only positive x are drawn).</summary>
    public bool LogX { get; init; }

    /// <summary>A logarithmic y axis (only positive y are drawn).</summary>
    public bool LogY { get; init; }

    /// <summary>The x range to show, instead of the data's (widened to round ticks).</summary>
    public (double Lo, double Hi)? XRange { get; init; }

    /// <summary>The y range to show, instead of the data's (widened to round ticks).</summary>
    public (double Lo, double Hi)? YRange { get; init; }

    /// <summary>Which corner of the plot holds the legend.</summary>
    public Corner Legend { get; init; } = Corner.TopRight;

    /// <summary>A line through the points (xs[i], ys[i]); a non-finite y breaks it.</summary>
    public Chart Line(string? name, IReadOnlyList<double> xs, IReadOnlyList<double> ys, string? colour = null,
        double width = 2, bool dashed = false, bool markers = false, double opacity = 1)
    {
        CheckLengths("line", xs, ys);
        colour ??= NextColour();
        AddExtent(xs, ys);
        if (name is not null)
        {
            legend.Add((name, colour, true, dashed));
        }
        layers.Add((svg, f) =>
        {
            string dash = dashed ? " stroke-dasharray=\"6 4\"" : "";
            foreach (var piece in Pieces(f, xs, ys))
            {
                string points = string.Join(" ", piece.Select(p => F($"{p.X:0.##},{p.Y:0.##}")));
                svg.AppendLine(F($"<polyline points=\"{points}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" stroke-opacity=\"{opacity}\" stroke-linejoin=\"round\"{dash}/>"));
                if (markers)
                {
                    foreach (var (x, y) in piece)
                    {
                        svg.AppendLine(F($"<circle cx=\"{x:0.##}\" cy=\"{y:0.##}\" r=\"{width + 1}\" fill=\"{colour}\"/>"));
                    }
                }
            }
        });
        return this;
    }

    /// <summary>A dot at each (xs[i], ys[i]), in one colour or one each, with an optional text label beside each.</summary>
    public Chart Points(string? name, IReadOnlyList<double> xs, IReadOnlyList<double> ys, string? colour = null,
        double radius = 3, IReadOnlyList<string>? labels = null, IReadOnlyList<string>? colours = null)
    {
        CheckLengths("points", xs, ys);
        colour ??= NextColour();
        AddExtent(xs, ys);
        if (name is not null)
        {
            legend.Add((name, colour, false, false));
        }
        layers.Add((svg, f) =>
        {
            var visible = Enumerable.Range(0, xs.Count).Where(i => f.Visible(xs[i], ys[i])).ToList();
            // The boxes a label must not cover: every dot, then each label as it is placed.
            var taken = visible.Select(i => (f.Px(xs[i]) - radius, f.Py(ys[i]) - radius, f.Px(xs[i]) + radius, f.Py(ys[i]) + radius)).ToList();
            foreach (int i in visible)
            {
                double px = f.Px(xs[i]), py = f.Py(ys[i]);
                svg.AppendLine(F($"<circle class=\"point\" data-index=\"{i}\" cx=\"{px:0.##}\" cy=\"{py:0.##}\" r=\"{radius}\" fill=\"{colours?[i] ?? colour}\" stroke=\"white\" stroke-width=\"0.5\"/>"));
            }
            // Labels after all the dots, so that no label covers a dot drawn later.
            foreach (int i in labels is null ? [] : visible)
            {
                if (PlaceLabel(f, f.Px(xs[i]), f.Py(ys[i]), radius, labels![i], taken) is var (x, y, anchor))
                {
                    svg.AppendLine(F($"<text class=\"label\" data-index=\"{i}\" x=\"{x:0.##}\" y=\"{y:0.##}\" text-anchor=\"{anchor}\" font-family=\"monospace\" font-size=\"{LabelFont}\">{Escape(labels[i])}</text>"));
                }
                else
                {
                    labelsLeftOut++;
                }
            }
        });
        return this;
    }

    /// <summary>
    /// A heatmap: values[j, i] is the colour of the cell centred on (xs[i], ys[j]), mapped through
    /// <paramref name="scale"/> (default viridis) from [lo, hi] (default the values' range) to [0, 1].
    /// With a <paramref name="colourBarLabel"/>, a colour bar with ticks is drawn on the right.
    /// </summary>
    public Chart Heatmap(double[,] values, double[] xs, double[] ys, Func<double, string>? scale = null,
        double? lo = null, double? hi = null, string? colourBarLabel = null)
    {
        scale ??= Colours.Viridis;
        var finite = values.Cast<double>().Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double vLo = lo ?? finite.Min(), vHi = hi ?? finite.Max();
        if (!(vHi > vLo))
        {
            vHi = vLo + 1;
        }
        double[] xEdges = Edges(xs), yEdges = Edges(ys);
        AddExtent([xEdges[0], xEdges[^1]], [yEdges[0], yEdges[^1]]);
        if (colourBarLabel is not null)
        {
            colourBar = (scale, vLo, vHi, colourBarLabel);
        }
        layers.Add((svg, f) =>
        {
            for (int j = 0; j < ys.Length; j++)
            {
                for (int i = 0; i < xs.Length; i++)
                {
                    double x0 = f.Px(xEdges[i]), x1 = f.Px(xEdges[i + 1]), y0 = f.Py(yEdges[j + 1]), y1 = f.Py(yEdges[j]);
                    string fill = scale((values[j, i] - vLo) / (vHi - vLo));
                    svg.AppendLine(F($"<rect x=\"{x0:0.##}\" y=\"{y0:0.##}\" width=\"{x1 - x0 + 0.3:0.##}\" height=\"{y1 - y0 + 0.3:0.##}\" fill=\"{fill}\"/>"));
                }
            }
        });
        return this;
    }

    /// <summary>Contour lines f = level for each level (marching squares, see <see cref="Contours"/>).</summary>
    public Chart Contour(double[,] values, double[] xs, double[] ys, IEnumerable<double> levels, string colour = "#555555", double width = 1)
    {
        var segments = levels.SelectMany(level => Contours.Segments(values, xs, ys, level)).ToList();
        AddExtent([xs[0], xs[^1]], [ys[0], ys[^1]]);
        layers.Add((svg, f) =>
        {
            foreach (var (x0, y0, x1, y1) in segments)
            {
                svg.AppendLine(F($"<line x1=\"{f.Px(x0):0.##}\" y1=\"{f.Py(y0):0.##}\" x2=\"{f.Px(x1):0.##}\" y2=\"{f.Py(y1):0.##}\" stroke=\"{colour}\" stroke-width=\"{width}\"/>"));
            }
        });
        return this;
    }

    /// <summary>A horizontal reference line at y, labelled at its right end.</summary>
    public Chart HLine(double y, string? label = null, string colour = "#888888")
    {
        layers.Add((svg, f) =>
        {
            if (!f.VisibleY(y))
            {
                return;
            }
            double py = f.Py(y);
            svg.AppendLine(F($"<line x1=\"{f.Left}\" y1=\"{py:0.##}\" x2=\"{f.Left + f.PlotWidth}\" y2=\"{py:0.##}\" stroke=\"{colour}\" stroke-dasharray=\"3 3\"/>"));
            if (label is not null)
            {
                svg.AppendLine(F($"<text x=\"{f.Left + f.PlotWidth - 4}\" y=\"{py - 4:0.##}\" text-anchor=\"end\" font-size=\"11\" fill=\"{colour}\">{Escape(label)}</text>"));
            }
        });
        return this;
    }

    /// <summary>A text at a data point.</summary>
    public Chart Text(double x, double y, string text, string colour = "black")
    {
        layers.Add((svg, f) =>
        {
            if (f.Visible(x, y))
            {
                svg.AppendLine(F($"<text x=\"{f.Px(x) + 4:0.##}\" y=\"{f.Py(y) - 4:0.##}\" font-size=\"11\" fill=\"{colour}\">{Escape(text)}</text>"));
            }
        });
        return this;
    }

    /// <summary>Writes <see cref="ToSvg"/> to a file, creating its folder.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, ToSvg());
    }

    /// <summary>The chart as a standalone SVG document.</summary>
    public string ToSvg()
    {
        var f = new Frame(this);
        labelsLeftOut = 0;
        var svg = new StringBuilder();
        svg.AppendLine(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>"));
        double titleSize = Math.Min(15, (Width - 16) / (0.56 * Math.Max(1, title.Length))); // a long title shrinks to fit
        svg.AppendLine(F($"<text class=\"title\" x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"{titleSize:0.#}\">{Escape(title)}</text>"));
        Axes(svg, f);
        // The id names the rectangle, so the same chart always gives the same file, and two panels of a Figure share
        // an id only when their clip rectangles are the same.
        string clip = F($"plot-{f.Left}-{Top}-{f.PlotWidth}-{f.PlotHeight}");
        svg.AppendLine(F($"<clipPath id=\"{clip}\"><rect x=\"{f.Left}\" y=\"{Top}\" width=\"{f.PlotWidth}\" height=\"{f.PlotHeight}\"/></clipPath>"));
        svg.AppendLine(F($"<g clip-path=\"url(#{clip})\">"));
        foreach (var layer in layers)
        {
            layer(svg, f);
        }
        svg.AppendLine("</g>");
        svg.AppendLine(F($"<rect x=\"{f.Left}\" y=\"{Top}\" width=\"{f.PlotWidth}\" height=\"{f.PlotHeight}\" fill=\"none\" stroke=\"black\"/>"));
        DrawLegend(svg, f);
        if (colourBar is { } bar)
        {
            Plots.ColourBar.Draw(svg, f.Left + f.PlotWidth + ColourBarGap, Top, f.PlotHeight, bar.Scale, bar.Lo, bar.Hi, bar.Label);
        }
        if (labelsLeftOut > 0)
        {
            // Said under the x axis name's line, at the left, where nothing else is drawn.
            svg.AppendLine(F($"<text class=\"note\" x=\"4\" y=\"{Height - 3}\" font-size=\"10\" fill=\"#555555\">{labelsLeftOut} label{(labelsLeftOut == 1 ? "" : "s")} left out where dots crowd</text>"));
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private const int ColourBarGap = 16;

    private void Axes(StringBuilder svg, Frame f)
    {
        int bottom = Top + f.PlotHeight;
        foreach (double t in f.XTicks)
        {
            double px = f.Px(t);
            svg.AppendLine(F($"<line x1=\"{px:0.##}\" y1=\"{Top}\" x2=\"{px:0.##}\" y2=\"{bottom + 5}\" stroke=\"#e4e4e4\"/>"));
            svg.AppendLine(F($"<line x1=\"{px:0.##}\" y1=\"{bottom}\" x2=\"{px:0.##}\" y2=\"{bottom + 5}\" stroke=\"black\"/>"));
            svg.AppendLine(F($"<text class=\"tick x\" x=\"{px:0.##}\" y=\"{bottom + 19}\" text-anchor=\"middle\">{Number(t)}</text>"));
        }
        foreach (double t in f.YTicks)
        {
            double py = f.Py(t);
            svg.AppendLine(F($"<line x1=\"{f.Left - 5}\" y1=\"{py:0.##}\" x2=\"{f.Left + f.PlotWidth}\" y2=\"{py:0.##}\" stroke=\"#e4e4e4\"/>"));
            svg.AppendLine(F($"<line x1=\"{f.Left - 5}\" y1=\"{py:0.##}\" x2=\"{f.Left}\" y2=\"{py:0.##}\" stroke=\"black\"/>"));
            svg.AppendLine(F($"<text class=\"tick y\" x=\"{f.Left - 8}\" y=\"{py + 4:0.##}\" text-anchor=\"end\">{Number(t)}</text>"));
        }
        string xName = LogX ? xLabel + " (log scale)" : xLabel, yName = LogY ? yLabel + " (log scale)" : yLabel;
        svg.AppendLine(F($"<text class=\"axis-name x\" x=\"{f.Left + f.PlotWidth / 2}\" y=\"{Height - 16}\" text-anchor=\"middle\">{Escape(xName)}</text>"));
        svg.AppendLine(F($"<text class=\"axis-name y\" x=\"16\" y=\"{Top + f.PlotHeight / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Top + f.PlotHeight / 2})\">{Escape(yName)}</text>"));
    }

    private string NextColour() => Colours.Series[layers.Count % Colours.Series.Length];

    private void AddExtent(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        for (int i = 0; i < xs.Count; i++)
        {
            extent.Add((xs[i], ys[i]));
        }
    }

    private static void CheckLengths(string what, IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        if (xs.Count != ys.Count)
        {
            throw new ArgumentException($"chart {what}: {xs.Count} x values and {ys.Count} y values");
        }
    }
}
