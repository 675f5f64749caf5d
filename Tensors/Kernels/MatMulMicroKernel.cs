using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// The innermost piece of the fast matrix product: an MR × NR tile of C computed entirely in registers.
/// <para>
/// For each p in [0, kc) the tile receives the outer product of a column of MR numbers from A and a row of
/// NR numbers from B:  C[i, j] += A[i, p] · B[p, j]. B's NR numbers B[p, 0..NR] lie side by side, and the next p is
/// bRow further on: a packed micro-panel (see <see cref="MatMulPacking"/>) is one straight stream, bRow = NR; a small
/// row-major B read where it lies has bRow = its row stride. A is read through two
/// steps, so that it need not be copied when its rows or its columns are contiguous: the MR numbers A[0..MR, p]
/// are aRow apart, and the next p is aStep further on (a packed A micro-panel is the case aRow = 1, aStep = MR).
/// </para>
/// <para>
/// A row of the tile is two SIMD vectors (NR = 2 vector widths). Per step p the kernel loads the two vectors
/// of B once, and for each of the MR rows broadcasts A[i, p] to all lanes and does two fused multiply-adds.
/// That is 2·MR FMAs for 2 + MR loads; the 2·MR accumulators never leave the registers until the tile is done,
/// which is what makes the product compute-bound rather than memory-bound.
/// </para>
/// <para>
/// The three tiles are compiled fully optimised at their first call (<c>AggressiveOptimization</c>), as are the
/// packing copies and the elementwise row loops, instead of going through the JIT's tiers. The scratch CLI, the
/// lessons and the benchmarks turn the tiers off anyway; a program of the reader's own that uses the library has them
/// on. There the first calls run quick, unoptimised code until the runtime promotes the method, after a delay of 0.1 s
/// that restarts whenever a new method is compiled, and ten times as long (1 s) when the process has one processor (a
/// container limited to one CPU, <c>DOTNET_PROCESSOR_COUNT=1</c>). On one processor a product ran at 6 GFLOP/s for its
/// first 2.6 s instead of 140 (the Xeon, AVX-512, 256³), and 40 baby training steps took 5.1–5.8 s instead of 2.6–2.8.
/// </para>
/// </summary>
internal static class MatMulMicroKernel
{
    /// <summary>
    /// The rows of a register tile of kernel <paramref name="width"/>: 12 for AVX-512 (12 rows × 2 vectors = 24 accumulators
    /// of its 32 registers), 6 otherwise (12 accumulators of AVX2's 16). Each step p loads the two vectors of B once for MR
    /// rows, so a taller tile needs fewer bytes of B per FMA (a vector's bytes ÷ MR), which the L2 cache must deliver.
    /// </summary>
    public static int MR(int width) => width == 512 ? 12 : 6;

    /// <summary>The kernel this machine runs: 512 (AVX-512), 256 (AVX2) or 0 (scalar).</summary>
    // Stryker disable once Conditional : which kernel this machine runs decides the speed; MatMulForcedPathTests holds every kernel to the reference on any machine
    private static readonly int MachineWidth = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 0;

    /// <summary>
    /// For tests only: when set (512, 256 or 0), products use that kernel and its tile width instead of the machine's,
    /// so that every kernel is tested on any machine (Vector256 and Vector512 work without the hardware, in software).
    /// Flows to the code the test calls (AsyncLocal), not to other tests; null in production.
    /// </summary>
    internal static readonly AsyncLocal<int?> ForcedWidth = new();

    /// <summary>The kernel a product starting now uses: the machine's (<see cref="ForcedWidth"/> aside).</summary>
    public static int Width => ForcedWidth.Value ?? MachineWidth;

    /// <summary>Which kernel runs here, for benchmark reports.</summary>
    public static string Name => NameOf(MachineWidth);

    /// <summary>The name of kernel <paramref name="width"/> (512, 256 or 0) and its tile, MR × NR for floats.</summary>
    internal static string NameOf(int width) => width switch
    {
        512 => "Vector512 (AVX-512) FMA, 12 x 2 vectors",
        256 => "Vector256 (AVX2) FMA, 6 x 2 vectors",
        _ => "scalar, 6 x 8",
    };

    /// <summary>The columns of a register tile of kernel <paramref name="width"/> for element type <typeparamref name="T"/>: two SIMD vectors (8 without SIMD).</summary>
    public static int NR<T>(int width) => width switch
    {
        512 => 2 * Vector512<T>.Count,
        256 => 2 * Vector256<T>.Count,
        _ => 8,
    };

    /// <summary>
    /// C[i, j] = (accumulate ? C[i, j] : 0) + Σ_{p &lt; kc} A[i, p] · b[p·bRow + j] for the full MR × NR tile
    /// whose top-left element is <paramref name="c"/>, rows <paramref name="ldc"/> apart, with kernel <paramref name="width"/>.
    /// A[i, p] = a[i·aRow + p·aStep]: a packed micro-panel has aRow = 1, aStep = MR; a row-major A read where it
    /// lies has aRow = its row stride, aStep = 1; a transposed view has aRow = 1, aStep = its column stride.
    /// </summary>
    public static void Run<T>(int width, int kc, ref T a, nint aRow, nint aStep, ref T b, nint bRow, ref T c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (width == 512)
        {
            Run512(kc, ref a, aRow, aStep, ref b, bRow, ref c, ldc, accumulate);
        }
        else if (width == 256)
        {
            Run256(kc, ref a, aRow, aStep, ref b, bRow, ref c, ldc, accumulate);
        }
        else
        {
            RunScalar(kc, ref a, aRow, aStep, ref b, bRow, ref c, ldc, accumulate);
        }
    }

    /// <summary>
    /// The tile with 512-bit vectors (AVX-512): 12 × 32 floats or 12 × 16 doubles, 24 accumulators of the 32 registers.
    /// Rows 0 … 5 of A are read from <paramref name="a"/> and rows 6 … 11 from a second start six rows further, so that
    /// the same five row offsets serve both halves and the loop's addresses fit in the general-purpose registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run512<T>(int kc, ref T a, nint aRow, nint aStep, ref T b, nint bRow, ref T c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint w = (nuint)Vector512<T>.Count;
        nint a1 = aRow, a2 = 2 * aRow, a3 = 3 * aRow, a4 = 4 * aRow, a5 = 5 * aRow; // where rows 1 … 5 start, from row 0 or row 6
        ref T a6 = ref Unsafe.Add(ref a, 6 * aRow);                                  // A[6, p]
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<T> c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref b);     // B[p, 0..w)
            var b1 = Vector512.LoadUnsafe(ref b, w);  // B[p, w..2w)
            var ai = Vector512.Create(a);             // A[0, p] in every lane
            c00 = Fma(ai, b0, c00); c01 = Fma(ai, b1, c01);
            ai = Vector512.Create(Unsafe.Add(ref a, a1)); c10 = Fma(ai, b0, c10); c11 = Fma(ai, b1, c11);
            ai = Vector512.Create(Unsafe.Add(ref a, a2)); c20 = Fma(ai, b0, c20); c21 = Fma(ai, b1, c21);
            ai = Vector512.Create(Unsafe.Add(ref a, a3)); c30 = Fma(ai, b0, c30); c31 = Fma(ai, b1, c31);
            ai = Vector512.Create(Unsafe.Add(ref a, a4)); c40 = Fma(ai, b0, c40); c41 = Fma(ai, b1, c41);
            ai = Vector512.Create(Unsafe.Add(ref a, a5)); c50 = Fma(ai, b0, c50); c51 = Fma(ai, b1, c51);
            ai = Vector512.Create(a6);                    c60 = Fma(ai, b0, c60); c61 = Fma(ai, b1, c61);
            ai = Vector512.Create(Unsafe.Add(ref a6, a1)); c70 = Fma(ai, b0, c70); c71 = Fma(ai, b1, c71);
            ai = Vector512.Create(Unsafe.Add(ref a6, a2)); c80 = Fma(ai, b0, c80); c81 = Fma(ai, b1, c81);
            ai = Vector512.Create(Unsafe.Add(ref a6, a3)); c90 = Fma(ai, b0, c90); c91 = Fma(ai, b1, c91);
            ai = Vector512.Create(Unsafe.Add(ref a6, a4)); cA0 = Fma(ai, b0, cA0); cA1 = Fma(ai, b1, cA1);
            ai = Vector512.Create(Unsafe.Add(ref a6, a5)); cB0 = Fma(ai, b0, cB0); cB1 = Fma(ai, b1, cB1);
            a = ref Unsafe.Add(ref a, aStep);              // on to A[0, p + 1]
            a6 = ref Unsafe.Add(ref a6, aStep);            // and A[6, p + 1]
            b = ref Unsafe.Add(ref b, bRow);
        }
        Store(ref c, c00, c01, accumulate);
        Store(ref Unsafe.Add(ref c, ldc), c10, c11, accumulate);
        Store(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, accumulate);
        Store(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, accumulate);
        Store(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, accumulate);
        Store(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, accumulate);
        Store(ref Unsafe.Add(ref c, 6 * ldc), c60, c61, accumulate);
        Store(ref Unsafe.Add(ref c, 7 * ldc), c70, c71, accumulate);
        Store(ref Unsafe.Add(ref c, 8 * ldc), c80, c81, accumulate);
        Store(ref Unsafe.Add(ref c, 9 * ldc), c90, c91, accumulate);
        Store(ref Unsafe.Add(ref c, 10 * ldc), cA0, cA1, accumulate);
        Store(ref Unsafe.Add(ref c, 11 * ldc), cB0, cB1, accumulate);
    }

    /// <summary>The same tile with 256-bit vectors (AVX2): 6 × 16 floats or 6 × 8 doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run256<T>(int kc, ref T a, nint aRow, nint aStep, ref T b, nint bRow, ref T c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint w = (nuint)Vector256<T>.Count;
        nint a1 = aRow, a2 = 2 * aRow, a3 = 3 * aRow, a4 = 4 * aRow, a5 = 5 * aRow; // where rows 1 … 5 of A start
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadUnsafe(ref b);
            var b1 = Vector256.LoadUnsafe(ref b, w);
            var ai = Vector256.Create(a);
            c00 = Fma(ai, b0, c00);
            c01 = Fma(ai, b1, c01);
            ai = Vector256.Create(Unsafe.Add(ref a, a1));
            c10 = Fma(ai, b0, c10);
            c11 = Fma(ai, b1, c11);
            ai = Vector256.Create(Unsafe.Add(ref a, a2));
            c20 = Fma(ai, b0, c20);
            c21 = Fma(ai, b1, c21);
            ai = Vector256.Create(Unsafe.Add(ref a, a3));
            c30 = Fma(ai, b0, c30);
            c31 = Fma(ai, b1, c31);
            ai = Vector256.Create(Unsafe.Add(ref a, a4));
            c40 = Fma(ai, b0, c40);
            c41 = Fma(ai, b1, c41);
            ai = Vector256.Create(Unsafe.Add(ref a, a5));
            c50 = Fma(ai, b0, c50);
            c51 = Fma(ai, b1, c51);
            a = ref Unsafe.Add(ref a, aStep);
            b = ref Unsafe.Add(ref b, bRow);
        }
        Store(ref c, c00, c01, accumulate);
        Store(ref Unsafe.Add(ref c, ldc), c10, c11, accumulate);
        Store(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, accumulate);
        Store(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, accumulate);
        Store(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, accumulate);
        Store(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, accumulate);
    }

    /// <summary>The same tile without SIMD, for machines that have none; it reads A and B the same way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunScalar<T>(int kc, ref T a, nint aRow, nint aStep, ref T b, nint bRow, ref T c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = NR<T>(0), mr = MR(0);
        Span<T> tile = stackalloc T[mr * 8];
        // Stryker disable once Statement : stackalloc memory is already zeroed here (the compiler's localsinit; the project has no SkipLocalsInit); the explicit zeroing says what the sum starts from
        tile.Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < mr; i++)
            {
                T aip = Unsafe.Add(ref a, i * aRow + p * aStep);
                for (int j = 0; j < nr; j++)
                {
                    tile[i * nr + j] += aip * Unsafe.Add(ref b, p * bRow + j);
                }
            }
        }
        for (int i = 0; i < mr; i++)
        {
            for (int j = 0; j < nr; j++)
            {
                ref T cij = ref Unsafe.Add(ref c, i * ldc + j);
                cij = accumulate ? cij + tile[i * nr + j] : tile[i * nr + j];
            }
        }
    }

    /// <summary>
    /// a·b + c rounded once, for T = float or double (a tensor's two element types). typeof(T) is a constant to the JIT,
    /// which keeps only the live branch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }
        return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    /// <inheritdoc cref="Fma{T}(Vector512{T}, Vector512{T}, Vector512{T})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }
        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    /// <summary>Writes (or adds) one tile row, two vectors wide, at <paramref name="c"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(ref T c, Vector512<T> lo, Vector512<T> hi, bool accumulate)
    {
        nuint w = (nuint)Vector512<T>.Count;
        if (accumulate)
        {
            lo += Vector512.LoadUnsafe(ref c);
            hi += Vector512.LoadUnsafe(ref c, w);
        }
        lo.StoreUnsafe(ref c);
        hi.StoreUnsafe(ref c, w);
    }

    /// <inheritdoc cref="Store{T}(ref T, Vector512{T}, Vector512{T}, bool)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(ref T c, Vector256<T> lo, Vector256<T> hi, bool accumulate)
    {
        nuint w = (nuint)Vector256<T>.Count;
        if (accumulate)
        {
            lo += Vector256.LoadUnsafe(ref c);
            hi += Vector256.LoadUnsafe(ref c, w);
        }
        lo.StoreUnsafe(ref c);
        hi.StoreUnsafe(ref c, w);
    }
}
