using System.Globalization;
using System.Xml.Linq;
using Scratch.Tensors;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// A scatter plot of 2-D points with a label at each, as SVG (drawn by hand; System.Xml.Linq only builds the XML):
/// the token embedding projected onto its top two principal components (<see cref="Pca"/>), so tokens the
/// model treats alike land close together. Each point is a <c>circle class="point"</c> with <c>data-token</c>.
/// </summary>
public static class EmbeddingSvg
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private const int Size = 640, Pad = 40;

    /// <summary>The SVG for <paramref name="points"/> (N, 2) labelled by <paramref name="labels"/> (N).</summary>
    public static string Scatter(Tensor<double> points, IReadOnlyList<string> labels, string title)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(labels);
        if (points.Rank != 2 || points.Size(1) != 2 || points.Size(0) != labels.Count)
        {
            throw new ArgumentException($"embedding svg: needs (N, 2) points and N labels, got {Shapes.Format(points.Shape)} and {labels.Count}");
        }
        int N = points.Size(0);
        double[] xs = Enumerable.Range(0, N).Select(i => points[i, 0]).ToArray();
        double[] ys = Enumerable.Range(0, N).Select(i => points[i, 1]).ToArray();
        (double lo, double span) Range(double[] v) => (v.Min(), Math.Max(v.Max() - v.Min(), 1e-12));
        var (xLo, xSpan) = Range(xs);
        var (yLo, ySpan) = Range(ys);
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        var root = new XElement(Svg + "svg",
            new XAttribute("width", Size), new XAttribute("height", Size), new XAttribute("viewBox", $"0 0 {Size} {Size}"),
            new XAttribute("font-family", "monospace"), new XAttribute("font-size", 11),
            new XElement(Svg + "rect", new XAttribute("width", Size), new XAttribute("height", Size), new XAttribute("fill", "white")),
            new XElement(Svg + "text", new XAttribute("x", Pad), new XAttribute("y", 20), new XAttribute("font-size", 13), title));
        for (int i = 0; i < N; i++)
        {
            double px = Pad + (xs[i] - xLo) / xSpan * (Size - 2 * Pad);
            double py = Size - Pad - (ys[i] - yLo) / ySpan * (Size - 2 * Pad); // y grows upwards
            root.Add(new XElement(Svg + "circle", new XAttribute("class", "point"), new XAttribute("data-token", i),
                new XAttribute("cx", F(px)), new XAttribute("cy", F(py)), new XAttribute("r", 3), new XAttribute("fill", "#2171b5")));
            root.Add(new XElement(Svg + "text", new XAttribute("x", F(px + 4)), new XAttribute("y", F(py - 4)), labels[i]));
        }
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).ToString();
    }
}
