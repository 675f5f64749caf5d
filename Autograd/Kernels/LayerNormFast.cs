using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Autograd.Kernels;

/// <summary>
/// Layer norm, fast: the numbers of <see cref="LayerNormReference"/> (tested equal), with every row loop a
/// <see cref="Vector{T}"/> of channels at a time and the rows split over the cores. Same arguments and shapes:
/// x, y, dy, dx (N, C) contiguous, w, b, dw, db (C), mean and rstd (N).
/// </summary>
public static class LayerNormFast
{
    /// <summary>
    /// dw and db are sums over rows. Each block of this many rows sums its own, and the blocks' sums are added in
    /// order, so the result does not depend on how many cores split the rows.
    /// </summary>
    private const int RowsPerBlock = 32;

    /// <summary>y = (x − μ) · rstd · w + b per row, and the μ and rstd of each row for the backward.</summary>
    public static (Tensor<T> Y, T[] Mean, T[] Rstd) Forward<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? b, T eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x, w, b);
        int N = x.Size(0), C = x.Size(1);
        var y = Tensor<T>.Empty(N, C); // every row is written below
        T[] mean = new T[N], rstd = new T[N];
        T invC = T.One / T.CreateChecked(C);
        T[] xStore = x.Storage, yStore = y.Storage, wStore = w.Storage;
        T[]? bStore = b?.Storage;
        int xOffset = x.Offset, wOffset = w.Offset, bOffset = b?.Offset ?? 0;
        Chunked.For(N, C, (first, count) =>
        {
            ReadOnlySpan<T> ws = wStore.AsSpan(wOffset, C), bs = bStore is null ? default : bStore.AsSpan(bOffset, C);
            for (int n = first; n < first + count; n++)
            {
                ReadOnlySpan<T> xn = xStore.AsSpan(xOffset + n * C, C);
                T m = Sum(xn) * invC;                                    // μ
                T s = T.One / T.Sqrt(SumOfSquaredDeviations(xn, m) * invC + eps); // rstd = 1/√(σ² + ε)
                NormalizeRow(xn, m, s, ws, bs, yStore.AsSpan(n * C, C)); // yᵢ = (xᵢ − μ) · rstd · wᵢ + bᵢ
                (mean[n], rstd[n]) = (m, s);
            }
        });
        return (y, mean, rstd);
    }

    /// <summary>dx, dw and db from dy, with the μ and rstd the forward kept.</summary>
    public static (Tensor<T> Dx, Tensor<T> Dw, Tensor<T> Db) Backward<T>(Tensor<T> dy, Tensor<T> x, Tensor<T> w, T[] mean, T[] rstd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x, w, null, dy);
        // Stryker disable once Arithmetic : more blocks than ⌈N / 32⌉ only adds blocks with no rows, whose sums are 0
        int N = x.Size(0), C = x.Size(1), blocks = (N + RowsPerBlock - 1) / RowsPerBlock;
        var dx = Tensor<T>.Empty(N, C); // every row is written below
        T[] partial = ArrayPool<T>.Shared.Rent(blocks * 2 * C); // block k: its Σ dy · x̂ at [2kC, 2kC + C), its Σ dy after
        Array.Clear(partial, 0, blocks * 2 * C);
        T invC = T.One / T.CreateChecked(C);
        T[] dyStore = dy.Storage, xStore = x.Storage, wStore = w.Storage, dxStore = dx.Storage;
        int dyOffset = dy.Offset, xOffset = x.Offset, wOffset = w.Offset;
        // Stryker disable once Arithmetic : the cost per item only decides between one core and all (ParallelPathTests run both)
        long costPerBlock = (long)RowsPerBlock * C;
        Chunked.For(blocks, costPerBlock, (firstBlock, count) =>
        {
            ReadOnlySpan<T> ws = wStore.AsSpan(wOffset, C);
            for (int k = firstBlock; k < firstBlock + count; k++)
            {
                Span<T> dw = partial.AsSpan(2 * k * C, C), db = partial.AsSpan((2 * k + 1) * C, C);
                for (int n = k * RowsPerBlock; n < Math.Min(N, (k + 1) * RowsPerBlock); n++)
                {
                    ReadOnlySpan<T> xn = xStore.AsSpan(xOffset + n * C, C), dyn = dyStore.AsSpan(dyOffset + n * C, C);
                    var (dnormSum, dnormNormSum) = SumsOfDNorm(xn, dyn, ws, mean[n], rstd[n]); // Σ dx̂, Σ dx̂ ⊙ x̂
                    BackwardRow(xn, dyn, ws, mean[n], rstd[n], dnormSum * invC, dnormNormSum * invC, dxStore.AsSpan(n * C, C), dw, db);
                }
            }
        });
        var (dweight, dbias) = (Tensor<T>.Zeros(C), Tensor<T>.Zeros(C));
        Span<T> dwSum = dweight.AsSpan(), dbSum = dbias.AsSpan();
        for (int k = 0; k < blocks; k++)
        {
            for (int i = 0; i < C; i++)
            {
                dwSum[i] += partial[2 * k * C + i];
                dbSum[i] += partial[(2 * k + 1) * C + i];
            }
        }
        // Stryker disable once Statement : not returning the buffer costs memory, not a number
        ArrayPool<T>.Shared.Return(partial); // borrowed, not allocated: a step runs nine of these
        return (dx, dweight, dbias);
    }

    /// <summary>The kernels read storage directly, so every tensor must be contiguous: x and dy (N, C), w and b (C).</summary>
    private static void Check<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? b, Tensor<T>? dy = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool ok = x.Rank == 2 && x.IsContiguous && Shapes.Equal(w.Shape, [x.Size(1)]) && w.IsContiguous
            && (b is null || (Shapes.Equal(b.Shape, w.Shape) && b.IsContiguous)) && (dy is null || (Shapes.Equal(dy.Shape, x.Shape) && dy.IsContiguous));
        if (!ok)
        {
            throw new ArgumentException($"layer_norm kernel: needs contiguous x (N, C), w and b (C) and dy (N, C); got x {Shapes.Format(x.Shape)}, w {Shapes.Format(w.Shape)}{(dy is null ? "" : $", dy {Shapes.Format(dy.Shape)}")}");
        }
    }

    // The row loops, a Vector<T> of channels at a time and then one channel at a time for the rest (C need not be
    // a multiple of the vector width). i is a channel. AggressiveOptimization compiles these small, hot loops fully
    // at once: through the JIT's usual tiers they ran at a third of their speed for the first few hundred calls.

    /// <summary>Σᵢ xᵢ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var acc = Vector<T>.Zero;
        int i = 0;
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below: the same terms added in another order, so the sum differs only by rounding (a few ulps), like any other order of a SIMD sum; no test can hold it to one order
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
    private static T SumOfSquaredDeviations<T>(ReadOnlySpan<T> x, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var vm = new Vector<T>(m);
        var acc = Vector<T>.Zero;
        int i = 0;
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below: the same terms added in another order, so the sum differs only by rounding (a few ulps), like any other order of a SIMD sum; no test can hold it to one order
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var centred = new Vector<T>(x[i..]) - vm;
            acc += centred * centred;
        }
        T sum = Vector.Sum(acc);
        for (; i < x.Length; i++)
        {
            sum += (x[i] - m) * (x[i] - m);
        }
        return sum;
    }

    /// <summary>yᵢ = x̂ᵢ · wᵢ + bᵢ with x̂ᵢ = (xᵢ − μ) · rstd; no bᵢ when <paramref name="b"/> is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormalizeRow<T>(ReadOnlySpan<T> x, T m, T rstd, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool hasBias = !b.IsEmpty;
        var (vm, vs) = (new Vector<T>(m), new Vector<T>(rstd));
        int i = 0;
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below, which computes the same
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var yi = (new Vector<T>(x[i..]) - vm) * vs * new Vector<T>(w[i..]);
            (hasBias ? yi + new Vector<T>(b[i..]) : yi).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++)
        {
            T yi = (x[i] - m) * rstd * w[i];
            y[i] = hasBias ? yi + b[i] : yi;
        }
    }

    /// <summary>(Σᵢ dx̂ᵢ, Σᵢ dx̂ᵢ · x̂ᵢ) over a row, with dx̂ᵢ = dyᵢ · wᵢ and x̂ᵢ = (xᵢ − μ) · rstd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (T DNorm, T DNormNorm) SumsOfDNorm<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> w, T m, T rstd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (vm, vs) = (new Vector<T>(m), new Vector<T>(rstd));
        Vector<T> accD = Vector<T>.Zero, accDN = Vector<T>.Zero;
        int i = 0;
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below: the same terms added in another order, so the sum differs only by rounding (a few ulps), like any other order of a SIMD sum; no test can hold it to one order
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var dnorm = new Vector<T>(dy[i..]) * new Vector<T>(w[i..]);
            accD += dnorm;
            accDN += dnorm * (new Vector<T>(x[i..]) - vm) * vs;
        }
        T sumD = Vector.Sum(accD), sumDN = Vector.Sum(accDN);
        for (; i < x.Length; i++)
        {
            T dnorm = dy[i] * w[i];
            sumD += dnorm;
            sumDN += dnorm * (x[i] - m) * rstd;
        }
        return (sumD, sumDN);
    }

    /// <summary>One row: dbᵢ += dyᵢ, dwᵢ += dyᵢ · x̂ᵢ, and dxᵢ = rstd · (dx̂ᵢ − mean(dx̂) − x̂ᵢ · mean(dx̂ ⊙ x̂)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRow<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> w, T m, T rstd,
        T dnormMean, T dnormNormMean, Span<T> dx, Span<T> dw, Span<T> db) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (vm, vs, vMean, vNormMean) = (new Vector<T>(m), new Vector<T>(rstd), new Vector<T>(dnormMean), new Vector<T>(dnormNormMean));
        int i = 0;
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below, which computes the same
        for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var norm = (new Vector<T>(x[i..]) - vm) * vs; // x̂ᵢ
            var dyi = new Vector<T>(dy[i..]);
            (new Vector<T>(db[i..]) + dyi).CopyTo(db[i..]);
            (new Vector<T>(dw[i..]) + dyi * norm).CopyTo(dw[i..]);
            (vs * (dyi * new Vector<T>(w[i..]) - vMean - norm * vNormMean)).CopyTo(dx[i..]);
        }
        for (; i < x.Length; i++)
        {
            T norm = (x[i] - m) * rstd;
            db[i] += dy[i];
            dw[i] += dy[i] * norm;
            dx[i] = rstd * (dy[i] * w[i] - dnormMean - norm * dnormNormMean);
        }
    }
}
