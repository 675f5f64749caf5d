using System.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace Scratch.Tensors.Tests;

/// <summary>
/// The fast matrix product (packed, blocked, SIMD, parallel) must equal the three-loop reference for every shape,
/// stride pattern, batch layout and element type. The reference sums in order and the fast kernel in blocks with
/// fused multiply-adds, so they agree to rounding: a relative tolerance scaled by √K, looser for float.
/// </summary>
public sealed class MatMulTests
{
    /// <summary>The seed of every property here: a failure prints its inputs, and the same run reproduces it.</summary>
    private const ulong Seed = 20261122;

    /// <summary>The second half of FsCheck's random state (it must be odd).</summary>
    private const ulong Gamma = 1442695040888963407;

    private static readonly int[] Sizes = [1, 2, 5, 7, 8, 16, 31, 33, 64, 97, 129];

    private static Config PropertyConfig(int maxTests) =>
        Config.QuickThrowOnFailure.WithMaxTest(maxTests).WithReplay(Seed, Gamma).WithQuietOnSuccess(true);

    private static void AssertClose<T>(Tensor<T> expected, Tensor<T> actual, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double eps = typeof(T) == typeof(float) ? 1e-6 : 1e-14;
        double tol = 4 * eps * Math.Sqrt(Math.Max(k, 1)) * 4;
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        Assert.True(actual.AllClose(expected, rtol: tol, atol: tol),
            $"fast and reference differ (K={k}, tol={tol}); max |diff| = {MaxDiff(expected, actual)}");
    }

    private static double MaxDiff<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = a.ToArray(), y = b.ToArray();
        double max = 0;
        for (int i = 0; i < x.Length; i++)
        {
            max = Math.Max(max, double.CreateChecked(T.Abs(x[i] - y[i])));
        }
        return max;
    }

    private static void FastEqualsReference<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var fast = Tensor<T>.MatMul(a, b);
        var reference = Tensor<T>.MatMulReference(a, b);
        AssertClose(reference, fast, a.Shape[^1]);
    }

    [Fact]
    public void FastEqualsReferenceForRandomShapesFloat()
    {
        var sizes = Gen.Elements(Sizes);
        var shapes = Gen.Three(sizes).ToArbitrary();
        Prop.ForAll(shapes, s =>
        {
            var (m, k, n) = s;
            var rng = new Rng((ulong)(m * 1_000_000 + k * 1000 + n));
            FastEqualsReference(Tensor<float>.Randn(rng, m, k), Tensor<float>.Randn(rng, k, n));
        }).Check(PropertyConfig(150));
    }

    [Fact]
    public void FastEqualsReferenceForRandomShapesDouble()
    {
        var sizes = Gen.Elements(Sizes);
        var shapes = Gen.Three(sizes).ToArbitrary();
        Prop.ForAll(shapes, s =>
        {
            var (m, k, n) = s;
            var rng = new Rng((ulong)(m * 1_000_000 + k * 1000 + n + 7));
            FastEqualsReference(Tensor<double>.Randn(rng, m, k), Tensor<double>.Randn(rng, k, n));
        }).Check(PropertyConfig(150));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 300, 1)]
    [InlineData(7, 1, 33)]
    [InlineData(129, 33, 7)]
    [InlineData(33, 129, 129)]
    [InlineData(300, 600, 70)]   // K spans three blocks of 256; large enough to run in parallel
    [InlineData(5, 513, 1100)]   // few rows, many columns: the column split and a second NC block (double)
    [InlineData(700, 40, 3)]
    public void FastEqualsReferenceAtBlockEdges(int m, int k, int n)
    {
        var rng = new Rng(1);
        FastEqualsReference(Tensor<float>.Randn(rng, m, k), Tensor<float>.Randn(rng, k, n));
        FastEqualsReference(Tensor<double>.Randn(rng, m, k), Tensor<double>.Randn(rng, k, n));
    }

    [Fact]
    public void LargeSquareProductMatchesReference()
    {
        var rng = new Rng(2);
        FastEqualsReference(Tensor<float>.Randn(rng, 257, 300), Tensor<float>.Randn(rng, 300, 520));
    }

    [Fact]
    public void TransposedOperandsAreReadThroughTheirStrides()
    {
        var rng = new Rng(3);
        foreach (var (m, k, n) in new[] { (1, 1, 1), (7, 33, 129), (129, 7, 33), (64, 300, 40) })
        {
            var at = Tensor<double>.Randn(rng, k, m).Transpose(); // (M, K), column-major
            var bt = Tensor<double>.Randn(rng, n, k).Transpose(); // (K, N), column-major
            Assert.False(at.IsContiguous && m > 1 && k > 1);
            FastEqualsReference(at, bt);
            FastEqualsReference(at.Contiguous(), bt);
            FastEqualsReference(at, bt.Contiguous());
            // And the values equal the product of the copies, which the reference computes from contiguous data.
            AssertClose(Tensor<double>.MatMulReference(at.Contiguous(), bt.Contiguous()), at.MatMul(bt), k);
        }
    }

    [Fact]
    public void SlicedOperandsWithStepMatchReference()
    {
        var rng = new Rng(4);
        var a = Tensor<float>.Randn(rng, 40, 90).Slice(0, 1, 40, 3).Slice(1, 2, 90, 2); // (13, 44), strides (270, 2)
        var b = Tensor<float>.Randn(rng, 100, 70).Slice(0, 0, 88, 2).Slice(1, 5, 70, 4); // (44, 17)
        Assert.Equal([13, 44], a.Shape.ToArray());
        Assert.Equal([44, 17], b.Shape.ToArray());
        FastEqualsReference(a, b);
        AssertClose(Tensor<float>.MatMulReference(a.Contiguous(), b.Contiguous()), a.MatMul(b), 44);
    }

    [Fact]
    public void BatchedProductsBroadcastTheirBatchDimensions()
    {
        var rng = new Rng(5);
        // Attention's shape: (B, H, T, hs) · (B, H, hs, T).
        var q = Tensor<float>.Randn(rng, 4, 12, 64, 32);
        var kt = Tensor<float>.Randn(rng, 4, 12, 64, 32).Transpose(-2, -1);
        FastEqualsReference(q, kt);
        // (2, 1, 7, 33) · (3, 33, 5) → (2, 3, 7, 5): the size-1 and missing batch dimensions stretch.
        var a = Tensor<double>.Randn(rng, 2, 1, 7, 33);
        var b = Tensor<double>.Randn(rng, 3, 33, 5);
        var c = a.MatMul(b);
        Assert.Equal([2, 3, 7, 5], c.Shape.ToArray());
        FastEqualsReference(a, b);
        // Every batch entry equals the 2-D product of its slices.
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                var expected = Tensor<double>.MatMulReference(a.Slice(0, i, i + 1).Reshape(7, 33), b.Slice(0, j, j + 1).Reshape(33, 5));
                AssertClose(expected, c.Slice(0, i, i + 1).Slice(1, j, j + 1).Reshape(7, 5), 33);
            }
        }
    }

    /// <summary>
    /// A batch times one matrix (a Linear layer: (B, T, C) · (C, N)) runs as one tall product (B·T, C) · (C, N);
    /// every batch entry must still equal its own 2-D product, for contiguous, transposed and sliced inputs.
    /// </summary>
    [Fact]
    public void BatchTimesOneMatrixIsFoldedIntoOneProduct()
    {
        var rng = new Rng(8);
        var x = Tensor<double>.Randn(rng, 3, 4, 9, 13);                      // (3, 4, 9, 13)
        var w = Tensor<double>.Randn(rng, 11, 13).Transpose();               // (13, 11), a strided view
        var sliced = Tensor<double>.Randn(rng, 3, 4, 9, 30).Slice(3, 2, 28, 2); // (3, 4, 9, 13), not contiguous
        foreach (var a in new[] { x, sliced, x.Transpose(1, 2) })
        {
            var c = a.MatMul(w);
            Assert.Equal([.. a.Shape[..^1], 11], c.Shape.ToArray());
            for (int i = 0; i < a.Size(0); i++)
            {
                for (int j = 0; j < a.Size(1); j++)
                {
                    var expected = Tensor<double>.MatMulReference(a.Slice(0, i, i + 1).Slice(1, j, j + 1).Reshape(a.Size(2), 13), w);
                    AssertClose(expected, c.Slice(0, i, i + 1).Slice(1, j, j + 1).Reshape(a.Size(2), 11), 13);
                }
            }
        }
        var v = Tensor<double>.Randn(rng, 13);                               // a 1-D right operand: (…, K) · (K) → (…)
        var cv = x.MatMul(v);
        Assert.Equal([3, 4, 9], cv.Shape.ToArray());
        AssertClose(Tensor<double>.MatMulReference(x.Reshape(-1, 13), v.Reshape(13, 1)).Reshape(3, 4, 9), cv, 13);
    }

    [Fact]
    public void ExpandedZeroStrideBatchesMatchReference()
    {
        var rng = new Rng(6);
        var w = Tensor<float>.Randn(rng, 1, 65, 31).Expand(9, 65, 31); // batch stride 0
        var x = Tensor<float>.Randn(rng, 9, 17, 65);
        FastEqualsReference(x, w);
        var col = Tensor<double>.Randn(rng, 20, 1).Expand(20, 8); // columns with stride 0
        FastEqualsReference(Tensor<double>.Randn(rng, 3, 20), col);
        FastEqualsReference(col.Transpose(), Tensor<double>.Randn(rng, 20, 11));
    }

    [Fact]
    public void ManySmallProductsRunPerBatchAndMatchReference()
    {
        var rng = new Rng(7);
        FastEqualsReference(Tensor<float>.Randn(rng, 48, 64, 32), Tensor<float>.Randn(rng, 48, 32, 64));
        FastEqualsReference(Tensor<double>.Randn(rng, 3, 100, 50), Tensor<double>.Randn(rng, 3, 50, 90));
    }

    [Fact]
    public void OneDimensionalOperandsFollowTorch()
    {
        var rng = new Rng(8);
        var v = Tensor<double>.Randn(rng, 33);
        var m = Tensor<double>.Randn(rng, 33, 7);
        var vm = v.MatMul(m); // (33) · (33, 7) → (7)
        Assert.Equal([7], vm.Shape.ToArray());
        FastEqualsReference(v, m);
        var mv = m.Transpose().MatMul(v); // (7, 33) · (33) → (7)
        Assert.Equal([7], mv.Shape.ToArray());
        AssertClose(vm, mv, 33);
        var dot = v.MatMul(v); // (33) · (33) → ()
        Assert.Equal(0, dot.Rank);
        double expected = 0;
        foreach (double x in v.ToArray())
        {
            expected += x * x;
        }
        Assert.Equal(expected, dot.Item(), 1e-12);
        var batched = Tensor<float>.Randn(rng, 4, 5, 6).MatMul(Tensor<float>.Randn(rng, 6)); // → (4, 5)
        Assert.Equal([4, 5], batched.Shape.ToArray());
    }

    [Fact]
    public void EmptyDimensionsGiveEmptyOrZeroResults()
    {
        var c = Tensor<float>.Zeros(3, 0).MatMul(Tensor<float>.Zeros(0, 4)); // K = 0: an empty sum
        Assert.Equal([3, 4], c.Shape.ToArray());
        Assert.All(c.ToArray(), x => Assert.Equal(0f, x));
        Assert.Equal([0, 4], Tensor<double>.Zeros(0, 5).MatMul(Tensor<double>.Ones(5, 4)).Shape.ToArray());
        Assert.Equal([2, 0], Tensor<double>.Ones(2, 5).MatMul(Tensor<double>.Zeros(5, 0)).Shape.ToArray());
    }

    [Fact]
    public void IdentityAndKnownValues()
    {
        var rng = new Rng(9);
        var a = Tensor<double>.Randn(rng, 37, 37);
        Assert.True(a.MatMul(Tensor<double>.Eye(37)).AllClose(a, rtol: 0, atol: 0));
        Assert.True(Tensor<double>.Eye(37).MatMul(a).AllClose(a, rtol: 0, atol: 0));
        // Ones(M, K) · Ones(K, N) = K everywhere, exactly.
        var k = Tensor<float>.Ones(70, 1000).MatMul(Tensor<float>.Ones(1000, 45));
        Assert.All(k.ToArray(), x => Assert.Equal(1000f, x));
    }

    [Fact]
    public void MismatchedShapesNameBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor<float>.Zeros(12, 64).MatMul(Tensor<float>.Zeros(32, 10)));
        Assert.StartsWith("matmul: [12,64] and [32,10] cannot be multiplied", e.Message);
        var batch = Assert.Throws<ArgumentException>(() => Tensor<float>.Zeros(2, 3, 4).MatMul(Tensor<float>.Zeros(5, 4, 6)));
        Assert.StartsWith("matmul: batch dimensions of [2,3,4] and [5,4,6] cannot be broadcast", batch.Message);
        var scalar = Assert.Throws<ArgumentException>(() => Tensor<float>.Scalar(1).MatMul(Tensor<float>.Zeros(3)));
        Assert.StartsWith("matmul: both operands need at least one dimension", scalar.Message);
    }
}
