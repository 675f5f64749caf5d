using Scratch.Tensors;

namespace Scratch.Autograd;

// Layer normalisation over the last dimension, with the backward of llm.c's layernorm_backward.
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
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Value.Rank == 0 || x.Value.Size(-1) == 0)
        {
            throw new ArgumentException($"layer_norm: input must be (…, C) with C ≥ 1, got {Shapes.Format(x.Shape)}");
        }
        int C = x.Value.Size(-1);
        int N = x.Value.Count / C;
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

        var xc = x.Value.Contiguous().View(N, C); // (N, C), a view when x is contiguous
        var wc = weight.Value.Contiguous(); // (C)
        var bc = bias?.Value.Contiguous(); // (C)
        var mean = new T[N]; // μ of each row, kept for the backward
        var rstd = new T[N]; // 1/√(σ² + ε) of each row, kept for the backward
        var result = Tensor<T>.Zeros(x.Shape); // (…, C)
        {
            ReadOnlySpan<T> xs = xc.AsSpan(), w = wc.AsSpan(), b = bc is null ? default : bc.AsSpan();
            Span<T> ys = result.AsSpan();
            T invC = T.One / T.CreateChecked(C), epsT = T.CreateChecked(eps);
            for (int n = 0; n < N; n++)
            {
                ReadOnlySpan<T> row = xs.Slice(n * C, C);
                Span<T> yrow = ys.Slice(n * C, C);
                T m = T.Zero;
                for (int i = 0; i < C; i++)
                {
                    m += row[i];
                }
                m *= invC; // μ
                T variance = T.Zero;
                for (int i = 0; i < C; i++)
                {
                    T centred = row[i] - m;
                    variance += centred * centred;
                }
                variance *= invC; // σ², biased (divided by C, not C − 1)
                T s = T.One / T.Sqrt(variance + epsT); // rstd
                for (int i = 0; i < C; i++)
                {
                    T norm = (row[i] - m) * s; // x̂ᵢ
                    yrow[i] = bc is null ? norm * w[i] : norm * w[i] + b[i];
                }
                mean[n] = m;
                rstd[n] = s;
            }
        }

        Var<T>[] parents = bias is null ? [x, weight] : [x, weight, bias];
        return Record("layer_norm", result, parents, dout =>
        {
            var dinp = Tensor<T>.Zeros(x.Shape); // (…, C)
            var dweight = Tensor<T>.Zeros(C); // (C)
            var dbias = Tensor<T>.Zeros(C); // (C)
            ReadOnlySpan<T> dy = dout.Contiguous().AsSpan(), xs = xc.AsSpan(), w = wc.AsSpan();
            Span<T> dx = dinp.AsSpan(), dw = dweight.AsSpan(), db = dbias.AsSpan();
            T invC = T.One / T.CreateChecked(C);
            for (int n = 0; n < N; n++)
            {
                ReadOnlySpan<T> row = xs.Slice(n * C, C), dyrow = dy.Slice(n * C, C);
                Span<T> dxrow = dx.Slice(n * C, C);
                T m = mean[n], s = rstd[n];
                // two reductions over the row: mean(dx̂) and mean(dx̂ ⊙ x̂), with dx̂ = dy · w
                T dnormMean = T.Zero, dnormNormMean = T.Zero;
                for (int i = 0; i < C; i++)
                {
                    T norm = (row[i] - m) * s; // forward: x̂ᵢ = (xᵢ − μ) · rstd
                    T dnorm = dyrow[i] * w[i]; // forward: yᵢ = x̂ᵢ · wᵢ + bᵢ, so dx̂ᵢ = dyᵢ · wᵢ
                    dnormMean += dnorm;
                    dnormNormMean += dnorm * norm;
                }
                dnormMean *= invC;
                dnormNormMean *= invC;
                for (int i = 0; i < C; i++)
                {
                    T norm = (row[i] - m) * s;
                    T dnorm = dyrow[i] * w[i];
                    db[i] += dyrow[i]; // forward: + bᵢ, so dbᵢ = Σ dyᵢ
                    dw[i] += dyrow[i] * norm; // forward: x̂ᵢ · wᵢ, so dwᵢ = Σ dyᵢ · x̂ᵢ
                    dxrow[i] = s * (dnorm - dnormMean - norm * dnormNormMean); // through x̂, μ and rstd
                }
            }
            x.AccumulateGrad(dinp);
            weight.AccumulateGrad(dweight);
            bias?.AccumulateGrad(dbias);
        });
    }
}
