using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// The matrix product when A has only a few rows (M ≤ <see cref="MaxRows"/>): sampling with a KV cache runs one
/// token at a time, so every Linear layer is a matrix-vector product y = W·x. Its 2·N·K flops are few next to the
/// N·K weights it reads, so it is bound by memory bandwidth, and the blocked GEMM (<see cref="MatMulFast"/>), which
/// first copies ("packs") all of B, would read every weight twice and write it once. Here B is read once, in place:
/// <list type="bullet">
/// <item>B stored with its K numbers of column j contiguous (a weight W (N, K) used as Wᵀ, the Linear layer's case,
/// or keys used as Kᵀ): C[i, j] = A[i, :] · B[:, j], a dot product of two contiguous rows; four columns at a time share
/// each load of A, and the columns are split over the cores;</item>
/// <item>B stored row-major (its N numbers of row p contiguous: attention's values): C[i, :] = Σₚ A[i, p]·B[p, :], a
/// sum of scaled rows (axpy), columns split over the cores.</item>
/// </list>
/// Any other layout goes to <see cref="MatMulFast"/>. Equal to <see cref="MatMulReference"/> up to rounding (the sums
/// run in another order), and the same bits on any number of cores.
/// </summary>
internal static class MatMulThin
{
    /// <summary>Products with at most this many rows of A run here.</summary>
    public const int MaxRows = 4;

    /// <summary>Below this many multiply-adds a product runs on one thread.</summary>
    private const long ParallelWork = 1L << 16;

    /// <summary>
    /// For tests only: when set, the product is split over the columns as if the machine had this many cores and
    /// every product were large, so the parallel path runs at a test's small shapes, whatever the real number of
    /// cores. Flows to the code the test calls (AsyncLocal), not to other tests; null in production.
    /// </summary>
    internal static readonly AsyncLocal<int?> ForcedCores = new();

    /// <summary>True when the product is thin and B's layout is one of the two this kernel reads in place.</summary>
    public static bool Applies<T>(in MatMulProblem<T> p) where T : unmanaged, IFloatingPointIeee754<T> =>
        p.M <= MaxRows && p.K > 0 && (p.BRowStride == 1 || p.BColStride == 1);

    /// <summary>Computes every C_b of the problem (see <see cref="Applies{T}"/>).</summary>
    public static void Run<T>(MatMulProblem<T> p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool dots = p.BRowStride == 1; // columns of B contiguous; otherwise its rows are
        int? forced = ForcedCores.Value;
        int cores = forced ?? Environment.ProcessorCount;
        // Stryker disable once Equality,Arithmetic : below this much work one thread is faster; the columns are the same sums either way (MatMulForcedPathTests)
        bool small = (long)p.Batch * p.M * p.N * p.K < ParallelWork;
        int splits = cores == 1 || (forced is null && small) ? 1 : Math.Min(4 * cores, Math.Max(1, p.N / 16)); // column chunks per product
        int tasks = p.Batch * splits;
        // Chunk edges fall on multiples of W (the lanes of a vector), so that the row sums leave the same columns, the
        // last N mod W, to their scalar tail whatever the split: the result does not depend on the number of cores.
        int w = Vector<T>.Count, vectors = (p.N + w - 1) / w;
        if (tasks == 1)
        {
            Columns(p, 0, 0, p.N, dots);
            // Stryker disable once Statement : without the return the one task below computes the same columns of the one product again, into the same places
            return;
        }
        Workers.For(tasks, task =>
        {
            int b = task / splits, s = task % splits;
            int first = Math.Min(p.N, w * (int)((long)vectors * s / splits));
            int end = Math.Min(p.N, w * (int)((long)vectors * (s + 1) / splits));
            Columns(p, b, first, end, dots);
        });
    }

    /// <summary>Columns [first, end) of C_b.</summary>
    private static void Columns<T>(in MatMulProblem<T> p, int b, int first, int end, bool dots) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (first >= end)
        // Stryker disable once Block : the same guard as below: no chunk is empty today, so no test reaches this block
        {
            // Stryker disable once Statement : no chunk is empty today (splits ≤ max(1, N/16) ≤ ⌈N/W⌉ vectors for W ≤ 16 lanes, so every chunk gets one); the guard keeps an empty chunk harmless if the split changes
            return;
        }
        T[]? rented = null;
        try
        {
            // The rows of A_b, contiguous: a view if they already are, else copied once (M·K numbers).
            ReadOnlySpan<T> a;
            int lda;
            if (p.AColStride == 1)
            {
                a = p.A.AsSpan(p.AOffsets[b]);
                lda = p.ARowStride;
            }
            else
            {
                rented = ArrayPool<T>.Shared.Rent(p.M * p.K);
                for (int i = 0; i < p.M; i++)
                {
                    for (int k = 0; k < p.K; k++)
                    {
                        rented[i * p.K + k] = p.A[p.AOffsets[b] + i * p.ARowStride + k * p.AColStride];
                    }
                }
                a = rented;
                lda = p.K;
            }
            Span<T> c = p.C.AsSpan(p.COffsets[b]); // C_b's rows, CRowStride apart
            if (dots)
            {
                Dots(p, a, lda, p.B.AsSpan(p.BOffsets[b]), p.BColStride, c, first, end);
            }
            else
            {
                Rows(p, a, lda, p.B.AsSpan(p.BOffsets[b]), p.BRowStride, c, first, end);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }
    }

    /// <summary>C[i, j] = Σₖ A[i, k]·B[k, j] for j in [first, end), where column j of B is B[j·ldb .. j·ldb + K) and row i of C starts at c[i·CRowStride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots<T>(in MatMulProblem<T> p, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int first, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int K = p.K, ldc = p.CRowStride;
        int j = first;
        for (; j + 4 <= end; j += 4)
        {
            var b0 = b.Slice(j * ldb, K);
            var b1 = b.Slice((j + 1) * ldb, K);
            var b2 = b.Slice((j + 2) * ldb, K);
            var b3 = b.Slice((j + 3) * ldb, K);
            for (int i = 0; i < p.M; i++)
            {
                var (d0, d1, d2, d3) = Dot4(a.Slice(i * lda, K), b0, b1, b2, b3);
                c[i * ldc + j] = d0;
                c[i * ldc + j + 1] = d1;
                c[i * ldc + j + 2] = d2;
                c[i * ldc + j + 3] = d3;
            }
        }
        for (; j < end; j++)
        {
            var bj = b.Slice(j * ldb, K);
            for (int i = 0; i < p.M; i++)
            {
                c[i * ldc + j] = Dot(a.Slice(i * lda, K), bj);
            }
        }
    }

    /// <summary>x·y₀, x·y₁, x·y₂, x·y₃: one load of x serves four rows (four independent sums, which also hides the FMA latency).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (T, T, T, T) Dot4<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y0, ReadOnlySpan<T> y1, ReadOnlySpan<T> y2, ReadOnlySpan<T> y3)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s0 = Vector<T>.Zero;
        var s1 = Vector<T>.Zero;
        var s2 = Vector<T>.Zero;
        var s3 = Vector<T>.Zero;
        int w = Vector<T>.Count, k = 0;
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T r0 = ref MemoryMarshal.GetReference(y0);
        ref T r1 = ref MemoryMarshal.GetReference(y1);
        ref T r2 = ref MemoryMarshal.GetReference(y2);
        ref T r3 = ref MemoryMarshal.GetReference(y3);
        for (; k + w <= x.Length; k += w)
        {
            var vx = Vector.LoadUnsafe(ref rx, (nuint)k);
            s0 = Fma(vx, Vector.LoadUnsafe(ref r0, (nuint)k), s0);
            s1 = Fma(vx, Vector.LoadUnsafe(ref r1, (nuint)k), s1);
            s2 = Fma(vx, Vector.LoadUnsafe(ref r2, (nuint)k), s2);
            s3 = Fma(vx, Vector.LoadUnsafe(ref r3, (nuint)k), s3);
        }
        T d0 = Vector.Sum(s0), d1 = Vector.Sum(s1), d2 = Vector.Sum(s2), d3 = Vector.Sum(s3);
        for (; k < x.Length; k++)
        {
            d0 += x[k] * y0[k];
            d1 += x[k] * y1[k];
            d2 += x[k] * y2[k];
            d3 += x[k] * y3[k];
        }
        return (d0, d1, d2, d3);
    }

    /// <summary>x·y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = Vector<T>.Zero;
        int w = Vector<T>.Count, k = 0;
        for (; k + w <= x.Length; k += w)
        {
            s = Fma(new Vector<T>(x[k..]), new Vector<T>(y[k..]), s);
        }
        T d = Vector.Sum(s);
        for (; k < x.Length; k++)
        {
            d += x[k] * y[k];
        }
        return d;
    }

    /// <summary>C[i, first..end) = Σₖ A[i, k]·B[k, first..end), where row k of B starts at B[k·ldb] and row i of C at c[i·CRowStride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<T>(in MatMulProblem<T> p, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int first, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int K = p.K, ldc = p.CRowStride, width = end - first, w = Vector<T>.Count;
        for (int i = 0; i < p.M; i++)
        {
            Span<T> ci = c.Slice(i * ldc + first, width);
            ci.Clear();
            for (int k = 0; k < K; k++)
            {
                T aik = a[i * lda + k];
                var bk = b.Slice(k * ldb + first, width);
                var va = new Vector<T>(aik);
                int j = 0;
                for (; j + w <= width; j += w)
                {
                    Fma(va, new Vector<T>(bk[j..]), new Vector<T>(ci[j..])).CopyTo(ci[j..]);
                }
                for (; j < width; j++)
                {
                    ci[j] += aik * bk[j];
                }
            }
        }
    }

    /// <summary>a·b + c in one rounding (a fused multiply-add) for float and double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        }
        // Otherwise T is double: of the IEEE floating-point types only float and double have a Vector<T>.
        return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }
}
