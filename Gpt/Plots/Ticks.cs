namespace Scratch.Gpt.Plots;

/// <summary>
/// Round tick values for an axis. On a linear axis the step is 1, 2 or 5 times a power of ten, chosen so
/// that about <c>target</c> ticks cover [lo, hi], and the axis is widened to whole steps: [0.13, 0.87]
/// gets ticks 0, 0.2, 0.4, 0.6, 0.8, 1. On a log axis the ticks are the powers of ten in the range (and 2
/// and 5 times them when the range spans fewer than three decades).
/// </summary>
public static class Ticks
{
    /// <summary>Round ticks covering [lo, hi] on a linear axis; the first and last are the axis ends.</summary>
    public static double[] Linear(double lo, double hi, int target = 5)
    {
        if (!(hi > lo))
        {
            (lo, hi) = (lo - (lo == 0 ? 1 : Math.Abs(lo) * 0.1), hi + (hi == 0 ? 1 : Math.Abs(hi) * 0.1));
        }
        double step = NiceStep((hi - lo) / target);
        double first = Math.Floor(lo / step + 1e-9) * step, last = Math.Ceiling(hi / step - 1e-9) * step;
        int n = (int)Math.Round((last - first) / step);
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step)), 0, 15); // a step of 0.2 has 1 decimal
        var ticks = new double[n + 1];
        for (int i = 0; i <= n; i++)
        {
            double t = Math.Round(first + i * step, decimals); // 0.6, not 0.6000000000000001
            ticks[i] = t == 0 ? 0 : t;                         // and 0, not -0
        }
        return ticks;
    }

    /// <summary>1, 2 or 5 × 10^k, the smallest such number ≥ <paramref name="raw"/>.</summary>
    public static double NiceStep(double raw)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double mantissa = raw / power;
        double nice = mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10;
        return nice * power;
    }

    /// <summary>Ticks for a log axis over [lo, hi] (both &gt; 0): whole decades, the axis widened to them.</summary>
    public static double[] Log(double lo, double hi)
    {
        if (!(lo > 0) || !(hi > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(lo), $"log axis: the range [{lo}, {hi}] must be positive");
        }
        int first = (int)Math.Floor(Math.Log10(lo) + 1e-9), last = (int)Math.Ceiling(Math.Log10(hi) - 1e-9);
        if (last <= first)
        {
            last = first + 1;
        }
        var ticks = new List<double>();
        for (int e = first; e <= last; e++)
        {
            ticks.Add(Math.Pow(10, e));
            if (last - first < 3 && e < last)
            {
                ticks.Add(2 * Math.Pow(10, e));
                ticks.Add(5 * Math.Pow(10, e));
            }
        }
        return [.. ticks];
    }
}
