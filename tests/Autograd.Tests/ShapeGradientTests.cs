using FsCheck;
using FsCheck.Fluent;
using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

// Gradient properties of the views (reshape, transpose, permute, slice, expand) and of the ops that join
// or gather (concat, stack, index_select, masked_fill). Their forward values are checked element by element.
public sealed class ShapeGradientTests
{
    private static Gen<(Input Input, int Seed)> AnyInput(int minRank, int maxRank) =>
        from shape in Properties.Shape(minRank, maxRank)
        from layout in Properties.AnyLayout
        from seed in Properties.Seed
        select (new Input(shape, layout), seed);

    private static Tensor<double> Presented(Input input, int seed) =>
        Properties.Present(Properties.Leaves([input], seed)[0], input);

    [Fact]
    public void Gradient_Reshape()
    {
        var gen =
            from c in AnyInput(0, 3)
            from flip in Gen.Elements(false, true)
            select (c.Input, c.Seed, Flip: flip);
        Properties.Check(gen, c =>
        {
            // The new shape: all elements in one row, or split as (first size, −1).
            int n = Shapes.Count(c.Input.Shape);
            int[] shape = c.Flip && c.Input.Shape.Length > 0 ? [c.Input.Shape[0], -1] : [n];
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].Reshape(shape));
            var x = Presented(c.Input, c.Seed);
            Assert.Equal(x.ToArray(), new Var<double>(x).Reshape(shape).Value.ToArray()); // row-major order kept
        });
    }

    [Fact]
    public void Gradient_Transpose()
    {
        var gen =
            from c in AnyInput(1, 3)
            from d0 in Gen.Choose(-c.Input.Shape.Length, c.Input.Shape.Length - 1)
            from d1 in Gen.Choose(-c.Input.Shape.Length, c.Input.Shape.Length - 1)
            select (c.Input, c.Seed, D0: d0, D1: d1);
        Properties.Check(gen, c => Properties.AssertGradients([c.Input], c.Seed, x => x[0].Transpose(c.D0, c.D1)));
    }

    [Fact]
    public void Gradient_Permute()
    {
        var gen =
            from c in AnyInput(1, 3)
            from dims in Gen.Shuffle(Enumerable.Range(0, c.Input.Shape.Length).ToArray())
            from fromEnd in Gen.ArrayOf(Gen.Elements(false, true), dims.Length) // some dims given as d − rank, e.g. −1
            select (c.Input, c.Seed, Dims: dims, Given: dims.Select((d, i) => fromEnd[i] ? d - dims.Length : d).ToArray());
        Properties.Check(gen, c =>
        {
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].Permute(c.Given));
            // Forward: y[i₀, i₁, …] = x[j] with j[dims[d]] = i[d].
            var x = Presented(c.Input, c.Seed);
            var y = new Var<double>(x).Permute(c.Given).Value;
            foreach (int[] i in Indices(y.ShapeArray()))
            {
                var j = new int[i.Length];
                for (int d = 0; d < i.Length; d++)
                {
                    j[c.Dims[d]] = i[d];
                }
                Assert.Equal(x[j], y[i]);
            }
        });
    }

    /// <summary>A slice from a negative start counts from the end; its gradient lands there (the properties rarely draw it).</summary>
    [Fact]
    public void GradientOfASliceFromTheEnd()
    {
        var x = new Var<double>(Tensor<double>.FromArray([1.0, 2.0, 3.0, 4.0], 4), requiresGrad: true);
        x.Slice(0, -3, 3).Backward(Tensor<double>.FromArray([10.0, 20.0], 2)); // x[1:3]
        Assert.Equal([0.0, 10.0, 20.0, 0.0], x.Grad!.ToArray());
        x.ZeroGrad();
        x.Slice(0, -3, 4, 2).Backward(Tensor<double>.FromArray([10.0, 20.0], 2)); // x[1:4:2]
        Assert.Equal([0.0, 10.0, 0.0, 20.0], x.Grad!.ToArray());
    }

    [Fact]
    public void Gradient_Slice()
    {
        var gen =
            from c in AnyInput(1, 3)
            from dim in Gen.Choose(-c.Input.Shape.Length, c.Input.Shape.Length - 1)
            from start in Gen.Choose(-4, 3)
            from end in Gen.Choose(-4, 5)
            from step in Gen.Choose(1, 3)
            select (c.Input, c.Seed, Dim: dim, Start: start, End: end, Step: step);
        Properties.Check(gen, c =>
        {
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].Slice(c.Dim, c.Start, c.End, c.Step));
            // Forward: Python's x[start:end:step] along dim, computed from the clamped range.
            var x = Presented(c.Input, c.Seed);
            int d = c.Dim < 0 ? c.Dim + x.Rank : c.Dim, size = x.Size(d);
            int s = Math.Clamp(c.Start < 0 ? c.Start + size : c.Start, 0, size);
            int e = Math.Clamp(c.End < 0 ? c.End + size : c.End, 0, size);
            int[] picked = Enumerable.Range(s, Math.Max(e - s, 0)).Where(i => (i - s) % c.Step == 0).ToArray();
            var y = new Var<double>(x).Slice(c.Dim, c.Start, c.End, c.Step).Value;
            Properties.AssertClose(x.IndexSelect(d, picked), y, $"slice({c.Dim}, {c.Start}, {c.End}, {c.Step})");
        });
    }

    [Fact]
    public void Gradient_Expand()
    {
        var gen =
            from c in AnyInput(0, 2)
            from lead in Properties.Shape(0, 2)
            from sizes in Gen.ArrayOf(Gen.Choose(1, 3), c.Input.Shape.Length)
            from keep in Gen.Elements(false, true)
            select (c.Input, c.Seed, Target: lead.Concat(c.Input.Shape.Select((n, d) => n == 1 ? sizes[d] : keep ? -1 : n)).ToArray());
        Properties.Check(gen, c =>
        {
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].Expand(c.Target));
            var x = Presented(c.Input, c.Seed);
            var y = new Var<double>(x).Expand(c.Target).Value;
            Properties.AssertClose(Tensor<double>.Zeros(y.Shape) + x, y, $"expand to {Shapes.Format(c.Target)}"); // a broadcast add
        });
    }

    private static Gen<(Input[] Inputs, int Dim, int Seed)> Joinable(bool sameSize) =>
        from shape in Properties.Shape(1, 3)
        from count in Gen.Choose(1, 3)
        from dim in Gen.Choose(-shape.Length, shape.Length - 1)
        from sizes in Gen.ArrayOf(Gen.Choose(1, 3), count)
        from layouts in Gen.ArrayOf(Properties.AnyLayout, count)
        from seed in Properties.Seed
        let d = dim < 0 ? dim + shape.Length : dim
        select (Enumerable.Range(0, count).Select(k =>
            new Input(shape.Select((n, i) => i == d && !sameSize ? sizes[k] : n).ToArray(), layouts[k])).ToArray(), dim, seed);

    [Fact]
    public void Gradient_Concat()
    {
        Properties.Check(Joinable(sameSize: false), c =>
        {
            Properties.AssertGradients(c.Inputs, c.Seed, xs => Var<double>.Concat(xs, c.Dim));
            // Forward: input k is the block of the result starting after inputs 0 … k−1.
            var leaves = Properties.Leaves(c.Inputs, c.Seed);
            var xs = leaves.Select((x, k) => Properties.Present(x, c.Inputs[k])).ToArray();
            var y = Var<double>.Concat(xs.Select(x => new Var<double>(x)).ToArray(), c.Dim).Value;
            int d = c.Dim < 0 ? c.Dim + y.Rank : c.Dim, at = 0;
            foreach (var x in xs)
            {
                Properties.AssertClose(x.Contiguous(), y.Narrow(d, at, x.Size(d)).Contiguous(), $"concat block at {at}");
                at += x.Size(d);
            }
        });
    }

    [Fact]
    public void Gradient_Stack()
    {
        var gen =
            from c in Joinable(sameSize: true)
            from dim in Gen.Choose(-c.Inputs[0].Shape.Length - 1, c.Inputs[0].Shape.Length)
            select (c.Inputs, Dim: dim, c.Seed);
        Properties.Check(gen, c =>
        {
            Properties.AssertGradients(c.Inputs, c.Seed, xs => Var<double>.Stack(xs, c.Dim));
            var xs = Properties.Leaves(c.Inputs, c.Seed).Select((x, k) => Properties.Present(x, c.Inputs[k])).ToArray();
            var y = Var<double>.Stack(xs.Select(x => new Var<double>(x)).ToArray(), c.Dim).Value;
            int d = c.Dim < 0 ? c.Dim + y.Rank : c.Dim;
            for (int k = 0; k < xs.Length; k++)
            {
                Properties.AssertClose(xs[k].Contiguous(), y.Narrow(d, k, 1).Squeeze(d).Contiguous(), $"stack slice {k}");
            }
        });
    }

    [Fact]
    public void Gradient_IndexSelect()
    {
        var gen =
            from c in AnyInput(1, 3)
            from dim in Gen.Choose(-c.Input.Shape.Length, c.Input.Shape.Length - 1)
            let size = c.Input.Shape[dim < 0 ? dim + c.Input.Shape.Length : dim]
            from indices in Gen.ArrayOf(Gen.Choose(0, size - 1), 4) // repeats included: they test the scatter-add
            select (c.Input, c.Seed, Dim: dim, Indices: indices);
        Properties.Check(gen, c =>
        {
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].IndexSelect(c.Dim, c.Indices));
            var x = Presented(c.Input, c.Seed);
            var y = new Var<double>(x).IndexSelect(c.Dim, c.Indices).Value;
            int d = c.Dim < 0 ? c.Dim + x.Rank : c.Dim;
            for (int i = 0; i < c.Indices.Length; i++)
            {
                Properties.AssertClose(x.Narrow(d, c.Indices[i], 1).Contiguous(), y.Narrow(d, i, 1).Contiguous(), $"row {i}");
            }
        });
    }

    [Fact]
    public void Gradient_MaskedFill()
    {
        var gen =
            from c in AnyInput(0, 3)
            from drop in Gen.Choose(0, c.Input.Shape.Length)
            from ones in Gen.ArrayOf(Gen.Elements(false, true), c.Input.Shape.Length)
            from fill in Gen.Elements(-1.5, 0.0, double.NegativeInfinity)
            select (c.Input, c.Seed, MaskShape: c.Input.Shape.Select((n, d) => ones[d] ? 1 : n).Skip(drop).ToArray(), Fill: fill);
        Properties.Check(gen, c =>
        {
            var mask = Tensor<double>.FromArray(
                Enumerable.Range(0, Shapes.Count(c.MaskShape)).Select(i => (double)((i * 7 + c.Seed) % 3 == 0 ? 1 : 0)).ToArray(), c.MaskShape);
            // −∞ is kept out of the weighted sum L by a second fill with 0 (which passes the gradient through).
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].MaskedFill(mask, c.Fill).MaskedFill(mask, 0.0));
            Properties.AssertGradients([c.Input], c.Seed, x => x[0].MaskedFill(mask, double.IsInfinity(c.Fill) ? 2.0 : c.Fill));
            var x = Presented(c.Input, c.Seed);
            var y = new Var<double>(x).MaskedFill(mask, c.Fill).Value;
            var m = mask.Expand(x.Shape).ToArray();
            Assert.Equal(x.ToArray().Select((v, i) => m[i] != 0 ? c.Fill : v).ToArray(), y.ToArray());
        });
    }

    /// <summary>Every index of a shape, in row-major order.</summary>
    private static IEnumerable<int[]> Indices(int[] shape)
    {
        int n = Shapes.Count(shape);
        for (int flat = 0; flat < n; flat++)
        {
            var index = new int[shape.Length];
            for (int d = shape.Length - 1, rest = flat; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            yield return index;
        }
    }

    /// <summary>
    /// Three slices of one tensor (attention's q, k, v of qkv): the first gradient to arrive makes x's gradient,
    /// the others are added into their own blocks; the result is each slice's gradient in its place.
    /// </summary>
    [Fact]
    public void SlicesOfOneTensorAddTheirGradientsIntoTheirBlocks()
    {
        var rng = new Rng(22);
        var qkv = new Var<double>(Tensor<double>.Randn(rng, 2, 3, 12), requiresGrad: true);
        var weights = Enumerable.Range(0, 3).Select(_ => Tensor<double>.Randn(rng, 2, 3, 4)).ToArray();
        var parts = Enumerable.Range(0, 3).Select(i => qkv.Slice(2, 4 * i, 4 * i + 4)).ToArray();
        var loss = (parts[0] * new Var<double>(weights[0])).Sum() + (parts[1] * new Var<double>(weights[1])).Sum() + (parts[2] * new Var<double>(weights[2])).Sum() + qkv.Slice(2, 2, 6).Sum();
        loss.Backward();
        var expected = Tensor<double>.Concat(weights, 2).ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            int column = i % 12;
            if (column >= 2 && column < 6)
            {
                expected[i] += 1; // the fourth, overlapping slice
            }
        }
        Assert.Equal(expected, qkv.Grad!.ToArray());
    }
}
