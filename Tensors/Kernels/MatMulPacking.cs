using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Copies blocks of A and B into the order in which the micro-kernel reads them.
/// <para>
/// A block of A (rows i0.., columns p0..) is cut into micro-panels of MR rows; each micro-panel is stored
/// column by column: A[i0, p0], A[i0+1, p0], …, A[i0+MR−1, p0], A[i0, p0+1], … . A block of B is cut into
/// micro-panels of NR columns, each stored row by row: B[p0, j0], …, B[p0, j0+NR−1], B[p0+1, j0], … .
/// Rows or columns past the edge of the matrix are filled with zeros, so the micro-kernel always computes a
/// full tile and the edges need no special arithmetic.
/// </para>
/// <para>
/// Packing is where the strides are read. After it, every operand is contiguous, so a transposed or sliced
/// operand costs one strided copy of O(M·K + K·N) numbers against O(M·N·K) multiply-adds. The copy also puts
/// each micro-panel in consecutive cache lines. B is always packed; A only when neither its rows nor its
/// columns are contiguous, or for a ragged last micro-panel: otherwise the micro-kernel reads A through its two
/// strides where it lies (its MR rows stay in the L1 cache either way), which saves the copy.
/// </para>
/// </summary>
internal static class MatMulPacking
{
    /// <summary>
    /// Packs A_b[i0 .. i0+mc, p0 .. p0+kc) into <paramref name="dst"/> as ⌈mc/MR⌉ micro-panels of MR·kc numbers,
    /// MR = <paramref name="mr"/>, the tile height of the micro-kernel that will read them.
    /// </summary>
    public static void PackA<T>(in MatMulProblem<T> p, int offset, int i0, int mc, int p0, int kc, int mr, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] a = p.A;
        int rs = p.ARowStride, cs = p.AColStride;
        for (int ir = 0; ir < mc; ir += mr)
        {
            Span<T> panel = dst.Slice(ir * kc, mr * kc);
            int rows = Math.Min(mr, mc - ir);
            // Stryker disable once all : the padding rows only feed tile rows that the caller drops (KeepInside); zeroing them keeps stale pool data (NaN, slow subnormals) out of the arithmetic
            if (rows < mr)
            {
                panel.Clear();
            }
            int start = offset + (i0 + ir) * rs + p0 * cs;
            // Stryker disable once all : which way the copy walks changes only the order of the reads, not a number copied
            bool alongRows = cs == 1 || Math.Abs(cs) <= Math.Abs(rs);
            // Stryker disable once Boolean : the same choice as above
            if (alongRows)
            {
                // Rows of A are the short stride (row-major A): walk along each row.
                for (int i = 0; i < rows; i++)
                {
                    int at = start + i * rs;
                    for (int k = 0; k < kc; k++)
                    {
                        panel[k * mr + i] = a[at + k * cs];
                    }
                }
            }
            else
            {
                // Columns are the short stride (a transposed view): walk down each column.
                for (int k = 0; k < kc; k++)
                {
                    int at = start + k * cs;
                    for (int i = 0; i < rows; i++)
                    {
                        panel[k * mr + i] = a[at + i * rs];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs B_b[p0 .. p0+kc, j0 .. j0+nc) into <paramref name="dst"/> as ⌈nc/NR⌉ micro-panels of kc·NR numbers;
    /// only micro-panels [firstPanel, endPanel) are written, so that several threads can share one block.
    /// NR = <paramref name="nr"/>, the tile width of the micro-kernel that will read them.
    /// </summary>
    public static void PackB<T>(in MatMulProblem<T> p, int offset, int p0, int kc, int j0, int nc, int nr,
        int firstPanel, int endPanel, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] b = p.B;
        int rs = p.BRowStride, cs = p.BColStride;
        for (int panelIndex = firstPanel; panelIndex < endPanel; panelIndex++)
        {
            int jr = panelIndex * nr;
            Span<T> panel = dst.Slice(jr * kc, kc * nr);
            int cols = Math.Min(nr, nc - jr);
            // Stryker disable once all : the padding columns only feed tile columns that the caller drops (KeepInside); zeroing them keeps stale pool data (NaN, slow subnormals) out of the arithmetic
            if (cols < nr)
            {
                panel.Clear();
            }
            int start = offset + p0 * rs + (j0 + jr) * cs;
            if (cs == 1)
            {
                // Rows of B are contiguous: each row of the panel is one block copy.
                for (int k = 0; k < kc; k++)
                {
                    b.AsSpan(start + k * rs, cols).CopyTo(panel.Slice(k * nr, cols));
                }
            }
            else
            {
                CopyStrided(b, start, rs, cs, kc, cols, nr, panel);
            }
        }
    }

    /// <summary>
    /// panel[k·NR + j] = b[start + k·rs + j·cs] for k &lt; kc, j &lt; cols (NR = <paramref name="nr"/>): a B micro-panel
    /// whose rows are not contiguous, read along its shorter stride.
    /// </summary>
    private static void CopyStrided<T>(T[] b, int start, int rs, int cs, int kc, int cols, int nr, Span<T> panel)
    {
        // Stryker disable once all : which way the copy walks changes only the order of the reads, not a number copied
        bool alongRows = Math.Abs(cs) <= Math.Abs(rs);
        // Stryker disable once Boolean : the same choice as above
        if (alongRows)
        {
            for (int k = 0; k < kc; k++)
            {
                int at = start + k * rs;
                for (int j = 0; j < cols; j++)
                {
                    panel[k * nr + j] = b[at + j * cs];
                }
            }
        }
        else
        {
            // Columns of B are the short stride (a transposed view, as in x · Wᵀ): walk down each column.
            for (int j = 0; j < cols; j++)
            {
                int at = start + j * cs;
                for (int k = 0; k < kc; k++)
                {
                    panel[k * nr + j] = b[at + k * rs];
                }
            }
        }
    }
}
