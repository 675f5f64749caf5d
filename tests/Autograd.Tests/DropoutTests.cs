using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

public sealed class DropoutTests
{
    /// <summary>One random dropout problem: x of some shape (stored transposed when asked and rank ≥ 2), p, training or not.</summary>
    public sealed record Case(int[] Shape, double P, bool Training, bool Transposed, ulong Seed)
    {
        private bool Swap => Transposed && Shape.Length >= 2;

        private int[] StoredShape => Swap ? [.. Shape[..^2], Shape[^1], Shape[^2]] : Shape;

        public Tensor<double> Stored() => Tensor<double>.Randn(new Rng(Seed), StoredShape);

        public Var<double> X(Var<double> stored) => Swap ? TransposedView(stored, -2, -1) : stored;

        /// <summary>Dropout with a fresh generator of the same seed: the same mask at every evaluation.</summary>
        public Var<double> Apply(Var<double> x) => x.Dropout(P, new Rng(Seed + 1), Training);

        public override string ToString() => $"Case {{ x {Shapes.Format(Shape)}, p {P}, training {Training}, transposed {Swap}, seed {Seed} }}";
    }

    private static readonly Gen<Case> Cases =
        from rank in Gen.Choose(1, 3)
        from shape in Gen.ArrayOf(Gen.Choose(1, 4), rank)
        from p in Gen.Elements(0.0, 0.1, 0.5, 0.9)
        from training in Gen.Elements(true, true, false)
        from transposed in Gen.Elements(true, false)
        from seed in Seeds
        select new Case(shape, p, training, transposed, seed);

    [Fact]
    public void Gradient_Dropout() => ForAll(Cases, c => AssertGradCheck(x => c.Apply(c.X(x[0])), [c.Stored()], c));

    /// <summary>
    /// The composite: the same uniform draws through Tensor.Rand (one per element, row-major), the mask
    /// m = (u ≥ p), y = x ⊙ m / (1 − p) and ∂L/∂x = ∂L/∂y ⊙ m / (1 − p); the identity when not training or p = 0.
    /// </summary>
    [Fact]
    public void Dropout_EqualsComposite() => ForAll(Cases, c =>
    {
        var x = c.X(new Var<double>(c.Stored(), requiresGrad: true));
        var y = c.Apply(x);
        var dy = Tensor<double>.Randn(new Rng(c.Seed + 2), c.Shape);
        y.Backward(dy);

        var scaledMask = c.Training && c.P > 0
            ? Tensor<double>.Rand(new Rng(c.Seed + 1), c.Shape).Ge(Tensor<double>.Scalar(c.P)) / (1 - c.P)
            : Tensor<double>.Ones(c.Shape);
        Assert.True(MaxAbsDiff(y.Value, x.Value * scaledMask) < 1e-12, $"{c}: forward differs");
        Assert.True(MaxAbsDiff(x.Grad!, dy * scaledMask) < 1e-12, $"{c}: gradient differs");
    });

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void KeepsAboutOneMinusPAndPreservesTheMean(double p)
    {
        const int n = 200_000;
        var y = new Var<double>(Tensor<double>.Ones(n)).Dropout(p, new Rng(42)).Value.ToArray();
        double kept = y.Count(v => v != 0) / (double)n;
        double keptSd = Math.Sqrt(p * (1 - p) / n);
        Assert.True(Math.Abs(kept - (1 - p)) < 5 * keptSd, $"p {p}: kept {kept}, expected {1 - p} ± {5 * keptSd}");
        Assert.All(y, v => Assert.True(v == 0 || Math.Abs(v - 1 / (1 - p)) < 1e-15, $"p {p}: element {v}"));
        double meanSd = Math.Sqrt(p / (1 - p) / n); // each element is 1/(1 − p) w.p. 1 − p, else 0: variance p/(1 − p)
        Assert.True(Math.Abs(y.Average() - 1) < 5 * meanSd, $"p {p}: mean {y.Average()}, expected 1 ± {5 * meanSd}");
    }

    [Fact]
    public void TheSameSeedGivesTheSameMask()
    {
        var x = new Var<double>(Tensor<double>.Ones(4, 50));
        var a = x.Dropout(0.5, new Rng(7)).Value.ToArray();
        var b = x.Dropout(0.5, new Rng(7)).Value.ToArray();
        var other = x.Dropout(0.5, new Rng(8)).Value.ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
    }

    [Fact]
    public void EvaluationAndPZeroAreTheDifferentiableIdentityAndDrawNothing()
    {
        var data = Tensor<double>.Randn(new Rng(1), 3, 4);
        foreach (var (p, training) in new[] { (0.5, false), (0.0, true) })
        {
            var x = new Var<double>(data, requiresGrad: true);
            var rng = new Rng(5);
            var y = x.Dropout(p, rng, training);
            Assert.Equal(data.ToArray(), y.Value.ToArray());
            Assert.True(y.RequiresGrad);
            var dy = Tensor<double>.Randn(new Rng(2), 3, 4);
            y.Backward(dy);
            Assert.Equal(dy.ToArray(), x.Grad!.ToArray());
            Assert.Equal(new Rng(5).NextUInt64(), rng.NextUInt64()); // the generator was not advanced
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void POutsideZeroToOneIsAnErrorNamingP(double p)
    {
        var x = new Var<double>(Tensor<double>.Ones(2, 3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Dropout(p, new Rng(0)));
        Assert.Contains("dropout: probability p must be in [0, 1)", e.Message);
        Assert.Contains($"p = {p}", e.Message);
        Assert.Contains("[2,3]", e.Message);
    }

    /// <summary>
    /// An element is kept when its draw u is at least p (u ≥ p, as documented), so a draw exactly equal to p keeps it:
    /// p is taken here from the generator itself, as its first draw.
    /// </summary>
    [Fact]
    public void ADrawEqualToPKeepsItsElement()
    {
        double p = new Rng(11).NextDouble(); // the draw the first element will get
        var x = new Var<double>(Tensor<double>.Ones(1));
        var y = x.Dropout(p, new Rng(11));
        Assert.Equal(1 / (1 - p), y.Value.Item());
    }
}
