using System.Numerics;

namespace Scratch.Autograd.Composites;

/// <summary>
/// The fused ops written as compositions of primitive ops (add, mul, mean, pow, exp, softmax, matmul, …), as
/// tinygrad writes them: every line is an op with a one-line derivative, so the gradient comes for free from
/// the engine, with nothing derived by hand. Slower and hungrier than the fused ops (every line keeps a tensor
/// for the backward), but the first thing to read, and what the hand-derived references are tested against.
/// </summary>
public static partial class Composite
{
    /// <summary>
    /// Layer norm over the last dimension (<see cref="Var{T}.LayerNorm"/>), from primitive ops:
    /// μ = mean(x), xc = x − μ, σ² = mean(xc²), rstd = (σ² + ε)^−½, y = xc · rstd · w + b.
    /// </summary>
    /// <param name="x">The input, (…, C).</param>
    /// <param name="weight">w, (C).</param>
    /// <param name="bias">b, (C), or null.</param>
    /// <param name="eps">ε, added to the variance.</param>
    /// <returns>y, the shape of <paramref name="x"/>.</returns>
    public static Var<T> LayerNorm<T>(Var<T> x, Var<T> weight, Var<T>? bias, double eps = 1e-5)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        var mu = x.Mean(-1, keepDim: true);                              // (…, 1)
        var xc = x - mu;                                                 // (…, C)
        var variance = (xc * xc).Mean(-1, keepDim: true);                // (…, 1), biased
        var rstd = (variance + T.CreateChecked(eps)).Pow(T.CreateChecked(-0.5)); // (…, 1)
        var y = xc * rstd * weight;                                      // (…, C), w broadcast over the rows
        return bias is null ? y : y + bias;
    }
}
