using FsCheck.Fluent;

namespace Scratch.Tensors.Tests;

public sealed class IndexingTests
{
    [Fact]
    public void ConcatThenSplitGivesThePiecesBack()
    {
        var cases = from c in Properties.ShapeAndSeed(1, 3, allowEmpty: true)
                    from pick in Properties.ValueSeed
                    from sizes in Gen.Choose(0, 3).ArrayOf().Where(a => a.Length is > 0 and < 5)
                    select (c.Shape, c.Seed, Dim: pick % c.Shape.Length, Sizes: sizes);
        Properties.Check(cases, c =>
        {
            var parts = c.Sizes.Select((n, i) =>
            {
                int[] shape = (int[])c.Shape.Clone();
                shape[c.Dim] = n;
                return Make.AnyLayout<double>(shape, c.Seed + i);
            }).ToArray();
            var joined = Tensor<double>.Concat(parts, c.Dim);
            Assert.Equal(c.Sizes.Sum(), joined.Size(c.Dim));
            // Every element of the result comes from the right part at the right place.
            foreach (int[] index in Kernels.Reference.Indices(joined.ShapeArray()))
            {
                int at = index[c.Dim], part = 0;
                while (at >= c.Sizes[part])
                {
                    at -= c.Sizes[part++];
                }
                int[] source = (int[])index.Clone();
                source[c.Dim] = at;
                Assert.Equal(parts[part][source], joined[index]);
            }
            var pieces = joined.Split(c.Sizes, c.Dim - c.Shape.Length);
            Assert.Equal(parts.Length, pieces.Length);
            for (int i = 0; i < parts.Length; i++)
            {
                Make.AssertSameElements(parts[i], pieces[i]);
                Assert.Same(joined.Storage, pieces[i].Storage);
            }
        });
    }

    [Fact]
    public void StackAddsANewDimension()
    {
        Properties.Check(Properties.ShapeAndSeed(0, 3).Zip(Properties.ValueSeed), c =>
        {
            var ((shape, seed), pick) = c;
            int dim = pick % (shape.Length + 1);
            var parts = Enumerable.Range(0, 3).Select(i => Make.AnyLayout<float>(shape, seed + i)).ToArray();
            var stacked = Tensor<float>.Stack(parts, dim);
            Assert.Equal(shape.Take(dim).Append(3).Concat(shape.Skip(dim)).ToArray(), stacked.ShapeArray());
            for (int i = 0; i < 3; i++)
            {
                Make.AssertSameElements(parts[i], stacked.Narrow(dim, i, 1).Squeeze(dim));
            }
        });
    }

    [Fact]
    public void SplitBySizeLeavesAShorterLastPiece()
    {
        var x = Tensor<double>.Arange(10).Reshape(2, 5);
        var pieces = x.Split(2, 1);
        Assert.Equal([2, 2, 1], pieces.Select(p => p.Size(1)));
        Assert.Equal([4.0, 9], pieces[2].ToArray());
        Assert.Equal([2.0, 3, 7, 8], pieces[1].ToArray());
    }

    [Fact]
    public void IndexSelectPicksSlicesInOrder()
    {
        Properties.Check(Properties.ShapeAndSeed(1, 3).Zip(Properties.ValueSeed), c =>
        {
            var ((shape, seed), pick) = c;
            var rng = new Rng((ulong)pick);
            int dim = pick % shape.Length;
            int[] indices = Enumerable.Range(0, rng.NextInt(6)).Select(_ => rng.NextInt(shape[dim])).ToArray();
            var x = Make.AnyLayout<double>(shape, seed);
            var picked = x.IndexSelect(dim, indices);
            foreach (int[] index in Kernels.Reference.Indices(picked.ShapeArray()))
            {
                int[] source = (int[])index.Clone();
                source[dim] = indices[index[dim]];
                Assert.Equal(x[source], picked[index]);
            }
        });
    }

    [Fact]
    public void IndexAddAccumulatesRepeatedIndices()
    {
        var table = Tensor<double>.Ones(3, 2);
        var source = Tensor<double>.FromArray([1, 2, 10, 20, 100, 200], 3, 2);
        var result = table.IndexAdd(0, [2, 0, 2], source);
        Assert.Equal([11.0, 21, 1, 1, 102, 203], result.ToArray());
        Assert.Equal([1.0, 1, 1, 1, 1, 1], table.ToArray()); // the input is unchanged
        var columns = Tensor<double>.Zeros(2, 3).IndexAdd(1, [1, 1], Tensor<double>.Ones(2, 2));
        Assert.Equal([0.0, 2, 0, 0, 2, 0], columns.ToArray());
    }

    [Fact]
    public void IndexAddAddsEachSliceInTurn()
    {
        // out[…, j, …] = x[…, j, …] + Σ source[…, i, …] over the i with indices[i] = j, added in the order of i, for a
        // table and a source in any layout (a contiguous source takes the row-at-a-time path), indices repeated.
        Properties.Check(ScatterCases, c =>
        {
            var (x, dim, indices, source) = c;
            var result = x.IndexAdd(dim, indices, source);
            foreach (int[] index in Kernels.Reference.Indices(x.ShapeArray()))
            {
                double expected = x[index];
                int[] from = (int[])index.Clone();
                for (int i = 0; i < indices.Length; i++)
                {
                    if (indices[i] == index[dim])
                    {
                        from[dim] = i;
                        expected += source[from];
                    }
                }
                Assert.Equal(expected, result[index]);
            }
        });
    }

    [Fact]
    public void IndexAddIsTheAdjointOfIndexSelect()
    {
        // ⟨IndexSelect(x), g⟩ = ⟨x, IndexAdd(0, g)⟩ for every x and g: the scatter-add is the backward of the gather.
        Properties.Check(ScatterCases, c =>
        {
            var (x, dim, indices, g) = c;
            double left = (x.IndexSelect(dim, indices) * g).Sum().Item();
            double right = (x * x.ZerosLike().IndexAdd(dim, indices, g)).Sum().Item();
            Assert.Equal(left, right, 1e-10);
        });
    }

    /// <summary>
    /// A table x of rank 1–3 in any layout, a dimension, 1–6 indices into it (repeats likely) and a tensor of x's shape
    /// with that dimension as long as the indices, in any layout: the slices a scatter-add sends.
    /// </summary>
    private static FsCheck.Gen<(Tensor<double> X, int Dim, int[] Indices, Tensor<double> Slices)> ScatterCases =>
        Properties.ShapeAndSeed(1, 3).Zip(Properties.ValueSeed).Select(c =>
        {
            var ((shape, seed), pick) = c;
            var rng = new Rng((ulong)pick);
            int dim = pick % shape.Length;
            int[] indices = Enumerable.Range(0, 1 + rng.NextInt(6)).Select(_ => rng.NextInt(shape[dim])).ToArray();
            int[] slicesShape = (int[])shape.Clone();
            slicesShape[dim] = indices.Length;
            return (Make.AnyLayout<double>(shape, seed), dim, indices, Make.AnyLayout<double>(slicesShape, seed + 1));
        });

    [Fact]
    public void CreationHelpersMakeTheRightNumbers()
    {
        Assert.Equal([0.0, 1, 2, 3], Tensor<double>.Arange(4).ToArray());
        Assert.Equal([1.0, 1.5, 2, 2.5], Tensor<double>.Arange(1, 3, 0.5).ToArray());
        Assert.Equal([5.0, 3, 1], Tensor<double>.Arange(5, 0, -2).ToArray());
        Assert.Empty(Tensor<double>.Arange(3, 1, 1).ToArray());
        Assert.Equal([1.0, 0, 0, 1], Tensor<double>.Eye(2).ToArray());
        Assert.Equal([7.0, 7], Tensor<double>.Full([2], 7).ToArray());
        Assert.Equal([1.0, 2, 3, 4, 5, 6, 7, 8], Tensor<double>.From(new double[,,] { { { 1, 2 }, { 3, 4 } }, { { 5, 6 }, { 7, 8 } } }).ToArray());
        Assert.Equal(3.5, Tensor<double>.Scalar(3.5).Item());
        Assert.Equal(2.0, Tensor<double>.Arange(4).Narrow(0, 2, 1).Item());
    }
}
