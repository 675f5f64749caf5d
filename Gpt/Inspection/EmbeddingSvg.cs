using Scratch.Gpt.Plots;
using Scratch.Tensors;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// A scatter plot of 2-D points with a label at each, on <see cref="Chart"/>: the token embedding projected onto its
/// top two principal components (<see cref="Pca"/>), so tokens the model treats alike land close together. Axes with
/// round ticks, each named by its component and the share of the total variance it explains; each point is a
/// <c>circle class="point"</c> with <c>data-index</c> (the token id); a label goes beside its dot where it covers no
/// other dot or label, and is left out (the picture says how many) where the dots crowd.
/// </summary>
public static class EmbeddingSvg
{
    /// <summary>The SVG for <paramref name="points"/> (N, 2) labelled by <paramref name="labels"/> (N).</summary>
    /// <param name="points">The coordinates (N, 2).</param>
    /// <param name="labels">One label per point (N).</param>
    /// <param name="title">The line on top.</param>
    /// <param name="xName">What the x axis is (default "component 1").</param>
    /// <param name="yName">What the y axis is (default "component 2").</param>
    public static string Scatter(Tensor<double> points, IReadOnlyList<string> labels, string title, string xName = "component 1", string yName = "component 2")
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
        return new Chart(title, xName, yName) { Width = 760, Height = 600 }
            .Points(null, xs, ys, colour: "#2171b5", labels: labels)
            .ToSvg();
    }

    /// <summary>An axis name for principal component <paramref name="i"/> (from 0): "component 1 (11.8% of the total variance)".</summary>
    public static string AxisName(Pca pca, int i)
    {
        ArgumentNullException.ThrowIfNull(pca);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"component {i + 1} ({pca.ExplainedVarianceRatio[i]:0.0%} of the total variance)");
    }
}
