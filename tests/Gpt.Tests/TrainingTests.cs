using Scratch.Autograd;
using Scratch.Gpt.Model;
using Scratch.Gpt.Training;
using Scratch.Nn.Optimizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>The model can learn (it memorises one batch), and a checkpoint restores it exactly.</summary>
public sealed class TrainingTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void OneBatchIsMemorised()
    {
        var config = new GptConfig(BlockSize: 16, VocabSize: 65, NLayer: 1, NHead: 2, NEmbd: 32);
        var model = new GptModel<float>(config, new Rng(7));
        var text = Corpus.Shakespeare[..1000];
        var tokenizer = Tokenizers.CharTokenizer.FromText(Corpus.Shakespeare);
        var (x, y) = Data.TokenData.FromText(text, tokenizer).GetBatch(Data.DataSplit.Train, 4, 16, new Rng(1));
        var optimizer = new AdamW<float>(ParamGroups.ForWeightDecay(model.NamedParameters(), 0.0), lr: 1e-2, beta2: 0.99);
        double loss = double.NaN;
        for (int step = 0; step < 300 && !(loss < 0.1); step++)
        {
            var (_, l) = model.Forward(x, y, 4, 16);
            l.Backward();
            GradClipping.ClipGradNorm(model.Parameters(), 1.0);
            optimizer.Step();
            optimizer.ZeroGrad();
            loss = l.Value.Item();
        }
        Assert.True(loss < 0.1, $"loss after training on one batch: {loss}");
    }

    [Fact]
    public void ASavedAndLoadedCheckpointGivesBitIdenticalLogits()
    {
        var config = new GptConfig(BlockSize: 16, VocabSize: 65, NLayer: 2, NHead: 2, NEmbd: 16, Bias: true);
        var model = new GptModel<float>(config, new Rng(3));
        var tokenizer = Tokenizers.CharTokenizer.FromText(Corpus.Shakespeare);
        var optimizer = new AdamW<float>(model.Parameters());
        var state = new TrainState(0, new Rng(1).GetState(), new Rng(2).GetState(), null, []);
        var dir = Path.Combine(cli.Dir, "ckpt");
        Checkpoint.Save(dir, model, tokenizer, optimizer, state);

        var (loaded, loadedTokenizer) = Checkpoint.LoadModel(dir, new Rng(99)); // other initial weights, overwritten
        Assert.Equal(config, loaded.Config);
        Assert.Equal(tokenizer.ToJson(), loadedTokenizer.ToJson());
        var idx = Enumerable.Range(0, 3 * 16).Select(i => (i * 7) % 65).ToArray();
        using (GradMode.NoGrad())
        {
            Assert.Equal(model.Forward(idx, 3, 16).Value.ToArray(), loaded.Forward(idx, 3, 16).Value.ToArray());
        }
        Assert.Equal(state.DataRng, Checkpoint.LoadState(dir).DataRng);
    }
}
