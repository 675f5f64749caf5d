using System.Text;
using static Scratch.Gpt.Plots.Svg;

namespace Scratch.Gpt.Plots;

/// <summary>
/// Several pictures in one SVG, in a grid of <c>columns</c> columns, each at its own size: a panel is the
/// picture's own &lt;svg&gt; element placed at (x, y) inside the outer one, so it keeps its coordinates.
/// </summary>
public static class Figure
{
    /// <summary>The panels (each a standalone SVG document) laid out left to right, top to bottom.</summary>
    public static string Grid(IReadOnlyList<string> panels, int columns)
    {
        var sizes = panels.Select(Size).ToList();
        int rows = (panels.Count + columns - 1) / columns;
        var columnWidth = Enumerable.Range(0, columns).Select(c => sizes.Where((_, i) => i % columns == c).Select(s => s.W).DefaultIfEmpty(0).Max()).ToArray();
        var rowHeight = Enumerable.Range(0, rows).Select(r => sizes.Where((_, i) => i / columns == r).Select(s => s.H).DefaultIfEmpty(0).Max()).ToArray();
        int width = columnWidth.Sum(), height = rowHeight.Sum();
        var svg = new StringBuilder();
        svg.AppendLine(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">"));
        svg.AppendLine(F($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        for (int i = 0; i < panels.Count; i++)
        {
            int x = columnWidth.Take(i % columns).Sum(), y = rowHeight.Take(i / columns).Sum();
            // Give the panel's root <svg> a position; drop its namespace declaration, which the outer one carries.
            string panel = panels[i].Replace(" xmlns=\"http://www.w3.org/2000/svg\"", "");
            int open = panel.IndexOf("<svg", StringComparison.Ordinal);
            svg.Append(panel[..(open + 4)]).Append(F($" x=\"{x}\" y=\"{y}\"")).AppendLine(panel[(open + 4)..]);
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>Writes <see cref="Grid"/> to a file, creating its folder.</summary>
    public static void Save(string path, IReadOnlyList<string> panels, int columns)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, Grid(panels, columns));
    }

    private static (int W, int H) Size(string svg)
    {
        var root = System.Xml.Linq.XElement.Parse(svg);
        return ((int)double.Parse(root.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture),
                (int)double.Parse(root.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
