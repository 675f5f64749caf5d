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
            T invC = T.One / T.CreateChecked(C), epsT = T.CreateChecked(eps);
            T[] xStore = xc.Storage, yStore = result.Storage, wStore = wc.Storage;
            T[]? bStore = bc?.Storage;
            int xOffset = xc.Offset, wOffset = wc.Offset, bOffset = bc?.Offset ?? 0;
            ForRowChunks(N, C, (first, count) =>
            {
                ReadOnlySpan<T> xs = xStore.AsSpan(xOffset, N * C), w = wStore.AsSpan(wOffset, C), b = bStore is null ? default : bStore.AsSpan(bOffset, C);
                Span<T> ys = yStore.AsSpan(0, N * C);
                for (int n = first; n < first + count; n++)
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
                        yrow[i] = bStore is null ? norm * w[i] : norm * w[i] + b[i];
                    }
                    mean[n] = m;
                    rstd[n] = s;
                }
            });
        }

        Var<T>[] parents = bias is null ? [x, weight] : [x, weight, bias];
        return Record("layer_norm", result, parents, dout =>
        {
            var dinp = Tensor<T>.Zeros(x.Shape); // (…, C)
            var dweight = Tensor<T>.Zeros(C); // (C)
            var dbias = Tensor<T>.Zeros(C); // (C)
            var dyc = dout.Contiguous();
            T[] dyStore = dyc.Storage, xStore = xc.Storage, wStore = wc.Storage, dxStore = dinp.Storage;
            int dyOffset = dyc.Offset, xOffset = xc.Offset, wOffset = wc.Offset;
            T invC = T.One / T.CreateChecked(C);
            // Rows split into a fixed number of chunks (the same on every machine); each chunk sums its own
            // dw and db, and the chunks' sums are added in order afterwards.
            int chunks = (long)N * C < 1 << 14 ? 1 : Math.Min(N, 8), size = (N + chunks - 1) / Math.Max(chunks, 1);
            var partial = new T[chunks, 2 * C];
            Action<int> chunk = c =>
            {
                ReadOnlySpan<T> dy = dyStore.AsSpan(dyOffset, N * C), xs = xStore.AsSpan(xOffset, N * C), w = wStore.AsSpan(wOffset, C);
                Span<T> dx = dxStore.AsSpan(0, N * C);
                Span<T> dw = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref partial[c, 0], C);
                Span<T> db = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref partial[c, C], C);
                for (int n = c * size; n < Math.Min(N, (c + 1) * size); n++)
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
            };
            if (chunks > 1 && Environment.ProcessorCount > 1)
            {
                Parallel.For(0, chunks, chunk);
            }
            else
            {
                for (int c = 0; c < chunks; c++)
                {
                    chunk(c);
                }
            }
            Span<T> dwSum = dweight.AsSpan(), dbSum = dbias.AsSpan();
            for (int c = 0; c < chunks; c++)
            {
                for (int i = 0; i < C; i++)
                {
                    dwSum[i] += partial[c, i];
                    dbSum[i] += partial[c, C + i];
                }
            }
            x.AccumulateOwnedGrad(dinp);
            weight.AccumulateOwnedGrad(dweight);
            bias?.AccumulateOwnedGrad(dbias);
        });
    }
}
