using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;
using static Scratch.Autograd.Tests.FusedOpSupport;

namespace Scratch.Autograd.Tests;

public sealed class CrossEntropyTests
{
    /// <summary>
    /// One random cross-entropy problem: logits (N, V) or (B, T, V) with N = B·T, stored transposed (a
    /// strided view) when <paramref name="Transposed"/>; about a quarter of the targets are ignored.
    /// </summary>
    public sealed record Case(int B, int T, int V, bool Rank3, bool Transposed, int IgnoreIndex, ulong Seed)
    {
        public int N => B * T;

        public int[] LogitsShape => Rank3 ? [B, T, V] : [N, V];

        /// <summary>The shape of the stored leaf: the logits shape with its last two dims swapped when transposed.</summary>
        public int[] StoredShape => Transposed ? (Rank3 ? [B, V, T] : [V, N]) : LogitsShape;

        public Tensor<double> Stored() => Tensor<double>.Randn(new Rng(Seed), StoredShape) * 3.0;

        public Var<double> Logits(Var<double> stored) =>
            Transposed ? TransposedView(stored, -2, -1) : stored;

        /// <summary>Targets in [0, V), some replaced by the ignore index, never all of them.</summary>
        public int[] Targets()
        {
            var rng = new Rng(Seed + 1);
            var y = new int[N];
            for (int n = 0; n < N; n++)
            {
                y[n] = rng.NextDouble() < 0.25 && n > 0 ? IgnoreIndex : rng.NextInt(V);
            }
            return y;
        }

        public override string ToString() =>
            $"Case {{ logits {Shapes.Format(LogitsShape)}, transposed {Transposed}, ignore index {IgnoreIndex}, seed {Seed} }}";
    }

    private static readonly Gen<Case> Cases =
        from b in Gen.Choose(1, 3)
        from t in Gen.Choose(1, 4)
        from v in Gen.Choose(1, 6)
        from rank3 in Gen.Elements(true, false)
        from transposed in Gen.Elements(true, false)
        from ignore in Gen.Elements(-1, -100)
        from seed in Seeds
        select new Case(b, t, v, rank3, transposed, ignore, seed);

    [Fact]
    public void Gradient_CrossEntropy() => ForAll(Cases, c =>
    {
        int[] y = c.Targets();
        AssertGradCheck(x => Var<double>.CrossEntropy(c.Logits(x[0]), y, c.IgnoreIndex), [c.Stored()], c);
    });

    /// <summary>
    /// The op (its fast kernel) against <see cref="Composites.Composite.CrossEntropy"/>, −mean log_softmax at the
    /// targets from primitive ops, whose gradient the engine derives; logits a strided view when the case says so.
    /// </summary>
    [Fact]
    public void CrossEntropy_EqualsComposite() => ForAll(Cases, c =>
    {
        int[] y = c.Targets();
        double dloss = 0.5 + new Rng(c.Seed + 2).NextDouble();
        (double Loss, Tensor<double> Grad) Run(Func<Var<double>, Var<double>> op)
        {
            var stored = new Var<double>(c.Stored(), requiresGrad: true);
            var loss = op(c.Logits(stored));
            loss.Backward(Tensor<double>.Scalar(dloss));
            return (loss.Value.Item(), stored.Grad!);
        }
        var (loss, grad) = Run(z => Var<double>.CrossEntropy(z, y, c.IgnoreIndex));
        var (expectedLoss, expectedGrad) = Run(z => Composites.Composite.CrossEntropy(z, y, c.IgnoreIndex));
        Assert.True(Math.Abs(loss - expectedLoss) < 1e-10, $"{c}: loss {loss} vs composite {expectedLoss}");
        AssertClose(expectedGrad, grad, 1e-10, $"{c}: gradient");
    });

    [Fact]
    public void UniformLogitsGiveLnV() => ForAll(Cases, c =>
    {
        double level = new Rng(c.Seed).NextNormal() * 10;
        var logits = new Var<double>(Tensor<double>.Full(c.LogitsShape, level));
        double loss = Var<double>.CrossEntropy(logits, c.Targets(), c.IgnoreIndex).Value.Item();
        Assert.True(Math.Abs(loss - Math.Log(c.V)) < 1e-12, $"{c}: loss {loss}, ln V = {Math.Log(c.V)}");
    });

    /// <summary>The loss over all rows with some ignored equals the loss over the kept rows alone; ignored rows get no gradient.</summary>
    [Fact]
    public void IgnoredTargetsContributeNothing() => ForAll(Cases, c =>
    {
        int[] y = c.Targets();
        var stored = new Var<double>(c.Stored(), requiresGrad: true);
        var logits = c.Logits(stored);
        var loss = Var<double>.CrossEntropy(logits, y, c.IgnoreIndex);
        loss.Backward();

        int[] keptRows = Enumerable.Range(0, c.N).Where(n => y[n] != c.IgnoreIndex).ToArray();
        var z = logits.Value.Reshape(c.N, c.V);
        var keptLogits = new Var<double>(z.IndexSelect(0, keptRows)); // (N′, V)
        double keptLoss = Var<double>.CrossEntropy(keptLogits, keptRows.Select(n => y[n]).ToArray()).Value.Item();
        Assert.True(Math.Abs(loss.Value.Item() - keptLoss) < 1e-12, $"{c}: {loss.Value.Item()} vs {keptLoss} over the kept rows");

        var grad = logits.Grad!.Reshape(c.N, c.V);
        for (int n = 0; n < c.N; n++)
        {
            for (int v = 0; v < c.V && y[n] == c.IgnoreIndex; v++)
            {
                Assert.Equal(0.0, grad[n, v]);
            }
        }
    });

    [Fact]
    public void HugeLogitsStayFinite()
    {
        var logits = new Var<double>(Tensor<double>.From(new double[,] { { 1e4, -1e4, 0 }, { -1e4, -1e4, 1e4 } }), requiresGrad: true);
        var loss = Var<double>.CrossEntropy(logits, [1, 2]);
        loss.Backward();
        Assert.Equal(1e4, loss.Value.Item(), 1e-9); // row 0: lse ≈ 1e4, target −1e4 → 2e4; row 1: 0 → mean 1e4
        Assert.All(logits.Grad!.ToArray(), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void AllTargetsIgnoredGiveNaNLossAndZeroGradient()
    {
        var logits = new Var<double>(Tensor<double>.Randn(new Rng(3), 2, 4), requiresGrad: true);
        var loss = Var<double>.CrossEntropy(logits, [-1, -1]);
        loss.Backward();
        Assert.True(double.IsNaN(loss.Value.Item()));
        Assert.All(logits.Grad!.ToArray(), g => Assert.Equal(0.0, g));
    }

    [Fact]
    public void WrongTargetCountIsAnErrorNamingBothShapes()
    {
        var logits = new Var<double>(Tensor<double>.Zeros(4, 65));
        var e = Assert.Throws<ArgumentException>(() => Var<double>.CrossEntropy(logits, [1, 2, 3]));
        Assert.Contains("cross_entropy", e.Message);
        Assert.Contains("[4,65]", e.Message);
        Assert.Contains("3 targets", e.Message);

        var logits3 = new Var<double>(Tensor<double>.Zeros(2, 3, 5));
        e = Assert.Throws<ArgumentException>(() => Var<double>.CrossEntropy(logits3, [0, 1, 2, 3, 4]));
        Assert.Contains("[2,3,5]", e.Message);
        Assert.Contains("6 rows", e.Message);
    }

    [Fact]
    public void TargetOutOfRangeIsAnErrorNamingItAndItsPosition()
    {
        var logits = new Var<double>(Tensor<double>.Zeros(3, 5));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Var<double>.CrossEntropy(logits, [0, 4, 5]));
        Assert.Contains("cross_entropy: target 5 at position 2", e.Message);
        Assert.Contains("5 classes", e.Message);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => Var<double>.CrossEntropy(logits, [-2, 0, 1]));
        Assert.Contains("target -2 at position 0", e.Message);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => Var<double>.CrossEntropy(logits, [-1, 0, 1], ignoreIndex: -100));
        Assert.Contains("target -1 at position 0", e.Message); // −1 is only skipped when it is the ignore index
    }

    [Fact]
    public void LogitsWithoutClassesAreAnError()
    {
        var e = Assert.Throws<ArgumentException>(() => Var<double>.CrossEntropy(new Var<double>(Tensor<double>.Zeros(4)), [0, 0, 0, 0]));
        Assert.Contains("cross_entropy", e.Message);
        Assert.Contains("[4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Var<double>.CrossEntropy(new Var<double>(Tensor<double>.Zeros(2, 0)), [0, 0]));
        Assert.Contains("[2,0]", e.Message);
    }
}
