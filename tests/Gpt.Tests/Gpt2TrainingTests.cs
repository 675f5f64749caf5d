using System.Globalization;
using System.Text.Json.Nodes;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Tests;

/// <summary><c>scratch train --tokenizer gpt2 --vocab DIR</c> end to end: a tiny model on GPT-2's vocabulary, then eval, sample and tokenize on its checkpoint.</summary>
public sealed class Gpt2TrainingTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void TrainsOnGpt2sVocabularyAndEvalSampleAndTokenizeLoadTheCheckpoint()
    {
        var outDir = Path.Combine(cli.Dir, "gpt2");
        var output = cli.Train(outDir, "--tokenizer", "gpt2", "--vocab", Corpus.Gpt2Dir, "--max-iters", "4", "--eval-interval", "2");

        // 20,000 characters of Shakespeare are 6,0xx GPT-2 tokens (the char tokenizer would give 20,000).
        var tokens = Corpus.Gpt2.Encode(File.ReadAllText(cli.Corpus));
        var train = (int)(0.9 * tokens.Length);
        Assert.Contains($"vocab_size 50257; {train:N0} train and {tokens.Length - train:N0} val tokens", output);
        // A fresh model predicts about uniformly over the 50,257 tokens: loss ≈ ln 50257 = 10.825.
        var first = output.Split('\n').First(l => l.StartsWith("step 0:", StringComparison.Ordinal));
        var val = double.Parse(first[(first.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        Assert.InRange(val, Math.Log(50257) - 0.2, Math.Log(50257) + 0.2);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, Checkpoint.ConfigFile)))!;
        Assert.Equal(50257, (int)config["vocab_size"]!);
        var (model, tokenizer) = CheckpointLoader.Load(outDir);
        var loaded = Assert.IsType<Gpt2Tokenizer>(tokenizer);
        Assert.Equal(Corpus.Gpt2.ToJson(), loaded.ToJson());
        Assert.Equal(50257, model.Config.VocabSize);

        var (code, evalOut, err) = CliRunner.Run("eval", "--ckpt", outDir, "--data", cli.Corpus, "--all");
        Assert.True(code == 0, err);
        Assert.Matches(@"^val loss: \d+\.\d{5}$", evalOut.Trim());

        (code, var sample, err) = CliRunner.Run("sample", "--ckpt", outDir, "--prompt", "ROMEO:", "--max-new-tokens", "8", "--seed", "1");
        Assert.True(code == 0, err);
        Assert.StartsWith("ROMEO:", sample);
        Assert.True(loaded.Encode(sample.TrimEnd('\n')).Length >= 2, sample);

        (code, var ids, err) = CliRunner.Run("tokenize", "--ckpt", outDir, "--ids", cli.Write("hello.txt", "Hello world"));
        Assert.True(code == 0, err);
        Assert.Equal("15496 995", ids.Trim());

        // And it resumes: the tokenizer comes back from the checkpoint, not from --vocab.
        output = cli.Train(outDir, "--tokenizer", "gpt2", "--vocab", Corpus.Gpt2Dir, "--max-iters", "6", "--eval-interval", "2", "--resume");
        Assert.Contains("resuming from", output);
        Assert.Equal(6, TrainState.FromJson(File.ReadAllText(Path.Combine(outDir, Checkpoint.StateFile))).Iteration);
    }

    [Theory]
    [InlineData(new[] { "--tokenizer", "gpt2" }, "--tokenizer gpt2 needs --vocab DIR")]
    [InlineData(new[] { "--vocab", "x" }, "--vocab is for --tokenizer gpt2")]
    [InlineData(new[] { "--tokenizer", "gpt3" }, "--tokenizer gpt3 must be char, bpe or gpt2")]
    public void FlagMistakesAreOneLine(string[] flags, string message)
    {
        var (code, _, err) = CliRunner.Run(["train", "--data", cli.Corpus, "--out", Path.Combine(cli.Dir, "o"), .. flags]);
        Assert.Equal(1, code);
        Assert.Equal($"scratch train: error: {message}", err.Trim()[..(22 + message.Length)]);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void AMissingVocabularyIsNamed()
    {
        var missing = Path.Combine(cli.Dir, "nowhere");
        var (code, _, err) = CliRunner.Run("train", "--data", cli.Corpus, "--out", Path.Combine(cli.Dir, "o"), "--tokenizer", "gpt2", "--vocab", missing);
        Assert.Equal(1, code);
        Assert.StartsWith($"scratch train: error: GPT-2 vocabulary folder not found: {missing}", err);
    }
}
