using System.Numerics;
using FsCheck.Fluent;

namespace Scratch.Tensors.Tests;

public sealed class ViewTests
{
    /// <summary>A view must read the same numbers as its copied, row-major form.</summary>
    private static void AssertEqualsItsCopy<T>(Tensor<T> view) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var copy = view.Contiguous();
        Assert.True(copy.IsContiguous);
        Make.AssertSameElements(view, copy);
        Assert.Equal(view.ToArray(), copy.ToArray());
    }

    private static int[] RandomPermutation(int rank, int seed)
    {
        var rng = new Rng((ulong)seed);
        int[] p = Enumerable.Range(0, rank).ToArray();
        for (int i = rank - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>
    /// Reshape returns a view whenever strides can express the new shape, as torch.reshape does: splitting
    /// a column slice into heads (attention's q = qkv[..., 0:C].reshape(B, T, H, hs)) shares storage, and
    /// every reshape of any layout reads the same elements as reshaping a contiguous copy.
    /// </summary>
    [Fact]
    public void ReshapeIsAViewWhenStridesAllowIt()
    {
        var qkv = Tensor<double>.Arange(2 * 3 * 12).Reshape(2, 3, 12);   // (B, T, 3C), C = 4
        var k = qkv.Slice(2, 4, 8);                                       // (B, T, C), strides (36, 12, 1)
        var heads = k.Reshape(2, 3, 2, 2);                                // (B, T, H, hs)
        Assert.Same(qkv.Storage, heads.Storage);
        Assert.Equal([36, 12, 2, 1], heads.Strides.ToArray());
        Make.AssertSameElements(k.Contiguous().Reshape(2, 3, 2, 2), heads);
        var merged = qkv.Transpose(0, 1).Reshape(3, 24);                  // rows of different batches: must copy
        Assert.NotSame(qkv.Storage, merged.Storage);
        Make.AssertSameElements(qkv.Transpose(0, 1).Contiguous().Reshape(3, 24), merged);
        Properties.Check(Properties.ShapeAndSeed(allowEmpty: true), c =>
        {
            var x = Make.AnyLayout<double>(c.Shape, c.Seed);
            int[] withOnes = [1, .. c.Shape, 1];
            Make.AssertSameElements(x.Contiguous().Reshape(withOnes), x.Reshape(withOnes));
            if (c.Shape.Length >= 2)
            {
                int[] merge = [.. c.Shape[..^2], c.Shape[^2] * c.Shape[^1]];
                Make.AssertSameElements(x.Contiguous().Reshape(merge), x.Reshape(merge));
            }
        });
    }

    [Fact]
    public void ReshapeRoundTrips()
    {
        Properties.Check(Properties.ShapeAndSeed(allowEmpty: true), c =>
        {
            var x = Make.AnyLayout<double>(c.Shape, c.Seed);
            var flat = x.Reshape(-1);
            Assert.Equal([x.Count], flat.ShapeArray());
            Assert.Equal(x.ToArray(), flat.ToArray());
            var back = flat.Reshape(c.Shape);
            Make.AssertSameElements(x, back);
            if (x.IsContiguous)
            {
                Assert.Same(x.Storage, flat.Storage); // a view, no copy
                Make.AssertSameElements(x, x.View(-1).View(c.Shape));
            }
        });
    }

    [Fact]
    public void TransposeTwiceAndPermuteThenInverseAreIdentity()
    {
        Properties.Check(Properties.ShapeAndSeed(1, 4).Zip(Properties.ValueSeed), c =>
        {
            var ((shape, seed), permSeed) = c;
            var x = Make.AnyLayout<float>(shape, seed);
            int rank = shape.Length;
            int a = permSeed % rank, b = permSeed / 7 % rank;
            Make.AssertSameElements(x, x.Transpose(a, b).Transpose(a, b));
            int[] p = RandomPermutation(rank, permSeed);
            int[] inverse = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                inverse[p[i]] = i;
            }
            var permuted = x.Permute(p);
            Assert.Equal(p.Select(d => shape[d]).ToArray(), permuted.ShapeArray());
            Make.AssertSameElements(x, permuted.Permute(inverse));
            // Element [i₀, …] of the permuted view is x[i_{p⁻¹}…]: check through the indexer.
            foreach (int[] index in Kernels.Reference.Indices(permuted.ShapeArray()))
            {
                int[] source = new int[rank];
                for (int d = 0; d < rank; d++)
                {
                    source[p[d]] = index[d];
                }
                Assert.Equal(x[source], permuted[index]);
            }
        });
    }

    [Fact]
    public void EveryViewEqualsItsContiguousCopy()
    {
        Properties.Check(Properties.ShapeAndSeed(1, 4).Zip(Properties.ValueSeed), c =>
        {
            var ((shape, seed), choice) = c;
            var x = Make.AnyLayout<double>(shape, seed);
            var rng = new Rng((ulong)choice);
            int rank = shape.Length;
            int d = rng.NextInt(rank), e = rng.NextInt(rank);
            int size = shape[d];
            AssertEqualsItsCopy(x);
            AssertEqualsItsCopy(x.Transpose(d, e));
            AssertEqualsItsCopy(x.Permute(RandomPermutation(rank, choice)));
            int start = rng.NextInt(size + 1) - rng.NextInt(2) * size, end = rng.NextInt(size + 2), step = 1 + rng.NextInt(3);
            var sliced = x.Slice(d, start, end, step);
            AssertEqualsItsCopy(sliced);
            int s0 = Math.Clamp(start < 0 ? start + size : start, 0, size);
            foreach (int[] index in Kernels.Reference.Indices(sliced.ShapeArray()))
            {
                int[] source = (int[])index.Clone();
                source[d] = s0 + index[d] * step;
                Assert.Equal(x[source], sliced[index]);
            }
            int nStart = rng.NextInt(size + 1), nLength = rng.NextInt(size - nStart + 1);
            var narrowed = x.Narrow(d, nStart, nLength);
            AssertEqualsItsCopy(narrowed);
            Assert.Equal(nLength, narrowed.Size(d));
            AssertEqualsItsCopy(x.Unsqueeze(d));
            AssertEqualsItsCopy(x.Unsqueeze(rank));
            AssertEqualsItsCopy(x.Unsqueeze(-1).Squeeze(-1));
            AssertEqualsItsCopy(x.Squeeze());
            Assert.DoesNotContain(1, x.Squeeze().ShapeArray());
            // Expand: the size-1 dimensions of x stretch, and two new leading dimensions appear.
            int[] bigger = [2, 3, .. shape.Select(s => s == 1 ? 3 : s)];
            var expanded = x.Expand(bigger);
            AssertEqualsItsCopy(expanded);
            foreach (int[] index in Kernels.Reference.Indices(bigger))
            {
                int[] source = index[2..].Select((i, k) => shape[k] == 1 ? 0 : i).ToArray();
                Assert.Equal(x[source], expanded[index]);
            }
            int pieceSize = 1 + rng.NextInt(Math.Max(size, 1));
            var pieces = x.Split(pieceSize, d);
            Assert.Equal(size, pieces.Sum(p => p.Size(d)));
            foreach (var piece in pieces)
            {
                AssertEqualsItsCopy(piece);
            }
            if (x.IsContiguous)
            {
                AssertEqualsItsCopy(x.View([.. shape.Reverse()]));
            }
        });
    }

    [Fact]
    public void ViewsShareStorageWithTheirBase()
    {
        var x = Tensor<double>.Arange(12).Reshape(3, 4);
        var t = x.Transpose();
        t[1, 2] = 100;
        Assert.Equal(100, x[2, 1]);
        var s = x.Slice(1, 1, 4, 2); // columns 1 and 3
        Assert.Equal([3, 2], s.ShapeArray());
        Assert.Equal([1.0, 3, 5, 7, 100, 11], s.ToArray());
        s[0, 1] = -1;
        Assert.Equal(-1, x[0, 3]);
        Assert.False(t.IsContiguous);
        Assert.False(s.IsContiguous);
        Assert.NotSame(t.Storage, t.Contiguous().Storage);
        Assert.Same(x, x.Contiguous());
        Assert.NotSame(x.Storage, x.Clone().Storage);
    }

    [Fact]
    public void SliceClampsLikePythonAndNegativeIndicesCountFromTheEnd()
    {
        var x = Tensor<float>.Arange(10);
        Assert.Equal([7f, 8, 9], x.Slice(0, -3, 100).ToArray());
        Assert.Equal([0f, 3, 6, 9], x.Slice(0, -100, 10, 3).ToArray());
        Assert.Empty(x.Slice(0, 5, 2).ToArray());
        Assert.Equal(9f, x[-1]);
        Assert.Equal([2, 5], Tensor<float>.Zeros(2, 5).Expand(-1, 5).ShapeArray());
        Assert.Equal(4, Tensor<float>.Zeros(2, 3, 4).Size(-1));
    }

    [Fact]
    public void EmptyTensorsAreContiguousAndReshape()
    {
        var x = Tensor<float>.Zeros(3, 0, 2);
        Assert.True(x.IsContiguous);
        Assert.Equal(0, x.Count);
        Assert.Empty(x.AsSpan().ToArray());
        Assert.Equal([0, 3], x.View(0, 3).ShapeArray());
        Assert.Equal([2, 0], x.Reshape(2, 0).ShapeArray());
        Assert.Equal("tensor([], shape=[0])", Tensor<float>.Zeros(0).ToString());
    }
}
