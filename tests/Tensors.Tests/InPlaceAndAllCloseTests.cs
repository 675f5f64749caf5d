namespace Scratch.Tensors.Tests;

public sealed class InPlaceAndAllCloseTests
{
    [Fact]
    public void AllCloseUsesAbsoluteAndRelativeTolerance()
    {
        var a = Tensor<double>.FromArray([1, 100], 2);
        Assert.True(a.AllClose(Tensor<double>.FromArray([1 + 1e-9, 100], 2)));
        Assert.False(a.AllClose(Tensor<double>.FromArray([1 + 1e-4, 100], 2)));
        Assert.True(a.AllClose(Tensor<double>.FromArray([1, 100.0005], 2), rtol: 1e-5));
        Assert.False(a.AllClose(Tensor<double>.FromArray([1, 100.002], 2), rtol: 1e-5));
        Assert.True(a.AllClose(Tensor<double>.FromArray([1.05, 100], 2), rtol: 0, atol: 0.1));
        Assert.False(a.AllClose(Tensor<double>.FromArray([1, 100], 1, 2)), "shapes differ");
        Assert.True(a.AllClose(Tensor<double>.FromArray([100, 1], 2).Slice(0, 1, 2).Expand(2) * 0 + a), "views compare by element");
    }

    [Fact]
    public void AllCloseTreatsNaNAndInfinityStrictly()
    {
        var nan = Tensor<double>.FromArray([double.NaN], 1);
        Assert.False(nan.AllClose(nan));
        Assert.True(nan.AllClose(nan, equalNan: true));
        Assert.False(nan.AllClose(Tensor<double>.FromArray([1], 1), equalNan: true));
        var inf = Tensor<double>.FromArray([double.PositiveInfinity], 1);
        Assert.True(inf.AllClose(inf));
        Assert.False(inf.AllClose(Tensor<double>.FromArray([double.NegativeInfinity], 1)));
        Assert.False(Tensor<double>.FromArray([1], 1).AllClose(inf));
        Assert.False(inf.AllClose(Tensor<double>.FromArray([1e300], 1)));
    }

    [Fact]
    public void AddInPlaceBroadcastsIntoTheTensor()
    {
        var x = Tensor<double>.Arange(6).Reshape(2, 3);
        x.AddInPlace(Tensor<double>.FromArray([10, 20, 30], 3));
        Assert.Equal([10.0, 21, 32, 13, 24, 35], x.ToArray());
        x.AddInPlace(Tensor<double>.Arange(6).Reshape(3, 2).Transpose());
        Assert.Equal([10.0, 23, 36, 14, 27, 40], x.ToArray());
        // A contiguous view into a bigger tensor writes only its own rows.
        var big = Tensor<double>.Zeros(3, 4);
        big.Narrow(0, 1, 1).AddInPlace(Tensor<double>.Scalar(1));
        Assert.Equal([0.0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0], big.ToArray());
    }

    [Fact]
    public void AddInPlaceEqualsAddForAnyBroadcastableSource()
    {
        Properties.Check(Properties.BroadcastPair(), c =>
        {
            int[] shape = Shapes.Broadcast("test", c.A, c.B);
            var x = Make.Randn<double>(shape, c.Seed);
            var other = Make.AnyLayout<double>(c.B, c.Seed + 1);
            var expected = x + other;
            x.AddInPlace(other);
            Assert.Equal(expected.ToArray(), x.ToArray());
        });
    }

    [Fact]
    public void FillAndCopyFromWriteEveryElement()
    {
        var x = Tensor<float>.Zeros(2, 3);
        x.Fill(2.5f);
        Assert.All(x.ToArray(), v => Assert.Equal(2.5f, v));
        x.CopyFrom(Tensor<float>.Arange(3));
        Assert.Equal([0f, 1, 2, 0, 1, 2], x.ToArray());
        x.CopyFrom(Tensor<float>.Arange(6).Reshape(3, 2).Transpose());
        Assert.Equal([0f, 2, 4, 1, 3, 5], x.ToArray());
        var row = x.Narrow(0, 1, 1);
        row.Fill(-1);
        Assert.Equal([0f, 2, 4, -1, -1, -1], x.ToArray());
    }

    [Fact]
    public void InPlaceOpsRefuseNonContiguousTensors()
    {
        var t = Tensor<float>.Zeros(2, 3).Transpose();
        var e1 = Assert.Throws<InvalidOperationException>(() => t.AddInPlace(Tensor<float>.Ones(3, 2)));
        Assert.Equal("add_: in-place updates need a contiguous tensor, got shape [3,2] with strides [1,3]", e1.Message);
        var e2 = Assert.Throws<InvalidOperationException>(() => t.Fill(1));
        Assert.StartsWith("fill_: in-place updates need a contiguous tensor, got shape [3,2]", e2.Message);
        var e3 = Assert.Throws<InvalidOperationException>(() => Tensor<float>.Zeros(4).Expand(2, 4).CopyFrom(Tensor<float>.Ones(2, 4)));
        Assert.Equal("copy_: in-place updates need a contiguous tensor, got shape [2,4] with strides [0,1]", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => Tensor<float>.Zeros(2, 3).AddInPlace(Tensor<float>.Ones(4, 2, 3)));
        Assert.Equal("add_: a tensor of shape [4,2,3] cannot be added into one of shape [2,3]", e4.Message);
        var e5 = Assert.Throws<ArgumentException>(() => Tensor<float>.Zeros(2, 1).CopyFrom(Tensor<float>.Ones(2, 3)));
        Assert.Equal("copy_: a tensor of shape [2,3] cannot be copied into one of shape [2,1]", e5.Message);
        var e6 = Assert.Throws<ArgumentException>(() => Tensor<float>.Zeros(2, 3).CopyFrom(Tensor<float>.Ones(4)));
        Assert.StartsWith("copy_: shapes [2,3] and [4] cannot be broadcast together", e6.Message);
    }

    [Fact]
    public void InPlaceOpsReadTheirSourceBeforeOverwritingIt()
    {
        // The source is a view of the destination: every element must be read before any is written.
        var x = Tensor<double>.Arange(9).Reshape(3, 3);
        var expected = x + x.Transpose();
        x.AddInPlace(x.Transpose());
        Assert.Equal(expected.ToArray(), x.ToArray());
        var y = Tensor<double>.Arange(9).Reshape(3, 3);
        var transposed = y.Transpose().Contiguous();
        y.CopyFrom(y.Transpose());
        Assert.Equal(transposed.ToArray(), y.ToArray());
        var z = Tensor<double>.Arange(4);
        z.AddInPlace(z);
        Assert.Equal([0.0, 2, 4, 6], z.ToArray());
        var w = Tensor<double>.Arange(4);
        w.CopyFrom(w.Slice(0, 0, 1).Expand(4) + 0 * w);
        Assert.Equal([0.0, 0, 0, 0], w.ToArray());
    }

    /// <summary>A block of columns (rows contiguous, not the whole tensor) takes an in-place add row by row; the rest is untouched.</summary>
    [Fact]
    public void AddInPlaceIntoABlockOfColumns()
    {
        var rng = new Rng(21);
        var t = Tensor<float>.Randn(rng, 3, 5, 12);
        var before = t.Clone();
        var block = t.Narrow(2, 4, 4);                                  // (3, 5, 4), strides (60, 12, 1)
        var add = Tensor<float>.Randn(rng, 3, 5, 4);
        var expected = before.Narrow(2, 4, 4) + add;
        block.AddInPlace(add);
        Assert.Equal(expected.ToArray(), t.Narrow(2, 4, 4).ToArray());
        Assert.Equal(before.Narrow(2, 0, 4).ToArray(), t.Narrow(2, 0, 4).ToArray());
        Assert.Equal(before.Narrow(2, 8, 4).ToArray(), t.Narrow(2, 8, 4).ToArray());
        t.Narrow(2, 0, 4).AddInPlace(Tensor<float>.Ones(4));            // broadcast into the block
        Assert.Equal((before.Narrow(2, 0, 4) + 1f).ToArray(), t.Narrow(2, 0, 4).ToArray());
    }
}
