using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
/// each micro-panel in consecutive cache lines. B is packed unless it is small, its rows are contiguous and few
/// rows of A on one thread use it (<see cref="MatMulBlocking.ReadsBInPlace{T}"/>); A unless its rows are contiguous,
/// or its columns are and few panels of B use it (<see cref="MatMulBlocking.ReadsAInPlace{T}"/>). A ragged last
/// micro-panel of either is always packed. Otherwise the micro-kernel reads
/// the operand where it lies (A through its two strides, B a row at a time), which saves the copy. The copies are
/// compiled fully optimised at their first call, as the micro-kernel is (<see cref="MatMulMicroKernel"/> says why).
/// </para>
/// </summary>
internal static class MatMulPacking
{
    /// <summary>The bytes of a cache line on x86, and of one AVX-512 vector.</summary>
    public const int CacheLine = 64;

    /// <summary>
    /// The first index of <paramref name="array"/> whose element starts a cache line: a block packed from there puts
    /// every 64-byte vector of a micro-panel in one line, where one that straddles two costs two reads of the L1 cache.
    /// The runtime aligns arrays to 8 bytes only, and may move a small one; if it does, a product is as right as ever,
    /// only not aligned. (The address is read as the distance from a null reference, which needs no unsafe code.)
    /// </summary>
    public static int CacheLineStart<T>(T[] array) where T : unmanaged
    {
        nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref MemoryMarshal.GetArrayDataReference(array));
        int pastLine = (int)(address & (CacheLine - 1));
        return (CacheLine - pastLine) % CacheLine / Unsafe.SizeOf<T>();
    }

    /// <summary>
    /// Packs A_b[i0 .. i0+mc, p0 .. p0+kc) into <paramref name="dst"/> as ⌈mc/MR⌉ micro-panels of MR·kc numbers,
    /// MR = <paramref name="mr"/>, the tile height of the micro-kernel that will read them: panel q holds
    /// panel_q[k·MR + i] = A[i0 + q·MR + i, p0 + k].
    /// </summary>
    public static void PackA<T>(in MatMulProblem<T> p, int offset, int i0, int mc, int p0, int kc, int mr, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        PackPanels(p.A, offset + i0 * p.ARowStride + p0 * p.AColStride, p.AColStride, p.ARowStride, kc, mc, mr, dst);

    /// <summary>
    /// Packs B_b[p0 .. p0+kc, j0 .. j0+nc) into <paramref name="dst"/> as ⌈nc/NR⌉ micro-panels of kc·NR numbers,
    /// panel_q[k·NR + j] = B[p0 + k, j0 + q·NR + j]; only micro-panels [firstPanel, endPanel) are written, so that several
    /// threads can share one block. NR = <paramref name="nr"/>, the tile width of the micro-kernel that will read them.
    /// </summary>
    public static void PackB<T>(in MatMulProblem<T> p, int offset, int p0, int kc, int j0, int nc, int nr,
        int firstPanel, int endPanel, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int first = firstPanel * nr, count = Math.Min(nc, endPanel * nr) - first;
        if (count > 0)
        {
            PackPanels(p.B, offset + p0 * p.BRowStride + (j0 + first) * p.BColStride, p.BRowStride, p.BColStride, kc, count, nr, dst[(first * kc)..]);
        }
    }

    /// <summary>
    /// The micro-panels of a block, each <paramref name="width"/> numbers wide: panels[q·width·kc + k·width + i] =
    /// src[start + k·kStep + (q·width + i)·iStep] for k &lt; kc and q·width + i &lt; count, i a row of A (width MR) or a
    /// column of B (width NR) and k the sum's index; a ragged last panel is padded with zeros, which then feed only the
    /// parts of a tile that the caller drops. When i's stride is 1 (a row-major B; a transposed A, as dyᵀ in dyᵀ · x) the
    /// whole block is copied a stored row at a time (<see cref="CopyRows"/>); otherwise a panel at a time
    /// (<see cref="CopyPanel"/>).
    /// </summary>
    internal static void PackPanels<T>(T[] src, int start, int kStep, int iStep, int kc, int count, int width, Span<T> panels)
        where T : unmanaged
    {
        ClearRaggedPanel(panels, count, width, kc);
        if (iStep == 1)
        {
            CopyRows(src, start, kStep, kc, count, width, panels);
            return;
        }
        for (int i = 0; i < count; i += width)
        {
            CopyPanel(src, start + i * iStep, kStep, iStep, kc, Math.Min(width, count - i), width, panels.Slice(i * kc, width * kc));
        }
    }

    /// <summary>
    /// Zeros the last of the micro-panels of <paramref name="count"/> rows or columns, <paramref name="width"/> wide, if
    /// it is ragged: its padding then feeds only the parts of a tile that the caller drops.
    /// </summary>
    private static void ClearRaggedPanel<T>(Span<T> dst, int count, int width, int kc)
    {
        int full = count / width;
        if (full * width < count)
        {
            dst.Slice(full * width * kc, width * kc).Clear();
        }
    }

    /// <summary>
    /// The micro-panels of a block whose i runs along the stored rows (a row-major B; a transposed A, whose column k is
    /// a stored row), copied a stored row at a time: panels[q·width·rows + k·width + j] = src[start + k·rowStride +
    /// q·width + j] for k &lt; rows and q·width + j &lt; count, micro-panel q being <paramref name="width"/> numbers wide
    /// (one panel when count ≤ width). The reads then run along each stored row, where the processor's prefetcher
    /// follows them; a panel at a time they jumped a whole row ahead for each panel row (the Shakespeare step, switched
    /// in one process: 0.975 of its time on AVX2, 0.962 on AVX-512; the baby model's 1.000). Each full panel row goes as
    /// whole <see cref="Vector{T}"/>s when it is a multiple of one (B's NR = two vectors), else, when it is at least one
    /// 128-bit vector long (A's MR = 6 or 12 numbers), as 128-bit vectors, the last one ending at the row's end (it may
    /// cover numbers the one before already copied); a ragged last panel a number at a time. Numbers of a panel past
    /// count are left as they are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CopyRows<T>(T[] src, int start, int rowStride, int rows, int count, int width, Span<T> panels)
        where T : unmanaged
    {
        int full = count / width, rest = count - full * width, v = Vector128<T>.Count;
        bool whole = width % Vector<T>.Count == 0 && Vector.IsHardwareAccelerated;
        bool by128 = !whole && width >= v && Vector128.IsHardwareAccelerated;
        nuint last = (nuint)(width - v);
        ref T s = ref MemoryMarshal.GetArrayDataReference(src);
        ref T d = ref MemoryMarshal.GetReference(panels);
        for (int k = 0; k < rows; k++)
        {
            ref T from = ref Unsafe.Add(ref s, start + k * rowStride); // the stored row k
            ref T to = ref Unsafe.Add(ref d, k * width);               // row k of the first panel
            for (int q = 0; q < full; q++)
            {
                ref T f = ref Unsafe.Add(ref from, q * width);
                ref T t = ref Unsafe.Add(ref to, q * width * rows);
                if (whole)
                {
                    for (nuint j = 0; j < (nuint)width; j += (nuint)Vector<T>.Count)
                    {
                        Vector.LoadUnsafe(ref f, j).StoreUnsafe(ref t, j);
                    }
                }
                else if (by128)
                {
                    for (nuint j = 0; j < last; j += (nuint)v)
                    {
                        Vector128.LoadUnsafe(ref f, j).StoreUnsafe(ref t, j);
                    }
                    Vector128.LoadUnsafe(ref f, last).StoreUnsafe(ref t, last);
                }
                else
                {
                    for (int j = 0; j < width; j++)
                    {
                        Unsafe.Add(ref t, j) = Unsafe.Add(ref f, j);
                    }
                }
            }
            for (int j = 0; j < rest; j++) // the ragged last panel, if any
            {
                panels[full * width * rows + k * width + j] = src[start + k * rowStride + full * width + j];
            }
        }
    }

    /// <summary>
    /// panel[k·width + i] = src[start + k·kStep + i·iStep] for k &lt; kc, i &lt; count: one micro-panel of A (i a row,
    /// width MR) or of B (i a column, width NR) copied through its two strides, when i's are not contiguous (those
    /// <see cref="PackPanels"/> copies a stored row at a time). When k's stride is 1 (a transposed B, as Wᵀ in x · Wᵀ) and
    /// the machine has AVX, floats go through <see cref="CopyTransposed"/>; else the plain loops.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CopyPanel<T>(T[] src, int start, int kStep, int iStep, int kc, int count, int width, Span<T> panel)
        where T : unmanaged
    {
        if (kStep == 1 && typeof(T) == typeof(float) && Avx.IsSupported)
        {
            CopyTransposed((float[])(object)src, start, iStep, kc, count, width, MemoryMarshal.Cast<T, float>(panel));
            return;
        }
        CopyPanelReference(src, start, kStep, iStep, kc, count, width, panel);
    }

    /// <summary>
    /// The reference of <see cref="CopyPanel"/>, one number at a time, walking along the shorter stride.
    /// </summary>
    internal static void CopyPanelReference<T>(T[] src, int start, int kStep, int iStep, int kc, int count, int width, Span<T> panel)
    {
        // Stryker disable once all : which way the copy walks changes only the order of the reads, not a number copied
        bool alongI = Math.Abs(iStep) <= Math.Abs(kStep);
        // Stryker disable once Boolean : the same choice as above
        if (alongI)
        {
            for (int k = 0; k < kc; k++)
            {
                int at = start + k * kStep;
                for (int i = 0; i < count; i++)
                {
                    panel[k * width + i] = src[at + i * iStep];
                }
            }
        }
        else
        {
            // The short stride is k's (a row-major A, or a transposed B as in x · Wᵀ): walk along k for each i.
            for (int i = 0; i < count; i++)
            {
                int at = start + i * iStep;
                for (int k = 0; k < kc; k++)
                {
                    panel[k * width + i] = src[at + k * kStep];
                }
            }
        }
    }

    /// <summary>
    /// <see cref="CopyPanel"/> for floats whose k runs along the source (kStep = 1), as x · Wᵀ packs Wᵀ: each micro-panel
    /// row k is a column of the source. Copied one number at a time, each store lands in another panel row; here every
    /// 8 × 8 block is read as eight vectors along k (sources i … i+7), transposed in registers, and written as eight
    /// vectors along i (panel rows k … k+7). The transpose: unpack pairs of sources (i, i+1) into
    /// (k0 of i, k0 of i+1, k1 of i, k1 of i+1), shuffle pairs of pairs into four numbers of one k, then join the
    /// 128-bit halves that hold k and k + 4. The block edges (count or kc not a multiple of 8) go one number at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void CopyTransposed(float[] src, int start, int iStep, int kc, int count, int width, Span<float> panel)
    {
        ref float s = ref MemoryMarshal.GetArrayDataReference(src);
        ref float d = ref MemoryMarshal.GetReference(panel);
        int fullI = count / 8 * 8, fullK = kc / 8 * 8;
        for (int i = 0; i < fullI; i += 8)
        {
            ref float row = ref Unsafe.Add(ref s, start + i * iStep); // src row i: its k-th number at row[k]
            for (int k = 0; k < fullK; k += 8)
            {
                ref float at = ref Unsafe.Add(ref row, k);
                var t0 = Avx.UnpackLow(Vector256.LoadUnsafe(ref at), Vector256.LoadUnsafe(ref at, (nuint)iStep));
                var t1 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref at), Vector256.LoadUnsafe(ref at, (nuint)iStep));
                var t2 = Avx.UnpackLow(Vector256.LoadUnsafe(ref at, (nuint)(2 * iStep)), Vector256.LoadUnsafe(ref at, (nuint)(3 * iStep)));
                var t3 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref at, (nuint)(2 * iStep)), Vector256.LoadUnsafe(ref at, (nuint)(3 * iStep)));
                var t4 = Avx.UnpackLow(Vector256.LoadUnsafe(ref at, (nuint)(4 * iStep)), Vector256.LoadUnsafe(ref at, (nuint)(5 * iStep)));
                var t5 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref at, (nuint)(4 * iStep)), Vector256.LoadUnsafe(ref at, (nuint)(5 * iStep)));
                var t6 = Avx.UnpackLow(Vector256.LoadUnsafe(ref at, (nuint)(6 * iStep)), Vector256.LoadUnsafe(ref at, (nuint)(7 * iStep)));
                var t7 = Avx.UnpackHigh(Vector256.LoadUnsafe(ref at, (nuint)(6 * iStep)), Vector256.LoadUnsafe(ref at, (nuint)(7 * iStep)));
                // u0 = (k0 of i … i+3 | k4 of i … i+3), u1 = k1 | k5, u2 = k2 | k6, u3 = k3 | k7; u4 … u7 the same for i+4 … i+7
                var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
                ref float to = ref Unsafe.Add(ref d, k * width + i); // panel row k, column i
                Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref to);
                Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref to, (nuint)width);
                Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref to, (nuint)(2 * width));
                Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref to, (nuint)(3 * width));
                Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref to, (nuint)(4 * width));
                Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref to, (nuint)(5 * width));
                Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref to, (nuint)(6 * width));
                Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref to, (nuint)(7 * width));
            }
        }
        // The edges: the last kc mod 8 rows of the panel for the blocks' sources, and the last count mod 8 sources.
        for (int i = 0; i < count; i++)
        {
            for (int k = i < fullI ? fullK : 0; k < kc; k++)
            {
                panel[k * width + i] = src[start + i * iStep + k];
            }
        }
    }
}
