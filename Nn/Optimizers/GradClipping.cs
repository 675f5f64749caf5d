using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Optimizers;

/// <summary>Gradient clipping by global norm, as <c>torch.nn.utils.clip_grad_norm_</c>.</summary>
public static class GradClipping
{
    /// <summary>
    /// Treats all gradients as one long vector g and caps its length:
    /// <code>
    /// ‖g‖ = √(Σ_p ‖g_p‖²)
    /// g_p ← g_p · min(1, maxNorm / (‖g‖ + 10⁻⁶))
    /// </code>
    /// The direction is kept; only an exploding step is shortened. Parameters without a gradient are
    /// skipped. Returns ‖g‖ before clipping (worth logging: spikes show instability).
    /// </summary>
    public static double ClipGradNorm<T>(IEnumerable<Var<T>> parameters, double maxNorm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(maxNorm >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"clip_grad_norm: max norm = {maxNorm} must be ≥ 0");
        }
        var grads = parameters.Where(p => p.Grad is not null).Select(p => p.Grad!).ToList();
        double sumOfSquares = 0;
        foreach (var g in grads)
        {
            foreach (var x in g.AsSpan())
            {
                double d = double.CreateChecked(x);
                sumOfSquares += d * d;
            }
        }
        double totalNorm = Math.Sqrt(sumOfSquares);
        double clipCoefficient = Math.Min(1.0, maxNorm / (totalNorm + 1e-6));
        if (clipCoefficient < 1.0)
        {
            T scale = T.CreateChecked(clipCoefficient);
            foreach (var g in grads)
            {
                var span = g.AsSpan();
                for (int j = 0; j < span.Length; j++)
                {
                    span[j] *= scale;
                }
            }
        }
        return totalNorm;
    }
}
