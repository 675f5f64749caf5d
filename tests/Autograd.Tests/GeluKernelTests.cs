using FsCheck;
using FsCheck.Fluent;
using Scratch.Autograd.Composites;
using Scratch.Autograd.Kernels;
using Scratch.Tensors;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

/// <summary>
/// The three layers of GELU held equal: <see cref="GeluFast"/> to <see cref="GeluReference"/> (in double the same
/// formula; in float the SIMD σ(2u) form against the double reference on a dense grid), and the reference to
/// <see cref="Composite.Gelu"/>, whose gradient the engine derives from mul, add, pow and tanh.
/// </summary>
public sealed class GeluKernelTests
{
    /// <summary>x and dy of a random shape, x spread by <paramref name="Scale"/>.</summary>
    public sealed record Case(int[] Shape, double Scale, ulong Seed)
    {
        public (Tensor<double> X, Tensor<double> Dy) Inputs()
        {
            var rng = new Rng(Seed);
            return (Tensor<double>.Randn(rng, Shape) * Scale, Tensor<double>.Randn(rng, Shape));
        }

        public override string ToString() => $"Case {{ x {Shapes.Format(Shape)}, scale {Scale}, seed {Seed} }}";
    }

    private static readonly Gen<Case> Cases =
        from rank in Gen.Choose(0, 3)
        from shape in Gen.ArrayOf(Gen.Choose(1, 9), rank)
        from scale in Gen.Elements(0.5, 3.0, 20.0)
        from seed in Seeds
        select new Case(shape, scale, seed);

    [Fact]
    public void FastEqualsReference() => ForAll(Cases, c =>
    {
        var (x, dy) = c.Inputs();
        AssertClose(GeluReference.Forward(x), GeluFast.Forward(x), 1e-15, $"{c}: y");
        AssertClose(GeluReference.Backward(x, dy), GeluFast.Backward(x, dy), 1e-15, $"{c}: dx");
    });

    /// <summary>
    /// Float, where the fast kernel runs SIMD through σ(2u), against the double reference on a dense grid over
    /// [−12, 12] and at extremes (exp overflows to ∞ or underflows to 0), 1.2 M elements so the work is split over the cores.
    /// </summary>
    [Fact]
    public void FastInFloatEqualsReferenceOnADenseGrid()
    {
        var values = Enumerable.Range(0, 24001).Select(i => -12.0 + i * 0.001).Concat([-1e4, -100, -40, 40, 100, 1e4, 0]).ToArray();
        var grid = Enumerable.Repeat(values, 50).SelectMany(v => v).ToArray();
        var upstream = grid.Select((_, i) => 0.5 + (i % 7) * 0.25).ToArray();
        var dx = GeluFast.Backward(Tensor<float>.FromArray(grid.Select(v => (float)v).ToArray()), Tensor<float>.FromArray(upstream.Select(v => (float)v).ToArray())).ToArray();
        var expected = GeluReference.Backward(Tensor<double>.FromArray(grid.Select(v => (double)(float)v).ToArray()), Tensor<double>.FromArray(upstream)).ToArray();
        for (int i = 0; i < grid.Length; i++)
        {
            // GELU′ subtracts nearly equal numbers for large |x| (1 − tanh² u), so float keeps ~1e-6 of |dy|·|x|
            Assert.True(Math.Abs(dx[i] - expected[i]) <= 1e-6 * upstream[i] * (1 + Math.Abs(grid[i])), $"gelu backward at x = {grid[i]}, dy = {upstream[i]}: {dx[i]}, reference {expected[i]}");
        }
    }

    [Fact]
    public void ReferenceEqualsComposite() => ForAll(Cases, c =>
    {
        var (x, dy) = c.Inputs();
        var xv = new Var<double>(x, requiresGrad: true);
        var composite = Composite.Gelu(xv);
        composite.Backward(dy);
        AssertClose(composite.Value, GeluReference.Forward(x), 1e-14, $"{c}: y");
        AssertClose(xv.Grad!, GeluReference.Backward(x, dy), 1e-13, $"{c}: dx");
    });
}
