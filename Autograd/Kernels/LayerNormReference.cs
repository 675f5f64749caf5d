using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd.Kernels;

/// <summary>
/// Layer norm by hand, forward and backward, one line per formula, the way llm.c's <c>layernorm_forward</c> and
/// <c>layernorm_backward</c> read. The rules are derived on <see cref="Var{T}.LayerNorm"/>; <see cref="LayerNormFast"/>
/// computes the same numbers (tested), faster. Dimensions: N rows, C channels, n a row, i a channel.
/// <code>
/// x, y, dy, dx (N, C), contiguous      w, b, dw, db (C)      mean, rstd (N)
/// </code>
/// </summary>
public static class LayerNormReference
{
    /// <summary>y = (x − μ) · rstd · w + b per row, and the μ and rstd of each row for the backward.</summary>
    public static (Tensor<T> Y, T[] Mean, T[] Rstd) Forward<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? b, T eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int N = x.Size(0), C = x.Size(1);
        ReadOnlySpan<T> xs = x.AsSpan(), ws = w.AsSpan(), bs = b is null ? default : b.AsSpan();
        var y = Tensor<T>.Zeros(N, C);
        Span<T> ys = y.AsSpan();
        T[] mean = new T[N], rstd = new T[N];
        for (int n = 0; n < N; n++)
        {
            ReadOnlySpan<T> xn = xs.Slice(n * C, C);
            T m = T.Zero;
            for (int i = 0; i < C; i++) m += xn[i];
            m /= T.CreateChecked(C);                             // μ = (1/C) Σᵢ xᵢ
            T v = T.Zero;
            for (int i = 0; i < C; i++) v += (xn[i] - m) * (xn[i] - m);
            v /= T.CreateChecked(C);                             // σ² = (1/C) Σᵢ (xᵢ − μ)², biased
            T s = T.One / T.Sqrt(v + eps);                       // rstd = 1/√(σ² + ε)
            for (int i = 0; i < C; i++)
            {
                T xhat = (xn[i] - m) * s;                        // x̂ᵢ = (xᵢ − μ) · rstd
                ys[n * C + i] = xhat * ws[i] + (b is null ? T.Zero : bs[i]); // yᵢ = x̂ᵢ · wᵢ + bᵢ
            }
            (mean[n], rstd[n]) = (m, s);                         // kept for the backward
        }
        return (y, mean, rstd);
    }

    /// <summary>dx, dw and db from dy, with the μ and rstd the forward kept.</summary>
    public static (Tensor<T> Dx, Tensor<T> Dw, Tensor<T> Db) Backward<T>(Tensor<T> dy, Tensor<T> x, Tensor<T> w, T[] mean, T[] rstd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int N = x.Size(0), C = x.Size(1);
        ReadOnlySpan<T> dys = dy.AsSpan(), xs = x.AsSpan(), ws = w.AsSpan();
        var (dx, dw, db) = (Tensor<T>.Zeros(N, C), Tensor<T>.Zeros(C), Tensor<T>.Zeros(C));
        Span<T> dxs = dx.AsSpan(), dws = dw.AsSpan(), dbs = db.AsSpan();
        for (int n = 0; n < N; n++)
        {
            T m = mean[n], s = rstd[n];
            // the two means over the row that every dxᵢ needs: mean(dx̂) and mean(dx̂ ⊙ x̂), with dx̂ᵢ = dyᵢ · wᵢ
            T dnormMean = T.Zero, dnormNormMean = T.Zero;
            for (int i = 0; i < C; i++)
            {
                T xhat = (xs[n * C + i] - m) * s;
                T dnorm = dys[n * C + i] * ws[i];                // forward: yᵢ = x̂ᵢ · wᵢ + bᵢ, so dx̂ᵢ = dyᵢ · wᵢ
                dnormMean += dnorm / T.CreateChecked(C);
                dnormNormMean += dnorm * xhat / T.CreateChecked(C);
            }
            for (int i = 0; i < C; i++)
            {
                T xhat = (xs[n * C + i] - m) * s;
                T dnorm = dys[n * C + i] * ws[i];
                dbs[i] += dys[n * C + i];                        // forward: + bᵢ, so dbᵢ = Σ_rows dyᵢ
                dws[i] += dys[n * C + i] * xhat;                 // forward: x̂ᵢ · wᵢ, so dwᵢ = Σ_rows dyᵢ · x̂ᵢ
                dxs[n * C + i] = s * (dnorm - dnormMean - xhat * dnormNormMean); // through x̂, μ and rstd
            }
        }
        return (dx, dw, db);
    }
}
