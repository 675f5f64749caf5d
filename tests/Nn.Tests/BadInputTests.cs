using Scratch.Autograd;
using Scratch.Nn.Modules;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// Every module and optimiser refuses bad sizes, shapes and hyperparameters with a one-line error that names what was
/// wrong, and accepts the values at the edge of what is allowed (a size of 1, p = 0, eps = 0, dampening = 1, …).
/// </summary>
public sealed class BadInputTests
{
    private static readonly Rng Rng = new(1);

    /// <summary>Asserts that <paramref name="make"/> throws an ArgumentException (or a subclass) whose message holds every part.</summary>
    private static void Refused(Action make, params string[] parts)
    {
        var e = Assert.ThrowsAny<ArgumentException>(make);
        foreach (var part in parts)
        {
            Assert.Contains(part, e.Message);
        }
    }

    private static Var<double> Parameter(params int[] shape) => new(Tensor<double>.Ones(shape), requiresGrad: true);

    [Fact]
    public void LinearNamesBadSizesAndInputs()
    {
        Refused(() => new Linear<double>(0, 2, Rng), "linear", "in 0 and out 2");
        Refused(() => new Linear<double>(2, 0, Rng), "linear", "in 2 and out 0");
        var linear = new Linear<double>(3, 2, Rng);
        Refused(() => linear.Forward(new Var<double>(Tensor<double>.Ones(4, 2))), "linear", "[4,2]", "3 features", "weight [2,3]");
        Refused(() => linear.Forward(new Var<double>(Tensor<double>.Scalar(1))), "linear", "[]");
        Assert.Equal([4, 2], linear.Forward(new Var<double>(Tensor<double>.Ones(4, 3))).Shape.ToArray());
        Assert.Equal([2], new Linear<double>(1, 2, Rng).Forward(new Var<double>(Tensor<double>.Ones(1))).Shape.ToArray());
    }

    [Fact]
    public void EmbeddingNamesBadSizesIdsAndShapes()
    {
        Refused(() => new Embedding<double>(0, 3, Rng), "embedding", "0 entries of size 3");
        Refused(() => new Embedding<double>(3, 0, Rng), "embedding", "3 entries of size 0");
        var embedding = new Embedding<double>(5, 2, Rng);
        Refused(() => embedding.Forward([0, 5], 2), "embedding", "id 5", "table of 5 entries");
        Refused(() => embedding.Forward([-1], 1), "embedding", "id -1");
        Refused(() => embedding.Forward([0, 1, 2], 2, 2), "embedding", "3 ids cannot have shape [2,2]");
        var both = embedding.Forward([4, 0], 2); // the first and the last entry
        Assert.Equal([2, 2], both.Shape.ToArray());
        Assert.Equal(embedding.Weight.Value[4, 1], both.Value[0, 1]);
        Assert.Equal(embedding.Weight.Value[0, 0], both.Value[1, 0]);
        Assert.Equal([1, 1, 2], new Embedding<double>(1, 1 + 1, Rng).Forward([0], 1, 1).Shape.ToArray());
    }

    [Fact]
    public void LayerNormNamesBadSizesAndEps()
    {
        Refused(() => new LayerNorm<double>(0), "layer_norm", "got 0 and");
        Refused(() => new LayerNorm<double>(3, eps: 0), "layer_norm", "3 and 0");
        Refused(() => new LayerNorm<double>(3, eps: double.NaN), "layer_norm", "NaN");
        var norm = new LayerNorm<double>(1, bias: false, eps: 1e-300);
        Assert.Null(norm.Bias);
        Assert.Equal(1e-300, norm.Eps);
        Assert.Equal(1, norm.Dim);
    }

    [Fact]
    public void DropoutNamesABadProbabilityAndPassesXThroughWhenItDropsNothing()
    {
        Refused(() => new Dropout<double>(-0.1, Rng), "dropout", "[0, 1)", "-0.1");
        Refused(() => new Dropout<double>(1.0, Rng), "dropout", "got 1");
        Refused(() => new Dropout<double>(double.NaN, Rng), "dropout", "NaN");
        var x = new Var<double>(Tensor<double>.Ones(3, 4));
        var rng = new Rng(5);
        var none = new Dropout<double>(0, rng);
        Assert.Same(x, none.Forward(x)); // p = 0 in training: x itself, and no random numbers drawn
        Assert.Equal(new Rng(5).NextDouble(), rng.NextDouble());
        var some = new Dropout<double>(0.5, Rng);
        some.Eval();
        Assert.Same(x, some.Forward(x));
        some.Train();
        Assert.NotSame(x, some.Forward(x));
    }

    [Fact]
    public void AttentionNamesBadHeadsAndInputs()
    {
        Refused(() => new CausalSelfAttention<double>(6, 4, 1, 0, true, Rng), "causal_self_attention", "n_embd 6", "n_head 4");
        Refused(() => new CausalSelfAttention<double>(6, 0, 1, 0, true, Rng), "causal_self_attention", "n_head 0");
        var attention = new CausalSelfAttention<double>(4, 2, 1, 0, true, Rng);
        Refused(() => attention.Forward(new Var<double>(Tensor<double>.Ones(3, 4))), "causal_self_attention", "(B, T, 4)", "[3,4]");
        Refused(() => attention.Forward(new Var<double>(Tensor<double>.Ones(1, 3, 5))), "causal_self_attention", "[1,3,5]");
        Assert.Equal([1, 3, 4], attention.Forward(new Var<double>(Tensor<double>.Ones(1, 3, 4))).Shape.ToArray());
    }

    [Fact]
    public void AttentionCacheNamesBadSizesAndShapes()
    {
        Refused(() => new AttentionCache<double>(0, 4, 2), "attention_cache", "capacity 0");
        Refused(() => new AttentionCache<double>(8, 0, 2), "attention_cache", "n_embd 0");
        Refused(() => new AttentionCache<double>(8, 4, 0), "attention_cache", "n_head 0");
        Refused(() => new AttentionCache<double>(8, 6, 4), "attention_cache", "n_embd 6, n_head 4");
        var one = new AttentionCache<double>(1, 1, 1); // the smallest cache
        Assert.Equal(1, one.Capacity);
        var cache = new AttentionCache<double>(8, 4, 2); // H = 2, hs = 2
        var good = new Var<double>(Tensor<double>.Ones(1, 2, 3, 2));
        using (GradMode.NoGrad())
        {
            foreach (var bad in new[] { Tensor<double>.Ones(2, 3, 2), Tensor<double>.Ones(2, 2, 3, 2), Tensor<double>.Ones(1, 1, 3, 2), Tensor<double>.Ones(1, 2, 3, 4) })
            {
                var x = new Var<double>(bad);
                Refused(() => cache.Attend(x, x, x), "attention_cache", "(1, 2, n, 2)", Shapes.Format(bad.Shape));
            }
            var other = new Var<double>(Tensor<double>.Ones(1, 2, 2, 2));
            Refused(() => cache.Attend(good, other, good), "attention_cache", "k [1,2,2,2]");
            Refused(() => cache.Attend(good, good, other), "attention_cache", "v [1,2,2,2]");
            Assert.Equal(0, cache.Length); // nothing was appended
        }
        var needsGrad = new Var<double>(Tensor<double>.Ones(1, 2, 3, 2), requiresGrad: true);
        foreach (var (q, k, v) in new[] { (needsGrad, good, good), (good, needsGrad, good), (good, good, needsGrad) })
        {
            Assert.Contains("GradMode.NoGrad", Assert.Throws<InvalidOperationException>(() => cache.Attend(q, k, v)).Message);
        }
        Assert.Equal([1, 2, 3, 2], cache.Attend(good, good, good).Shape.ToArray()); // recording, but nothing needs a gradient
        Assert.Equal(3, cache.Length);
    }

    [Fact]
    public void OptimisersNameBadGroupsAndHyperparameters()
    {
        var p = Parameter(2);
        Refused(() => new Sgd<double>([new ParamGroup<double>([p], WeightDecay: -1)], lr: 0.1), "SGD: weight decay = -1 must be ≥ 0");
        Refused(() => new Sgd<double>([new ParamGroup<double>([p], LearningRateScale: -0.5)], lr: 0.1), "SGD: learning-rate scale = -0.5 must be ≥ 0");
        Refused(() => new Sgd<double>([p], lr: 0.1, dampening: 1.5), "SGD", "dampening = 1.5", "[0, 1]");
        Refused(() => new Sgd<double>([p], lr: 0.1, dampening: -0.5), "SGD", "dampening = -0.5");
        Refused(() => new Adam<double>([p], beta1: -1e-9), "Adam", "beta1");
        Refused(() => new Adam<double>([p], beta2: 1), "Adam", "beta2 = 1");
        Refused(() => new Adam<double>([p], eps: double.NaN), "Adam", "eps = NaN");
        Refused(() => new AdaGrad<double>([p], initialAccumulatorValue: -1), "AdaGrad: initial accumulator value = -1 must be ≥ 0");
        Refused(() => new AdaGrad<double>([p], lrDecay: -2), "AdaGrad: lr decay = -2 must be ≥ 0");
        Refused(() => new AdaGrad<double>([p], eps: -1), "AdaGrad: eps = -1 must be ≥ 0");
        Refused(() => new RmsProp<double>([p], eps: -1), "RMSprop: eps = -1 must be ≥ 0");
        Refused(() => new RmsProp<double>([p], alpha: -2), "RMSprop: alpha = -2 must be ≥ 0");
        Refused(() => new RmsProp<double>([p], momentum: -1), "RMSprop: momentum = -1 must be ≥ 0");
        Refused(() => new Sgd<double>([p], lr: 0.1, momentum: -2), "SGD: momentum = -2 must be ≥ 0");
        Refused(() => new Sgd<double>([p], lr: -3), "SGD: learning rate = -3 must be ≥ 0");

        // The edges of what is allowed.
        _ = new Sgd<double>([new ParamGroup<double>([p], WeightDecay: 0, LearningRateScale: 0)], lr: 0, momentum: 0, dampening: 1);
        _ = new Sgd<double>([p], lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true);
        _ = new Adam<double>([p], beta1: 0, beta2: 0, eps: 0);
        _ = new AdaGrad<double>([p], lrDecay: 0, initialAccumulatorValue: 0, eps: 0);
        _ = new RmsProp<double>([p], alpha: 0, eps: 0, momentum: 0);
    }

    [Fact]
    public void LoadStateNamesTheEntryThatDoesNotFit()
    {
        var parameters = new[] { Parameter(2), Parameter(3) };
        var adam = new Adam<double>(parameters);
        void Entry(string key, Tensor<double> value, params string[] parts)
        {
            var state = new StateDict<double>();
            state.Add(key, value);
            Refused(() => adam.LoadState(state), parts);
        }
        var one = Tensor<double>.Scalar(1);
        Entry("state.0", one, "Adam.LoadState", "unexpected entry 'state.0'", "2 parameters");
        Entry("stats.0.step", one, "unexpected entry 'stats.0.step'");
        Entry("state.x.step", one, "unexpected entry 'state.x.step'");
        Entry("state.-1.step", one, "unexpected entry 'state.-1.step'");
        Entry("state.2.step", one, "unexpected entry 'state.2.step'");
        Entry("state.0.step", Tensor<double>.Scalar(0), "'state.0.step' must hold one whole number ≥ 1");
        Entry("state.0.step", Tensor<double>.Scalar(1.5), "'state.0.step'");
        Entry("state.0.step", Tensor<double>.Scalar(double.NaN), "'state.0.step'");
        Entry("state.0.step", Tensor<double>.Ones(2), "'state.0.step'");
        Entry("state.1.momentum", Tensor<double>.Zeros(3), "'state.1.momentum'", "exp_avg, exp_avg_sq");

        // The last parameter, at step 1, loads.
        var state = new StateDict<double>();
        state.Add("state.1.step", one);
        state.Add("state.1.exp_avg", Tensor<double>.Full([3], 2.0));
        adam.LoadState(state);
        Assert.Equal(["state.1.step", "state.1.exp_avg"], adam.SaveState().Names);
        Assert.Equal([2.0, 2.0, 2.0], adam.SaveState()["state.1.exp_avg"].ToArray());
    }

    [Fact]
    public void ClippingAndProximalStepNameABadThreshold()
    {
        var p = Parameter(2);
        Refused(() => GradClipping.ClipGradNorm([p], -1), "clip_grad_norm", "max norm = -1");
        Refused(() => GradClipping.ClipGradNorm([p], double.NaN), "clip_grad_norm", "NaN");
        Refused(() => Regularization.ProximalL1([p], -0.1), "ProximalL1", "threshold η·λ = -0.1");
        Refused(() => Regularization.ProximalL1([p], double.NaN), "ProximalL1", "NaN");
        Refused(() => Regularization.ProximalL1([new Var<double>(Tensor<double>.Ones(2))], 0.1), "ProximalL1", "not a parameter");
        Refused(() => Regularization.AddL1([new Var<double>(Tensor<double>.Ones(2))], 0.1), "AddL1", "not a parameter");
        var frozenLeaf = new Var<double>(Tensor<double>.Ones(2), requiresGrad: false);
        Refused(() => Regularization.ProximalL1([frozenLeaf], 0.1), "ProximalL1");
        var notLeaf = p * 2.0;
        Refused(() => Regularization.AddL2([notLeaf], 0.1), "AddL2", "not a parameter");
        Refused(() => Regularization.ProximalL1([notLeaf], 0.1), "ProximalL1", "not a parameter");

        // The edges: a zero threshold changes nothing; a zero max norm clips every gradient to 0.
        Assert.Equal(0, Regularization.ProximalL1([p], 0));
        Assert.Equal([1.0, 1.0], p.Value.ToArray());
        Fixtures.SetGrad(p, Tensor<double>.FromArray([3.0, 4.0]));
        Assert.Equal(5.0, GradClipping.ClipGradNorm([p], 0));
        Assert.Equal([0.0, 0.0], p.Grad!.ToArray());
    }

    [Fact]
    public void AttentionCacheRefusesNullsAndKeepsWeightsOnlyWhenAsked()
    {
        var cache = new AttentionCache<double>(8, 4, 2);
        var x = new Var<double>(Tensor<double>.Ones(1, 2, 3, 2));
        using var noGrad = GradMode.NoGrad();
        Assert.Equal("q", Assert.Throws<ArgumentNullException>(() => cache.Attend(null!, x, x)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentNullException>(() => cache.Attend(x, null!, x)).ParamName);
        Assert.Equal("v", Assert.Throws<ArgumentNullException>(() => cache.Attend(x, x, null!)).ParamName);
        cache.Attend(x, x, x);
        Assert.Null(cache.LastWeights); // KeepWeights is off by default
    }
}
