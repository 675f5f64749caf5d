using Scratch.Gpt.Plots;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// Draws attention maps as SVG, on <see cref="MatrixChart"/>. For each head a T×T grid: row t is the query position,
/// column s the key position, both named by the prompt's tokens. An allowed cell (s ≤ t) is a <c>rect class="cell"</c>
/// shaded from white (weight 0) to dark blue (weight 1), with the weight written in it (when it fits), in
/// <c>data-weight</c> and in a tooltip; a future cell (s &gt; t), which the causal mask hides, is a light grey
/// <c>rect class="masked" data-masked="true"</c>. A colour bar gives the scale. One head, or every head of the layer
/// in a grid of up to four columns (each panel an &lt;svg class="head" data-layer data-head&gt;).
/// </summary>
public static class AttentionSvg
{
    /// <summary>The rows' and columns' names, written beside every panel.</summary>
    public const string QueryName = "query: the position that looks", KeyName = "key: the position it looks at";

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
        int columns = Math.Min(heads.Length, 4);
        var panels = heads.Select((hh, i) => Panel(maps, labels, layer, hh, colourBar: i % columns == columns - 1 || i == heads.Length - 1)).ToList();
        return Figure.Grid(panels, columns);
    }

    /// <summary>One head's map: weight[t, s] for s ≤ t, NaN (masked) for s &gt; t.</summary>
    private static string Panel(AttentionMaps maps, IReadOnlyList<string> labels, int layer, int head, bool colourBar)
    {
        int T = maps.Length;
        var weights = new double[T, T]; // (T, T): query t, key s
        for (int t = 0; t < T; t++)
        {
            for (int s = 0; s < T; s++)
            {
                weights[t, s] = s <= t ? maps.Weight(layer, head, t, s) : double.NaN;
            }
        }
        return new MatrixChart($"layer {layer}, head {head}", weights, labels, labels, QueryName, KeyName)
        {
            Lo = 0,
            Hi = 1,
            Scale = Colours.WhiteBlue,
            ColourBarLabel = colourBar ? "attention weight" : null,
            CellAttributes = ("query", "key", "weight"),
            RootAttributes = new Dictionary<string, string> { ["class"] = "head", ["data-layer"] = $"{layer}", ["data-head"] = $"{head}" },
        }.ToSvg();
    }
}
