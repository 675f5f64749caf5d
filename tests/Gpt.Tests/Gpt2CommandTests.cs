using System.CommandLine;
using System.Globalization;
using System.Xml.Linq;
using Scratch.Autograd;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Cli;
using Scratch.Gpt.Data;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Sampling;
using Scratch.Gpt.Training;
using Scratch.Nn.Checkpoints;
using Scratch.Tensors;

namespace Scratch.Gpt.Tests;

/// <summary>The synthetic GPT-2 (tests/fixtures/gpt2hf) in Hugging Face's layout, and its Scratch import, shared by the tests of one class.</summary>
public sealed class ImportedGpt2 : IDisposable
{
    private readonly Gpt2Folder folder = Gpt2Folder.Create();

    public ImportedGpt2()
    {
        Ckpt = Path.Combine(Folder, "..", Path.GetFileName(Folder) + "-imported");
        var (code, _, err) = CliRunner.Run("import", "--from", Folder, "--out", Ckpt);
        Assert.True(code == 0, err);
    }

    /// <summary>The Hugging Face folder.</summary>
    public string Folder => folder.Dir;

    /// <summary>The imported checkpoint.</summary>
    public string Ckpt { get; }

    public void Dispose()
    {
        folder.Dispose();
        Directory.Delete(Ckpt, recursive: true);
    }
}

/// <summary>
/// Every command on an imported GPT-2 (and on the Hugging Face folder itself): sample, chat, eval, attention,
/// embeddings, params and fine-tuning with train --init-from. The fixture's weights are random: these tests check
/// what the commands compute, not what the real GPT-2 would say.
/// </summary>
public sealed class Gpt2CommandTests(ImportedGpt2 gpt2) : IClassFixture<ImportedGpt2>
{
    private const string Prompt = "The capital of France is";

    [Fact]
    public void GreedySampleContinuesWithNanoGptsArgmax()
    {
        // make_gpt2_hf_fixture.py: nanoGPT's last-position logits for the prompt; greedy takes their argmax.
        var expected = Safetensors.Load<double>(Path.Combine(Gpt2Folder.FixtureDir, "expected.safetensors")).Tensors["last.0"].ToArray();
        int argmax = Sampler.ArgMax(expected);
        var tokenizer = Corpus.Gpt2;
        foreach (string ckpt in new[] { gpt2.Ckpt, gpt2.Folder })
        {
            var (code, output, err) = CliRunner.Run("sample", "--ckpt", ckpt, "--prompt", Prompt, "--max-new-tokens", "1", "--temperature", "0");
            Assert.True(code == 0, err);
            Assert.Equal(Prompt + tokenizer.Decode([argmax]) + Environment.NewLine, output);
        }
        string[] args = ["sample", "--prompt", Prompt, "--max-new-tokens", "12", "--seed", "5", "--top-k", "50"];
        Assert.Equal(CliRunner.Run([.. args, "--ckpt", gpt2.Ckpt]).Out, CliRunner.Run([.. args, "--ckpt", gpt2.Folder]).Out);
    }

    [Fact]
    public void ShowProbsListsTheModelsFiveMostLikelyTokensForEachStep()
    {
        var (code, output, err) = CliRunner.Run("sample", "--ckpt", gpt2.Ckpt, "--prompt", Prompt, "--max-new-tokens", "4", "--seed", "2", "--temperature", "0.7", "--show-probs");
        Assert.True(code == 0, err);
        string[] lines = output.Split('\n');
        Assert.Contains("the model's 5 most likely tokens (T = 1)", lines[0]);

        // The same four draws (at T = 0.7), made here: the model's own distribution (T = 1) at each step and its five best tokens.
        var (model, tokenizer) = CheckpointLoader.Load(gpt2.Ckpt);
        var steps = Generator.Generate(new UncachedSource<float>(model), tokenizer.Encode(Prompt), 4, new SamplingOptions(0.7), new Rng(2)).ToList();
        for (int i = 0; i < 4; i++)
        {
            double[] p = Sampler.Distribution(steps[i].Logits, new SamplingOptions(1.0));
            var best = Enumerable.Range(0, p.Length).OrderByDescending(v => p[v]).Take(5).ToList();
            string candidates = string.Join("  ", best.Select(v => string.Create(CultureInfo.InvariantCulture, $"'{TokenLabel.Of(tokenizer, v)}' {p[v]:F4}")));
            Assert.StartsWith($"'{TokenLabel.Of(tokenizer, steps[i].Id)}'", lines[1 + i]);
            Assert.EndsWith(candidates, lines[1 + i]);
        }
        Assert.Equal(Prompt + tokenizer.Decode([.. steps.Select(s => s.Id)]), lines[6]);
    }

    [Fact]
    public void TopCandidatesAreTheKLargestInOrder() => Corpus.Check(FsCheck.Fluent.Prop.ForAll(
        FsCheck.Fluent.ArbMap.Default.ArbFor<int>(), seed =>
        {
            var rng = new Rng((ulong)(uint)seed);
            int V = 1 + rng.NextInt(40), k = 1 + rng.NextInt(8);
            double[] p = [.. Enumerable.Range(0, V).Select(_ => (double)rng.NextInt(5))]; // many ties
            var expected = Enumerable.Range(0, V).OrderByDescending(v => p[v]).ThenBy(v => v).Take(k).Select(v => (v, p[v]));
            Assert.Equal(expected, TopCandidates.Of(p, k));
        }), maxTest: 300);

    [Fact]
    public void ChatContinuesATranscriptInGpt2sTokens()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { ChatCommand.Create(new StringReader("Hello\nWhat is the capital of France?\n"), output, error) };
        int code = root.Parse(["chat", "--ckpt", gpt2.Ckpt, "--user-prefix", "Q:", "--assistant-prefix", "A:", "--max-new-tokens", "6", "--temperature", "0"])
            .Invoke(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(code == 0, error.ToString());

        // The first reply by hand: the greedy continuation of "Q:\nHello\n\nA:\n", cut where the model starts "Q:".
        var (model, tokenizer) = CheckpointLoader.Load(gpt2.Ckpt);
        var transcript = tokenizer.Encode("Q:\nHello\n\nA:\n");
        string reply = tokenizer.Decode([.. Generator.Generate(new UncachedSource<float>(model), transcript, 6, SamplingOptions.Greedy, new Rng(0)).Select(t => t.Id)]);
        int stop = reply.IndexOf("\nQ:", StringComparison.Ordinal);
        Assert.StartsWith("A:\n" + (stop >= 0 ? reply[..stop] : reply), output.ToString());
        Assert.Equal(2, output.ToString().Split("A:\n").Length - 1);
    }

    [Fact]
    public void EvalOnATextFileIsTheMeanCrossEntropyOfGpt2sTokens()
    {
        using var cli = new CliRunner();
        string data = cli.Write("text.txt", Corpus.Shakespeare[..4000]);
        var (code, output, err) = CliRunner.Run("eval", "--ckpt", gpt2.Folder, "--data", data, "--all");
        Assert.True(code == 0, err);
        double printed = double.Parse(output.Trim()["val loss: ".Length..], CultureInfo.InvariantCulture);
        Assert.Equal(output, CliRunner.Run("eval", "--ckpt", gpt2.Ckpt, "--data", data, "--all").Out);

        var (model, tokenizer) = CheckpointLoader.Load(gpt2.Ckpt);
        var val = TokenData.FromText(File.ReadAllText(data), tokenizer).Val.ToArray();
        Assert.Equal(LossEstimator.Exact(model, val, 3), printed, 4);
        Assert.InRange(printed, Math.Log(50257) - 2, Math.Log(50257) + 3); // random weights: near a uniform guess's ln V = 10.8
    }

    [Fact]
    public void AttentionDrawsEveryHeadOverGpt2Tokens()
    {
        using var cli = new CliRunner();
        string svg = Path.Combine(cli.Dir, "att.svg");
        var (code, output, err) = CliRunner.Run("attention", "--ckpt", gpt2.Ckpt, "--prompt", Prompt, "--layer", "1", "--out", svg);
        Assert.True(code == 0, err);
        Assert.Equal($"wrote {svg}: layer 1, heads 0 to 1, 5 tokens", output.Trim());
        XNamespace ns = "http://www.w3.org/2000/svg";
        var doc = XDocument.Load(svg);
        Assert.Equal(2 * 5 * 5, doc.Descendants(ns + "rect").Count(r => r.Attribute("data-query") is not null));
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "␣France");
        var maps = AttentionMaps.Compute(CheckpointLoader.Load(gpt2.Ckpt).Model, Corpus.Gpt2.Encode(Prompt));
        Assert.Equal(1.0, Enumerable.Range(0, 5).Sum(k => maps.Weight(1, 0, 4, k)), 6);
    }

    [Fact]
    public void EmbeddingsFindNeighboursAndAnalogiesAmongGpt2Tokens()
    {
        var (code, output, err) = CliRunner.Run("embeddings", "--ckpt", gpt2.Ckpt, "--nearest", " Paris", "--analogy", " king", " man", " woman", "--top", "3");
        Assert.True(code == 0, err);
        Assert.Contains("nearest to '␣Paris' by cosine", output);
        Assert.Contains("'␣king' − '␣man' + '␣woman'", output);

        // The nearest token by hand: the largest cosine similarity with wte[Paris] among the other rows.
        var wte = CheckpointLoader.Load(gpt2.Ckpt).Model.TokenEmbedding.Value;
        int paris = Corpus.Gpt2.Encode(" Paris").Single(), C = wte.Size(1);
        float[] w = wte.ToArray();
        double Cosine(int a, int b)
        {
            double dot = 0, na = 0, nb = 0;
            for (int c = 0; c < C; c++)
            {
                dot += (double)w[a * C + c] * w[b * C + c];
                na += (double)w[a * C + c] * w[a * C + c];
                nb += (double)w[b * C + c] * w[b * C + c];
            }
            return dot / Math.Sqrt(na * nb);
        }
        int best = Enumerable.Range(0, wte.Size(0)).Where(i => i != paris).MaxBy(i => Cosine(paris, i));
        Assert.Contains($"│    1 │ '{TokenLabel.Of(Corpus.Gpt2, best)}'", output);
        Assert.Contains(Cosine(paris, best).ToString("F4", CultureInfo.InvariantCulture), output);
    }

    [Fact]
    public void ParamsCountsTheCheckpointAndTheFolderAlike()
    {
        foreach (string ckpt in new[] { gpt2.Ckpt, gpt2.Folder })
        {
            var (code, output, err) = CliRunner.Run("params", "--ckpt", ckpt);
            Assert.True(code == 0, err);
            Assert.Contains("n_layer 2, n_head 2, n_embd 8, vocab_size 50257, block_size 16, bias True", output);
            Assert.Contains("403,944", output); // 50,257·8 + 16·8 + 2·(12·8² + 13·8) + 2·8
        }
        Assert.Equal(50257 * 8 + 16 * 8 + 2 * (12 * 8 * 8 + 13 * 8) + 2 * 8, 403_944);
    }

    [Fact]
    public void QuantizeReadsTheHuggingFaceFolderAndWritesScratchsTokenizer()
    {
        // The fixture's weights are bfloat16 numbers, so float16 holds them exactly: the copy computes the same logits.
        using var cli = new CliRunner();
        string outDir = Path.Combine(cli.Dir, "f16");
        var (code, _, err) = CliRunner.Run("quantize", "--ckpt", gpt2.Folder, "--to", "f16", "--out", outDir);
        Assert.True(code == 0, err);
        var (quantized, tokenizer) = CheckpointLoader.Load(outDir);
        var (original, _) = CheckpointLoader.Load(gpt2.Folder);
        int[] ids = tokenizer.Encode(Prompt);
        using var noGrad = GradMode.NoGrad();
        Assert.Equal(original.Forward(ids, 1, ids.Length).Value.ToArray(), quantized.Forward(ids, 1, ids.Length).Value.ToArray());
    }

    [Fact]
    public void InitFromFineTunesTheImportedWeightsWithGpt2sTokenizerAndACroppedBlock()
    {
        using var cli = new CliRunner();
        string outDir = Path.Combine(cli.Dir, "ft");
        string[] args = ["train", "--init-from", gpt2.Folder, "--data", cli.Corpus, "--out", outDir, "--block-size", "8", "--batch-size", "4",
            "--eval-iters", "4", "--eval-interval", "30", "--learning-rate", "3e-3", "--warmup-iters", "0", "--lr-decay-iters", "30"];
        var (code, output, err) = CliRunner.Run([.. args, "--max-iters", "0"]);
        Assert.True(code == 0, err);
        Assert.Contains($"initialised from {gpt2.Folder} (403,944 parameters, n_layer 2, n_head 2, n_embd 8, vocab_size 50257); block_size cropped from 16 to 8, dropout 0", output);

        // Iteration 0 is the imported model, wpe cropped to its first 8 rows; the tokenizer is GPT-2's.
        var (imported, _) = CheckpointLoader.Load(gpt2.Ckpt);
        var (start, tokenizer) = CheckpointLoader.Load(outDir);
        Assert.Equal(imported.Config with { BlockSize = 8 }, start.Config);
        Assert.Equal(Corpus.Gpt2.Encode(Prompt), tokenizer.Encode(Prompt));
        foreach (var (name, tensor) in start.StateDict().Entries)
        {
            var source = imported.StateDict()[name];
            Assert.Equal((name == "transformer.wpe.weight" ? source.Slice(0, 0, 8) : source).ToArray(), tensor.ToArray());
        }
        double before = Checkpoint.LoadState(outDir).Evals[^1].ValLoss;

        Directory.Delete(outDir, recursive: true);
        (code, output, err) = CliRunner.Run([.. args, "--max-iters", "30"]);
        Assert.True(code == 0, err);
        var evals = Checkpoint.LoadState(outDir).Evals;
        Assert.Equal(before, evals[0].ValLoss); // the same start, the same evaluation batches
        Assert.True(evals[^1].ValLoss < before - 0.1, $"30 steps of fine-tuning should lower the val loss: {before} → {evals[^1].ValLoss}");
        Assert.Equal(0, CliRunner.Run("sample", "--ckpt", outDir, "--prompt", Prompt, "--max-new-tokens", "3").Code);
    }

    [Theory]
    [InlineData("--n-embd", "16", "--init-from takes the model's shape from the checkpoint: leave out --n-embd (only --block-size, shorter, and --dropout may change)")]
    [InlineData("--tokenizer", "bpe", "--init-from uses the checkpoint's own tokenizer: leave out --tokenizer and --vocab")]
    [InlineData("--resume", "true", "--init-from and --resume both choose the starting weights; give one")]
    [InlineData("--block-size", "32", "--block-size 32 is longer than the block_size 16 of --init-from")]
    public void InitFromRefusesWhatItCannotChange(string flag, string value, string message)
    {
        using var cli = new CliRunner();
        var (code, _, err) = CliRunner.Run("train", "--init-from", gpt2.Ckpt, "--data", cli.Corpus, "--out", Path.Combine(cli.Dir, "x"), "--max-iters", "0", flag, value);
        Assert.Equal(1, code);
        Assert.Contains(message, err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }
}
