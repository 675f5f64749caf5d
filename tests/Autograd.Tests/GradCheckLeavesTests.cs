using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

/// <summary>
/// GradCheck.Run over existing leaves (the overload modules use): it finds a wrong gradient, passes a right
/// one, leaves every value as it was and every gradient as the analytic pass made it.
/// </summary>
public sealed class GradCheckLeavesTests
{
    /// <summary>y = a·b with a backward that forgets a factor of 2 on b's gradient at b[1] (only there).</summary>
    private static Var<double> WrongProduct(Var<double> a, Var<double> b)
    {
        var bump = Tensor<double>.Zeros(3);
        bump.AsSpan()[1] = 1.0;
        return Var<double>.Record("wrong_product", a.Value * b.Value, [a, b], dy =>
        {
            a.AccumulateGrad(b.Value * dy);
            b.AccumulateGrad(a.Value * dy * (bump + 1.0));
        });
    }

    private static (Var<double> A, Var<double> B) Leaves() =>
        (new Var<double>(Tensor<double>.FromArray([0.5, -1.5, 2.0], 3), requiresGrad: true, name: "a"),
         new Var<double>(Tensor<double>.FromArray([1.25, 0.75, -0.5], 3), requiresGrad: true, name: "b"));

    [Fact]
    public void AWrongGradientOfAnExistingLeafIsFound()
    {
        var (a, b) = Leaves();
        var result = GradCheck.Run(() => WrongProduct(a, b), [a, b]);
        Assert.False(result.Passed(1e-6), result.ToString());
        Assert.Equal(1, result.InputIndex);
        Assert.Equal([1], result.Index);
        Assert.Equal(6, result.ElementsChecked);
        Assert.Equal(0.5, result.RelativeError, 6); // analytic 2·a₁·w₁, numeric a₁·w₁
    }

    [Fact]
    public void ARightGradientPassesAndValuesAndGradientsAreKept()
    {
        var (a, b) = Leaves();
        var stale = Tensor<double>.Full([3], 100.0);
        a.Backward(stale); // a stale gradient that must be zeroed first
        var result = GradCheck.Run(() => (a * b + a * a).Sum(), [a, b]);
        Assert.True(result.Passed(1e-6), result.ToString());
        Assert.Equal([0.5, -1.5, 2.0], a.Value.ToArray());
        Assert.Equal([1.25, 0.75, -0.5], b.Value.ToArray());
        Assert.Equal([1.25 + 1.0, 0.75 - 3.0, -0.5 + 4.0], a.Grad!.ToArray(), new ToleranceComparer(1e-12)); // b + 2a
        Assert.Equal([0.5, -1.5, 2.0], b.Grad!.ToArray(), new ToleranceComparer(1e-12)); // a
    }

    [Fact]
    public void ALeafThatNeedsNoGradientIsRejected()
    {
        var x = new Var<double>(Tensor<double>.Ones(2));
        Assert.Throws<ArgumentException>(() => GradCheck.Run(() => x.Sum(), [x]));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
