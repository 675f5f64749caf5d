using Scratch.Autograd;
using Scratch.Nn.Optimizers;
using Scratch.Nn.Schedules;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>Learning-rate schedules, gradient clipping and L1/L2 penalties against the PyTorch/nanoGPT fixture.</summary>
public sealed class ScheduleClipPenaltyTests
{
    [Fact]
    public void WarmupCosineMatchesNanoGptGetLr()
    {
        var f = Fixtures.Root.GetProperty("warmup_cosine");
        var schedule = new WarmupCosineSchedule(f.GetProperty("learning_rate").GetDouble(), f.GetProperty("min_lr").GetDouble(),
            f.GetProperty("warmup_iters").GetInt32(), f.GetProperty("lr_decay_iters").GetInt32());
        var expected = Fixtures.Doubles(f.GetProperty("values"));
        Fixtures.AssertClose(expected, Enumerable.Range(0, expected.Length).Select(schedule.At).ToArray(), 1e-12, "get_lr");
        Assert.Equal(6e-4 / 11, schedule.At(0), 15);       // warmup starts above zero
        Assert.Equal(6e-4, schedule.At(10), 15);           // the peak, at the end of warmup
        Assert.Equal(6e-5, schedule.At(1000));             // the floor
    }

    [Fact]
    public void StepScheduleMatchesTorchStepLR()
    {
        var f = Fixtures.Root.GetProperty("step_lr");
        var schedule = new StepSchedule(f.GetProperty("lr").GetDouble(), f.GetProperty("step_size").GetInt32(), f.GetProperty("gamma").GetDouble());
        var expected = Fixtures.Doubles(f.GetProperty("values"));
        Fixtures.AssertClose(expected, Enumerable.Range(0, expected.Length).Select(schedule.At).ToArray(), 1e-12, "StepLR");
    }

    [Fact]
    public void ConstantScheduleIsConstant() =>
        Assert.All(Enumerable.Range(0, 100), it => Assert.Equal(3e-4, new ConstantSchedule(3e-4).At(it)));

    [Fact]
    public void ScheduleErrorsNameTheSchedule()
    {
        Assert.Contains("WarmupCosineSchedule", Assert.Throws<ArgumentException>(() => new WarmupCosineSchedule(1, 0, 10, 5)).Message);
        Assert.Contains("StepSchedule", Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(1, 0)).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ClipGradNormMatchesTorch(int which)
    {
        var f = Fixtures.Root.GetProperty("clipping")[which];
        var grads = f.GetProperty("grads").EnumerateArray().Select(Fixtures.Tensor).ToList();
        var parameters = grads.Select(g => new Var<double>(Tensor<double>.Zeros(g.Shape), requiresGrad: true)).ToList();
        for (int i = 0; i < grads.Count; i++)
        {
            Fixtures.SetGrad(parameters[i], grads[i]);
        }
        var frozen = new Var<double>(Tensor<double>.Ones(4), requiresGrad: true); // no gradient: skipped
        double total = GradClipping.ClipGradNorm([.. parameters, frozen], f.GetProperty("max_norm").GetDouble());
        Assert.Equal(f.GetProperty("total_norm").GetDouble(), total, 12);
        for (int i = 0; i < grads.Count; i++)
        {
            Fixtures.AssertClose(Fixtures.Doubles(f.GetProperty("clipped")[i]), parameters[i].Grad!.ToArray(), 1e-12, $"clipped grad {i}");
        }
        Assert.Null(frozen.Grad);
    }

    [Fact]
    public void PenaltiesMatchTorchAutograd()
    {
        var f = Fixtures.Root.GetProperty("penalties");
        double lambda = f.GetProperty("lambda").GetDouble();
        var w = new Var<double>(Fixtures.Tensor(f.GetProperty("w")), requiresGrad: true);
        Assert.Equal(f.GetProperty("l2").GetDouble(), Regularization.AddL2([w], lambda), 12);
        Fixtures.AssertClose(Fixtures.Doubles(f.GetProperty("l2_grad")), w.Grad!.ToArray(), 1e-12, "L2 gradient");

        // L1 on top of an existing gradient: contributions add (the element at 0 gets sign(0) = 0).
        var before = w.Grad!.ToArray();
        Assert.Equal(f.GetProperty("l1").GetDouble(), Regularization.AddL1([w], lambda), 12);
        var expected = Fixtures.Doubles(f.GetProperty("l1_grad")).Zip(before, (a, b) => a + b).ToArray();
        Fixtures.AssertClose(expected, w.Grad!.ToArray(), 1e-12, "L2 + L1 gradient");
    }

    [Fact]
    public void L1OfADivergedWeightIsNaNNotAnException()
    {
        // A run that diverged has NaN weights; the penalty's gradient there is NaN (torch.sign(nan) is nan), not a crash.
        var w = new Var<double>(Tensor<double>.FromArray([double.NaN, -2.0, 0.0], 3), requiresGrad: true);
        Regularization.AddL1([w], 0.5);
        var grad = w.Grad!.ToArray();
        Assert.True(double.IsNaN(grad[0]));
        Assert.Equal([-0.5, 0.0], grad[1..]);
    }

    [Fact]
    public void PenaltiesRefuseNonParameters()
    {
        var constant = new Var<double>(Tensor<double>.Ones(2));
        Assert.Contains("AddL2", Assert.Throws<ArgumentException>(() => Regularization.AddL2([constant], 0.1)).Message);
    }
}
