using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// The fast matrix product, in the style of GotoBLAS and BLIS: C = A · B computed as a sum of small register
/// tiles, with the operands copied ("packed") and blocked so that each tile's inputs sit in the closest cache.
/// <code>
/// for jc in 0..N step NC:                  a block of columns of B and C
///   for pc in 0..K step KC:                a slice of the sum over p
///     pack B[pc.., jc..]   (KC × NC)       stays in the L2 cache, shared by all threads; a small row-major B
///                                          is read where it lies instead, by a product of few rows on one thread
///     for ic in 0..M step MC:              rows of A and C (in parallel)
///       pack A[ic.., pc..] (MC × KC)       unless its rows are contiguous, or its columns are and the task has
///                                          few columns of B: then the micro-kernel reads A where it lies
///                                          (or packed in the first jc block only and kept for the others)
///       for ir in 0..MC step MR:           one A micro-panel (MR × KC), stays in L1; with a known zero triangle
///                                          (causal attention's weights) only the terms its rows need
///         for jr in 0..NC step NR:         one B micro-panel (KC × NR), streams from L2
///           C[ir.., jr..] += Apanel · Bpanel      the micro-kernel: MR × NR in registers
/// </code>
/// A product of few rows (at most 128) on several threads instead gives each thread a band of B's columns, through all
/// of these loops (<see cref="ColumnBands"/>, <see cref="MatMulBlocking.SplitsColumns"/>).
/// Each number of B is then packed once (or not at all), and each number of A (when it is packed) N/NC times, or
/// once where the packed copy is kept (<see cref="MatMulBlocking.KeepsPackedA{T}"/>); the plain loops
/// read them N and M times. The 2·M·N·K flops run from registers and the L1 cache. Reading A in place saves its
/// copy, which costs most where N is small (the GPT's products: N = 128 … 512 against M = B·T rows), and a row-major
/// A is as fast in the kernel, since a micro-panel's MR rows stay in L1 either way; a transposed A is not
/// (<see cref="MatMulBlocking.ReadsAInPlace{T}"/>).
/// The sizes (<see cref="MatMulBlocking"/>): KC = 256 makes an A micro-panel of floats 6 × 256 × 4 bytes = 6 KiB, or 12 KiB with AVX-512's 12 rows
/// (L1 is 32–48 KiB); NC is chosen so that
/// a packed KC × NC block of B is 512 KiB, half of a typical L2.
/// </summary>
internal static partial class MatMulFast
{
    /// <summary>Below this many multiply-adds a product runs on one thread: waking the others costs more.</summary>
    private const long ParallelWork = 1L << 21;

    /// <summary>A block of B smaller than this is packed by one thread.</summary>
    private const long SerialPackElements = 1L << 15;

    /// <summary>
    /// For tests only: when set, the product runs as if the machine had this many cores and every product were
    /// large, so the parallel paths (whole products per thread, rows and columns split over threads, B packed by
    /// several threads) run at the small shapes a test can afford, whatever the real number of cores. Flows to the
    /// code the test calls (AsyncLocal), not to other tests; null in production.
    /// </summary>
    internal static readonly AsyncLocal<int?> ForcedCores = new();

    /// <summary>Computes every C_b of the problem; equal to <see cref="MatMulReference.Run{T}"/> up to rounding.</summary>
    public static void Run<T>(MatMulProblem<T> p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Stryker disable once Logical : C is empty when M, N or the batch is 0, and the code below writes nothing into it (its loops run zero times)
        if (p.M == 0 || p.N == 0 || p.Batch == 0)
        // Stryker disable once Block,Statement : the same: an empty C, and loops below that run zero times; the return only skips the set-up
        {
            return;
        }
        if (p.K == 0)
        {
            for (int b = 0; b < p.Batch; b++)
            {
                for (int i = 0; i < p.M; i++)
                {
                    p.C.AsSpan(p.COffsets[b] + i * p.CRowStride, p.N).Clear(); // an empty sum
                }
            }
            // Stryker disable once Statement : with K = 0 the code below adds no slice of the sum (its loop over p runs zero times), so C stays the zeros just written
            return;
        }
        if (MatMulThin.Applies(p))
        {
            MatMulThin.Run(p); // a few rows of A (a token at a time): read B once, in place, instead of packing it
            return;
        }
        // Stryker disable once Arithmetic : the work only chooses the path (below); every path sums each C[i, j] over p in the same order, so the choice decides only the speed (MatMulForcedPathTests, MatMulBlockingTests)
        long work = (long)p.M * p.N * p.K;
        int? forced = ForcedCores.Value;
        // Stryker disable once NullCoalescing : the number of cores only chooses the path and the split; every path sums each C[i, j] over p in the same order, so the choice decides only the speed (MatMulForcedPathTests, MatMulBlockingTests)
        int cores = forced ?? Environment.ProcessorCount;
        // Stryker disable once Equality,Arithmetic : below this much work one thread is faster; every path sums each C[i, j] over p in the same order (MatMulForcedPathTests)
        bool small = work * p.Batch < ParallelWork;
        // Stryker disable once all : one thread, whole products per thread, or each product split over the cores: every path sums each C[i, j] over p in the same order, so the choice decides only the speed (MatMulForcedPathTests, MatMulBlockingTests)
        bool oneThread = cores == 1 || (forced is null && small), wholeProducts = p.Batch >= 4 * cores || (p.Batch >= cores && work < ParallelWork);
        // Stryker disable once Boolean : the same choice as above
        if (oneThread)
        {
            for (int b = 0; b < p.Batch; b++)
            {
                Gemm(p, b, cores: 1);
            }
        }
        else if (wholeProducts)
        {
            // Many products (attention: one per batch and head): give each thread whole products.
            Workers.For(p.Batch, b => Gemm(p, b, cores: 1));
        }
        else
        {
            for (int b = 0; b < p.Batch; b++)
            {
                Gemm(p, b, cores);
            }
        }
    }

    /// <summary>
    /// C_b = A_b · B_b, blocked and packed as described on the class, on up to <paramref name="cores"/> threads: with few
    /// rows a band of B's columns a thread (<see cref="ColumnBands"/>), else chunks of rows sharing each packed block of B
    /// (<see cref="RowChunks"/>).
    /// </summary>
    private static void Gemm<T>(MatMulProblem<T> p, int b, int cores) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (MatMulBlocking.SplitsColumns(p.M, p.N, MatMulMicroKernel.NR<T>(MatMulMicroKernel.Width), cores))
        {
            ColumnBands(p, b, cores);
        }
        else
        {
            RowChunks(p, b, cores);
        }
    }

    /// <summary>
    /// A block of KC × NC numbers of B to pack into, rented: it starts on a cache line, so that no vector of a B
    /// micro-panel straddles two (a rented array starts wherever the runtime put it): products of 512-bit vectors ran
    /// 1.00–1.15× as fast. Return <paramref name="rented"/> to the pool after.
    /// </summary>
    private static ArraySegment<T> RentBlock<T>(int kc, int nc, out T[] rented) where T : unmanaged
    {
        rented = ArrayPool<T>.Shared.Rent(kc * nc + MatMulPacking.CacheLine / Unsafe.SizeOf<T>());
        return new ArraySegment<T>(rented, MatMulPacking.CacheLineStart(rented), kc * nc);
    }

    /// <summary>
    /// C_b = A_b · B_b on up to <paramref name="cores"/> threads, which share each packed block of B and take chunks of rows.
    /// Where <see cref="MatMulBlocking.KeepsPackedA{T}"/> says so, A is packed only in the first block of B's columns,
    /// into a copy of the whole of it that the later blocks read: slice after slice of KC terms, the chunks of a slice
    /// side by side, so that the chunk [ic, ic + mc) of the slice at pc starts at pc · ⌈M/MR⌉·MR + ic · kc.
    /// </summary>
    private static void RowChunks<T>(MatMulProblem<T> p, int b, int cores) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = p.M, n = p.N, k = p.K, width = MatMulMicroKernel.Width, mr = MatMulMicroKernel.MR(width), nr = MatMulMicroKernel.NR<T>(width);
        var (mc, nc, kc, rowChunks, columnSplits) = MatMulBlocking.Sizes<T>(m, n, k, mr, nr, cores);
        // Stryker disable once Equality : it only lets a small block of B be packed by several threads (below), the same copy
        bool forced = ForcedCores.Value is not null;
        bool bInPlace = MatMulBlocking.ReadsBInPlace(p, cores);
        int aRows = MatMulBlocking.RoundUp(m, mr);
        T[]? keptA = MatMulBlocking.KeepsPackedA(p, mr, nc, columnSplits) ? ArrayPool<T>.Shared.Rent(aRows * k) : null;
        var bPack = RentBlock<T>(kc, nc, out T[] rented);
        try
        {
            for (int jc = 0; jc < n; jc += nc)
            {
                int ncb = Math.Min(nc, n - jc);
                int panels = (ncb + nr - 1) / nr;
                int panelsPerSplit = (panels + columnSplits - 1) / columnSplits;
                for (int pc = 0; pc < k; pc += kc)
                {
                    int kcb = Math.Min(kc, k - pc);
                    bool accumulate = pc > 0; // the first slice of the sum writes C, the others add to it
                    PackBlockOfB(p, b, pc, kcb, jc, ncb, nr, panels, bPack, cores, forced, bInPlace);
                    // rows [ic, ic + mc) of C times panels [first, end) of the block; A packed once into keptA when it is kept
                    void Chunk(int ic, int first, int end) => Block(p, b, ic, Math.Min(mc, m - ic), pc, kcb, jc, ncb, width, first, end, bPack,
                        bInPlace, accumulate, keptA is null ? default : new(keptA, pc * aRows + ic * kcb, Math.Min(mc, aRows - ic) * kcb), packKeptA: jc == 0);
                    // Stryker disable once Equality : on one core the loop below computes the same blocks as the parallel path, without the threads
                    bool serial = cores == 1;
                    // Stryker disable once Boolean : the same choice as above
                    if (serial)
                    {
                        // Stryker disable once Equality : one more block at ic = m would have no rows (Math.Min gives 0), so its loops would run zero times
                        for (int ic = 0; ic < m; ic += mc)
                        {
                            Chunk(ic, 0, panels);
                        }
                        continue;
                    }
                    Workers.For(rowChunks * columnSplits, task =>
                    {
                        int split = task % columnSplits, firstPanel = split * panelsPerSplit, endPanel = Math.Min(panels, firstPanel + panelsPerSplit);
                        if (firstPanel < endPanel)
                        {
                            Chunk(task / columnSplits * mc, firstPanel, endPanel);
                        }
                    });
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rented);
            if (keptA is not null)
            {
                ArrayPool<T>.Shared.Return(keptA);
            }
        }
    }

    /// <summary>
    /// Packs the block B_b[pc .. pc+kc, jc .. jc+nc) into <paramref name="bPack"/> as <paramref name="panels"/> micro-panels
    /// NR = <paramref name="nr"/> wide: on one thread when there is one core or the block is small (unless <paramref name="forced"/>), else
    /// each of the <paramref name="cores"/> threads packs its share of the panels. When the kernel reads B in place
    /// (<paramref name="bInPlace"/>), only a ragged last panel, if any.
    /// </summary>
    private static void PackBlockOfB<T>(MatMulProblem<T> p, int b, int pc, int kc, int jc, int nc, int nr, int panels, ArraySegment<T> bPack,
        int cores, bool forced, bool bInPlace) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Stryker disable once Boolean : packing every panel copies the same numbers; the kernel reads all but a ragged one where B lies anyway
        if (bInPlace)
        {
            MatMulPacking.PackB(p, p.BOffsets[b], pc, kc, jc, nc, nr, nc / nr, panels, bPack);
            return;
        }
        // Stryker disable once all : one thread or several pack the same numbers into the same places
        bool serialPack = cores == 1 || (!forced && (long)kc * nc < SerialPackElements);
        // Stryker disable once Boolean : the same choice as above
        if (serialPack)
        {
            MatMulPacking.PackB(p, p.BOffsets[b], pc, kc, jc, nc, nr, 0, panels, bPack);
            // Stryker disable once Statement : without the return the threads below pack the same numbers again, into the same places
            return;
        }
        Workers.For(cores, t =>
        {
            int first = t * panels / cores, end = (t + 1) * panels / cores;
            MatMulPacking.PackB(p, p.BOffsets[b], pc, kc, jc, nc, nr, first, end, bPack);
        });
    }

    /// <summary>
    /// Runs the micro-kernel over rows [ic, ic+mc) × columns [pc, pc+kc) of A_b and the B micro-panels
    /// [firstPanel, endPanel) of the block (packed, or read where B lies when <paramref name="bInPlace"/>, all but a ragged
    /// last panel), updating C_b[ic.., jc..]. When <see cref="MatMulBlocking.ReadsAInPlace{T}"/> says so the kernel reads
    /// A where it lies (only a ragged last panel of fewer than MR rows is packed, padded with zeros); otherwise the block
    /// of A is packed first: into a rented block, or when <paramref name="keptA"/> is given (the place of this block in a
    /// packed copy of all of A, <see cref="RowChunks"/>) into it when <paramref name="packKeptA"/>, else it is read
    /// from there as an earlier block of columns packed it.
    /// </summary>
    private static void Block<T>(in MatMulProblem<T> p, int b, int ic, int mc, int pc, int kc, int jc, int nc, int width,
        int firstPanel, int endPanel, ArraySegment<T> bPack, bool bInPlace, bool accumulate, ArraySegment<T> keptA = default, bool packKeptA = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mr = MatMulMicroKernel.MR(width), nr = MatMulMicroKernel.NR<T>(width);
        int ldc = p.CRowStride;
        // Stryker disable once all : packed or read in place through any two strides, the kernel multiplies the same numbers in the same order; packing only makes A faster to read
        bool inPlace = MatMulBlocking.ReadsAInPlace(p, (endPanel - firstPanel) * nr);
        // Stryker disable once Logical : only the last, narrowest block of columns can read A in place, after the copy's other readers; in place, it would write only a ragged panel into the copy
        bool kept = keptA.Array is not null && !inPlace;
        T[] aPack = kept ? keptA.Array! : ArrayPool<T>.Shared.Rent(inPlace ? mr * kc : MatMulBlocking.RoundUp(mc, mr) * kc);
        int aAt = kept ? keptA.Offset : 0;
        Span<T> edge = stackalloc T[mr * nr]; // one tile, for the ragged edges
        try
        {
            if (!inPlace && (!kept || packKeptA))
            {
                MatMulPacking.PackA(p, p.AOffsets[b], ic, mc, pc, kc, mr, aPack.AsSpan(aAt));
            }
            ref T bStart = ref MemoryMarshal.GetReference(bPack.AsSpan());
            ref T cStart = ref MemoryMarshal.GetArrayDataReference(p.C);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                var (skip, terms) = Terms(p.ATriangle, ic + ir, rows, pc, kc); // the terms of the slice these rows need
                if (terms == 0 && accumulate)
                {
                    continue; // all zeros: nothing to add (a first slice still writes its zeros below)
                }
                ref T aPanel = ref APanel(p, b, ic + ir, rows, pc, kc, mr, inPlace, aPack, aAt + ir * kc, out nint aRow, out nint aStep);
                aPanel = ref Unsafe.Add(ref aPanel, skip * aStep);
                for (int panel = firstPanel; panel < endPanel; panel++)
                {
                    int jr = panel * nr;
                    int cols = Math.Min(nr, nc - jr);
                    ref T bPanel = ref BPanel(p, b, pc, jc + jr, bInPlace && cols == nr, ref Unsafe.Add(ref bStart, jr * kc), nr, out nint bRow);
                    bPanel = ref Unsafe.Add(ref bPanel, skip * bRow);
                    int cAt = p.COffsets[b] + (ic + ir) * ldc + jc + jr;
                    if (rows == mr && cols == nr)
                    {
                        MatMulMicroKernel.Run(width, terms, ref aPanel, aRow, aStep, ref bPanel, bRow, ref Unsafe.Add(ref cStart, cAt), ldc, accumulate);
                        continue;
                    }
                    // A ragged tile at the bottom or right edge: compute the full tile aside, keep the part inside C.
                    MatMulMicroKernel.Run(width, terms, ref aPanel, aRow, aStep, ref bPanel, bRow, ref MemoryMarshal.GetReference(edge), nr, accumulate: false);
                    KeepInside(p.C.AsSpan(cAt), ldc, edge, nr, rows, cols, accumulate);
                }
            }
        }
        finally
        {
            if (!kept)
            {
                ArrayPool<T>.Shared.Return(aPack);
            }
        }
    }
}
