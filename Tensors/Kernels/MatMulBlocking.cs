using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// The sizes that <see cref="MatMulFast"/> cuts a product into, and whether it copies B: numbers that decide only the
/// speed (every choice sums each C[i, j] over p in the same order), chosen for the caches of a typical x86 core
/// (L1 32–48 KiB, L2 1–2 MiB).
/// </summary>
internal static class MatMulBlocking
{
    /// <summary>The depth of a block: how many terms of the sum over p one pass of the micro-kernel adds.</summary>
    public const int KC = 256;

    /// <summary>The bytes of one packed block of B (KC × NC), sized to stay in the L2 cache.</summary>
    public const int BBlockBytes = 512 * 1024;

    /// <summary>
    /// Into how many chunks of rows a product on several threads cuts its rows, per core. Each thread takes the next
    /// chunk when it has finished one, and the product ends when the last chunk does, so a thread that is held up (another
    /// process on its core, a chunk that misses the cache) leaves the others waiting for at most one chunk. With 4 chunks
    /// a core, the Shakespeare model's threads spent about 3 % of a step's samples waiting at the products' ends
    /// (perf: the workers' spin and yield); with 16 (3,072 rows in chunks of 96) its step took a median 0.95 of the time
    /// (0.89–1.00 in twelve runs switched in one process, both widths). Chunks are not cut smaller than
    /// <see cref="MinChunkRows"/> for it, unless that leaves fewer than 4 a core.
    /// </summary>
    public const int ChunksPerCore = 16;

    /// <summary>
    /// The fewest rows in a chunk when there are 4 or more chunks a core anyway (a multiple of both tile heights, 6 and
    /// 12). The baby model's 768 rows on two cores stay in 8 chunks of 96, as with 4 a core: in 16 or 32 chunks its
    /// products ran 0.94–1.00× as fast on AVX-512, and its step took 1.00–1.05 of the time in four of five rounds side
    /// by side with the build before (AVX2, 16 chunks) and 1.02–1.04 (32 chunks, switched in one process).
    /// </summary>
    public const int MinChunkRows = 96;

    /// <summary>The most rows of A for which a small B is read where it lies (attention's products at T = 64 have 64).</summary>
    public const int BInPlaceRows = 64;

    /// <summary>
    /// Whether the micro-kernel reads B_b where it lies, its rows <see cref="MatMulProblem{T}.BRowStride"/> apart, instead
    /// of from packed panels: when B's rows are contiguous (a row of a panel is then NR numbers side by side), B is no
    /// bigger than one packed block (it stays in the L2 cache as it is), and the product runs on one thread with at most
    /// <see cref="BInPlaceRows"/> rows of A. Each packed number would then serve at most ⌈64 / MR⌉ row panels, too few to
    /// pay for the copy: attention's weights · v at T = 64 ran 1.10–1.22× as fast read in place. With more rows, or split
    /// over threads, the baby model's products ran 0.93–1.02× as fast, so they stay packed. A ragged last panel (fewer
    /// than NR columns) is packed either way, padded with zeros.
    /// </summary>
    public static bool ReadsBInPlace<T>(in MatMulProblem<T> p, int cores) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool small = (long)p.K * p.N * Unsafe.SizeOf<T>() <= BBlockBytes;
        return p.BColStride == 1 && small && cores == 1 && p.M <= BInPlaceRows;
    }

    /// <summary>The most rows of A for which a product on several threads splits its columns (<see cref="SplitsColumns"/>).</summary>
    public const int ColumnBandRows = 128;

    /// <summary>
    /// Whether a product on <paramref name="cores"/> threads gives each thread a band of B's columns, which it packs itself
    /// and multiplies by every row of A, in one parallel loop for the whole product; instead of packing each block of B
    /// once for all threads and handing out chunks of rows, two parallel loops a block. So when A has at most
    /// <see cref="ColumnBandRows"/> rows (too few to cut into many chunks; each thread reads all of them) and B at least two
    /// micro-panels of <paramref name="nr"/> columns a thread. The threads then never wait for each other between blocks,
    /// and no packed panel of B crosses from the core that packed it to another. Switched in one process against chunks of
    /// rows (2026-11-29, the Xeon, two threads; the time with bands over the time with chunks, medians of 24–40 pairs of
    /// runs, AVX-512 and AVX2): 128³ 0.68–0.82 and 0.87–0.88; 128 × 512 · 512 × 128 0.66–0.81 and 0.74–0.91; 64 × 512 ·
    /// 512 × 512 0.78–0.82 and 0.84–0.88; 128 × 1,024 · 1,024 × 1,024 0.96 and 0.98. With 192 rows 0.76–1.03, with 256 rows
    /// 0.88–1.14 (bands reach higher peaks, but a core taken by another process holds up a whole band), so not there. The
    /// baby model's step, whose weight gradients with 128 rows take this path, 0.99–1.01.
    /// </summary>
    public static bool SplitsColumns(int m, int n, int nr, int cores) => cores > 1 && m <= ColumnBandRows && n >= 2 * cores * nr;

    /// <summary>The fewest columns of B, in the panels one task multiplies, for which a transposed A is packed (<see cref="ReadsAInPlace{T}"/>).</summary>
    public const int PackedTransposedAColumns = 256;

    /// <summary>The shortest distance in bytes between A's columns (the stored matrix's rows) for which a transposed A is packed.</summary>
    public const int PackedTransposedAStrideBytes = 1536;

    /// <summary>
    /// Whether the micro-kernel reads A_b where it lies, through its two strides, for a task that multiplies
    /// <paramref name="columns"/> columns of B. Always when A's rows are contiguous: each step p reads one number from each
    /// of MR rows, all of which stay in L1 while the panel is in use. When only its columns are contiguous (a transposed
    /// A, as dyᵀ in the weight gradient dyᵀ · x), each step p reads its MR numbers from another cache line, a row of the
    /// stored matrix further on, so one micro-panel is spread over KC lines; far apart, they are slow to read, and A is
    /// packed into one straight stream of MR·KC numbers, a copy made once per block and read by every panel of B in it.
    /// Packed, the products with lines 4.5–6 KiB apart (the Shakespeare model's dyᵀ · x after c_attn and c_fc, 1,152 and
    /// 1,536 columns of dy) ran 1.12–1.31× as fast on both widths, 1.5 KiB apart (after c_proj and the MLP's output)
    /// 1.05–1.08× on AVX2 and 0.99–1.00× on AVX-512; 1 KiB apart or less 0.95–1.01×, and with 128 columns of B (the baby
    /// model's) 0.94–0.95×. So a transposed A is packed from <see cref="PackedTransposedAStrideBytes"/> apart and
    /// <see cref="PackedTransposedAColumns"/> columns. A with neither its rows nor its columns contiguous is always packed.
    /// </summary>
    public static bool ReadsAInPlace<T>(in MatMulProblem<T> p, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool farApart = (long)p.AColStride * Unsafe.SizeOf<T>() >= PackedTransposedAStrideBytes;
        return p.AColStride == 1 || (p.ARowStride == 1 && !(farApart && columns >= PackedTransposedAColumns));
    }

    /// <summary>The most numbers of a packed copy of all of A that a product keeps (<see cref="KeepsPackedA{T}"/>): 16 MiB of floats.</summary>
    public const int KeptAElements = 1 << 22;

    /// <summary>
    /// Whether a product packs A once, keeping the packed copy (⌈M/MR⌉·MR × K numbers) for all blocks of B's columns,
    /// instead of packing each chunk of rows again in each block of NC columns: when A is packed at all
    /// (<see cref="ReadsAInPlace{T}"/> with a block's <paramref name="nc"/> columns), B has more than one block, each chunk
    /// of rows is one task (with <paramref name="columnSplits"/> &gt; 1 several tasks would pack the same rows at once),
    /// and the copy is at most <see cref="KeptAElements"/>. Packed again in each block, a transposed A (xᵀ · dy, a weight
    /// gradient dyᵀ · x) was copied 4.5 times over in the GPT-2 small xᵀ · dy (2,304 columns): 5–7 % of the threads' time.
    /// Switched in one process (2026-11-30, the Xeon; time kept over time packed again, medians of 16–30 pairs of runs,
    /// AVX-512 and AVX2, three runs): xᵀ · dy (768 × 2,048 · 2,048 × 2,304) 0.94–0.97 and 0.95–0.96 on two threads,
    /// 0.93–0.98 and 0.93–0.96 on one; the Shakespeare model's dyᵀ · x after the MLP's output (384 × 3,072 · 3,072 × 1,536)
    /// 0.94–0.96 and 0.98; a transposed 1,024³ 0.96–0.99 and 0.99; x · Wᵀ, which does not take it, 1.00 and 1.01.
    /// </summary>
    public static bool KeepsPackedA<T>(in MatMulProblem<T> p, int mr, int nc, int columnSplits) where T : unmanaged, IFloatingPointIeee754<T> =>
        columnSplits == 1 && p.N > nc && !ReadsAInPlace(p, nc) && (long)RoundUp(p.M, mr) * p.K <= KeptAElements;

    /// <summary>
    /// The block sizes of one product on <paramref name="cores"/> threads: MC rows of A per task (a multiple of MR),
    /// NC columns of B per packed block (a multiple of NR, at most <see cref="BBlockBytes"/>), KC terms of the sum;
    /// the rows are split into chunks for the threads and, with few chunks, the columns too. On several threads the rows
    /// go in <see cref="ChunksPerCore"/> chunks per core, or in chunks of <see cref="MinChunkRows"/> rows if those are
    /// larger, but never fewer than 4 chunks per core.
    /// </summary>
    public static (int Mc, int Nc, int Kc, int RowChunks, int ColumnSplits) Sizes<T>(int m, int n, int k, int mr, int nr, int cores)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Stryker disable once all : the width of a block of columns decides only the speed: each C[i, j] gets the same sum in the same order
        int nc = Math.Max(nr, BBlockBytes / (KC * Unsafe.SizeOf<T>()) / nr * nr);
        // Stryker disable once all : the same
        nc = Math.Min(nc, RoundUp(n, nr));
        int kc = Math.Min(KC, k);
        // Stryker disable once Conditional,Equality,Linq : the height of a block of rows (clamped below) decides only the speed: each C[i, j] gets the same sum in the same order
        int mc = cores == 1 ? 64 * mr : RoundUp(Math.Max(m / (ChunksPerCore * cores), Math.Min(MinChunkRows, m / (4 * cores))), mr);
        mc = Math.Clamp(mc, mr, 64 * mr);
        int rowChunks = (m + mc - 1) / mc;
        // Stryker disable once Conditional,Equality,Arithmetic : into how many parts (at least 1) the columns are split decides only the speed; panelsPerSplit covers them all
        int columnSplits = cores == 1 ? 1 : Math.Max(1, 2 * cores / rowChunks);
        return (mc, nc, kc, rowChunks, columnSplits);
    }

    /// <summary>x rounded up to a multiple of <paramref name="multiple"/>.</summary>
    public static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
