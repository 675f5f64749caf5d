using System.Numerics;
using FsCheck.Fluent;

namespace Scratch.Tensors.Tests;

public sealed class ReductionTests
{
    /// <summary>A shape (rank ≥ 1), a value seed and a random subset of its dimensions to reduce.</summary>
    private static readonly FsCheck.Gen<(int[] Shape, int Seed, int[] Dims)> ShapeAndDims =
        from c in Properties.ShapeAndSeed(1, 4, allowEmpty: true)
        from mask in Gen.Elements(true, false).ArrayOf(c.Shape.Length)
        select (c.Shape, c.Seed, Enumerable.Range(0, c.Shape.Length).Where(d => mask[d]).ToArray());

    private static double Tolerance<T>() => typeof(T) == typeof(float) ? 1e-5 : 1e-12;

    private static void FastReductionsEqualReference<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tol = Tolerance<T>();
        Properties.Check(ShapeAndDims, c =>
        {
            var x = Make.AnyLayout<T>(c.Shape, c.Seed);
            Make.AssertClose(Kernels.Reference.Sum(x, c.Dims), x.Sum(c.Dims, keepDim: true), tol, tol);
            if (c.Dims.All(d => c.Shape[d] > 0))
            {
                Make.AssertClose(Kernels.Reference.Max(x, c.Dims), x.Max(c.Dims, keepDim: true), 0, 0);
                Make.AssertClose(Kernels.Reference.Max(-x, c.Dims), -x.Min(c.Dims, keepDim: true), 0, 0);
            }
            // Without keepDim the reduced dimensions are gone; the numbers are the same.
            var dropped = x.Sum(c.Dims);
            Assert.Equal(c.Shape.Where((_, d) => !c.Dims.Contains(d)).ToArray(), dropped.ShapeArray());
            Assert.Equal(x.Sum(c.Dims, keepDim: true).ToArray(), dropped.ToArray());
            // Negative dimensions name the same axes.
            Assert.Equal(dropped.ToArray(), x.Sum(c.Dims.Select(d => d - c.Shape.Length).ToArray()).ToArray());
        });
    }

    [Fact]
    public void FastSumMaxMinEqualReferenceFloat() => FastReductionsEqualReference<float>();

    [Fact]
    public void FastSumMaxMinEqualReferenceDouble() => FastReductionsEqualReference<double>();

    [Fact]
    public void WideReductionsUseSimdAndParallelPathsAndMatchReference()
    {
        // Leading, trailing and middle dimensions of tensors wide enough for the SIMD loops, and one
        // tensor above the parallel threshold for the row (trailing) and column (leading) kernels.
        var big = Make.Randn<float>([40, 33, 70], 5);
        Assert.True(big.Count > Kernels.Elementwise.ParallelThreshold);
        foreach (int[] dims in new[] { [0], [0, 1], new[] { 2 } })
        {
            Make.AssertClose(Kernels.Reference.Sum(big, dims), big.Sum(dims, keepDim: true), 1e-4, 1e-4);
            Make.AssertClose(Kernels.Reference.Max(big, dims), big.Max(dims, keepDim: true), 0, 0);
        }
        var x = Make.Randn<float>([9, 5, 37], 6);
        var t = x.Permute(2, 0, 1);
        foreach (int[] dims in new[] { [0], [2], [1], [0, 1], [1, 2], [0, 2], new[] { 0, 1, 2 } })
        {
            Make.AssertClose(Kernels.Reference.Sum(x, dims), x.Sum(dims, keepDim: true), 1e-4, 1e-4);
            Make.AssertClose(Kernels.Reference.Max(x, dims), x.Max(dims, keepDim: true), 0, 0);
            Make.AssertClose(Kernels.Reference.Sum(t, dims), t.Sum(dims, keepDim: true), 1e-4, 1e-4);
            Make.AssertClose(Kernels.Reference.Max(t, dims), t.Max(dims, keepDim: true), 0, 0);
        }
    }

    [Fact]
    public void SumsOverAxesCompose()
    {
        Properties.Check(Properties.ShapeAndSeed(2, 4).Zip(Properties.ValueSeed), c =>
        {
            var ((shape, seed), pick) = c;
            var x = Make.AnyLayout<double>(shape, seed);
            int a = pick % shape.Length, b = (a + 1 + pick / 5 % (shape.Length - 1)) % shape.Length;
            var together = x.Sum([a, b], keepDim: true);
            var oneThenOther = x.Sum(a, keepDim: true).Sum(b, keepDim: true);
            Make.AssertClose(together, oneThenOther, 1e-12, 1e-12);
            // Without keepDim: reduce the later dimension first so the earlier index stays valid.
            Make.AssertClose(x.Sum([a, b]), x.Sum(Math.Max(a, b)).Sum(Math.Min(a, b)), 1e-12, 1e-12);
            Make.AssertClose(x.Sum(), x.Sum(Enumerable.Range(0, shape.Length).ToArray()), 1e-12, 1e-12);
            Assert.Equal(0, x.Sum().Rank);
            double plainSum = x.ToArray().Sum(); // the kernel may add in another order (a strided view is summed by rows)
            Assert.Equal(plainSum, x.Sum().Item(), 1e-12 * (1 + Math.Abs(plainSum)));
            Assert.Equal(x.ToArray().Max(), x.Max().Item());
            Assert.Equal(x.ToArray().Min(), x.Min().Item());
        });
    }

    [Fact]
    public void MeanAndVarianceFollowTheirFormulas()
    {
        Properties.Check(Properties.ShapeAndSeed(1, 3).Zip(Properties.ValueSeed), c =>
        {
            var ((shape, seed), pick) = c;
            var x = Make.AnyLayout<double>(shape, seed);
            int d = pick % shape.Length, n = shape[d];
            var mean = x.Mean(d, keepDim: true);
            var biased = x.Variance(d, keepDim: true, correction: 0);
            var unbiased = x.Variance(d, keepDim: true);
            foreach (int[] index in Kernels.Reference.Indices(mean.ShapeArray()))
            {
                double[] values = Enumerable.Range(0, n).Select(i => { int[] at = (int[])index.Clone(); at[d] = i; return x[at]; }).ToArray();
                double m = values.Sum() / n;
                double squares = values.Sum(v => (v - m) * (v - m));
                Assert.Equal(m, mean[index], 1e-12);
                Assert.Equal(squares / n, biased[index], 1e-12);
                if (n > 1)
                {
                    Assert.Equal(squares / (n - 1), unbiased[index], 1e-12);
                }
            }
            Assert.Equal(x.ToArray().Average(), x.Mean().Item(), 1e-12);
        });
    }

    [Fact]
    public void VarianceOfKnownNumbers()
    {
        var x = Tensor<double>.FromArray([1, 2, 3, 4], 4);
        Assert.Equal(1.25, x.Variance(0, correction: 0).Item(), 1e-15);
        Assert.Equal(5.0 / 3, x.Variance(0).Item(), 1e-15);
        Assert.Equal(2.5, x.Mean().Item());
        Assert.Equal(2.5, x.Mean(0).Item());
    }

    [Fact]
    public void ArgMaxPicksTheMax()
    {
        Properties.Check(Properties.ShapeAndSeed(1, 4).Zip(Properties.ValueSeed), c =>
        {
            var ((shape, seed), pick) = c;
            var x = Make.AnyLayout<float>(shape, seed);
            int d = pick % shape.Length;
            var where = x.ArgMax(d, keepDim: true);
            var max = x.Max(d, keepDim: true);
            Assert.Equal(max.ShapeArray(), where.ShapeArray());
            foreach (int[] index in Kernels.Reference.Indices(where.ShapeArray()))
            {
                int[] at = (int[])index.Clone();
                at[d] = (int)where[index];
                Assert.Equal(max[index], x[at]);
            }
            Assert.Equal(shape.Where((_, k) => k != d).ToArray(), x.ArgMax(d).ShapeArray());
            Assert.Equal(x.ToArray().Max(), x.ToArray()[x.ArgMax()]);
        });
    }

    [Fact]
    public void ArgMaxTakesTheFirstOnTiesAndPrefersNaN()
    {
        var x = Tensor<double>.FromArray([1, 3, 3, 2, 5, 5, 9, 5], 2, 4);
        Assert.Equal([1.0, 2], x.ArgMax(1).ToArray());
        Assert.Equal([1.0, 1, 1, 1], x.ArgMax(0).ToArray());
        Assert.Equal(6, x.ArgMax());
        Assert.Equal(1, Tensor<double>.FromArray([1, double.NaN, 7], 3).ArgMax());
    }

    [Fact]
    public void ReductionsOverEmptyDimensionsGiveTheIdentity()
    {
        var x = Tensor<double>.Zeros(2, 0);
        Assert.Equal([0.0, 0], x.Sum(1).ToArray());
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity], x.Max(1).ToArray());
        Assert.Empty(x.Sum(0).ToArray());
        Assert.Equal(0.0, x.Sum().Item());
    }

    [Fact]
    public void MaxAndMinPropagateNaNWhereverItIs()
    {
        // Rows long enough for the four SIMD accumulators, with the NaN in a lane, in the tail, or first.
        foreach (int at in new[] { 0, 5, 37, 63, 64, 70 })
        {
            var x = Make.Randn<float>([2, 71], at);
            x[1, at] = float.NaN;
            Assert.Equal([false, true], x.Max(1).ToArray().Select(float.IsNaN));
            Assert.Equal([false, true], x.Min(1).ToArray().Select(float.IsNaN));
            Assert.True(float.IsNaN(x.Max().Item()));
            var columns = x.Transpose().Contiguous(); // reduce the leading dimension: the column kernel
            Assert.Equal([false, true], columns.Max(0).ToArray().Select(float.IsNaN));
            Assert.Equal(Kernels.Reference.Max(x, [1]).ToArray().Select(float.IsNaN), x.Max(1).ToArray().Select(float.IsNaN));
        }
    }
}
