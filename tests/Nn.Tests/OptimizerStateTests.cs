using Scratch.Autograd;
using Scratch.Nn.Checkpoints;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>Saving and restoring optimiser state, parameter groups, and hyperparameter errors.</summary>
public sealed class OptimizerStateTests
{
    public static TheoryData<string> Cases() => OptimizerFixtureTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResumingFromSavedStateContinuesExactly(string caseName)
    {
        // Uninterrupted: 5 steps.
        var straight = OptimizerFixtureTests.MakeParameters();
        var straightOptimizer = OptimizerFixtureTests.MakeOptimizer(caseName, straight);
        for (int step = 0; step < 5; step++)
        {
            OptimizerFixtureTests.SetGradients(straight, step);
            straightOptimizer.Step();
        }

        // Interrupted after 3 steps (after z missed a step): parameters and optimiser state go through a
        // safetensors checkpoint, into fresh objects, which run the last 2 steps.
        var first = OptimizerFixtureTests.MakeParameters();
        var firstOptimizer = OptimizerFixtureTests.MakeOptimizer(caseName, first);
        for (int step = 0; step < 3; step++)
        {
            OptimizerFixtureTests.SetGradients(first, step);
            firstOptimizer.Step();
        }
        var parameterBytes = Safetensors.Serialize(Named(first));
        var stateBytes = Safetensors.Serialize(firstOptimizer.SaveState());

        var resumed = OptimizerFixtureTests.MakeParameters();
        var loaded = Safetensors.Deserialize<double>(parameterBytes).Tensors;
        foreach (var p in resumed)
        {
            p.Value.CopyFrom(loaded[p.Name!]);
        }
        var resumedOptimizer = OptimizerFixtureTests.MakeOptimizer(caseName, resumed);
        resumedOptimizer.LoadState(Safetensors.Deserialize<double>(stateBytes).Tensors);
        for (int step = 3; step < 5; step++)
        {
            OptimizerFixtureTests.SetGradients(resumed, step);
            resumedOptimizer.Step();
        }
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(straight[i].Value.ToArray(), resumed[i].Value.ToArray()); // bit for bit
        }
    }

    private static StateDict<double> Named(IEnumerable<Var<double>> parameters)
    {
        var state = new StateDict<double>();
        foreach (var p in parameters)
        {
            state.Add(p.Name!, p.Value);
        }
        return state;
    }

    [Fact]
    public void SavedStateUsesTorchStyleNamesAndPerParameterSteps()
    {
        var parameters = OptimizerFixtureTests.MakeParameters();
        var adam = new Adam<double>(parameters);
        for (int step = 0; step < 2; step++)
        {
            OptimizerFixtureTests.SetGradients(parameters, step);
            adam.Step();
        }
        var state = adam.SaveState();
        Assert.Equal(
            ["state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq",
             "state.2.step", "state.2.exp_avg", "state.2.exp_avg_sq"], state.Names);
        Assert.Equal(2.0, state["state.0.step"].Item());
        Assert.Equal(1.0, state["state.2.step"].Item()); // z had no gradient on step 1
        Assert.Equal(0, state["state.0.step"].Rank);
    }

    [Fact]
    public void LoadStateChecksEntriesAndChangesNothingOnError()
    {
        var parameters = OptimizerFixtureTests.MakeParameters();
        var adam = new Adam<double>(parameters);
        var wrongShape = new StateDict<double>();
        wrongShape.Add("state.0.step", Tensor<double>.Scalar(1));
        wrongShape.Add("state.0.exp_avg", Tensor<double>.Zeros(3));
        Assert.Contains("parameter 0 has shape [2,3]", Assert.Throws<ArgumentException>(() => adam.LoadState(wrongShape)).Message);
        var unknown = new StateDict<double>();
        unknown.Add("state.7.exp_avg", Tensor<double>.Zeros(3));
        Assert.Contains("Adam.LoadState", Assert.Throws<ArgumentException>(() => adam.LoadState(unknown)).Message);
        var noStep = new StateDict<double>();
        noStep.Add("state.1.exp_avg", Tensor<double>.Zeros(3));
        Assert.Contains("state.1.step", Assert.Throws<ArgumentException>(() => adam.LoadState(noStep)).Message);
        var sgd = new Sgd<double>(parameters, lr: 0.1, momentum: 0.9);
        var adamState = new StateDict<double>();
        adamState.Add("state.0.step", Tensor<double>.Scalar(1));
        adamState.Add("state.0.exp_avg", Tensor<double>.Zeros(2, 3));
        Assert.Contains("SGD keeps momentum_buffer", Assert.Throws<ArgumentException>(() => sgd.LoadState(adamState)).Message);
        Assert.Equal(0, adam.SaveState().Count);
    }

    [Fact]
    public void ForWeightDecaySplitsMatricesFromVectors()
    {
        var w = new Var<double>(Tensor<double>.Ones(2, 3), requiresGrad: true);
        var bias = new Var<double>(Tensor<double>.Ones(3), requiresGrad: true);
        var emb = new Var<double>(Tensor<double>.Ones(4, 2), requiresGrad: true);
        var groups = ParamGroups.ForWeightDecay([("w", w), ("b", bias), ("emb", emb)], 0.1);
        Assert.Equal([w, emb], groups[0].Parameters);
        Assert.Equal(0.1, groups[0].WeightDecay);
        Assert.Equal([bias], groups[1].Parameters);
        Assert.Equal(0, groups[1].WeightDecay);
    }

    [Fact]
    public void DefaultsAreTorchDefaults()
    {
        Var<double>[] p = [new Var<double>(Tensor<double>.Ones(2), requiresGrad: true)];
        Assert.Equal(0.01, new AdamW<double>(p).ParamGroups[0].WeightDecay);
        Assert.Equal(0, new Adam<double>(p).ParamGroups[0].WeightDecay);
        Assert.Equal(1e-3, new AdamW<double>(p).LearningRate);
        Assert.Equal(1e-2, new AdaGrad<double>(p).LearningRate);
        Assert.Equal(1e-2, new RmsProp<double>(p).LearningRate);
    }

    [Fact]
    public void LearningRateScaleAndZeroGrad()
    {
        var a = new Var<double>(Tensor<double>.Ones(2), requiresGrad: true);
        var b = new Var<double>(Tensor<double>.Ones(2), requiresGrad: true);
        var sgd = new Sgd<double>([new ParamGroup<double>([a]), new ParamGroup<double>([b], LearningRateScale: 0.5)], lr: 0.1);
        Fixtures.SetGrad(a, Tensor<double>.Ones(2));
        Fixtures.SetGrad(b, Tensor<double>.Ones(2));
        sgd.Step();
        Assert.Equal([0.9, 0.9], a.Value.ToArray());
        Assert.Equal([0.95, 0.95], b.Value.ToArray());
        sgd.ZeroGrad();
        Assert.Null(a.Grad);
        Assert.Null(b.Grad);
        sgd.Step(); // no gradients: nothing moves
        Assert.Equal([0.9, 0.9], a.Value.ToArray());
    }

    [Fact]
    public void BadHyperparametersNameTheOptimiserAndTheValue()
    {
        Var<double>[] p = [new Var<double>(Tensor<double>.Ones(2), requiresGrad: true)];
        void Expect(Action make, params string[] parts)
        {
            var e = Assert.ThrowsAny<ArgumentException>(make);
            foreach (var part in parts)
            {
                Assert.Contains(part, e.Message);
            }
        }
        Expect(() => new Sgd<double>(p, lr: -0.1), "SGD", "learning rate = -0.1");
        Expect(() => new Sgd<double>(p, lr: 0.1, momentum: 0, nesterov: true), "SGD", "Nesterov", "momentum = 0");
        Expect(() => new Sgd<double>(p, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true), "SGD", "dampening = 0.1");
        Expect(() => new Sgd<double>(p, lr: 0.1, momentum: -1), "SGD", "momentum = -1");
        Expect(() => new Adam<double>(p, beta1: 1.0), "Adam", "beta1 = 1", "[0, 1)");
        Expect(() => new Adam<double>(p, beta2: -0.5), "Adam", "beta2 = -0.5");
        Expect(() => new AdamW<double>(p, eps: -1e-8), "AdamW", "eps");
        Expect(() => new AdamW<double>(p, weightDecay: -0.1), "AdamW", "weight decay = -0.1");
        Expect(() => new AdaGrad<double>(p, lrDecay: -1), "AdaGrad", "lr decay = -1");
        Expect(() => new RmsProp<double>(p, alpha: -0.5), "RMSprop", "alpha = -0.5");
        Expect(() => new RmsProp<double>(p, lr: double.NaN), "RMSprop", "learning rate = NaN");
        Expect(() => new Adam<double>([p[0], p[0]]), "Adam", "more than once");
        var adam = new Adam<double>(p);
        Expect(() => adam.LearningRate = -1, "Adam", "learning rate = -1");
    }
}
