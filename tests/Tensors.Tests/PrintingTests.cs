namespace Scratch.Tensors.Tests;

public sealed class PrintingTests
{
    [Fact]
    public void SmallMatrixPrintsLikePyTorch()
    {
        var a = Tensor<float>.From(new float[,] { { 1.5f, 2 }, { 3, 4 } });
        Assert.Equal("tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]], shape=[2,2])", a.ToString());
        Assert.Equal(a.ToString(), a.Transpose().Transpose().ToString());
        Assert.Equal("tensor([[1.5000, 3.0000],\n        [2.0000, 4.0000]], shape=[2,2])", a.Transpose().ToString());
    }

    [Fact]
    public void ScalarsVectorsIntegersAndSpecialValues()
    {
        Assert.Equal("tensor(2.5000, shape=[])", Tensor<double>.Scalar(2.5).ToString());
        Assert.Equal("tensor([ 0.,  1., 10.], shape=[3])", Tensor<double>.FromArray([0, 1, 10], 3).ToString());
        Assert.Equal("tensor([-1.5000,     nan,     inf,    -inf], shape=[4])",
            Tensor<double>.FromArray([-1.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity], 4).ToString());
        Assert.Equal("tensor([1.0000e-05, 2.0000e-05], shape=[2])", Tensor<double>.FromArray([1e-5, 2e-5], 2).ToString());
        Assert.Equal("tensor([1.0000e+09, 1.5000e+00], shape=[2])", Tensor<double>.FromArray([1e9, 1.5], 2).ToString());
        // Whole numbers of 10⁸ or more switch to scientific notation too, as in PyTorch.
        Assert.Equal("tensor([1.0000e+09, 1.0000e+00], shape=[2])", Tensor<double>.FromArray([1e9, 1], 2).ToString());
        Assert.Equal("tensor([-0.,  2.], shape=[2])", Tensor<double>.FromArray([-0.0, 2], 2).ToString());
    }

    [Fact]
    public void ThreeDimensionalTensorsSeparateMatricesByABlankLine()
    {
        var x = Tensor<double>.Arange(8).Reshape(2, 2, 2);
        Assert.Equal("tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]], shape=[2,2,2])", x.ToString());
    }

    [Fact]
    public void LargeTensorsAreTruncated()
    {
        var v = Tensor<double>.Arange(2000);
        Assert.Equal("tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.], shape=[2000])", v.ToString());
        var m = Tensor<double>.Arange(2000).Reshape(40, 50);
        string text = m.ToString();
        Assert.StartsWith("tensor([[   0.,    1.,    2., ...,   47.,   48.,   49.],\n        [  50.,", text);
        Assert.Contains("\n        ...,\n", text);
        Assert.EndsWith("[1950., 1951., 1952., ..., 1997., 1998., 1999.]], shape=[40,50])", text);
        Assert.Equal(7, text.Split('\n').Length);
        // At the threshold nothing is left out.
        Assert.DoesNotContain("...", Tensor<double>.Zeros(Tensor<double>.SummarizeThreshold).ToString());
    }
}
