using System.Numerics;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// The blocked product (<see cref="MatMulFast"/>) called directly on a <see cref="MatMulProblem{T}"/>, for what the
/// tensor-level tests cannot see: that C's old contents never enter the result (Tensor.MatMul hands the kernel an
/// uninitialised C, which is often zeros, so a kernel that adds to C instead of writing it would mostly go unseen
/// there), and how the sum over p is cut into slices of KC = 256 terms, each rounded once into C.
/// </summary>
public sealed class MatMulBlockingTests
{
    /// <summary>How an operand (batch, rows, cols) is stored: each takes another branch of the packing or reads it in place.</summary>
    private enum Layout
    {
        RowMajor,   // column stride 1: read in place, rows packed only at a ragged edge
        Transposed, // row stride 1: read in place through its column stride (few columns of B, rows close together here)
        Strided,    // column stride 2, row stride 2·cols: packed
    }

    /// <summary>The storage, per-batch offsets and (row, column) strides of a random (batch, rows, cols) operand.</summary>
    private static (T[] Data, int[] Offsets, int RowStride, int ColStride) Operand<T>(Random r, Layout layout, int batch, int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = rows * cols * (layout == Layout.Strided ? 2 : 1); // one batch entry's storage
        var data = new T[batch * size];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = T.CreateChecked(2 * r.NextDouble() - 1);
        }
        int[] offsets = [.. Enumerable.Range(0, batch).Select(b => b * size)];
        return layout switch
        {
            Layout.RowMajor => (data, offsets, cols, 1),
            Layout.Transposed => (data, offsets, 1, rows),
            _ => (data, offsets, 2 * cols, 2),
        };
    }

    /// <summary>
    /// A problem C = A·B whose C is filled with NaN, so that any old value that leaks into the result shows. With
    /// <paramref name="paddedC"/>, C's rows are n + 3 apart and each C_b starts one place later than packed (a view such
    /// as attention's output), and the places between them hold 7, which the product must leave alone.
    /// </summary>
    private static MatMulProblem<T> Problem<T>(int seed, int batch, int m, int k, int n, Layout layoutA, Layout layoutB, bool paddedC = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new Random(seed);
        var a = Operand<T>(r, layoutA, batch, m, k);
        var b = Operand<T>(r, layoutB, batch, k, n);
        int ldc = paddedC ? n + 3 : n, start = paddedC ? 1 : 0;
        int[] cOffsets = [.. Enumerable.Range(0, batch).Select(i => start + i * m * ldc)];
        var c = new T[batch * m * ldc + start];
        Array.Fill(c, T.CreateChecked(7));
        foreach (int offset in cOffsets)
        {
            for (int i = 0; i < m; i++)
            {
                c.AsSpan(offset + i * ldc, n).Fill(T.NaN);
            }
        }
        return new MatMulProblem<T>(m, n, k, a.Data, a.Offsets, a.RowStride, a.ColStride, b.Data, b.Offsets, b.RowStride, b.ColStride, c, cOffsets, ldc);
    }

    /// <summary>Runs the blocked product as on a machine of <paramref name="cores"/> cores with kernel <paramref name="width"/>.</summary>
    private static void RunForced<T>(MatMulProblem<T> p, int cores, int width) where T : unmanaged, IFloatingPointIeee754<T> =>
        MatMulForcing.Run(cores, width, () => MatMulFast.Run(p));

    private static void WritesEveryElementOfC<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tol = typeof(T) == typeof(float) ? 1e-4 : 1e-12;
        // (batch, M, K, N): an empty sum; one slice with ragged row and column edges; two slices of the sum (K past 256)
        // with edges; a batch of whole products per thread.
        foreach (var (batch, m, k, n) in new[] { (2, 13, 0, 5), (1, 13, 20, 37), (1, 29, 300, 70), (9, 7, 5, 19) })
        {
            foreach (var (layoutA, layoutB, paddedC) in new[] { (Layout.RowMajor, Layout.RowMajor, false), (Layout.Transposed, Layout.Strided, false),
                (Layout.Strided, Layout.Transposed, false), (Layout.RowMajor, Layout.Transposed, true) })
            {
                var expected = Problem<T>(seed: 5, batch, m, k, n, layoutA, layoutB, paddedC);
                MatMulReference.Run(expected);
                foreach (int cores in new[] { 1, 3 })
                {
                    foreach (int width in new[] { 512, 256, 0 })
                    {
                        var p = Problem<T>(seed: 5, batch, m, k, n, layoutA, layoutB, paddedC);
                        RunForced(p, cores, width);
                        for (int i = 0; i < p.C.Length; i++)
                        {
                            double want = double.CreateChecked(expected.C[i]), got = double.CreateChecked(p.C[i]);
                            Assert.True(Math.Abs(got - want) <= tol * (1 + Math.Abs(want)),
                                $"{typeof(T).Name} batch {batch}, ({m}, {k})·({k}, {n}), A {layoutA}, B {layoutB}, C padded {paddedC}, cores {cores}, kernel {width}: C[{i}] = {got}, the reference gives {want}");
                        }
                    }
                }
            }
        }
    }

    /// <summary>C starts as NaN: every element must be written, never added to, whatever the path and kernel; with C's rows apart, nothing between them is written.</summary>
    [Fact]
    public void OldContentsOfCNeverEnterTheResultFloat() => WritesEveryElementOfC<float>();

    /// <inheritdoc cref="OldContentsOfCNeverEnterTheResultFloat"/>
    [Fact]
    public void OldContentsOfCNeverEnterTheResultDouble() => WritesEveryElementOfC<double>();

    /// <summary>
    /// C[i, j] = A[i, 0]·B[0, j] + A[i, q]·B[q, j] with the two terms −(1 + 2ε) and (1 + ε)² (ε = 2⁻¹² in float, 2⁻²⁷ in
    /// double), in the corner elements of C (a full tile and the ragged edges). Within one slice of KC = 256 terms
    /// (q = 255) the kernel adds the second with a fused multiply-add onto the first and keeps the exact ε². With q = 256
    /// the second term opens the next slice, which starts from zero: its sum rounds (1 + ε)² to 1 + 2ε, and adding that
    /// slice to C gives 0. Both are correct sums; the test pins where the blocked product cuts the sum.
    /// </summary>
    private static void TheSumIsCutIntoSlicesOf256Terms<T>(double epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int m = 13, k = 300, n = 40; // 13 rows: a full tile (6 or 12 rows) and ragged ones; 40 columns: ragged too
        foreach (var (q, expected) in new[] { (255, epsilon * epsilon), (256, 0.0) })
        {
            var a = new T[m * k]; // row-major (M, K)
            var b = new T[k * n]; // row-major (K, N)
            foreach (int i in new[] { 0, m - 1 })
            {
                a[i * k] = -T.CreateChecked(1 + 2 * epsilon);
                a[i * k + q] = T.CreateChecked(1 + epsilon);
            }
            foreach (int j in new[] { 0, n - 1 })
            {
                b[j] = T.One;
                b[q * n + j] = T.CreateChecked(1 + epsilon);
            }
            foreach (int cores in new[] { 1, 3 })
            {
                foreach (int width in new[] { 512, 256 })
                {
                    var c = new T[m * n];
                    RunForced(new MatMulProblem<T>(m, n, k, a, [0], k, 1, b, [0], n, 1, c, [0], n), cores, width);
                    for (int i = 0; i < m; i++)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            bool corner = (i == 0 || i == m - 1) && (j == 0 || j == n - 1); // the other elements sum zeros
                            T want = corner ? T.CreateChecked(expected) : T.Zero;
                            Assert.True(c[i * n + j] == want,
                                $"{typeof(T).Name}, terms at p = 0 and {q}, cores {cores}, kernel {width}: C[{i}, {j}] = {c[i * n + j]}, expected {want}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void TheSumIsCutIntoSlicesOf256TermsFloat() => TheSumIsCutIntoSlicesOf256Terms<float>(1.0 / 4096);

    [Fact]
    public void TheSumIsCutIntoSlicesOf256TermsDouble() => TheSumIsCutIntoSlicesOf256Terms<double>(1.0 / (1 << 27));

    /// <summary>Each kernel's name, which benchmark reports print, states its SIMD width and its tile of floats, MR × NR.</summary>
    [Theory]
    [InlineData(512, "Vector512 (AVX-512) FMA, 12 x 2 vectors", 12, 32)]
    [InlineData(256, "Vector256 (AVX2) FMA, 6 x 2 vectors", 6, 16)]
    [InlineData(0, "scalar, 6 x 8", 6, 8)]
    public void EachKernelsNameStatesItsTile(int width, string name, int mr, int nr)
    {
        Assert.Equal(name, MatMulMicroKernel.NameOf(width));
        Assert.Equal(mr, MatMulMicroKernel.MR(width));
        Assert.Equal(nr, MatMulMicroKernel.NR<float>(width));
    }
}
