using Scratch.Autograd;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>The proximal (soft-thresholding) step of the L1 penalty: θ ← sign(θ)·max(|θ| − η·λ, 0).</summary>
public sealed class ProximalL1Tests
{
    [Fact]
    public void ShrinksEveryWeightTowardsZeroAndZeroesTheSmallOnes()
    {
        var w = new Var<double>(Tensor<double>.FromArray([3, -0.05, 0.1, -2, 0, 0.25]), requiresGrad: true);
        int zeros = Regularization.ProximalL1([w], 0.1);
        Fixtures.AssertClose([2.9, 0, 0, -1.9, 0, 0.15], w.Value.ToArray(), 1e-15, "soft threshold");
        Assert.Equal(3, zeros);
        Assert.Equal(3, w.Value.ToArray().Count(v => v == 0)); // exactly 0, not merely small
    }

    [Fact]
    public void IsTheMinimiserOfTheProximalObjective()
    {
        // prox(θ) = argmin_v ½(v − θ)² + t·|v|: no nudge of the result, and not 0 either, does better.
        var rng = new Rng(3);
        for (int trial = 0; trial < 200; trial++)
        {
            double theta = 4 * rng.NextDouble() - 2, t = rng.NextDouble();
            var w = new Var<double>(Tensor<double>.FromArray([theta]), requiresGrad: true);
            Regularization.ProximalL1([w], t);
            double v = w.Value.Item();
            double Objective(double u) => 0.5 * (u - theta) * (u - theta) + t * Math.Abs(u);
            foreach (double other in new[] { v + 1e-6, v - 1e-6, 0, theta })
            {
                Assert.True(Objective(v) <= Objective(other) + 1e-15, $"θ = {theta}, t = {t}: prox {v} is beaten by {other}");
            }
        }
    }

    [Fact]
    public void AfterAnSgdStepItSolvesTheOrthogonalLasso()
    {
        // L = ½‖θ − y‖²: one SGD step with η = 1 lands on y; the proximal step then gives the lasso solution
        // argmin ½‖θ − y‖² + λ‖θ‖₁ = soft(y, λ), exactly.
        double[] y = [1.5, -0.2, 0.05, -3];
        double lambda = 0.3;
        var theta = new Var<double>(Tensor<double>.FromArray([0.7, 0.7, -0.7, 0.7]), requiresGrad: true);
        var sgd = new Sgd<double>([theta], lr: 1);
        var error = theta - new Var<double>(Tensor<double>.FromArray(y));
        ((error * error).Sum() * 0.5).Backward();
        sgd.Step();
        Regularization.ProximalL1([theta], sgd.LearningRate * lambda);
        Fixtures.AssertClose([1.2, 0, 0, -2.7], theta.Value.ToArray(), 1e-15, "lasso solution");
    }

    [Fact]
    public void RefusesNonParametersAndANegativeThreshold()
    {
        var constant = new Var<double>(Tensor<double>.Ones(2));
        Assert.Contains("ProximalL1", Assert.Throws<ArgumentException>(() => Regularization.ProximalL1([constant], 0.1)).Message);
        var w = new Var<double>(Tensor<double>.Ones(2), requiresGrad: true);
        Assert.Contains("ProximalL1", Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.ProximalL1([w], -1)).Message);
    }
}
