using System.Globalization;
using System.Xml.Linq;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// Draws attention maps as SVG, by hand (System.Xml.Linq only builds the XML). For each head a T×T grid:
/// row t is the query position, column s the key position, both labelled with the prompt's tokens. An allowed
/// cell (s ≤ t) is a <c>rect class="cell"</c> shaded from white (weight 0) to dark blue (weight 1), with the
/// weight in <c>data-weight</c> and a tooltip; a future cell (s &gt; t), which the causal mask hides, is a
/// light grey <c>rect class="masked" data-masked="true"</c>. One head, or all heads of the layer side by side.
/// </summary>
public static class AttentionSvg
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private const int Cell = 18, Margin = 60, Gap = 30, Title = 24;

    /// <summary>The SVG document for layer <paramref name="layer"/>, one head or (head null) all of them.</summary>
    /// <param name="maps">The attention maps.</param>
    /// <param name="labels">One label per prompt token (T).</param>
    /// <param name="layer">The block, in [0, L).</param>
    /// <param name="head">The head, in [0, H), or null for every head as a grid.</param>
    /// <exception cref="ArgumentOutOfRangeException">The layer or head does not exist; the message names the range.</exception>
    public static string Render(AttentionMaps maps, IReadOnlyList<string> labels, int layer, int? head)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(labels);
        maps.CheckRange(layer, head);
        if (labels.Count != maps.Length)
        {
            throw new ArgumentException($"attention svg: {labels.Count} labels for {maps.Length} tokens");
        }
        int[] heads = head is int h ? [h] : Enumerable.Range(0, maps.Heads).ToArray();
        int T = maps.Length, panel = Margin + T * Cell;
        int columns = Math.Min(heads.Length, 4), rows = (heads.Length + columns - 1) / columns;
        int width = columns * panel + (columns - 1) * Gap + 10, height = rows * (panel + Title) + (rows - 1) * Gap + 10 + Title;
        var root = new XElement(Svg + "svg",
            new XAttribute("width", width), new XAttribute("height", height),
            new XAttribute("viewBox", $"0 0 {width} {height}"),
            new XAttribute("font-family", "monospace"), new XAttribute("font-size", 11),
            new XElement(Svg + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "white")));
        for (int i = 0; i < heads.Length; i++)
        {
            int x0 = i % columns * (panel + Gap), y0 = i / columns * (panel + Title + Gap);
            root.Add(Panel(maps, labels, layer, heads[i], x0, y0));
        }
        root.Add(Text(4, height - 8, "rows: queries (the position being predicted), columns: keys (the positions it attends to)", "start"));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).ToString();
    }

    private static XElement Panel(AttentionMaps maps, IReadOnlyList<string> labels, int layer, int head, int x0, int y0)
    {
        int T = maps.Length, gridX = x0 + Margin, gridY = y0 + Title + Margin;
        var g = new XElement(Svg + "g", new XAttribute("class", "head"), new XAttribute("data-layer", layer), new XAttribute("data-head", head),
            new XElement(Svg + "text", new XAttribute("x", x0 + 4), new XAttribute("y", y0 + 14), new XAttribute("font-size", 13),
                $"layer {layer}, head {head}"));
        for (int t = 0; t < T; t++)
        {
            g.Add(Text(gridX - 4, gridY + t * Cell + Cell / 2 + 4, labels[t], "end")); // query labels on the left
            g.Add(new XElement(Svg + "text", new XAttribute("transform", $"translate({gridX + t * Cell + Cell / 2 + 4},{gridY - 4}) rotate(-90)"), labels[t])); // key labels on top
        }
        for (int t = 0; t < T; t++)
        {
            for (int s = 0; s < T; s++)
            {
                var rect = new XElement(Svg + "rect",
                    new XAttribute("x", gridX + s * Cell), new XAttribute("y", gridY + t * Cell),
                    new XAttribute("width", Cell), new XAttribute("height", Cell),
                    new XAttribute("data-query", t), new XAttribute("data-key", s));
                if (s > t)
                {
                    rect.Add(new XAttribute("class", "masked"), new XAttribute("data-masked", "true"), new XAttribute("fill", "#e6e6e6"));
                }
                else
                {
                    double w = maps.Weight(layer, head, t, s);
                    rect.Add(new XAttribute("class", "cell"), new XAttribute("data-weight", w.ToString("G6", CultureInfo.InvariantCulture)),
                        new XAttribute("fill", Shade(w)), new XAttribute("stroke", "#ffffff"), new XAttribute("stroke-width", 0.5),
                        new XElement(Svg + "title", $"{labels[t]} → {labels[s]}: {w.ToString("F3", CultureInfo.InvariantCulture)}"));
                }
                g.Add(rect);
            }
        }
        return g;
    }

    private static XElement Text(int x, int y, string text, string anchor) =>
        new(Svg + "text", new XAttribute("x", x), new XAttribute("y", y), new XAttribute("text-anchor", anchor), text);

    /// <summary>White at 0, dark blue (#08306b) at 1, linear in between.</summary>
    internal static string Shade(double w)
    {
        w = Math.Clamp(w, 0, 1);
        int r = (int)Math.Round(255 + (8 - 255) * w), gr = (int)Math.Round(255 + (48 - 255) * w), b = (int)Math.Round(255 + (107 - 255) * w);
        return $"#{r:x2}{gr:x2}{b:x2}";
    }
}
