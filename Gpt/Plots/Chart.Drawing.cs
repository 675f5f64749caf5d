using System.Text;
using static Scratch.Gpt.Plots.Svg;

namespace Scratch.Gpt.Plots;

// The parts of a chart's drawing that need no title or axis names (see Chart.cs): the legend,
// where a point's label goes, heatmap cells, line pieces, and the frame that maps data to pixels.
public sealed partial class Chart
{
    private void DrawLegend(StringBuilder svg, Frame f)
    {
        if (legend.Count == 0)
        {
            return;
        }
        int rowHeight = 17, boxWidth = 34 + (int)Math.Ceiling(legend.Max(e => TextWidth(e.Name, 12))), boxHeight = legend.Count * rowHeight + 6;
        int x = Legend is Corner.TopLeft or Corner.BottomLeft ? f.Left + 6 : f.Left + f.PlotWidth - boxWidth - 6;
        int y = Legend is Corner.TopLeft or Corner.TopRight ? Top + 6 : Top + f.PlotHeight - boxHeight - 6;
        svg.AppendLine(F($"<rect x=\"{x}\" y=\"{y}\" width=\"{boxWidth}\" height=\"{boxHeight}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>"));
        for (int i = 0; i < legend.Count; i++)
        {
            var (name, colour, isLine, dashed) = legend[i];
            int cy = y + 12 + i * rowHeight;
            svg.AppendLine(isLine
                ? F($"<line x1=\"{x + 6}\" y1=\"{cy}\" x2=\"{x + 26}\" y2=\"{cy}\" stroke=\"{colour}\" stroke-width=\"2\"{(dashed ? " stroke-dasharray=\"6 4\"" : "")}/>")
                : F($"<circle cx=\"{x + 16}\" cy=\"{cy}\" r=\"4\" fill=\"{colour}\"/>"));
            svg.AppendLine(F($"<text class=\"legend\" x=\"{x + 30}\" y=\"{cy + 4}\">{Escape(name)}</text>"));
        }
    }

    /// <summary>
    /// Where a point's label goes: beside the dot (right, left, above, below, then the four diagonals), at the first
    /// place whose box (<see cref="Svg.TextWidth"/> wide, the font size high) lies inside the plot and overlaps no dot
    /// and no label placed before; null when there is none, and the label is left out rather than drawn over another.
    /// </summary>
    private static (double X, double Y, string Anchor)? PlaceLabel(Frame f, double px, double py, double radius, string label,
        List<(double X0, double Y0, double X1, double Y1)> taken)
    {
        double w = TextWidth(label, LabelFont), h = LabelFont, gap = radius + 2;
        // (x, y, anchor) of the text and the left edge of its box; y is the baseline, the box spans [y − h + 2, y + 2]
        (double X, double Y, string Anchor, double Left)[] candidates =
        [
            (px + gap, py + 4, "start", px + gap), (px - gap, py + 4, "end", px - gap - w),
            (px, py - gap - 2, "middle", px - w / 2), (px, py + gap + h, "middle", px - w / 2),
            (px + gap, py - gap, "start", px + gap), (px - gap, py - gap, "end", px - gap - w),
            (px + gap, py + gap + h - 2, "start", px + gap), (px - gap, py + gap + h - 2, "end", px - gap - w),
        ];
        foreach (var (x, y, anchor, left) in candidates)
        {
            var box = (X0: left, Y0: y - h + 2, X1: left + w, Y1: y + 2);
            bool inside = box.X0 >= f.Left && box.X1 <= f.Left + f.PlotWidth && box.Y0 >= Top && box.Y1 <= Top + f.PlotHeight;
            if (inside && !taken.Any(t => box.X0 < t.X1 && t.X0 < box.X1 && box.Y0 < t.Y1 && t.Y0 < box.Y1))
            {
                taken.Add(box);
                return (x, y, anchor);
            }
        }
        return null;
    }


    /// <summary>Cell edges around centres: half-way between neighbours, and as far again beyond the ends.</summary>
    private static double[] Edges(double[] centres)
    {
        if (centres.Length == 1)
        {
            return [centres[0] - 0.5, centres[0] + 0.5];
        }
        var edges = new double[centres.Length + 1];
        for (int i = 1; i < centres.Length; i++)
        {
            edges[i] = (centres[i - 1] + centres[i]) / 2;
        }
        edges[0] = centres[0] - (edges[1] - centres[0]);
        edges[^1] = centres[^1] + (centres[^1] - edges[^2]);
        return edges;
    }

    /// <summary>The runs of consecutive drawable points of a line, in pixels.</summary>
    private static List<List<(double X, double Y)>> Pieces(Frame f, IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        var pieces = new List<List<(double, double)>>();
        List<(double, double)>? current = null;
        for (int i = 0; i < xs.Count; i++)
        {
            if (!f.Drawable(xs[i], ys[i]))
            {
                current = null;
                continue;
            }
            if (current is null)
            {
                current = [];
                pieces.Add(current);
            }
            // Far-off points (a diverging loss) are pulled to just outside the plot, where the clip hides them.
            current.Add((f.Px(xs[i]), Math.Clamp(f.Py(ys[i]), -10 * f.PlotHeight, 10 * f.PlotHeight)));
        }
        return pieces;
    }

    /// <summary>The axes' ranges and ticks, and the data-to-pixel maps, fixed when the chart is drawn.</summary>
    private sealed class Frame
    {
        public readonly int Left, PlotWidth, PlotHeight;
        public readonly double[] XTicks, YTicks;
        private readonly bool logX, logY;
        private readonly double x0, x1, y0, y1; // axis ends, after log₁₀ on a log axis

        public Frame(Chart c)
        {
            (logX, logY) = (c.LogX, c.LogY);
            (XTicks, x0, x1) = Axis(c.XRange, c.extent.Select(p => p.X), logX);
            (YTicks, y0, y1) = Axis(c.YRange, c.extent.Select(p => p.Y), logY);
            // Room on the left for the y axis name (up to x = 20) and the widest tick label, 8 px from the axis.
            Left = (int)Math.Ceiling(Math.Max(MinLeft, 26 + YTicks.Select(t => TextWidth(Number(t), 12)).DefaultIfEmpty(0).Max() + 8));
            int colourBarSpace = c.colourBar is { } bar ? ColourBarGap + (int)Math.Ceiling(Plots.ColourBar.Width(bar.Lo, bar.Hi)) : 0;
            PlotWidth = c.Width - Left - Right - colourBarSpace;
            PlotHeight = c.Height - Top - Bottom;
        }

        public double Px(double x) => Left + (Map(x, logX) - x0) / (x1 - x0) * PlotWidth;

        public double Py(double y) => Top + (y1 - Map(y, logY)) / (y1 - y0) * PlotHeight;

        public bool Drawable(double x, double y) => double.IsFinite(x) && double.IsFinite(y) && (!logX || x > 0) && (!logY || y > 0);

        public bool VisibleY(double y) => double.IsFinite(y) && (!logY || y > 0) && Map(y, logY) >= y0 && Map(y, logY) <= y1;

        public bool Visible(double x, double y) => Drawable(x, y) && VisibleY(y) && Map(x, logX) >= x0 && Map(x, logX) <= x1;

        private static double Map(double v, bool log) => log ? Math.Log10(v) : v;

        /// <summary>
        /// An axis's ticks and ends: the data's range widened to round ticks, or a range the chart was given,
        /// kept exactly, with the round ticks inside it.
        /// </summary>
        private static (double[] Ticks, double Lo, double Hi) Axis((double Lo, double Hi)? range, IEnumerable<double> data, bool log)
        {
            var values = data.Where(v => double.IsFinite(v) && (!log || v > 0)).ToList();
            double lo = range?.Lo ?? (values.Count == 0 ? (log ? 1 : 0) : values.Min());
            double hi = range?.Hi ?? (values.Count == 0 ? (log ? 10 : 1) : values.Max());
            double[] ticks = log ? Plots.Ticks.Log(lo, hi) : Plots.Ticks.Linear(lo, hi);
            if (range is null)
            {
                return (ticks, Map(ticks[0], log), Map(ticks[^1], log));
            }
            double eps = 1e-9 * (hi - lo);
            return (ticks.Where(t => t >= lo - eps && t <= hi + eps).ToArray(), Map(lo, log), Map(hi, log));
        }
    }
}
