using Scratch.Tensors;

namespace Scratch.Autograd.Tests;

public sealed class EngineTests
{
    [Fact]
    public void BroadcastingAddAndMulPassGradCheck()
    {
        var rng = new Rng(1);
        var a = Tensor<double>.Randn(rng, 2, 3);
        var b = Tensor<double>.Randn(rng, 3);
        var result = GradCheck.Run(x => (x[0] + x[1]) * x[0] - x[1], [a, b]);
        Assert.True(result.Passed(1e-6), result.ToString());
        Assert.Equal(9, result.ElementsChecked);
    }

    [Fact]
    public void AValueUsedTwiceReceivesBothContributions()
    {
        var x = new Var<double>(Tensor<double>.Scalar(3.0), requiresGrad: true);
        var y = x * x + x; // dy/dx = 2x + 1 = 7
        y.Backward();
        Assert.Equal(7.0, x.Grad!.Item());
    }

    [Fact]
    public void DeepChainDoesNotOverflowTheStack()
    {
        var x = new Var<double>(Tensor<double>.Scalar(1.0), requiresGrad: true);
        var y = x;
        for (int i = 0; i < 100_000; i++)
        {
            y = y + x;
        }
        y.Backward();
        Assert.Equal(100_001.0, x.Grad!.Item());
    }
}
