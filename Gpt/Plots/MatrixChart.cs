using System.Globalization;
using System.Text;
using static Scratch.Gpt.Plots.Svg;

namespace Scratch.Gpt.Plots;

/// <summary>
/// A matrix drawn as a grid of coloured cells, with a name for every row and column (tokens, say, rather than numbers):
/// cell (r, c) is coloured by values[r, c] through a colour scale from [lo, hi] to [0, 1], carries its value as text
/// where the number fits inside the cell, and a NaN cell is drawn grey as "not there" (a masked attention weight).
/// Column names stand upright above the grid, row names to its left; the rows' and columns' own names say what
/// they are, and a colour bar on the right says what each colour means. The picture is as large as its texts need,
/// so nothing is clipped.
/// <code>
/// new MatrixChart("layer 0, head 1", weights, tokens, tokens, "query", "key") { ColourBarLabel = "weight" }.ToSvg();
/// </code>
/// </summary>
/// <param name="title">The line on top.</param>
/// <param name="values">The matrix (R, C); NaN marks a cell that does not exist.</param>
/// <param name="rowLabels">A name per row (R).</param>
/// <param name="columnLabels">A name per column (C).</param>
/// <param name="rowName">What the rows are, written upwards on the left.</param>
/// <param name="columnName">What the columns are, written under the grid.</param>
public sealed class MatrixChart(string title, double[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels,
    string rowName, string columnName)
{
    private const int Pad = 8, TitleFont = 13, LabelFont = 11, NameFont = 12;

    /// <summary>Side of a cell in pixels (default: 28, room for a value such as "0.42"; 18 for more than 24 rows or columns).</summary>
    public int? CellSize { get; init; }

    /// <summary>Maps [0, 1] to a colour (default <see cref="Colours.WhiteBlue"/>).</summary>
    public Func<double, string> Scale { get; init; } = Colours.WhiteBlue;

    /// <summary>The value drawn in the lightest colour (default: the smallest finite value).</summary>
    public double? Lo { get; init; }

    /// <summary>The value drawn in the darkest colour (default: the largest finite value).</summary>
    public double? Hi { get; init; }

    /// <summary>The colour bar's name; null draws no colour bar.</summary>
    public string? ColourBarLabel { get; init; }

    /// <summary>How a value is written in its cell (default two decimals, "0.42").</summary>
    public Func<double, string> ValueFormat { get; init; } = v => v.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Attributes of the root &lt;svg&gt; element, for a reader of the file (class, data-…).</summary>
    public IReadOnlyDictionary<string, string> RootAttributes { get; init; } = new Dictionary<string, string>();

    /// <summary>The names of each cell's data attributes: data-row, data-col and data-value by default.</summary>
    public (string Row, string Column, string Value) CellAttributes { get; init; } = ("row", "col", "value");

    /// <summary>The chart as a standalone SVG document.</summary>
    /// <exception cref="ArgumentException">The numbers of labels do not match the matrix.</exception>
    public string ToSvg()
    {
        int R = values.GetLength(0), C = values.GetLength(1);
        if (rowLabels.Count != R || columnLabels.Count != C)
        {
            throw new ArgumentException($"matrix chart: a ({R}, {C}) matrix needs {R} row labels and {C} column labels, got {rowLabels.Count} and {columnLabels.Count}");
        }
        var finite = values.Cast<double>().Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        double lo = Lo ?? finite.Min(), hi = Hi ?? finite.Max();
        if (!(hi > lo))
        {
            hi = lo + 1;
        }
        int cell = CellSize ?? (Math.Max(R, C) > 24 ? 18 : 28);
        double valueFont = Math.Min(10, cell / 2.6);
        // Layout, left to right: the rows' name, the row labels, the grid, the colour bar; top to bottom: the title,
        // the column labels (written upwards), the grid, the columns' name.
        double rowLabelWidth = rowLabels.Select(l => TextWidth(l, LabelFont)).DefaultIfEmpty(0).Max();
        double columnLabelHeight = columnLabels.Select(l => TextWidth(l, LabelFont)).DefaultIfEmpty(0).Max();
        double gridX = Pad + NameFont + 6 + rowLabelWidth + 6, gridY = Pad + TitleFont + 10 + columnLabelHeight + 6;
        double gridW = C * cell, gridH = R * cell;
        double barX = gridX + gridW + 16, barW = ColourBarLabel is null ? 0 : 16 + ColourBar.Width(lo, hi);
        // The columns' name is centred under the grid, moved right if it would reach into the rows' name.
        double columnNameX = Math.Max(gridX + gridW / 2, Pad + NameFont + 6 + TextWidth(columnName, NameFont) / 2); // right of the rows' name
        double width = Math.Ceiling(Math.Max(Math.Max(gridX + gridW + barW + Pad, TextWidth(title, TitleFont) + 2 * Pad),
            columnNameX + TextWidth(columnName, NameFont) / 2 + Pad));
        double rowNameWidth = TextWidth(rowName, NameFont);
        double barHeight = ColourBarLabel is null ? 0 : Math.Max(gridH, 120); // beside the grid, at least tall enough for its ticks
        // The columns' name goes under the grid and the colour bar, whichever reaches lower.
        double height = Math.Ceiling(Math.Max(gridY + Math.Max(gridH, barHeight) + 8 + NameFont + Pad, gridY + rowNameWidth + Pad));
        // The rows' name is centred beside the grid, moved down if it would rise above it.
        double rowNameY = Math.Max(gridY + gridH / 2, gridY + rowNameWidth / 2);

        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\""));
        foreach (var (name, value) in RootAttributes)
        {
            svg.Append(F($" {name}=\"{Escape(value)}\""));
        }
        svg.AppendLine(">");
        svg.AppendLine(F($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        svg.AppendLine(F($"<text class=\"title\" x=\"{Pad}\" y=\"{Pad + TitleFont}\" font-size=\"{TitleFont}\">{Escape(title)}</text>"));
        DrawLabels(svg, gridX, gridY, cell);
        DrawCells(svg, gridX, gridY, cell, valueFont, lo, hi);
        svg.AppendLine(F($"<rect x=\"{gridX:0.##}\" y=\"{gridY:0.##}\" width=\"{gridW}\" height=\"{gridH}\" fill=\"none\" stroke=\"#999999\"/>"));
        svg.AppendLine(F($"<text class=\"axis-name x\" x=\"{columnNameX:0.##}\" y=\"{gridY + Math.Max(gridH, barHeight) + 8 + NameFont:0.##}\" text-anchor=\"middle\" font-size=\"{NameFont}\">{Escape(columnName)}</text>"));
        double rx = Pad + NameFont;
        svg.AppendLine(F($"<text class=\"axis-name y\" x=\"{rx:0.##}\" y=\"{rowNameY:0.##}\" text-anchor=\"middle\" font-size=\"{NameFont}\" transform=\"rotate(-90 {rx:0.##} {rowNameY:0.##})\">{Escape(rowName)}</text>"));
        if (ColourBarLabel is not null)
        {
            ColourBar.Draw(svg, barX, gridY, barHeight, Scale, lo, hi, ColourBarLabel);
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>The row labels, right-aligned against the grid, and the column labels, written upwards above it.</summary>
    private void DrawLabels(StringBuilder svg, double gridX, double gridY, int cell)
    {
        int R = values.GetLength(0), C = values.GetLength(1);
        for (int r = 0; r < R; r++) // row labels, right-aligned against the grid
        {
            svg.AppendLine(F($"<text class=\"label row\" x=\"{gridX - 6:0.##}\" y=\"{gridY + r * cell + cell / 2.0 + 4:0.##}\" text-anchor=\"end\" font-family=\"monospace\" font-size=\"{LabelFont}\">{Escape(rowLabels[r])}</text>"));
        }
        for (int c = 0; c < C; c++) // column labels, written upwards from just above the grid
        {
            double x = gridX + c * cell + cell / 2.0 + 4, y = gridY - 6;
            svg.AppendLine(F($"<text class=\"label column\" x=\"{x:0.##}\" y=\"{y:0.##}\" font-family=\"monospace\" font-size=\"{LabelFont}\" transform=\"rotate(-90 {x:0.##} {y:0.##})\">{Escape(columnLabels[c])}</text>"));
        }
    }

    /// <summary>One square per value, coloured on the scale from <paramref name="lo"/> to <paramref name="hi"/>, with the value written in it where it fits; NaN is a grey masked cell.</summary>
    private void DrawCells(StringBuilder svg, double gridX, double gridY, int cell, double valueFont, double lo, double hi)
    {
        int R = values.GetLength(0), C = values.GetLength(1);
        string ra = CellAttributes.Row, ca = CellAttributes.Column, va = CellAttributes.Value;
        for (int r = 0; r < R; r++)
        {
            for (int c = 0; c < C; c++)
            {
                double v = values[r, c], x = gridX + c * cell, y = gridY + r * cell;
                if (double.IsNaN(v))
                {
                    svg.AppendLine(F($"<rect class=\"masked\" data-masked=\"true\" data-{ra}=\"{r}\" data-{ca}=\"{c}\" x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{cell}\" height=\"{cell}\" fill=\"#e6e6e6\" stroke=\"#ffffff\" stroke-width=\"0.5\"/>"));
                    continue;
                }
                double t = Math.Clamp((v - lo) / (hi - lo), 0, 1);
                string text = ValueFormat(v);
                svg.AppendLine(F($"<rect class=\"cell\" data-{ra}=\"{r}\" data-{ca}=\"{c}\" data-{va}=\"{v.ToString("G6", CultureInfo.InvariantCulture)}\" x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{cell}\" height=\"{cell}\" fill=\"{Scale(t)}\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>{Escape($"{rowLabels[r]} → {columnLabels[c]}: {text}")}</title></rect>"));
                if (TextWidth(text, valueFont) <= cell - 3 && valueFont + 2 <= cell)
                {
                    // Light text on dark cells: the scale runs from light (0) to dark (1).
                    string ink = t > 0.55 ? "white" : "#222222";
                    svg.AppendLine(F($"<text class=\"value\" x=\"{x + cell / 2.0:0.##}\" y=\"{y + cell / 2.0 + valueFont * 0.35:0.##}\" text-anchor=\"middle\" font-family=\"monospace\" font-size=\"{valueFont:0.#}\" fill=\"{ink}\">{Escape(text)}</text>"));
                }
            }
        }
    }
}
