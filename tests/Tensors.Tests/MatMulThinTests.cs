using System.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace Scratch.Tensors.Tests;

/// <summary>
/// The thin product (M ≤ 4 rows of A: a token at a time) reads B in place, as dot products of contiguous columns
/// (B = Wᵀ, a Linear layer) or as sums of contiguous rows (B row-major); it must equal the three-loop reference for
/// every size, batch, stride of A and both layouts of B, in float and double.
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
}
