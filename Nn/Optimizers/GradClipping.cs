using System.Numerics;
using System.Runtime.InteropServices;
using Scratch.Autograd;
using Scratch.Tensors.Kernels;

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
        var squares = new double[grads.Count]; // ‖g_p‖² for each p, on all cores; then added in order, as one after another
        // Stryker disable once Linq : the work per gradient only decides whether the sums run on one core or several; each is the same (OptimizerParallelStepTests)
        long elements = grads.Sum(g => (long)g.Count);
        // Stryker disable once Arithmetic : the same
        Chunked.For(grads.Count, elements / Math.Max(1, grads.Count), (first, count) =>
        {
            for (int i = first; i < first + count; i++)
            {
                squares[i] = SumOfSquares<T>(grads[i].AsSpan());
            }
        });
        double sumOfSquares = 0;
        foreach (double square in squares)
        {
            sumOfSquares += square;
        }
        double totalNorm = Math.Sqrt(sumOfSquares);
        double clipCoefficient = Math.Min(1.0, maxNorm / (totalNorm + 1e-6));
        // Stryker disable once Equality : at a coefficient of exactly 1 the scaling multiplies every gradient by 1, which changes none
        if (clipCoefficient < 1.0)
        {
            T scale = T.CreateChecked(clipCoefficient);
            foreach (var g in grads)
            {
                var span = g.AsSpan();
                int j = 0;
                // Stryker disable once Boolean : g·scale is one exactly rounded product in a lane or alone: skipping the SIMD loop changes no number
                if (Vector.IsHardwareAccelerated)
                {
                    // Stryker disable once Equality : where the scalar tail starts changes no number (see above)
                    for (var vScale = new Vector<T>(scale); j <= span.Length - Vector<T>.Count; j += Vector<T>.Count)
                    {
                        (new Vector<T>(span[j..]) * vScale).CopyTo(span[j..]);
                    }
                }
                for (; j < span.Length; j++)
                {
                    span[j] *= scale;
                }
            }
        }
        return totalNorm;
    }

    /// <summary>
    /// Σ xⱼ², added in double. For float the SIMD loop widens each Vector&lt;float&gt; into two Vector&lt;double&gt;
    /// and keeps one running sum per lane, so the terms are the same and only the order of the additions differs.
    /// </summary>
    private static double SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        int j = 0;
        if (typeof(T) == typeof(float) && Vector.IsHardwareAccelerated)
        {
            ReadOnlySpan<float> xf = MemoryMarshal.Cast<T, float>(x);
            var lanes = Vector<double>.Zero;
            // Stryker disable once Equality : which squares the SIMD lanes add and which the scalar tail adds: the same terms in double, in another order (rounding only; SimdOptimizerKernelTests holds the norm to 1e-12)
            for (; j <= xf.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(xf[j..]), out var low, out var high);
                lanes += low * low + high * high;
            }
            sum = Vector.Sum(lanes);
        }
        for (; j < x.Length; j++)
        {
            double d = double.CreateChecked(x[j]);
            sum += d * d;
        }
        return sum;
    }
}
