namespace Scratch.Gpt.Training;

/// <summary>
/// One parameter (or a group of them, see <see cref="TrainingStats.ByBlock"/>) on one training step: the lengths
/// of its weights, its gradient and the change the optimiser made.
/// <code>
/// ‖w‖ = √(Σ wᵢ²)   before the step          ‖g‖ = √(Σ gᵢ²)   before clipping
/// ‖Δw‖ = √(Σ (wᵢ′ − wᵢ)²)                    w′: the weights after the optimiser's step
/// update/data ratio = ‖Δw‖ / ‖w‖             how far one step moves the weights, relative to their size
/// </code>
/// </summary>
/// <param name="Name">The parameter's nanoGPT name (<c>transformer.h.0.attn.c_attn.weight</c>), or a group's prefix.</param>
/// <param name="Count">How many numbers it holds.</param>
/// <param name="WeightNorm">‖w‖ before the step.</param>
/// <param name="GradNorm">‖g‖, the gradient the backward pass left, before clipping.</param>
/// <param name="UpdateNorm">‖Δw‖, the change the step made (learning rate, Adam's scaling, weight decay and clipping included).</param>
public sealed record ParameterStats(string Name, long Count, double WeightNorm, double GradNorm, double UpdateNorm)
{
    /// <summary>‖Δw‖ / ‖w‖: about 10⁻³ per step is the rule of thumb of Karpathy's makemore lectures; far smaller
    /// learns slowly, far larger is unstable. ∞ for weights that are all zero.</summary>
    public double UpdateRatio => UpdateNorm / WeightNorm;

    /// <summary>Several parameters as one vector: counts add, and every norm is √(Σ norm²) over the parts.</summary>
    public static ParameterStats Combine(string name, IEnumerable<ParameterStats> parts)
    {
        long count = 0;
        double w2 = 0, g2 = 0, u2 = 0;
        foreach (var p in parts)
        {
            count += p.Count;
            w2 += p.WeightNorm * p.WeightNorm;
            g2 += p.GradNorm * p.GradNorm;
            u2 += p.UpdateNorm * p.UpdateNorm;
        }
        return new ParameterStats(name, count, Math.Sqrt(w2), Math.Sqrt(g2), Math.Sqrt(u2));
    }
}
