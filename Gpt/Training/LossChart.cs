using System.Globalization;
using System.Text;

namespace Scratch.Gpt.Training;

/// <summary>
/// A small hand-written SVG line chart of the train and val losses against the iteration: a plot area with
/// x and y axes, five ticks on each with their values, axis titles, a legend, and one polyline per split
/// (with a dot at every evaluation). Data coordinates map to pixels linearly:
/// <code>
/// px = left + (iter − x₀) / (x₁ − x₀) · width        py = top + (y₁ − loss) / (y₁ − y₀) · height
/// </code>
/// </summary>
public static class LossChart
{
    private const int Width = 640, Height = 400, Left = 70, Right = 20, Top = 40, Bottom = 60;
    private const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    /// <summary>The chart as an SVG document; with no evaluations yet, empty axes.</summary>
    public static string Render(IReadOnlyList<EvalPoint> evals)
    {
        double x0 = 0, x1 = Math.Max(1, evals.Count == 0 ? 1 : evals.Max(e => e.Iteration));
        var losses = evals.SelectMany(e => new[] { e.TrainLoss, e.ValLoss }).Where(double.IsFinite).ToList();
        double y0 = losses.Count == 0 ? 0 : Math.Floor(losses.Min() * 10) / 10;
        double y1 = losses.Count == 0 ? 1 : Math.Ceiling(losses.Max() * 10) / 10;
        if (y1 <= y0)
        {
            y1 = y0 + 0.1;
        }
        double Px(double iter) => Left + (iter - x0) / (x1 - x0) * PlotWidth;
        double Py(double loss) => Top + (y1 - loss) / (y1 - y0) * PlotHeight;

        var svg = new StringBuilder();
        svg.AppendLine(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(F($"  <rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>"));
        svg.AppendLine(F($"  <text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">Loss (mean next-token cross-entropy)</text>"));
        // Axes: the x axis along the bottom of the plot, the y axis along its left side.
        svg.AppendLine(F($"  <line x1=\"{Left}\" y1=\"{Top + PlotHeight}\" x2=\"{Left + PlotWidth}\" y2=\"{Top + PlotHeight}\" stroke=\"black\"/>"));
        svg.AppendLine(F($"  <line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + PlotHeight}\" stroke=\"black\"/>"));
        for (int k = 0; k <= 4; k++)
        {
            double iter = x0 + (x1 - x0) * k / 4, loss = y0 + (y1 - y0) * k / 4;
            double px = Px(iter), py = Py(loss);
            svg.AppendLine(F($"  <line x1=\"{px:0.#}\" y1=\"{Top + PlotHeight}\" x2=\"{px:0.#}\" y2=\"{Top + PlotHeight + 5}\" stroke=\"black\"/>"));
            svg.AppendLine(F($"  <text x=\"{px:0.#}\" y=\"{Top + PlotHeight + 19}\" text-anchor=\"middle\">{iter:0.#}</text>"));
            svg.AppendLine(F($"  <line x1=\"{Left - 5}\" y1=\"{py:0.#}\" x2=\"{Left + PlotWidth}\" y2=\"{py:0.#}\" stroke=\"#ddd\"/>"));
            svg.AppendLine(F($"  <text x=\"{Left - 8}\" y=\"{py + 4:0.#}\" text-anchor=\"end\">{loss:0.00}</text>"));
        }
        svg.AppendLine(F($"  <text x=\"{Left + PlotWidth / 2}\" y=\"{Height - 15}\" text-anchor=\"middle\">iteration</text>"));
        svg.AppendLine(F($"  <text x=\"18\" y=\"{Top + PlotHeight / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {Top + PlotHeight / 2})\">loss</text>"));
        Series(svg, "train", "#1f77b4", evals.Select(e => (Px(e.Iteration), Py(e.TrainLoss))).ToList(), legendRow: 0);
        Series(svg, "val", "#ff7f0e", evals.Select(e => (Px(e.Iteration), Py(e.ValLoss))).ToList(), legendRow: 1);
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>One split's polyline, its dots and its legend entry.</summary>
    private static void Series(StringBuilder svg, string name, string colour, List<(double X, double Y)> points, int legendRow)
    {
        if (points.Count > 0)
        {
            var coordinates = string.Join(" ", points.Select(p => F($"{p.X:0.#},{p.Y:0.#}")));
            svg.AppendLine(F($"  <polyline points=\"{coordinates}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>"));
            foreach (var (x, y) in points)
            {
                svg.AppendLine(F($"  <circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"3\" fill=\"{colour}\"/>"));
            }
        }
        int ly = Top + 12 + 18 * legendRow, lx = Left + PlotWidth - 80;
        svg.AppendLine(F($"  <line x1=\"{lx}\" y1=\"{ly}\" x2=\"{lx + 20}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"2\"/>"));
        svg.AppendLine(F($"  <text x=\"{lx + 26}\" y=\"{ly + 4}\">{name}</text>"));
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
