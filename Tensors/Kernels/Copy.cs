using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>Copies a strided tensor into row-major order.</summary>
internal static class Copy
{
    /// <summary>Rows of the destination transposed at a time by <see cref="Transposed"/>: 64 rows of floats stay in L1 while they fill.</summary>
    private const int TransposeBlock = 64;

    /// <summary>
    /// dst[k] = src[index k in row-major order], walking src one row (last dimension) at a time; floats whose last two
    /// dimensions are a transposed matrix go through <see cref="Transposed"/>.
    /// </summary>
    public static void Strided<T>(Tensor<T> src, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx.IsSupported && IsTransposedMatrix(src))
        {
            Transposed((Tensor<float>)(object)src, MemoryMarshal.Cast<T, float>(dst));
            return;
        }
        T[] s = src.Storage;
        int rows = src.RowCount, length = src.RowLength, stride = src.RowStride;
        for (int r = 0; r < rows; r++)
        {
            int at = src.RowOffset(r);
            Span<T> row = dst.Slice(r * length, length);
            if (stride == 1)
            {
                s.AsSpan(at, length).CopyTo(row);
            }
            else
            {
                for (int i = 0; i < length; i++, at += stride)
                {
                    row[i] = s[at];
                }
            }
        }
    }

    /// <summary>
    /// True when the last two dimensions (m, n) of <paramref name="t"/> are a transposed row-major matrix: strides (1, m),
    /// so each column of the view is a stored row of m numbers (xᵀ of a contiguous x), both at least 8 long.
    /// </summary>
    private static bool IsTransposedMatrix<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T> =>
        t.Rank >= 2 && t.Size(-2) >= 8 && t.Size(-1) >= 8 && t.Strides[^2] == 1 && t.Strides[^1] == t.Size(-2);

    /// <summary>
    /// The copy of a transposed matrix (or a batch of them), dst[i, j] = src[i, j] = stored[j, i]: in blocks of
    /// <see cref="TransposeBlock"/> destination rows, each filled 8 × 8 numbers at a time, read along 8 stored rows and
    /// transposed in registers (<see cref="MatMulPacking.CopyTransposed"/>), instead of one strided read per number.
    /// </summary>
    private static void Transposed(Tensor<float> src, Span<float> dst)
    {
        int m = src.Size(-2), n = src.Size(-1);
        for (int b = 0; b < src.Count / (m * n); b++)
        {
            int start = src.RowOffset(b * m); // where matrix b's element [0, 0] lies; its row i starts i further
            for (int i = 0; i < m; i += TransposeBlock)
            {
                int rows = Math.Min(TransposeBlock, m - i);
                MatMulPacking.CopyTransposed(src.Storage, start + i, iStep: m, kc: rows, count: n, width: n, dst.Slice((b * m + i) * n, rows * n));
            }
        }
    }

    /// <summary>dst[i] = src[i] for every index i of two tensors of one shape, each read or written through its own strides.</summary>
    public static void Into<T>(Tensor<T> src, Tensor<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] s = src.Storage, d = dst.Storage;
        int rows = src.RowCount, length = src.RowLength, ss = src.RowStride, ds = dst.RowStride;
        for (int r = 0; r < rows; r++)
        {
            int from = src.RowOffset(r), to = dst.RowOffset(r);
            if (ss == 1 && ds == 1)
            {
                s.AsSpan(from, length).CopyTo(d.AsSpan(to, length));
                // Stryker disable once Statement : without it the loop below copies the same row again, to the same place
                continue;
            }
            for (int i = 0; i < length; i++, from += ss, to += ds)
            {
                d[to] = s[from];
            }
        }
    }
}
