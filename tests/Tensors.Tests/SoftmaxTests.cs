using System.Numerics;
using FsCheck.Fluent;

namespace Scratch.Tensors.Tests;

public sealed class SoftmaxTests
{
    private static double Tolerance<T>() => typeof(T) == typeof(float) ? 1e-5 : 1e-12;

    private static void SoftmaxProperties<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tol = Tolerance<T>();
        var cases = from c in Properties.ShapeAndSeed(1, 4)
                    from pick in Properties.ValueSeed
                    from shift in Gen.Choose(-50, 50)
                    select (c.Shape, c.Seed, Dim: pick % c.Shape.Length, Shift: shift);
        Properties.Check(cases, c =>
        {
            var x = Make.AnyLayout<T>(c.Shape, c.Seed) * T.CreateChecked(3);
            var y = x.Softmax(c.Dim);
            Assert.Equal(c.Shape, y.ShapeArray());
            Assert.All(y.ToArray(), p => Assert.True(p >= T.Zero && p <= T.One, $"{p} is not a probability"));
            Make.AssertClose(Tensor<T>.Ones(x.Sum(c.Dim, keepDim: true).ShapeArray()), y.Sum(c.Dim, keepDim: true), tol, tol);
            // Adding a constant to each row (a different one per row) changes nothing.
            var perRow = Make.Randn<T>(x.Sum(c.Dim, keepDim: true).ShapeArray(), c.Seed + 1) * T.CreateChecked(c.Shift);
            Make.AssertClose(y, (x + perRow).Softmax(c.Dim), tol, tol);
            // The reference works along the last dimension; move dim there and back.
            var reference = Kernels.Reference.Softmax(x.Transpose(c.Dim, -1)).Transpose(c.Dim, -1);
            Make.AssertClose(reference, y, tol, tol);
            Make.AssertClose(y.Log(), x.LogSoftmax(c.Dim), tol, tol);
        });
    }

    [Fact]
    public void SoftmaxPropertiesFloat() => SoftmaxProperties<float>();

    [Fact]
    public void SoftmaxPropertiesDouble() => SoftmaxProperties<double>();

    [Fact]
    public void LogSoftmaxStaysFiniteForHugeLogits()
    {
        var x = Tensor<float>.FromArray([1e4f, -1e4f, 0, 1e4f, 1e4f, -1e4f], 2, 3);
        var log = x.LogSoftmax(1);
        Assert.All(log.ToArray(), v => Assert.True(float.IsFinite(v), $"{v} is not finite"));
        Assert.Equal(0f, log[0, 0]);
        Assert.Equal(-2e4f, log[0, 1]);
        Assert.Equal(-1e4f, log[0, 2]);
        Assert.Equal(-MathF.Log(2), log[1, 0], 1e-6f);
        var p = x.Softmax(1);
        Assert.All(p.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal([1f, 0, 0, 0.5f, 0.5f, 0], p.ToArray());
    }

    [Fact]
    public void SoftmaxOfKnownRowAndMaskedEntries()
    {
        var x = Tensor<double>.FromArray([0, Math.Log(3), double.NegativeInfinity], 3);
        Assert.Equal([0.25, 0.75, 0], x.Softmax(0).ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(double.NegativeInfinity, x.LogSoftmax(0)[2]);
        // A fully masked row gives NaN, as in PyTorch.
        Assert.All(Tensor<double>.Full([2], double.NegativeInfinity).Softmax(0).ToArray(), v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void TheReferenceSoftmaxSubtractsTheMaxSoNothingOverflows()
    {
        // exp(1000) overflows; exp(x − max x) never does.
        var x = Tensor<double>.FromArray([0.0, 1000.0, 999.0], 1, 3);
        var y = Kernels.Reference.Softmax(x).ToArray();
        double e = Math.Exp(-1);
        Assert.Equal([0.0, 1 / (1 + e), e / (1 + e)], y);
    }
}
