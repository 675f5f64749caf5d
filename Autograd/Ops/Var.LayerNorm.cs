using System.Numerics;
using System.Runtime.CompilerServices;
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
                    T m = Sum(row) * invC; // μ
                    T variance = SumOfSquaredDeviations(row, m) * invC; // σ², biased (divided by C, not C − 1)
                    T s = T.One / T.Sqrt(variance + epsT); // rstd
                    NormalizeRow(row, m, s, w, b, yrow); // yᵢ = (xᵢ − μ) · rstd · wᵢ + bᵢ
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
                    var (dnormSum, dnormNormSum) = SumsOfDNorm(row, dyrow, w, m, s);
                    BackwardRow(row, dyrow, w, m, s, dnormSum * invC, dnormNormSum * invC, dxrow, dw, db);
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
            x.AccumulateGrad(dinp);
            weight.AccumulateGrad(dweight);
            bias?.AccumulateGrad(dbias);
        });
    }

    // The row loops of layer norm, a Vector<T> of channels at a time and then one channel at a time for the
    // rest (C need not be a multiple of the vector width). i is a channel. They are called once per row, and
    // AggressiveOptimization compiles them fully at once: through the JIT's usual tiers these small, hot
    // loops ran at a third of their speed for the first few hundred layer norms.

    /// <summary>Σᵢ xᵢ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Sum(ReadOnlySpan<T> x)
    {
        var acc = Vector<T>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            acc += new Vector<T>(x[i..]);
        }
        T sum = Vector.Sum(acc);
        for (; i < x.Length; i++)
        {
            sum += x[i];
        }
        return sum;
    }

    /// <summary>Σᵢ (xᵢ − μ)².</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T SumOfSquaredDeviations(ReadOnlySpan<T> x, T m)
    {
        var vm = new Vector<T>(m);
        var acc = Vector<T>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var centred = new Vector<T>(x[i..]) - vm;
            acc += centred * centred;
        }
        T sum = Vector.Sum(acc);
        for (; i < x.Length; i++)
        {
            T centred = x[i] - m;
            sum += centred * centred;
        }
        return sum;
    }

    /// <summary>yᵢ = x̂ᵢ · wᵢ + bᵢ with x̂ᵢ = (xᵢ − μ) · rstd; no bᵢ when <paramref name="b"/> is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormalizeRow(ReadOnlySpan<T> x, T m, T rstd, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y)
    {
        bool hasBias = !b.IsEmpty;
        var vm = new Vector<T>(m);
        var vs = new Vector<T>(rstd);
        int i = 0;
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var norm = (new Vector<T>(x[i..]) - vm) * vs;
            var yi = norm * new Vector<T>(w[i..]);
            (hasBias ? yi + new Vector<T>(b[i..]) : yi).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++)
        {
            T norm = (x[i] - m) * rstd;
            y[i] = hasBias ? norm * w[i] + b[i] : norm * w[i];
        }
    }

    /// <summary>(Σᵢ dx̂ᵢ, Σᵢ dx̂ᵢ · x̂ᵢ) over a row, with dx̂ᵢ = dyᵢ · wᵢ and x̂ᵢ = (xᵢ − μ) · rstd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (T DNorm, T DNormNorm) SumsOfDNorm(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> w, T m, T rstd)
    {
        var vm = new Vector<T>(m);
        var vs = new Vector<T>(rstd);
        Vector<T> accD = Vector<T>.Zero, accDN = Vector<T>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var norm = (new Vector<T>(x[i..]) - vm) * vs;
            var dnorm = new Vector<T>(dy[i..]) * new Vector<T>(w[i..]);
            accD += dnorm;
            accDN += dnorm * norm;
        }
        T sumD = Vector.Sum(accD), sumDN = Vector.Sum(accDN);
        for (; i < x.Length; i++)
        {
            T norm = (x[i] - m) * rstd;
            T dnorm = dy[i] * w[i];
            sumD += dnorm;
            sumDN += dnorm * norm;
        }
        return (sumD, sumDN);
    }

    /// <summary>
    /// One row of the backward: dbᵢ += dyᵢ, dwᵢ += dyᵢ · x̂ᵢ, and
    /// dxᵢ = rstd · (dx̂ᵢ − mean(dx̂) − x̂ᵢ · mean(dx̂ ⊙ x̂)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRow(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> w, T m, T rstd,
        T dnormMean, T dnormNormMean, Span<T> dx, Span<T> dw, Span<T> db)
    {
        var vm = new Vector<T>(m);
        var vs = new Vector<T>(rstd);
        var vMean = new Vector<T>(dnormMean);
        var vNormMean = new Vector<T>(dnormNormMean);
        int i = 0;
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var norm = (new Vector<T>(x[i..]) - vm) * vs; // forward: x̂ᵢ = (xᵢ − μ) · rstd
            var dyi = new Vector<T>(dy[i..]);
            var dnorm = dyi * new Vector<T>(w[i..]); // forward: yᵢ = x̂ᵢ · wᵢ + bᵢ, so dx̂ᵢ = dyᵢ · wᵢ
            (new Vector<T>(db[i..]) + dyi).CopyTo(db[i..]); // forward: + bᵢ, so dbᵢ = Σ dyᵢ
            (new Vector<T>(dw[i..]) + dyi * norm).CopyTo(dw[i..]); // forward: x̂ᵢ · wᵢ, so dwᵢ = Σ dyᵢ · x̂ᵢ
            (vs * (dnorm - vMean - norm * vNormMean)).CopyTo(dx[i..]); // through x̂, μ and rstd
        }
        for (; i < x.Length; i++)
        {
            T norm = (x[i] - m) * rstd;
            T dnorm = dy[i] * w[i];
            db[i] += dy[i];
            dw[i] += dy[i] * norm;
            dx[i] = rstd * (dnorm - dnormMean - norm * dnormNormMean);
        }
    }
}
