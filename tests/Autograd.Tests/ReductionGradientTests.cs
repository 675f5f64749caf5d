using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// Gradient properties of the reductions (sum, mean, max) and of softmax / log-softmax along a dimension.
public sealed class ReductionGradientTests
{
    /// <summary>Which overload a case uses: every element, one dimension, or a set of dimensions.</summary>
    private enum Over { All, Dim, Dims }

    private sealed record ReductionCase(Input Input, Over Over, int Dim, int[] Dims, bool KeepDim, int Seed);

    private static Gen<ReductionCase> Reductions(Domain domain) =>
        from shape in Properties.Shape(0, 3)
        from layout in Properties.AnyLayout
        from over in shape.Length == 0 ? Gen.Constant(Over.All) : Gen.Elements(Over.All, Over.Dim, Over.Dims)
        from dim in Gen.Choose(-Math.Max(shape.Length, 1), Math.Max(shape.Length, 1) - 1)
        from chosen in Gen.ArrayOf(Gen.Elements(false, true), shape.Length)
        from keepDim in Gen.Elements(false, true)
        from seed in Properties.Seed
        select new ReductionCase(new Input(shape, layout, domain), over, dim,
            Enumerable.Range(0, shape.Length).Where(d => chosen[d]).ToArray(), keepDim, seed);

    [Fact]
    public void Gradient_Sum()
    {
        Properties.Check(Reductions(Domain.Any), c =>
        {
            Var<double> Op(Var<double> x) => c.Over switch
            {
                Over.All => x.Sum(),
                Over.Dim => x.Sum(c.Dim, c.KeepDim),
                _ => x.Sum(c.Dims, c.KeepDim),
            };
            Properties.AssertGradients([c.Input], c.Seed, x => Op(x[0]));
            if (c.Over == Over.All)
            {
                var x = Properties.Present(Properties.Leaves([c.Input], c.Seed)[0], c.Input);
                Assert.Equal(x.ToArray().Sum(), Op(new Var<double>(x)).Value.Item(), 12);
            }
        });
    }

    [Fact]
    public void Gradient_Mean()
    {
        Properties.Check(Reductions(Domain.Any), c =>
        {
            Var<double> Op(Var<double> x) => c.Over switch
            {
                Over.All => x.Mean(),
                Over.Dim => x.Mean(c.Dim, c.KeepDim),
                _ => x.Mean(c.Dims, c.KeepDim),
            };
            Properties.AssertGradients([c.Input], c.Seed, x => Op(x[0]));
            // Forward: the sum divided by the number of elements per group.
            var x = Properties.Present(Properties.Leaves([c.Input], c.Seed)[0], c.Input);
            var sum = c.Over switch
            {
                Over.All => x.Sum(),
                Over.Dim => x.Sum(c.Dim, c.KeepDim),
                _ => x.Sum(c.Dims, c.KeepDim),
            };
            var expected = sum.Count == 0 ? sum : sum / (double)(x.Count / sum.Count);
            Properties.AssertClose(expected, Op(new Var<double>(x)).Value, c.ToString());
        });
    }

    [Fact]
    public void Gradient_Max()
    {
        var gen =
            from shape in Properties.Shape(1, 3)
            from layout in Properties.AnyLayout
            from dim in Gen.Choose(-shape.Length, shape.Length - 1)
            from keepDim in Gen.Elements(false, true)
            from seed in Properties.Seed
            select (Input: new Input(shape, layout, Domain.Distinct), Dim: dim, KeepDim: keepDim, Seed: seed);
        Properties.Check(gen, c =>
        {
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].Max(c.Dim, c.KeepDim));
            // Forward: max(x) = −min(−x), and the result is reached by some element along dim.
            var x = Properties.Present(Properties.Leaves([c.Input], c.Seed)[0], c.Input);
            var y = new Var<double>(x).Max(c.Dim, c.KeepDim).Value;
            Properties.AssertClose(-(-x).Min(c.Dim, c.KeepDim), y, c.ToString());
        });
    }

    [Fact]
    public void Max_SendsTheGradientToTheFirstOfTiedMaxima()
    {
        var x = new Var<double>(Tensor<double>.FromArray([1.0, 3.0, 3.0, 2.0], 2, 2), requiresGrad: true);
        x.Max(1).Sum().Backward();
        Assert.Equal([0.0, 1.0, 1.0, 0.0], x.Grad!.ToArray());
    }

    private static Gen<(Input Input, int Dim, int Seed)> AlongOneDim =>
        from shape in Properties.Shape(1, 3, maxSize: 4)
        from layout in Properties.AnyLayout
        from dim in Gen.Choose(-shape.Length, shape.Length - 1)
        from seed in Properties.Seed
        select (new Input(shape, layout), dim, seed);

    [Fact]
    public void Gradient_Softmax()
    {
        Properties.Check(AlongOneDim, c =>
        {
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].Softmax(c.Dim));
            var x = Properties.Present(Properties.Leaves([c.Input], c.Seed)[0], c.Input);
            var e = x.Exp();
            Properties.AssertClose(e / e.Sum(c.Dim, keepDim: true), new Var<double>(x).Softmax(c.Dim).Value, c.ToString());
        });
    }

    [Fact]
    public void Gradient_LogSoftmax()
    {
        Properties.Check(AlongOneDim, c =>
        {
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].LogSoftmax(c.Dim));
            var x = Properties.Present(Properties.Leaves([c.Input], c.Seed)[0], c.Input);
            var e = x.Exp();
            Properties.AssertClose((e / e.Sum(c.Dim, keepDim: true)).Log(), new Var<double>(x).LogSoftmax(c.Dim).Value, c.ToString());
        });
    }
}
