using Scratch.Autograd;
using Scratch.Nn.Checkpoints;
using Scratch.Nn.Losses;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Nn.Tests;

/// <summary>
/// Facts training relies on, each checked by computing the same thing two ways: gradient accumulation
/// equals one big batch, a tied weight gets the sum of both uses' gradients, a state dict (also through a
/// safetensors file) reproduces a model exactly, attention is causal, and Train/Eval reach every child.
/// </summary>
public sealed class EquivalenceTests
{
    private static Tensor<double> Randn(Rng rng, params int[] shape) => Tensor<double>.Randn(rng, shape);

    private static void AssertSameGradients(IReadOnlyList<(string Name, Var<double> Parameter)> expected, IReadOnlyList<(string Name, Var<double> Parameter)> actual, double tolerance)
    {
        Assert.Equal(expected.Select(p => p.Name), actual.Select(p => p.Name));
        for (int i = 0; i < expected.Count; i++)
        {
            Fixtures.AssertClose(expected[i].Parameter.Grad!.ToArray(), actual[i].Parameter.Grad!.ToArray(), tolerance, $"gradient of {expected[i].Name}");
        }
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("block")]
    public void KMicroBatchesWithAccumulationEqualOneBatchOfKTimesTheSize(string kind)
    {
        const int k = 3, micro = 2, T = 3, C = 4;
        Layer<double> Make() => kind == "mlp" ? new Mlp<double>(C, 2, 0.0, true, new Rng(7)) : new Block<double>(C, 2, 2, 0.0, true, new Rng(7));
        var whole = Make();
        var accumulated = Make();
        var rng = new Rng(11);
        var x = new Var<double>(Randn(rng, k * micro, T, C));
        var y = new Var<double>(Randn(rng, k * micro, T, C));

        Loss.Mse(whole.Forward(x), y).Backward(); // one batch of k·micro rows

        for (int i = 0; i < k; i++) // k batches of micro rows: each loss / k, gradients add up in .Grad
        {
            var xi = x.Slice(0, i * micro, (i + 1) * micro);
            var yi = y.Slice(0, i * micro, (i + 1) * micro);
            (Loss.Mse(accumulated.Forward(xi), yi) / (double)k).Backward();
        }

        AssertSameGradients(whole.NamedParameters(), accumulated.NamedParameters(), 1e-12);
    }

    [Fact]
    public void ATiedWeightGetsTheSumOfBothUsesGradients()
    {
        // A GPT in miniature: the embedding table is also the LM head (logits = h·Wᵀ).
        const int V = 5, C = 3;
        int[] ids = [1, 4, 4, 0, 2, 1];
        int[] targets = [4, 4, 0, 2, 1, 3];
        var tied = new Embedding<double>(V, C, new Rng(3));
        Loss.CrossEntropy(tied.Forward(ids, 2, 3).MatMul(tied.Weight.Transpose(0, 1)), targets).Backward();

        // The same computation with two separate copies of the table.
        var asInput = new Var<double>(tied.Weight.Value.Clone(), requiresGrad: true);
        var asHead = new Var<double>(tied.Weight.Value.Clone(), requiresGrad: true);
        var h = asInput.IndexSelect(0, ids).Reshape(2, 3, C);
        Loss.CrossEntropy(h.MatMul(asHead.Transpose(0, 1)), targets).Backward();

        Fixtures.AssertClose((asInput.Grad! + asHead.Grad!).ToArray(), tied.Weight.Grad!.ToArray(), 1e-14, "tied gradient");
        Assert.True(asInput.Grad!.ToArray().Max(Math.Abs) > 1e-3 && asHead.Grad!.ToArray().Max(Math.Abs) > 1e-3, "both uses must contribute");

        var check = GradCheck.Run(() => Loss.CrossEntropy(tied.Forward(ids, 2, 3).MatMul(tied.Weight.Transpose(0, 1)), targets), [tied.Weight]);
        Assert.True(check.Passed(1e-6), check.ToString());
    }

    [Fact]
    public void ALinearWeightUsedTwiceGetsBothGradients()
    {
        var linear = new Linear<double>(3, 3, new Rng(5), bias: false);
        var x = new Var<double>(Randn(new Rng(6), 4, 3), requiresGrad: true);
        var result = GradCheck.Run(() => linear.Forward(linear.Forward(x).Tanh()), [linear.Weight, x]);
        Assert.True(result.Passed(1e-6), result.ToString());
    }

    private static Block<double> TrainedLookingBlock(ulong seed)
    {
        var block = new Block<double>(6, 2, 2, 0.0, true, new Rng(seed));
        var rng = new Rng(seed + 100);
        foreach (var p in block.Parameters())
        {
            p.Value.CopyFrom(Randn(rng, p.Value.ShapeArray()) * 0.3); // LayerNorm weights and biases not at 1 and 0
        }
        return block;
    }

    [Fact]
    public void AStateDictLoadedIntoAFreshModuleGivesIdenticalOutputs()
    {
        var original = TrainedLookingBlock(1);
        var fresh = new Block<double>(6, 2, 2, 0.0, true, new Rng(99));
        var x = new Var<double>(Randn(new Rng(2), 2, 4, 6));
        Assert.NotEqual(original.Forward(x).Value.ToArray(), fresh.Forward(x).Value.ToArray());

        fresh.LoadStateDict(original.StateDict());

        Assert.Equal(original.Forward(x).Value.ToArray(), fresh.Forward(x).Value.ToArray());
    }

    [Fact]
    public void AStateDictSavedAsSafetensorsAndLoadedGivesIdenticalOutputs()
    {
        var original = TrainedLookingBlock(1);
        string path = Path.Combine(Path.GetTempPath(), $"scratch-nn-{Guid.NewGuid():N}.safetensors");
        try
        {
            Safetensors.Save(path, original.StateDict());
            var fresh = new Block<double>(6, 2, 2, 0.0, true, new Rng(99));
            fresh.LoadStateDict(Safetensors.Load<double>(path).Tensors);
            var x = new Var<double>(Randn(new Rng(2), 2, 4, 6));
            Assert.Equal(original.Forward(x).Value.ToArray(), fresh.Forward(x).Value.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AttentionOutputAtTDoesNotDependOnLaterTokens() => Fixtures.Property(20, seed =>
    {
        var rng = new Rng((ulong)seed);
        int B = 1 + rng.NextInt(2), T = 2 + rng.NextInt(4), H = 1 + rng.NextInt(3), C = H * (1 + rng.NextInt(3));
        int t = rng.NextInt(T - 1); // positions after t exist
        var layers = new Layer<double>[] { new CausalSelfAttention<double>(C, H, 1, 0.0, true, rng), new Block<double>(C, H, 1, 0.0, true, rng) };
        foreach (var parameter in layers.SelectMany(l => l.Parameters()))
        {
            parameter.Value.CopyFrom(Randn(rng, parameter.Value.ShapeArray()) * 0.5); // not GPT-2's tiny init: outputs of size ~1
        }
        var x = Randn(rng, B, T, C);
        var changed = x.Clone();
        var later = Randn(rng, B, T - t - 1, C);
        for (int b = 0; b < B; b++)
        {
            for (int s = t + 1; s < T; s++)
            {
                for (int c = 0; c < C; c++)
                {
                    changed[b, s, c] = later[b, s - t - 1, c];
                }
            }
        }
        foreach (var layer in layers)
        {
            var before = layer.Forward(new Var<double>(x)).Value;
            var after = layer.Forward(new Var<double>(changed)).Value;
            var upTo = (Tensor<double> y) => y.Slice(1, 0, t + 1).Contiguous().ToArray();
            Fixtures.AssertClose(upTo(before), upTo(after), 1e-12, $"{layer.GetType().Name} output up to t={t} of T={T}, C {C}, heads {H}");
            Assert.False(before.Slice(1, t + 1, T).AllClose(after.Slice(1, t + 1, T)), $"{layer.GetType().Name}: later positions should change, t={t} of T={T}, C {C}, heads {H}");
        }
    });

    private static IEnumerable<Module<double>> SelfAndDescendants(Module<double> module)
    {
        yield return module;
        foreach (var (_, child) in module.Children)
        {
            foreach (var descendant in SelfAndDescendants(child))
            {
                yield return descendant;
            }
        }
    }

    [Fact]
    public void TrainAndEvalToggleDropoutInEveryChild()
    {
        var model = new Sequential<double>(new Block<double>(4, 2, 2, 0.5, true, new Rng(1)), new Block<double>(4, 2, 2, 0.5, true, new Rng(2)));
        var noDropout = new Sequential<double>(new Block<double>(4, 2, 2, 0.0, true, new Rng(3)), new Block<double>(4, 2, 2, 0.0, true, new Rng(4)));
        noDropout.LoadStateDict(model.StateDict());
        var x = new Var<double>(Randn(new Rng(5), 2, 3, 4));
        int dropouts = SelfAndDescendants(model).OfType<Dropout<double>>().Count();
        Assert.Equal(6, dropouts); // attention's two (attn_dropout, resid_dropout) and the MLP's, in each block

        model.Eval();
        Assert.All(SelfAndDescendants(model), m => Assert.False(m.Training, $"{m.GetType().Name} still training"));
        Assert.Equal(noDropout.Forward(x).Value.ToArray(), model.Forward(x).Value.ToArray()); // dropout is the identity

        model.Train();
        Assert.All(SelfAndDescendants(model), m => Assert.True(m.Training, $"{m.GetType().Name} not training"));
        Assert.NotEqual(noDropout.Forward(x).Value.ToArray(), model.Forward(x).Value.ToArray());
    }
}
