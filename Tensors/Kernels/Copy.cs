using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>Copies a strided tensor into row-major order.</summary>
internal static class Copy
{
    /// <summary>dst[k] = src[index k in row-major order], walking src one row (last dimension) at a time.</summary>
    public static void Strided<T>(Tensor<T> src, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
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
