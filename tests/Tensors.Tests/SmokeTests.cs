namespace Scratch.Tensors.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void MatMulOfSmallMatricesMatchesHandComputation()
    {
        var a = Tensor<double>.From(new double[,] { { 1, 2 }, { 3, 4 } });
        var b = Tensor<double>.From(new double[,] { { 5, 6 }, { 7, 8 } });
        var c = a.MatMul(b);
        Assert.Equal([19.0, 22.0, 43.0, 50.0], c.ToArray());
        Assert.Equal([19.0, 22.0, 43.0, 50.0], Tensor<double>.MatMulReference(a, b).ToArray());
    }

    [Fact]
    public void PrintsLikePyTorch()
    {
        var a = Tensor<float>.From(new float[,] { { 1.5f, 2 }, { 3, 4 } });
        Assert.Equal("tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]], shape=[2,2])", a.ToString());
    }

    /// <summary>Empty gives a fresh, contiguous tensor of the shape, its own storage, ready to be written.</summary>
    [Fact]
    public void EmptyHasTheShapeAndFreshStorage()
    {
        var a = Tensor<float>.Empty(3, 5);
        var b = Tensor<float>.Empty(3, 5);
        Assert.Equal([3, 5], a.ShapeArray());
        Assert.True(a.IsContiguous);
        Assert.Equal(15, a.Count);
        Assert.NotSame(a.Storage, b.Storage);
        a.Fill(2);
        Assert.All(a.ToArray(), v => Assert.Equal(2f, v));
        Assert.Equal([0], Tensor<double>.Empty(0).ShapeArray());
    }
}
