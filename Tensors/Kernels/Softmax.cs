using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>Row-wise softmax and log-softmax over contiguous rows, numerically stable.</summary>
internal static class Softmax
{
    /// <summary>
    /// For each row x of length n: m = max x, s = Σ exp(xⱼ − m), then
    /// softmax: yᵢ = exp(xᵢ − m) / s;  log-softmax: yᵢ = (xᵢ − m) − ln s.
    /// Subtracting m keeps every exp ≤ 1, so nothing overflows even for logits of ±1e4; subtracting it
    /// before ln s keeps the precision of ln s, which would be lost if added to a large m first.
    /// </summary>
    public static void Rows<T>(T[] x, int offset, int rows, int n, T[] y, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Chunked.For(rows, n, (first, count) =>
        {
            for (int r = first; r < first + count; r++)
            {
                ReadOnlySpan<T> row = x.AsSpan(offset + r * n, n);
                Span<T> dst = y.AsSpan(r * n, n);
                T m = Reductions.Fold(row, new MaxReduce<T>());
                // Stryker disable once Block,Statement : without it a fully masked row computes −∞ − (−∞) = NaN, the same NaN (exp(−∞)/0 = 0·∞) it gives now
                if (T.IsNegativeInfinity(m))
                {
                    m = T.Zero; // a fully masked row: every exp is 0 and the result is NaN, as in PyTorch
                }
                T s = T.Zero;
                for (int i = 0; i < n; i++)
                {
                    T e = T.Exp(row[i] - m);
                    dst[i] = e;
                    s += e;
                }
                if (log)
                {
                    T logS = T.Log(s);
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] = row[i] - m - logS;
                    }
                }
                else
                {
                    T inv = T.One / s;
                    for (int i = 0; i < n; i++)
                    {
                        dst[i] *= inv;
                    }
                }
            }
        });
    }
}
