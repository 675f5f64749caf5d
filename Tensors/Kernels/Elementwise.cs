using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Fast elementwise kernels. They compute the same numbers as <see cref="Reference"/> but walk memory
/// a row at a time, use SIMD lanes (<see cref="Vector{T}"/>) where the op has a vector form and the row is
/// contiguous, and split large tensors over the cores. The row loops are compiled fully optimised at their first
/// call, as the matmul's micro-kernel is (<see cref="MatMulMicroKernel"/> says why).
/// </summary>
internal static class Elementwise
{
    /// <summary>Below this many elements one core is faster than starting threads (<see cref="Chunked.ParallelThreshold"/>).</summary>
    public const int ParallelThreshold = (int)Chunked.ParallelThreshold;

    /// <summary>y[i] = f(x[i]) for every element, into y: a fresh row-major array of x's element count.</summary>
    public static void Unary<T, TOp>(Tensor<T> x, T[] y, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp<T>
    {
        T[] s = x.Storage;
        if (x.IsContiguous)
        {
            int offset = x.Offset;
            Chunked.For(x.Count, 1, (start, n) => UnaryContiguous<T, TOp>(s.AsSpan(offset + start, n), y.AsSpan(start, n), op));
            // Stryker disable once Statement : without it the strided loop below computes the same y again (a contiguous tensor is one strided row after another)
            return;
        }
        int length = x.RowLength, stride = x.RowStride;
        Chunked.For(x.RowCount, length, (first, count) =>
        {
            for (int r = first; r < first + count; r++)
            {
                int at = x.RowOffset(r);
                Span<T> row = y.AsSpan(r * length, length);
                for (int i = 0; i < length; i++, at += stride)
                {
                    row[i] = op.Apply(s[at]);
                }
            }
        });
    }

    /// <summary>y[i] = f(x[i]) over two spans of equal length, a vector of lanes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UnaryContiguous<T, TOp>(ReadOnlySpan<T> x, Span<T> y, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IUnaryOp<T>
    {
        int i = 0;
        if (op.Vectorized && Vector.IsHardwareAccelerated)
        {
            int width = Vector<T>.Count;
            for (; i <= x.Length - width; i += width)
            {
                op.Apply(new Vector<T>(x.Slice(i))).CopyTo(y.Slice(i));
            }
        }
        for (; i < x.Length; i++)
        {
            y[i] = op.Apply(x[i]);
        }
    }

    /// <summary>
    /// z[i] = f(a[i], b[i]) where a and b are already expanded to z's shape (broadcast dimensions have
    /// stride 0), written row-major into z from <paramref name="zOffset"/> on (z may be a's own storage:
    /// each element is read before it is written). Each row runs one of four loops: both rows contiguous,
    /// one a repeated scalar, or strided.
    /// </summary>
    public static void Binary<T, TOp>(Tensor<T> a, Tensor<T> b, T[] z, int zOffset, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp<T>
    {
        T[] sa = a.Storage, sb = b.Storage;
        if (a.IsContiguous && b.IsContiguous)
        {
            int oa = a.Offset, ob = b.Offset;
            Chunked.For(a.Count, 1, (start, n) =>
                BinaryRow<T, TOp>(sa.AsSpan(oa + start), 1, sb.AsSpan(ob + start), 1, z.AsSpan(zOffset + start, n), op));
            return;
        }
        int length = a.RowLength, strideA = a.RowStride, strideB = b.RowStride;
        Chunked.For(a.RowCount, length, (first, count) =>
        {
            for (int r = first; r < first + count; r++)
            {
                BinaryRow<T, TOp>(sa.AsSpan(a.RowOffset(r)), strideA, sb.AsSpan(b.RowOffset(r)), strideB, z.AsSpan(zOffset + r * length, length), op);
            }
        });
    }

    /// <summary>
    /// a[i] = f(a[i], b[i]) in place, where a's rows are contiguous (last stride 1) but may lie anywhere in its
    /// storage (a view of some columns), and b is already expanded to a's shape.
    /// </summary>
    public static void BinaryIntoRows<T, TOp>(Tensor<T> a, Tensor<T> b, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp<T>
    {
        T[] sa = a.Storage, sb = b.Storage;
        int length = a.RowLength, strideB = b.RowStride;
        Chunked.For(a.RowCount, length, (first, count) =>
        {
            for (int r = first; r < first + count; r++)
            {
                int at = a.RowOffset(r);
                BinaryRow<T, TOp>(sa.AsSpan(at), 1, sb.AsSpan(b.RowOffset(r)), strideB, sa.AsSpan(at, length), op);
            }
        });
    }

    /// <summary>row[i] += source[i] for i in [0, row.Length), a vector at a time: one row of a scatter-add.</summary>
    public static void AddRow<T>(Span<T> row, ReadOnlySpan<T> source) where T : unmanaged, IFloatingPointIeee754<T> =>
        BinaryRow(row, 1, source, 1, row, new AddOp<T>());

    /// <summary>One row: z[i] = f(a[i·strideA], b[i·strideB]) for i in [0, z.Length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BinaryRow<T, TOp>(ReadOnlySpan<T> a, int strideA, ReadOnlySpan<T> b, int strideB, Span<T> z, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IBinaryOp<T>
    {
        int n = z.Length, i = 0;
        // Stryker disable once Equality : + − × ÷ are exactly rounded in SIMD lanes too, so a row's split between the vector and the scalar loops changes no number
        bool simd = op.Vectorized && Vector.IsHardwareAccelerated && n >= Vector<T>.Count;
        if (simd)
        {
            int width = Vector<T>.Count;
            if (strideA == 1 && strideB == 1)
            {
                // Stryker disable once Equality : exactly rounded ops (see above): where the scalar tail starts changes no number
                for (; i <= n - width; i += width)
                {
                    op.Apply(new Vector<T>(a.Slice(i)), new Vector<T>(b.Slice(i))).CopyTo(z.Slice(i));
                }
            }
            else if (strideA == 1 && strideB == 0)
            {
                var vb = new Vector<T>(b[0]);
                // Stryker disable once Equality : exactly rounded ops (see above): where the scalar tail starts changes no number
                for (; i <= n - width; i += width)
                {
                    op.Apply(new Vector<T>(a.Slice(i)), vb).CopyTo(z.Slice(i));
                }
            }
            else if (strideA == 0 && strideB == 1)
            {
                var va = new Vector<T>(a[0]);
                // Stryker disable once Equality : exactly rounded ops (see above): where the scalar tail starts changes no number
                for (; i <= n - width; i += width)
                {
                    op.Apply(va, new Vector<T>(b.Slice(i))).CopyTo(z.Slice(i));
                }
            }
        }
        for (; i < n; i++)
        {
            z[i] = op.Apply(a[i * strideA], b[i * strideB]);
        }
    }
}
