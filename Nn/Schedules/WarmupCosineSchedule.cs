namespace Scratch.Nn.Schedules;

/// <summary>
/// nanoGPT's <c>get_lr</c>: a linear warmup, a cosine decay, then a floor.
/// <code>
/// it &lt; W:            η(it) = η_max · (it + 1) / (W + 1)
/// it &gt; D:            η(it) = η_min
/// otherwise:          r = (it − W) / (D − W),  η(it) = η_min + ½(1 + cos(π·r)) · (η_max − η_min)
/// </code>
/// with W = warmup iterations and D = decay iterations.
/// </summary>
public sealed class WarmupCosineSchedule : ILearningRateSchedule
{
    /// <summary>A schedule that warms up over <paramref name="warmupIters"/> iterations and decays until <paramref name="lrDecayIters"/>.</summary>
    public WarmupCosineSchedule(double maxLearningRate, double minLearningRate, int warmupIters, int lrDecayIters)
    {
        if (warmupIters < 0 || lrDecayIters <= warmupIters)
        {
            throw new ArgumentException($"WarmupCosineSchedule: need 0 ≤ warmupIters < lrDecayIters, got warmupIters = {warmupIters}, lrDecayIters = {lrDecayIters}");
        }
        (MaxLearningRate, MinLearningRate, WarmupIters, LrDecayIters) = (maxLearningRate, minLearningRate, warmupIters, lrDecayIters);
    }

    /// <summary>η_max, reached at the end of the warmup.</summary>
    public double MaxLearningRate { get; }

    /// <summary>η_min, the floor after the decay.</summary>
    public double MinLearningRate { get; }

    /// <summary>W: iterations of linear warmup.</summary>
    public int WarmupIters { get; }

    /// <summary>D: the iteration at which the cosine reaches η_min.</summary>
    public int LrDecayIters { get; }

    /// <inheritdoc/>
    public double At(int iteration)
    {
        if (iteration < WarmupIters)
        {
            return MaxLearningRate * (iteration + 1) / (WarmupIters + 1);
        }
        if (iteration > LrDecayIters)
        {
            return MinLearningRate;
        }
        double decayRatio = (double)(iteration - WarmupIters) / (LrDecayIters - WarmupIters);
        double coeff = 0.5 * (1.0 + Math.Cos(Math.PI * decayRatio));
        return MinLearningRate + coeff * (MaxLearningRate - MinLearningRate);
    }
}
