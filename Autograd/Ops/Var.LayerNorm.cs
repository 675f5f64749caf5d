using Scratch.Autograd.Kernels;
using Scratch.Tensors;

namespace Scratch.Autograd;

// Layer normalisation over the last dimension. Three versions compute it, each tested equal to the next:
// Composite.LayerNorm (Composites/), made of primitive ops, whose gradient comes for free; LayerNormReference
// (Kernels/), the backward derived by hand in plain loops; and LayerNormFast (Kernels/), the same numbers with
// SIMD rows on all cores, which this op runs.
//
// Dimensions: N rows (every leading dimension flattened, e.g. B·T), C channels (the last dimension).
//   x (…, C) viewed as (N, C)      weight w (C)      bias b (C)      y (…, C)      mean μ, rstd (N)
public sealed partial class Var<T>
{
    /// <summary>
    /// Layer normalisation (<c>F.layer_norm</c> over the last dimension), per row of C numbers:
    /// <code>
    /// μ = (1/C) Σᵢ xᵢ      σ² = (1/C) Σᵢ (xᵢ − μ)²  (biased)      rstd = 1/√(σ² + ε)
    /// x̂ᵢ = (xᵢ − μ) · rstd      yᵢ = x̂ᵢ · wᵢ + bᵢ
    /// </code>
    /// Backward, with dx̂ᵢ = dyᵢ · wᵢ and means over the C entries of the row:
    /// <code>
    /// ∂L/∂xᵢ = rstd · (dx̂ᵢ − mean(dx̂) − x̂ᵢ · mean(dx̂ ⊙ x̂))
    /// ∂L/∂wᵢ = Σ_rows dyᵢ · x̂ᵢ      ∂L/∂bᵢ = Σ_rows dyᵢ
    /// </code>
    /// The first line is the chain rule through μ and rstd, which depend on every xⱼ of the row:
    /// ∂x̂ᵢ/∂xⱼ = rstd · ([i = j] − 1/C − x̂ᵢ·x̂ⱼ/C), then summed against dx̂ⱼ.
    /// The forward keeps μ and rstd of every row so the backward need not recompute them.
    /// </summary>
    /// <param name="x">The input, (…, C), with at least one dimension and C ≥ 1.</param>
    /// <param name="weight">The per-channel gain w, (C).</param>
    /// <param name="bias">The per-channel shift b, (C), or null for none.</param>
    /// <param name="eps">ε, added to the variance so a constant row does not divide by zero.</param>
    /// <returns>y, the shape of <paramref name="x"/>.</returns>
    public static Var<T> LayerNorm(Var<T> x, Var<T> weight, Var<T>? bias, double eps = 1e-5)
    {
        CheckLayerNorm(x, weight, bias, eps);
        int C = x.Value.Size(-1), N = x.Value.Count / C;
        var xc = x.Value.Contiguous().View(N, C); // (N, C), a view when x is contiguous
        var (wc, bc) = (weight.Value.Contiguous(), bias?.Value.Contiguous()); // (C), (C)
        var (y, mean, rstd) = LayerNormFast.Forward(xc, wc, bc, T.CreateChecked(eps)); // (N, C), (N), (N)

        Var<T>[] parents = bias is null ? [x, weight] : [x, weight, bias];
        return Record("layer_norm", y.View(x.Shape), parents, dout =>
        {
            var (dx, dw, db) = LayerNormFast.Backward(dout.Contiguous().View(N, C), xc, wc, mean, rstd); // (N, C), (C), (C)
            x.AccumulateGrad(dx.View(x.Shape));
            weight.AccumulateGrad(dw);
            bias?.AccumulateGrad(db);
        });
    }

    /// <summary>x must be (…, C) with C ≥ 1, weight and bias (C), eps finite and ≥ 0; each error names the shapes.</summary>
    private static void CheckLayerNorm(Var<T> x, Var<T> weight, Var<T>? bias, double eps)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Value.Rank == 0 || x.Value.Size(-1) == 0)
        {
            throw new ArgumentException($"layer_norm: input must be (…, C) with C ≥ 1, got {Shapes.Format(x.Shape)}");
        }
        int C = x.Value.Size(-1);
        if (!Shapes.Equal(weight.Shape, [C]))
        {
            throw new ArgumentException($"layer_norm: weight of shape {Shapes.Format(weight.Shape)} does not match input {Shapes.Format(x.Shape)}; expected [{C}]");
        }
        if (bias is not null && !Shapes.Equal(bias.Shape, [C]))
        {
            throw new ArgumentException($"layer_norm: bias of shape {Shapes.Format(bias.Shape)} does not match input {Shapes.Format(x.Shape)}; expected [{C}]");
        }
        if (!(eps >= 0) || double.IsInfinity(eps))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), $"layer_norm: eps must be finite and ≥ 0, got {eps}");
        }
    }
}
