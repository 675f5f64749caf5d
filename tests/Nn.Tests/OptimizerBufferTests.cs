using Scratch.Autograd;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// An optimiser keeps only the buffers its options use, as torch.optim does (SGD without momentum keeps none, RMSprop
/// keeps grad_avg only when centered and momentum_buffer only with momentum), and each buffer holds what its name says.
/// </summary>
public sealed class OptimizerBufferTests
{
    private static (Var<double> Parameter, Optimizer<double> Optimizer) OneStep(Func<Var<double>[], Optimizer<double>> make, double[] gradient)
    {
        var p = new Var<double>(Tensor<double>.FromArray([1.0, -2.0, 0.5]), requiresGrad: true);
        var optimizer = make([p]);
        Fixtures.SetGrad(p, Tensor<double>.FromArray(gradient));
        optimizer.Step();
        return (p, optimizer);
    }

    [Fact]
    public void EachOptimiserKeepsOnlyTheBuffersItsOptionsUse()
    {
        double[] g = [0.3, -0.6, 0.9];
        string[] Buffers(Func<Var<double>[], Optimizer<double>> make) => [.. OneStep(make, g).Optimizer.SaveState().Names];
        Assert.Equal(["state.0.step"], Buffers(p => new Sgd<double>(p, lr: 0.1)));
        Assert.Equal(["state.0.step", "state.0.momentum_buffer"], Buffers(p => new Sgd<double>(p, lr: 0.1, momentum: 0.9)));
        Assert.Equal(["state.0.step", "state.0.square_avg"], Buffers(p => new RmsProp<double>(p)));
        Assert.Equal(["state.0.step", "state.0.square_avg", "state.0.grad_avg"], Buffers(p => new RmsProp<double>(p, centered: true)));
        Assert.Equal(["state.0.step", "state.0.square_avg", "state.0.momentum_buffer"], Buffers(p => new RmsProp<double>(p, momentum: 0.5)));
        Assert.Equal(["state.0.step", "state.0.sum"], Buffers(p => new AdaGrad<double>(p)));
    }

    [Fact]
    public void CenteredRmsPropsGradAvgIsTheRunningMeanOfTheGradient()
    {
        // ḡ ← α·ḡ + (1 − α)·g from ḡ = 0: after one step (1 − α)·g, after a second α(1 − α)·g + (1 − α)·g'.
        double alpha = 0.9;
        double[] g1 = [0.3, -0.6, 0.9], g2 = [-0.2, 0.4, 0.1];
        var (p, rmsprop) = OneStep(ps => new RmsProp<double>(ps, alpha: alpha, centered: true), g1);
        Fixtures.AssertClose(g1.Select(x => (1 - alpha) * x).ToArray(), rmsprop.SaveState()["state.0.grad_avg"].ToArray(), 1e-15, "grad_avg after one step");
        Fixtures.SetGrad(p, Tensor<double>.FromArray(g2));
        rmsprop.Step();
        Fixtures.AssertClose(g1.Zip(g2, (a, b) => alpha * (1 - alpha) * a + (1 - alpha) * b).ToArray(),
            rmsprop.SaveState()["state.0.grad_avg"].ToArray(), 1e-15, "grad_avg after two steps");
    }

    [Fact]
    public void AWeightExactlyAtTheThresholdBecomesPositiveZero()
    {
        // sign(θ)·max(|θ| − t, 0) is 0 for |θ| = t; +0, as torch.nn.functional.softshrink gives, not −0.
        var w = new Var<double>(Tensor<double>.FromArray([-0.25, 0.25]), requiresGrad: true);
        Assert.Equal(2, Regularization.ProximalL1([w], 0.25));
        Assert.All(w.Value.ToArray(), v => Assert.False(double.IsNegative(v), $"{v} is −0"));
    }
}
