using System.Globalization;
using System.Text;

namespace Scratch.Autograd;

// Graph export as a picture: the same nodes and labels as ToDot (Var.Dot.cs), laid out by Scratch itself
// (GraphLayout.cs), so no Graphviz is needed:
//
//     File.WriteAllText("loss.svg", loss.ToSvg());      then open it in a browser
//
// Inputs on the left, the output on the right, an arrow from every input to the value computed from it.
public sealed partial class Var<T>
{
    private const double CharWidth = 6.7;   // DejaVu Sans Mono at 11 px: 0.602 em; a little more for other monospace fonts
    private const double LineHeight = 14;
    private const double Padding = 8;

    /// <summary>
    /// The graph this value was computed from, drawn as SVG: one box per value (name, op and shape, a summary of
    /// its value, and of its gradient when it has one: a single number as itself, a larger tensor as mean, min
    /// and max), one arrow per input link, from the input to the value computed from it. An input used twice
    /// (x · x) has two arrows; when an op has several inputs each arrow enters at its own place on the box's
    /// left side, top to bottom in input order, and is labelled with the input's position.
    /// <para>
    /// Layout (see <c>GraphLayout</c>): an op's column is the longest path to it from a leaf, a leaf sits one
    /// column before its first use, the output is alone in the last column; boxes in a column are ordered by
    /// the mean position of their neighbours to reduce crossings. Leaves that require a gradient are filled
    /// light blue (as in <see cref="ToDot"/>), data leaves grey, ops white; leaves have round corners; the
    /// output has a bold border. The same graph always gives the same text.
    /// </para>
    /// </summary>
    /// <param name="title">The drawing's title (an SVG &lt;title&gt;, shown by viewers as a tooltip).</param>
    public string ToSvg(string title = "scratch")
    {
        List<Var<T>> nodes = TopologicalOrder(allInputs: true);
        var number = new Dictionary<Var<T>, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < nodes.Count; i++)
        {
            number[nodes[i]] = i;
        }
        int[][] parents = [.. nodes.Select(node => node.Parents.Select(p => number[p]).ToArray())];
        string[][] lines = [.. nodes.Select(node => node.DotLabel().Split('\n'))];
        (double, double)[] sizes = [.. lines.Select(l => (l.Max(s => s.Length) * CharWidth + 2 * Padding, l.Length * LineHeight + Padding))];
        var layout = GraphLayout.Compute(parents, sizes);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(layout.Width)}\" height=\"{F(layout.Height)}\" viewBox=\"0 0 {F(layout.Width)} {F(layout.Height)}\" ")
           .Append("font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"11\">\n");
        svg.Append($"  <title>{XmlEscape(title)}</title>\n");
        svg.Append("  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">")
           .Append("<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n");
        svg.Append("  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");

        foreach (var (from, to, input, points) in layout.Edges) // edges first, so boxes are drawn over them
        {
            svg.Append($"  <path class=\"edge\" data-from=\"n{from}\" data-to=\"n{to}\" data-input=\"{input}\" d=\"{EdgePath(points)}\" ")
               .Append("fill=\"none\" stroke=\"#555\" stroke-width=\"1.2\" marker-end=\"url(#arrow)\"/>\n");
            if (parents[to].Length > 1)
            {
                var (x, y) = points[^1];
                svg.Append($"  <text class=\"input\" x=\"{F(x - 9)}\" y=\"{F(y - 3)}\" text-anchor=\"end\" font-size=\"9\" fill=\"#555\">{input}</text>\n");
            }
        }
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var (x, y, w, h) = layout.Boxes[i];
            string fill = !node.IsLeaf ? "white" : node.RequiresGrad ? "lightblue" : "#eeeeee";
            string stroke = node == this ? "3" : "1";
            string corner = node.IsLeaf ? "12" : "3";
            svg.Append($"  <g class=\"node\" id=\"n{i}\">\n");
            svg.Append($"    <rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(w)}\" height=\"{F(h)}\" rx=\"{corner}\" fill=\"{fill}\" stroke=\"#333\" stroke-width=\"{stroke}\"/>\n");
            for (int k = 0; k < lines[i].Length; k++)
            {
                string weight = k == 0 && node.Name is not null ? " font-weight=\"bold\"" : "";
                svg.Append($"    <text x=\"{F(x + Padding)}\" y=\"{F(y + Padding / 2 + LineHeight * (k + 1) - 3)}\"{weight}>{XmlEscape(lines[i][k])}</text>\n");
            }
            svg.Append("  </g>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>
    /// An SVG path through the edge's points (see <c>GraphLayout.Edges</c>): points 0–1, 2–3, … are joined by
    /// straight lines across a column (left out when they coincide, so the arrowhead follows the last curve), points
    /// 1–2, 3–4, … by a cubic curve across a gap between columns that leaves and arrives horizontally, its control
    /// points halfway across (so x only grows).
    /// </summary>
    private static string EdgePath(List<(double X, double Y)> points)
    {
        var d = new StringBuilder($"M {F(points[0].X)} {F(points[0].Y)}");
        for (int i = 1; i < points.Count; i++)
        {
            var (ax, ay) = points[i - 1];
            var (bx, by) = points[i];
            if (i % 2 == 1)
            {
                if (F(ax) != F(bx))
                {
                    d.Append($" L {F(bx)} {F(by)}");
                }
            }
            else
            {
                double half = (bx - ax) / 2;
                d.Append($" C {F(ax + half)} {F(ay)} {F(bx - half)} {F(by)} {F(bx)} {F(by)}");
            }
        }
        return d.ToString();
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Text as XML character data or an attribute value: the five special characters escaped, control characters dropped.</summary>
    private static string XmlEscape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '"': escaped.Append("&quot;"); break;
                case '\'': escaped.Append("&apos;"); break;
                default:
                    if (!char.IsControl(c))
                    {
                        escaped.Append(c);
                    }
                    break;
            }
        }
        return escaped.ToString();
    }
}
