using Scratch.Autograd;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Model;
using Scratch.Gpt.Training;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>
/// The memory estimate against what the model really holds and allocates, and the refusals it makes: a run that
/// cannot fit ends in one line with the estimate and the memory available, before anything large is allocated.
/// A step's allocations are counted over all threads (AdamW creates its buffers on whichever core updates the
/// parameter), so these tests run alone: no other test may allocate meanwhile.
/// </summary>
[Collection(CollectionCounts.Name)]
public sealed class MemoryEstimateTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData(16, 60, 1, 2, 32, false)]
    [InlineData(64, 65, 4, 4, 128, false)]
    [InlineData(32, 500, 3, 3, 48, true)]
    public void ParametersAreTheModelsOwn(int T, int V, int L, int H, int C, bool bias)
    {
        var config = new GptConfig(T, V, L, H, C, Bias: bias);
        var estimate = MemoryEstimate.ForTraining(config, 4);
        long count = new GptModel<float>(config, new Rng(0)).ParameterCount();
        Assert.Equal(count, estimate.Parameters);
        Assert.Equal(ParameterTable.FromConfig(config).Total, estimate.Parameters);
        Assert.Equal(4.0 * count, estimate.WeightBytes);
        Assert.Equal(4.0 * count, estimate.GradientBytes);
        Assert.Equal(8.0 * count, estimate.OptimizerBytes);
        var inference = MemoryEstimate.ForInference(config);
        Assert.Equal(0, inference.GradientBytes + inference.OptimizerBytes);
        Assert.Equal(estimate.WeightBytes, inference.WeightBytes);
    }

    /// <summary>
    /// The bytes a first training step allocates (the forward pass's activations, the backward pass's
    /// gradients of them and of the weights) are within a factor of 1.5 of the estimate, and AdamW's first step
    /// allocates its m and v.
    /// </summary>
    [Theory]
    [InlineData(8, 32, 1, 2, 64, 60, 0.0)]
    [InlineData(8, 32, 2, 2, 64, 60, 0.0)]
    [InlineData(8, 64, 1, 4, 64, 60, 0.0)]
    [InlineData(8, 32, 1, 2, 128, 60, 0.0)]
    [InlineData(8, 32, 1, 2, 64, 2000, 0.0)]
    [InlineData(8, 32, 2, 2, 64, 60, 0.2)]
    [InlineData(12, 64, 4, 4, 128, 65, 0.0)]
    public void TrainingEstimateIsWithinAFactorOfWhatAStepAllocates(int B, int T, int L, int H, int C, int V, double dropout)
    {
        var config = new GptConfig(T, V, L, H, C, dropout);
        Step(config, B); // the first run of the code allocates for the runtime itself (JIT, statics): not counted
        var (forwardBackward, optimizer) = Step(config, B);
        var estimate = MemoryEstimate.ForTraining(config, B);
        double ratio = forwardBackward / (estimate.ActivationBytes + estimate.GradientBytes);
        Assert.True(ratio is > 1 / 1.5 and < 1.5, $"allocated {forwardBackward:N0} bytes, estimated {estimate.ActivationBytes + estimate.GradientBytes:N0}: ratio {ratio:F2}");
        double adam = optimizer / estimate.OptimizerBytes;
        Assert.True(adam is > 1 / 1.5 and < 1.5, $"AdamW allocated {optimizer:N0} bytes, estimated {estimate.OptimizerBytes:N0}");
    }

    [Fact]
    public void InferenceEstimateIsWithinAFactorOfWhatAForwardPassAllocates()
    {
        // One block: without a graph, the estimate counts one block's activations alive at a time, and one block is all there is.
        var config = new GptConfig(BlockSize: 32, VocabSize: 500, NLayer: 1, NHead: 2, NEmbd: 64);
        var model = new GptModel<float>(config, new Rng(0));
        model.Eval();
        var (x, y) = Batch(config, 8);
        long allocated = 0;
        for (int run = 0; run < 2; run++) // the first run warms the runtime up
        {
            using var noGrad = GradMode.NoGrad();
            long before = GC.GetAllocatedBytesForCurrentThread();
            model.Forward(x, y, 8, config.BlockSize);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        double ratio = allocated / MemoryEstimate.ForInference(config, 8).ActivationBytes;
        Assert.True(ratio is > 1 / 1.5 and < 1.5, $"allocated {allocated:N0} bytes: ratio {ratio:F2}");
    }

    [Fact]
    public void EnsureFitsRefusesWithTheEstimateAndTheMemoryAvailable()
    {
        var estimate = MemoryEstimate.ForTraining(new GptConfig(64, 65, 4, 4, 128), 12);
        estimate.EnsureFits("advice", availableBytes: (long)estimate.TotalBytes + 1);
        var error = Assert.Throws<ArgumentException>(() => estimate.EnsureFits("use less", availableBytes: (long)estimate.TotalBytes - 1));
        Assert.StartsWith($"training this model needs about {MemoryEstimate.Bytes(estimate.TotalBytes)} (weights 3.2 MB for 804,096 parameters", error.Message);
        Assert.Contains("for B × T = 12 × 64", error.Message);
        Assert.EndsWith($"more than the {MemoryEstimate.Bytes(estimate.TotalBytes - 1)} available (the given limit); use less", error.Message);
        Assert.InRange(MemoryEstimate.AvailableBytes(), 1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    [Fact]
    public void ATensorLargerThanAnArrayIsRefusedWhateverTheMemory()
    {
        var gpt2Vocabulary = new GptConfig(64, 50257, 4, 4, 128);
        var error = Assert.Throws<ArgumentException>(() => MemoryEstimate.ForInference(gpt2Vocabulary, 1000).EnsureFits("smaller", long.MaxValue));
        Assert.Contains("the logits (B × T × V = 1000 × 64 × 50257) would be 3,216,448,000 numbers, more than the 2,147,483,591", error.Message);
        Assert.Contains("a batch of B × T", Assert.Throws<ArgumentException>(() =>
            MemoryEstimate.ForTraining(new GptConfig(64, 65, 1, 1, 1), 100_000_000).EnsureFits("smaller", long.MaxValue)).Message);
    }

    private static void AssertRefused(string[] args, params string[] named)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.True(code == 1, $"exit {code}: {err}\n{output}");
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("unexpected", err); // was "unexpected OutOfMemoryException/OverflowException (please report this)"
        foreach (var name in named)
        {
            Assert.Contains(name, err);
        }
    }

    private string[] Train(params string[] more) =>
        ["train", .. CliRunner.WithOverrides(["--data", cli.Corpus, "--out", Path.Combine(cli.Dir, "out"), .. CliRunner.TinyModel, "--max-iters", "1"], more)];

    [Theory]
    [InlineData("--n-embd", "20000")] // 19.2 billion parameters: until now the kernel's OOM killer ended the process, no message
    [InlineData("--n-layer", "2147483647")]
    public void TrainRefusesAModelThatCannotFit(string flag, string value) =>
        AssertRefused(Train("--n-head", "4", "--batch-size", "12", "--block-size", "64", flag, value),
            "training this model needs about", "more than the", "available", "use a smaller --n-layer, --n-embd");

    [Fact]
    public void TrainRefusesABatchThatOverflowsBeforeReadingAnything()
    {
        AssertRefused(Train("--batch-size", "100000000", "--block-size", "64"), "a batch of B × T = 100000000 × 64 tokens would be 6,400,000,000 numbers");
        // GPT-2's vocabulary is known before its files are read (they are not there): the logits would not fit in an array.
        AssertRefused(Train("--tokenizer", "gpt2", "--vocab", Path.Combine(cli.Dir, "none"), "--batch-size", "1000", "--block-size", "64"),
            "the logits (B × T × V = 1000 × 64 × 50257)");
        AssertRefused(Train("--tokenizer", "bpe", "--vocab-size", "2147483647"), "the logits", "--vocab-size");
    }

    [Fact]
    public void EvalAndResumeRefuseBeforeLoadingTheWeights()
    {
        var ckpt = Path.Combine(cli.Dir, "out");
        cli.Train(ckpt, "--max-iters", "1");
        AssertRefused(["eval", "--ckpt", ckpt, "--data", cli.Corpus, "--batch-size", "1000000000"], "a batch of B × T = 1000000000 × 16", "--batch-size"); // was an OverflowException
        var config = Path.Combine(ckpt, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"n_layer\": 1", "\"n_layer\": 2147483647", StringComparison.Ordinal));
        // No shape flags: --resume takes the shape from the checkpoint (flags that disagree with it are refused first).
        AssertRefused(["train", "--data", cli.Corpus, "--out", ckpt, "--resume", "--max-iters", "2"], "training this model needs about"); // was an OutOfMemoryException while building the model
    }

    private static (int[] X, int[] Y) Batch(GptConfig config, int B)
    {
        var rng = new Rng(2);
        var x = new int[B * config.BlockSize];
        var y = new int[B * config.BlockSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextInt(config.VocabSize);
            y[i] = rng.NextInt(config.VocabSize);
        }
        return (x, y);
    }

    /// <summary>
    /// The bytes the process allocates in a fresh model's first forward and backward pass, and in AdamW's first step
    /// (which shares the parameters out over the cores, so a count of this thread's bytes alone varies from run to run).
    /// </summary>
    private static (long ForwardBackward, long Optimizer) Step(GptConfig config, int B)
    {
        var model = new GptModel<float>(config, new Rng(1));
        var optimizer = new AdamW<float>(ParamGroups.ForWeightDecay(model.NamedParameters(), 0.1), 1e-3, 0.9, 0.99);
        var (x, y) = Batch(config, B);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var (_, loss) = model.Forward(x, y, B, config.BlockSize);
        loss.Backward();
        long afterBackward = GC.GetTotalAllocatedBytes(precise: true);
        optimizer.Step();
        return (afterBackward - before, GC.GetTotalAllocatedBytes(precise: true) - afterBackward);
    }
}
