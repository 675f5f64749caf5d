namespace Scratch.Gpt.Plots;

/// <summary>
/// Colours: ten distinct ones for series (matplotlib's "tab10"), and colour scales that map a number in
/// [0, 1] to a colour by linear interpolation between a few stops.
/// </summary>
public static class Colours
{
    /// <summary>matplotlib's tab10, the default cycle for series.</summary>
    public static readonly string[] Series =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>Viridis, approximated by five stops: dark purple (0) → blue → green → yellow (1). Reads in grey too.</summary>
    public static string Viridis(double t) => Interpolate(t, [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]);

    /// <summary>Blue (0) → white (0.5) → red (1): for values with a sign, or two classes.</summary>
    public static string BlueWhiteRed(double t) => Interpolate(t, [(59, 76, 192), (247, 247, 247), (180, 4, 38)]);

    /// <summary>White (0) → dark blue (1): for weights and probabilities.</summary>
    public static string WhiteBlue(double t) => Interpolate(t, [(255, 255, 255), (8, 48, 107)]);

    private static string Interpolate(double t, (int R, int G, int B)[] stops)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        double position = t * (stops.Length - 1);
        int i = Math.Min((int)position, stops.Length - 2);
        double f = position - i;
        int Mix(int a, int b) => (int)Math.Round(a + (b - a) * f);
        var (r0, g0, b0) = stops[i];
        var (r1, g1, b1) = stops[i + 1];
        return $"#{Mix(r0, r1):x2}{Mix(g0, g1):x2}{Mix(b0, b1):x2}";
    }
}
