using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scratch.Tensors.Kernels;

// Where the micro-kernel reads its panels of A and B, which terms of the sum it needs, and how a ragged edge tile
// computed aside goes into C.
internal static partial class MatMulFast
{
    /// <summary>
    /// Which terms p ∈ [pc, pc+kc) of a slice rows [i, i+rows) of A need, as (skip, terms): [pc + skip, pc + skip + terms).
    /// All of them, unless A has a known zero triangle: a lower triangular A (A[i, p] = 0 for p &gt; i) needs p &lt; i + rows,
    /// an upper triangular one p ≥ i. The terms left out are zeros for every one of the rows.
    /// </summary>
    internal static (int Skip, int Terms) Terms(ATriangle triangle, int i, int rows, int pc, int kc)
    {
        int skip = triangle == ATriangle.Upper ? Math.Clamp(i - pc, 0, kc) : 0;  // upper: the terms p < i are zeros
        int end = triangle == ATriangle.Lower ? Math.Clamp(i + rows - pc, 0, kc) : kc; // lower: so are p ≥ i + rows
        return (skip, end - skip);
    }

    /// <summary>
    /// Where the micro-kernel reads the micro-panel A_b[i .. i+rows, pc .. pc+kc): in the block packed into
    /// <paramref name="aPack"/> at <paramref name="packedAt"/> (when A is not read in place), in A itself (rows aRow apart,
    /// terms aStep apart), or for a ragged last panel of fewer than MR rows, packed now into aPack, padded with zeros.
    /// A packed panel has aRow = 1, aStep = MR.
    /// </summary>
    private static ref T APanel<T>(in MatMulProblem<T> p, int b, int i, int rows, int pc, int kc, int mr, bool inPlace, T[] aPack, int packedAt,
        out nint aRow, out nint aStep) where T : unmanaged, IFloatingPointIeee754<T>
    {
        (aRow, aStep) = (1, mr);
        if (!inPlace)
        {
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(aPack), packedAt);
        }
        if (rows == mr)
        {
            (aRow, aStep) = (p.ARowStride, p.AColStride);
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p.A), p.AOffsets[b] + i * p.ARowStride + pc * p.AColStride);
        }
        MatMulPacking.PackA(p, p.AOffsets[b], i, rows, pc, kc, mr, aPack); // the last rows, padded to MR
        return ref MemoryMarshal.GetArrayDataReference(aPack);
    }

    /// <summary>
    /// Where the micro-kernel reads the micro-panel B_b[pc.., j .. j+NR): in B itself when <paramref name="inPlace"/>
    /// (its row p at B_b[pc + p, j], the rows B's row stride apart), else the panel packed at <paramref name="packed"/>
    /// (rows <paramref name="nr"/> apart). <paramref name="bRow"/> is set to the distance between rows.
    /// </summary>
    private static ref T BPanel<T>(in MatMulProblem<T> p, int b, int pc, int j, bool inPlace, ref T packed, int nr, out nint bRow)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inPlace)
        {
            bRow = p.BRowStride;
            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(p.B), p.BOffsets[b] + pc * p.BRowStride + j);
        }
        bRow = nr;
        return ref packed;
    }

    /// <summary>
    /// C[i, j] = (accumulate ? C[i, j] : 0) + tile[i, j] for the rows × cols corner of an MR × NR tile computed aside
    /// (rows nr apart) that lies inside C (rows ldc apart, starting at c[0]): a row copy, or a vector at a time.
    /// </summary>
    private static void KeepInside<T>(Span<T> c, int ldc, ReadOnlySpan<T> tile, int nr, int rows, int cols, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < rows; i++)
        {
            Span<T> cRow = c.Slice(i * ldc, cols);
            ReadOnlySpan<T> tileRow = tile.Slice(i * nr, cols);
            if (accumulate)
            {
                Elementwise.AddRow(cRow, tileRow);
            }
            else
            {
                tileRow.CopyTo(cRow);
            }
        }
    }
}
