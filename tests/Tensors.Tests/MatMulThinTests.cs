using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors.Kernels;

namespace Scratch.Tensors.Tests;

/// <summary>
/// The thin product (M ≤ 4 rows of A: a token at a time) reads B in place, as dot products of contiguous columns
/// (B = Wᵀ, a Linear layer) or as sums of contiguous rows (B row-major); it must equal the three-loop reference for
/// every size, batch, stride of A and both layouts of B, in float and double, and give the same bits on any number of
/// cores.
/// </summary>
public sealed class MatMulThinTests
{
    private static void AssertClose<T>(Tensor<T> expected, Tensor<T> actual, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tol = (typeof(T) == typeof(float) ? 1e-6 : 1e-14) * 16 * Math.Sqrt(Math.Max(k, 1));
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Assert.True(actual.AllClose(expected, rtol: tol, atol: tol), $"thin and reference differ (K = {k})");
    }

    private static void Compare<T>(int batch, int m, int k, int n, bool transposedB, bool stridedA, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(seed);
        var a = stridedA ? Tensor<T>.Randn(rng, batch, k, m).Transpose(1, 2) : Tensor<T>.Randn(rng, batch, m, k); // (batch, M, K)
        var b = transposedB ? Tensor<T>.Randn(rng, batch, n, k).Transpose(1, 2) : Tensor<T>.Randn(rng, batch, k, n); // (batch, K, N)
        AssertClose(Tensor<T>.MatMulReference(a, b), Tensor<T>.MatMul(a, b), k);
        // A Linear layer's shape: one weight (N, K) for every row, used as Wᵀ.
        var w = Tensor<T>.Randn(rng, n, k);
        AssertClose(Tensor<T>.MatMulReference(a, w.Transpose(0, 1)), Tensor<T>.MatMul(a, w.Transpose(0, 1)), k);
    }

    [Fact]
    public void ThinProductsEqualTheReferenceForRandomShapesAndLayouts()
    {
        var cases = Gen.Choose(0, int.MaxValue).ToArbitrary();
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(cases, seed =>
        {
            var r = new Random(seed);
            int[] sizes = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100];
            int batch = 1 + r.Next(3), m = 1 + r.Next(4), k = sizes[r.Next(sizes.Length)], n = sizes[r.Next(sizes.Length)];
            bool transposedB = r.Next(2) == 0, stridedA = r.Next(3) == 0;
            if (r.Next(2) == 0)
            {
                Compare<float>(batch, m, k, n, transposedB, stridedA, (ulong)seed);
            }
            else
            {
                Compare<double>(batch, m, k, n, transposedB, stridedA, (ulong)seed);
            }
        }));
    }

    [Fact]
    public void AGpt2SizedMatrixVectorProductSplitOverTheCoresEqualsTheReference()
    {
        // GPT-2's c_fc for one token, and its LM head: large enough to run in parallel, N not a multiple of 4.
        foreach (var (k, n) in new[] { (768, 3072), (768, 50257) })
        {
            var rng = new Rng(7);
            var x = Tensor<float>.Randn(rng, 1, k);
            var w = Tensor<float>.Randn(rng, n, k);
            AssertClose(Tensor<float>.MatMulReference(x, w.Transpose(0, 1)), x.MatMul(w.Transpose(0, 1)), k);
            var v = Tensor<float>.Randn(rng, k, n); // row-major B
            AssertClose(Tensor<float>.MatMulReference(x, v), x.MatMul(v), k);
        }
    }

    [Fact]
    public void AttentionsTwoProductsWithAKvCacheEqualTheReference()
    {
        // One query per head against L cached keys and values laid out (L, C): q·Kᵀ and att·V, as AttentionCache runs them.
        var rng = new Rng(9);
        int H = 12, hs = 64, L = 300, C = H * hs;
        var keys = Tensor<float>.Randn(rng, L, C).Reshape(L, H, hs).Transpose(0, 1); // (H, L, hs), a view
        var q = Tensor<float>.Randn(rng, H, 1, hs);
        AssertClose(Tensor<float>.MatMulReference(q, keys.Transpose(1, 2)), q.MatMul(keys.Transpose(1, 2)), hs);
        var att = Tensor<float>.Randn(rng, H, 1, L);
        AssertClose(Tensor<float>.MatMulReference(att, keys), att.MatMul(keys), L);
    }

    /// <summary>
    /// A problem (batch 2, M 3, K 2·W + 3, N 11) whose C starts full of NaN, as an uninitialized array may: the kernel
    /// must write every element (the row sums start from C[i, first..end) and so must clear it first). With
    /// <paramref name="paddedC"/>, C's rows are N + 3 apart from place 1 on (a view), and the places between hold 7,
    /// which the product must leave alone.
    /// </summary>
    private static void WritesEveryElementOfC<T>(bool transposedB, int? cores, bool paddedC) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = 2, M = 3, K = 2 * Vector<T>.Count + 3, N = 11;
        int ldc = paddedC ? N + 3 : N, start = paddedC ? 1 : 0, size = start + batch * M * ldc;
        var rng = new Rng(5);
        T[] a = Tensor<T>.Randn(rng, batch * M * K).ToArray(), b = Tensor<T>.Randn(rng, batch * K * N).ToArray();
        int[] aOffsets = [0, M * K], bOffsets = [0, K * N], cOffsets = [start, start + M * ldc];
        // B_b[k, j] = b[offset + k·N + j] (row-major) or b[offset + j·K + k] (transposed: columns contiguous)
        var (bRowStride, bColStride) = transposedB ? (1, K) : (N, 1);
        MatMulProblem<T> Problem(T[] c) => new(M, N, K, a, aOffsets, K, 1, b, bOffsets, bRowStride, bColStride, c, cOffsets, ldc);
        bool InC(int at) => at >= start && (at - start) % ldc < N; // a place of some C_b[i, j]
        T[] Fresh() => [.. Enumerable.Range(0, size).Select(at => InC(at) ? T.NaN : T.CreateChecked(7))];

        var expected = Fresh();
        MatMulReference.Run(Problem(expected));
        var actual = Fresh();
        MatMulThin.ForcedCores.Value = cores;
        try
        {
            MatMulThin.Run(Problem(actual));
        }
        finally
        {
            MatMulThin.ForcedCores.Value = null;
        }
        Assert.DoesNotContain(expected, T.IsNaN); // the reference writes every element too
        int[] shape = [batch, M, N], strides = [M * ldc, ldc, 1];
        AssertClose(new Tensor<T>(expected, shape, strides, start), new Tensor<T>(actual, shape, strides, start), K);
        Assert.All(Enumerable.Range(0, size).Where(at => !InC(at)), at => Assert.Equal(T.CreateChecked(7), actual[at]));
    }

    [Theory]
    [InlineData(false, null, false)]
    [InlineData(true, null, false)]
    [InlineData(false, 3, false)]
    [InlineData(true, 3, false)]
    [InlineData(false, null, true)]
    [InlineData(true, 3, true)]
    public void EveryElementOfCIsWrittenWhateverItHeld(bool transposedB, int? cores, bool paddedC)
    {
        WritesEveryElementOfC<float>(transposedB, cores, paddedC);
        WritesEveryElementOfC<double>(transposedB, cores, paddedC);
    }

    /// <summary>
    /// x·y as the thin kernel sums it: W lane sums (W = Vector&lt;T&gt;.Count), lane l adding x[k]·y[k] for k ≡ l (mod W)
    /// over whole vectors with a fused multiply-add, the lanes added together, then the last K mod W products one by one.
    /// </summary>
    private static T LaneDot<T>(Func<int, T> x, Func<int, T> y, int K) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int W = Vector<T>.Count, k = 0;
        var lanes = new T[W];
        for (; k + W <= K; k += W)
        {
            for (int l = 0; l < W; l++)
            {
                lanes[l] = T.FusedMultiplyAdd(x(k + l), y(k + l), lanes[l]);
            }
        }
        T d = Vector.Sum(new Vector<T>(lanes));
        for (; k < K; k++)
        {
            d += x(k) * y(k);
        }
        return d;
    }

    /// <summary>
    /// The thin kernel on one thread, bit for bit: with B's columns contiguous each C[i, j] is <see cref="LaneDot{T}"/>;
    /// with B row-major C[i, j] = Σₖ A[i, k]·B[k, j] in order of k, fused for the columns that fill whole vectors
    /// (j &lt; N − N mod W) and rounded twice for the last N mod W. Rows 1 to 4 and both layouts take this kernel; a
    /// product sent to the blocked GEMM instead sums in another order and differs in the last bits.
    /// </summary>
    private static void ThinProductIsTheLaneSum<T>(int m, bool transposedB, int cores) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int W = Vector<T>.Count, K = 3 * W + 5, N = 9 * W + 3; // N ≥ 32: split over the columns when cores > 1
        var rng = new Rng(11);
        var a = Tensor<T>.Randn(rng, m, K);
        var b = transposedB ? Tensor<T>.Randn(rng, N, K).Transpose(0, 1) : Tensor<T>.Randn(rng, K, N); // (K, N)
        MatMulThin.ForcedCores.Value = cores;
        Tensor<T> c;
        try
        {
            c = a.MatMul(b); // (m, N)
        }
        finally
        {
            MatMulThin.ForcedCores.Value = null;
        }
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < N; j++)
            {
                T expected;
                if (transposedB)
                {
                    expected = LaneDot(k => a[i, k], k => b[k, j], K);
                }
                else
                {
                    expected = T.Zero;
                    for (int k = 0; k < K; k++)
                    {
                        expected = j < N - N % W ? T.FusedMultiplyAdd(a[i, k], b[k, j], expected) : expected + a[i, k] * b[k, j];
                    }
                }
                Assert.True(c[i, j] == expected, $"{typeof(T).Name} M {m}, cores {cores}, B {(transposedB ? "transposed" : "row-major")}: C[{i}, {j}] = {c[i, j]}, the thin kernel's sum is {expected}");
            }
        }
    }

    /// <summary>The same bits on one core and split over the columns as on 3 or 8 cores.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ThinProductsAreTheLaneSumsBitForBitOnAnyNumberOfCores(int m)
    {
        foreach (int cores in new[] { 1, 3, 8 })
        {
            foreach (bool transposedB in new[] { true, false })
            {
                ThinProductIsTheLaneSum<float>(m, transposedB, cores);
                ThinProductIsTheLaneSum<double>(m, transposedB, cores);
            }
        }
    }
}
