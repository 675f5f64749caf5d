using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// The fast matrix product. (First version: row-times-matrix with SIMD over j; to be replaced by a
/// packed, cache-blocked FMA kernel.)
/// </summary>
internal static class MatMulFast
{
    /// <summary>Computes every C_b of the problem; equal to <see cref="MatMulReference.Run{T}"/> up to rounding.</summary>
    public static void Run<T>(MatMulProblem<T> p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = p.M, n = p.N, k = p.K;
        Chunked.For(p.Batch * m, (long)n * k, (first, count) =>
        {
            var bRow = new T[n];
            for (int row = first; row < first + count; row++)
            {
                int b = row / m, i = row % m;
                Span<T> c = p.C.AsSpan(row * n, n);
                c.Clear();
                for (int kk = 0; kk < k; kk++)
                {
                    T a = p.A[p.AOffsets[b] + i * p.ARowStride + kk * p.AColStride];
                    int at = p.BOffsets[b] + kk * p.BRowStride;
                    ReadOnlySpan<T> br;
                    if (p.BColStride == 1)
                    {
                        br = p.B.AsSpan(at, n);
                    }
                    else
                    {
                        for (int j = 0; j < n; j++)
                        {
                            bRow[j] = p.B[at + j * p.BColStride];
                        }
                        br = bRow;
                    }
                    int jj = 0;
                    if (Vector.IsHardwareAccelerated)
                    {
                        var va = new Vector<T>(a);
                        for (; jj <= n - Vector<T>.Count; jj += Vector<T>.Count)
                        {
                            (new Vector<T>(c.Slice(jj)) + va * new Vector<T>(br.Slice(jj))).CopyTo(c.Slice(jj));
                        }
                    }
                    for (; jj < n; jj++)
                    {
                        c[jj] += a * br[jj];
                    }
                }
            }
        });
    }
}
