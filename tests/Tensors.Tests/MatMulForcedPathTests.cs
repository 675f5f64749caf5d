using System.Numerics;
using FsCheck.Fluent;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// The matrix product's paths that size and hardware choose, run at the small shapes a test affords.
/// <see cref="MatMulFast.ForcedCores"/> and <see cref="MatMulThin.ForcedCores"/> make a product split its work as on a
/// machine with 1 to 7 cores whatever its size (whole products per thread, rows and columns split, B packed by several
/// threads); <see cref="MatMulMicroKernel.ForcedWidth"/> runs each micro-kernel (AVX-512, AVX2, scalar) on any machine.
/// Every combination, on every layout of A and B, must equal the three-loop reference.
/// </summary>
public sealed class MatMulForcedPathTests
{
    /// <summary>How an operand (batch, rows, cols) is stored: each takes another branch of the packing.</summary>
    private enum Layout
    {
        RowMajor,   // column stride 1
        Transposed, // row stride 1: a transposed view
        Strided,    // column stride 2, row stride 2·cols: every other column of a wider matrix
        Wide,       // column stride 1, row stride cols + 3: a block of a wider matrix
        Shared,     // one 2-D matrix for every batch entry (broadcast batch)
    }

    private static Tensor<T> Operand<T>(Rng rng, Layout layout, int batch, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T> =>
        layout switch
        {
            Layout.RowMajor => Tensor<T>.Randn(rng, batch, rows, cols),
            Layout.Transposed => Tensor<T>.Randn(rng, batch, cols, rows).Transpose(1, 2),
            Layout.Strided => Tensor<T>.Randn(rng, batch, rows, 2 * cols).Slice(2, 0, 2 * cols, 2),
            Layout.Wide => Tensor<T>.Randn(rng, batch, rows, cols + 3).Narrow(2, 1, cols),
            _ => Tensor<T>.Randn(rng, rows, cols),
        };

    /// <summary>A product on a forced number of cores and micro-kernel, against the reference.</summary>
    private sealed record Case(int Cores, int Width, bool Double, int Batch, int M, int K, int N, Layout A, Layout B, int Seed)
    {
        public override string ToString() =>
            $"cores {Cores}, kernel {Width}, {(Double ? "double" : "float")}, batch {Batch}, M {M}, K {K}, N {N}, A {A}, B {B}, seed {Seed}";
    }

    private static readonly FsCheck.Gen<Case> Cases =
        from cores in Gen.Choose(1, 7)
        from width in Gen.Elements(512, 256, 0)
        from isDouble in Gen.Elements(false, true)
        from batch in Gen.Frequency((3, Gen.Constant(1)), (2, Gen.Choose(2, 4)), (1, Gen.Choose(5, 30)))
        from m in Gen.Frequency((2, Gen.Choose(1, 4)), (3, Gen.Choose(5, 20)), (1, Gen.Elements(37, 61, 100)))
        from k in Gen.Frequency((3, Gen.Choose(1, 40)), (1, Gen.Elements(255, 257, 300)))
        from n in Gen.Frequency((3, Gen.Choose(1, 40)), (1, Gen.Elements(64, 97, 257, 300)))
        from a in Gen.Elements(Enum.GetValues<Layout>())
        from b in Gen.Elements(Enum.GetValues<Layout>())
        from seed in Properties.ValueSeed
        select new Case(cores, width, isDouble, batch, m, k, n, a, b, seed);

    /// <summary>A·B with the product forced onto <paramref name="cores"/> cores and micro-kernel <paramref name="width"/>.</summary>
    private static Tensor<T> ForcedMatMul<T>(Tensor<T> a, Tensor<T> b, int cores, int width) where T : unmanaged, IFloatingPointIeee754<T> =>
        MatMulForcing.Run(cores, width, () => Tensor<T>.MatMul(a, b));

    private static void AssertClose<T>(Tensor<T> expected, Tensor<T> actual, int k, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tol = (typeof(T) == typeof(float) ? 1e-6 : 1e-14) * 16 * Math.Sqrt(k);
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Assert.True(actual.AllClose(expected, rtol: tol, atol: tol), $"{what}: forced product differs from the reference");
    }

    private static void Run<T>(Case c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng((ulong)c.Seed);
        var a = Operand<T>(rng, c.A, c.Batch, c.M, c.K);
        var b = Operand<T>(rng, c.B, c.Batch, c.K, c.N);
        AssertClose(Tensor<T>.MatMulReference(a, b), ForcedMatMul(a, b, c.Cores, c.Width), c.K, c.ToString());
    }

    /// <summary>One product on every forced core count and kernel, against one reference result.</summary>
    private static void EveryPath<T>(int batch, int m, int k, int n, Layout layoutA, Layout layoutB) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(17);
        var a = Operand<T>(rng, layoutA, batch, m, k);
        var b = Operand<T>(rng, layoutB, batch, k, n);
        var expected = Tensor<T>.MatMulReference(a, b);
        foreach (int cores in new[] { 1, 2, 3, 8 })
        {
            foreach (int width in new[] { 512, 256, 0 })
            {
                AssertClose(expected, ForcedMatMul(a, b, cores, width), k,
                    $"{typeof(T).Name} ({batch}, {m}, {k}) · ({k}, {n}), A {layoutA}, B {layoutB}, cores {cores}, kernel {width}");
            }
        }
    }

    [Fact]
    public void EveryCoreCountAndMicroKernelEqualsTheReference() =>
        Properties.Check(Cases, c =>
        {
            if (c.Double)
            {
                Run<double>(c);
            }
            else
            {
                Run<float>(c);
            }
        }, count: 150);

    /// <summary>
    /// The shapes that reach each split: a second block of B's columns (N past NC: 256 doubles, 512 floats), two
    /// slices of the sum (K past 256), a band of columns per thread (at most 128 rows) or chunks of rows, rows split over
    /// more threads than row chunks, and batches split into whole products, on every kernel.
    /// </summary>
    [Theory]
    [InlineData(1, 50, 260, 260, true)]   // one product: rows and columns split, B in two NC blocks of 256 doubles
    [InlineData(1, 13, 40, 530, false)]   // float: two NC blocks of 512
    [InlineData(9, 7, 20, 30, true)]      // batch ≥ cores: whole products per thread
    [InlineData(2, 3, 50, 70, false)]     // thin A (M ≤ 4), columns split over the cores
    [InlineData(1, 128, 30, 300, false)]  // 128 rows: a band of columns per thread
    [InlineData(1, 129, 30, 300, false)]  // a row more: chunks of rows
    public void BlockEdgesOnEveryKernelAndCoreCount(int batch, int m, int k, int n, bool isDouble)
    {
        foreach (var (layoutA, layoutB) in new[] { (Layout.RowMajor, Layout.Transposed), (Layout.Transposed, Layout.RowMajor) })
        {
            if (isDouble)
            {
                EveryPath<double>(batch, m, k, n, layoutA, layoutB);
            }
            else
            {
                EveryPath<float>(batch, m, k, n, layoutA, layoutB);
            }
        }
    }

    /// <summary>
    /// A small B with contiguous rows is read where it lies (<see cref="MatMulBlocking.ReadsBInPlace{T}"/>) by a product on
    /// one thread with at most 64 rows of A; only a ragged last panel is packed. Its rows N or N + 3 apart, the sum in one
    /// slice or two, M on either side of 64, every kernel and core count.
    /// </summary>
    [Theory]
    [InlineData(1, 64, 40, 70)]  // on one thread in place (M = 64); N = 70: full panels and a ragged one on every kernel
    [InlineData(1, 65, 40, 70)]  // packed: a row more
    [InlineData(3, 20, 300, 64)] // two slices of the sum, the second added to the first
    public void SmallRowMajorBOnEveryKernelAndCoreCount(int batch, int m, int k, int n)
    {
        foreach (var layoutB in new[] { Layout.RowMajor, Layout.Wide, Layout.Shared })
        {
            foreach (var layoutA in new[] { Layout.RowMajor, Layout.Transposed })
            {
                EveryPath<float>(batch, m, k, n, layoutA, layoutB);
                EveryPath<double>(batch, m, k, n, layoutA, layoutB);
            }
        }
    }

    /// <summary>The rule that decides it, at the GPT's shapes and the square benchmark's.</summary>
    [Theory]
    [InlineData(64, 64, 32, 1, 1, true)]        // attention's weights · v at T = 64, one product per thread
    [InlineData(64, 512, 256, 1, 1, true)]      // exactly 512 KiB of floats
    [InlineData(64, 512, 257, 1, 1, false)]     // a column more: packed, so that each block stays in L2
    [InlineData(65, 64, 32, 1, 1, false)]       // a row more: the packed copy is used often enough
    [InlineData(64, 64, 32, 1, 2, false)]       // split over two threads: packed
    [InlineData(768, 384, 128, 1, 2, false)]    // the baby model's dx = dy·W on two threads: packed
    [InlineData(64, 64, 32, 64, 1, false)]      // B's columns contiguous (q · kᵀ): it must be packed
    public void ASmallRowMajorBIsReadInPlaceWhereTheCopyDoesNotPay(int m, int k, int n, int bColStride, int cores, bool expected)
    {
        var problem = new MatMulProblem<float>(m, n, k, [], [0], k, 1, [], [0], bColStride == 1 ? n : 1, bColStride, [], [0], n);
        Assert.Equal(expected, MatMulBlocking.ReadsBInPlace(problem, cores));
    }

    /// <summary>
    /// The rule that gives each thread a band of B's columns instead of chunks of rows (<see cref="MatMulBlocking.SplitsColumns"/>):
    /// at most 128 rows, at least two micro-panels a thread, more than one thread.
    /// </summary>
    [Theory]
    [InlineData(128, 128, 32, 2, true)]  // 128³ on two threads: two 32-wide panels each
    [InlineData(129, 128, 32, 2, false)] // a row more: chunks of rows
    [InlineData(128, 127, 32, 2, false)] // a column fewer: under two panels a thread
    [InlineData(128, 128, 16, 4, true)]  // AVX2's 16-wide panels on four threads
    [InlineData(1, 512, 32, 8, true)]    // one row, eight threads
    [InlineData(64, 511, 32, 8, false)]
    [InlineData(64, 4096, 32, 1, false)] // one thread: nothing to split
    public void FewRowsSplitTheirColumnsOverTheThreads(int m, int n, int nr, int cores, bool expected) =>
        Assert.Equal(expected, MatMulBlocking.SplitsColumns(m, n, nr, cores));

    /// <summary>
    /// A transposed A whose columns lie far apart is packed when a task multiplies many columns of B
    /// (<see cref="MatMulBlocking.ReadsAInPlace{T}"/>): on every core count and kernel, against the reference, with M a
    /// whole number of tiles or a ragged last one (a transposed A read in place is <see cref="MatMulBlockingTests"/>' and
    /// the random cases').
    /// </summary>
    [Theory]
    [InlineData(1, 390, 40, 300, false)] // floats 390 apart (1,560 bytes), 300 columns
    [InlineData(2, 200, 40, 260, true)]  // doubles 200 apart (1,600 bytes)
    [InlineData(1, 400, 270, 256, false)] // two slices of the sum, exactly 256 columns
    [InlineData(1, 390, 40, 600, false)]  // two blocks of 512 columns: A packed once and kept (a last block of 88 reads it in place)
    [InlineData(1, 400, 270, 1030, false)] // three blocks, two slices: the kept copy read slice by slice
    [InlineData(2, 200, 270, 600, true)]  // doubles, three blocks of 256
    public void FarApartTransposedAOnEveryKernelAndCoreCount(int batch, int m, int k, int n, bool isDouble)
    {
        foreach (var layoutB in new[] { Layout.RowMajor, Layout.Transposed })
        {
            if (isDouble)
            {
                EveryPath<double>(batch, m, k, n, Layout.Transposed, layoutB);
            }
            else
            {
                EveryPath<float>(batch, m, k, n, Layout.Transposed, layoutB);
            }
        }
    }

    /// <summary>The rule that decides it: A's strides in elements, the columns of B one task multiplies.</summary>
    [Theory]
    [InlineData(1152, 1, 384, false, false)] // the Shakespeare model's dyᵀ · x after c_attn: packed
    [InlineData(384, 1, 384, false, false)]  // 1,536 bytes apart: packed
    [InlineData(383, 1, 384, false, true)]   // 1,532 bytes apart: in place
    [InlineData(192, 1, 384, true, false)]   // doubles, 1,536 bytes apart: packed
    [InlineData(1152, 1, 255, false, true)]  // a column fewer than 256: in place
    [InlineData(1152, 1, 256, false, false)] // 256 columns: packed
    [InlineData(1, 1152, 384, false, true)]  // a row-major A: always in place
    [InlineData(2, 2304, 384, false, false)] // neither rows nor columns contiguous: always packed
    public void ATransposedAIsPackedWhereItsColumnsLieFarApart(int aColStride, int aRowStride, int columns, bool isDouble, bool expected)
    {
        Assert.Equal(expected, isDouble
            ? MatMulBlocking.ReadsAInPlace(new MatMulProblem<double>(8, columns, 8, [], [0], aRowStride, aColStride, [], [0], columns, 1, [], [0], columns), columns)
            : MatMulBlocking.ReadsAInPlace(new MatMulProblem<float>(8, columns, 8, [], [0], aRowStride, aColStride, [], [0], columns, 1, [], [0], columns), columns));
    }

    /// <summary>
    /// The rule that keeps a packed copy of A for all blocks of B's columns (<see cref="MatMulBlocking.KeepsPackedA{T}"/>),
    /// for a transposed float A with its columns <paramref name="aColStride"/> apart, MR = 12 and NC = 512.
    /// </summary>
    [Theory]
    [InlineData(768, 2048, 2304, 768, 1, true)]    // GPT-2 small's xᵀ · dy: A packed, 4.5 blocks of columns
    [InlineData(768, 2048, 512, 768, 1, false)]    // one block of columns: nothing to keep it for
    [InlineData(768, 2048, 513, 768, 1, true)]     // a column more: two blocks
    [InlineData(768, 2048, 2304, 768, 2, false)]   // the columns split over tasks, which would pack the same rows
    [InlineData(768, 2048, 2304, 383, 1, false)]   // A's columns 1,532 bytes apart: read in place, not packed
    [InlineData(2040, 2048, 2304, 2040, 1, true)]  // 170 tiles of 12 rows × 2,048 terms: under 2²² numbers
    [InlineData(2041, 2048, 2304, 2041, 1, false)] // a row more: 171 tiles, 2,052 × 2,048 numbers, over
    public void APackedOnceIsKeptForEveryBlockOfColumnsUpToItsLimit(int m, int k, int n, int aColStride, int columnSplits, bool expected) =>
        Assert.Equal(expected, MatMulBlocking.KeepsPackedA(new MatMulProblem<float>(m, n, k, [], [0], 1, aColStride, [], [0], n, 1, [], [0], n),
            mr: 12, nc: 512, columnSplits));

    /// <summary>
    /// C = Σₚ A[0, p]·B[p, 0] of two terms, −(1 + 2ε) and (1 + ε)² (ε = 2⁻¹² in float, 2⁻²⁷ in double), which the kernels
    /// add with one fused multiply-add: the exact ε² is kept, where a product rounded first ((1 + ε)² → 1 + 2ε) would give 0.
    /// The two terms sit W apart along the sum (W the lanes of a vector), so every kernel adds them in one accumulator:
    /// the blocked product on the AVX-512 and AVX2 micro-kernels, and the thin product's dot products and row sums.
    /// </summary>
    private static void FusedMultiplyAddKeepsTheExactResult<T>(double epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = System.Numerics.Vector<T>.Count, k = 2 * w;
        T big = T.CreateChecked(1 + epsilon), expected = T.CreateChecked(epsilon * epsilon);
        foreach (var (m, n, transposedB) in new[] { (7, 40, false), (7, 40, true), (1, w, false), (1, w, true) })
        {
            var a = Tensor<T>.Zeros(m, k);
            a[0, 0] = -T.CreateChecked(1 + 2 * epsilon);
            a[0, w] = big;
            var bt = Tensor<T>.Zeros(n, k); // Bᵀ, so that B can be read either way
            bt[0, 0] = T.One;
            bt[0, w] = big;
            var b = transposedB ? bt.Transpose() : bt.Transpose().Contiguous();
            foreach (int width in new[] { 512, 256 })
            {
                var c = ForcedMatMul(a, b, cores: 1, width);
                Assert.True(c[0, 0] == expected, $"{typeof(T).Name} ({m}, {k})·({k}, {n}), B {(transposedB ? "transposed" : "row-major")}, kernel {width}: C[0, 0] = {c[0, 0]}, the fused result is {expected}");
            }
        }
    }

    [Fact]
    public void FusedMultiplyAddKeepsTheExactResultFloat() => FusedMultiplyAddKeepsTheExactResult<float>(1.0 / 4096);

    [Fact]
    public void FusedMultiplyAddKeepsTheExactResultDouble() => FusedMultiplyAddKeepsTheExactResult<double>(1.0 / (1 << 27));
}
