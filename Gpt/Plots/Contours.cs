namespace Scratch.Gpt.Plots;

/// <summary>
/// Contour lines by marching squares. The grid holds f at points (xᵢ, yⱼ); in each cell of four
/// neighbouring points, an edge whose two ends lie on opposite sides of the level is crossed by the
/// contour, at the point found by linear interpolation t = (level − f₀) / (f₁ − f₀). Joining the crossings
/// of each cell (two or four of them) gives short segments that together trace the curve f = level.
/// </summary>
public static class Contours
{
    /// <summary>The segments of the curve f = <paramref name="level"/>, in data coordinates.</summary>
    /// <param name="values">f on a grid: values[j, i] at x = xs[i], y = ys[j].</param>
    /// <param name="xs">The grid's x coordinates (increasing).</param>
    /// <param name="ys">The grid's y coordinates (increasing).</param>
    /// <param name="level">The value the curve follows.</param>
    public static List<(double X0, double Y0, double X1, double Y1)> Segments(double[,] values, double[] xs, double[] ys, double level)
    {
        var segments = new List<(double, double, double, double)>();
        for (int j = 0; j + 1 < ys.Length; j++)
        {
            for (int i = 0; i + 1 < xs.Length; i++)
            {
                // The cell's corners counter-clockwise from bottom-left, and where each edge is crossed.
                (double X, double Y, double F)[] c =
                [
                    (xs[i], ys[j], values[j, i]), (xs[i + 1], ys[j], values[j, i + 1]),
                    (xs[i + 1], ys[j + 1], values[j + 1, i + 1]), (xs[i], ys[j + 1], values[j + 1, i]),
                ];
                var crossings = new List<(double X, double Y)>();
                for (int e = 0; e < 4; e++)
                {
                    var (a, b) = (c[e], c[(e + 1) % 4]);
                    if ((a.F < level) != (b.F < level) && double.IsFinite(a.F) && double.IsFinite(b.F))
                    {
                        double t = (level - a.F) / (b.F - a.F);
                        crossings.Add((a.X + t * (b.X - a.X), a.Y + t * (b.Y - a.Y)));
                    }
                }
                for (int k = 0; k + 1 < crossings.Count; k += 2) // two crossings: one segment; four (a saddle): two
                {
                    segments.Add((crossings[k].X, crossings[k].Y, crossings[k + 1].X, crossings[k + 1].Y));
                }
            }
        }
        return segments;
    }
}
