using Scratch.Autograd;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Model;
using Scratch.Nn.Checkpoints;
using Scratch.Tensors;
using Xunit.Abstractions;

namespace Scratch.Gpt.Tests;

/// <summary>
/// GPT-2 from Hugging Face's files: tests/fixtures/make_gpt2_hf_fixture.py writes a small random GPT-2 in exactly the
/// layout of the gpt2 model repository (no prefix, Conv1D weights (in, out), mask buffers, vocab 50,257) and the
/// logits nanoGPT's model computes after its from_pretrained (float64). Scratch's import must match them to 1e-5,
/// relative to the largest logit: max|a − e| / max|e|.
/// </summary>
public sealed class Gpt2ImportTests(ITestOutputHelper log)
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData("F32")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void TheImportedModelGivesNanoGptsLogits(string dtype)
    {
        using var folder = Gpt2Folder.Create(dtype);
        var (model, _) = HuggingFaceGpt2.Load(folder.Dir);
        double error = WorstError(model);
        log.WriteLine($"{dtype}: worst relative error of the logits {error:e2}");
        Assert.True(error <= Tolerance, $"{dtype}: relative error {error:e2} > {Tolerance:e0}");
    }

    [Fact]
    public void ForgettingTheSquareCProjTransposeGivesNoShapeErrorButFailsByNumbers()
    {
        // attn.c_proj is (C, C): stored (in, out) and used as (out, in) without the transpose, every shape still fits.
        using var folder = Gpt2Folder.Create();
        var (model, _) = HuggingFaceGpt2.Load(folder.Dir);
        Assert.True(WorstError(model) <= Tolerance);
        foreach (var block in model.Blocks)
        {
            var w = block.Attn.CProj.Weight.Value;
            w.CopyFrom(w.Transpose(0, 1).Contiguous()); // undo the import's transpose: what forgetting it would load
        }
        double error = WorstError(model);
        log.WriteLine($"without the c_proj transpose: relative error {error:e2}");
        Assert.True(error > 1e-2, $"the untransposed c_proj should be far off, but the error is {error:e2}");
    }

    [Fact]
    public void TheFixturesFirstSequenceIsTheCapitalOfFranceInGpt2sTokens()
    {
        var ids = Expected()["ids.0"].ToArray().Select(x => (int)x);
        Assert.Equal(ids, Corpus.Gpt2.Encode("The capital of France is"));
    }

    [Fact]
    public void ImportWritesACheckpointThatLoadsLikeAnyOtherAndGivesTheSameLogits()
    {
        using var folder = Gpt2Folder.Create();
        using var cli = new CliRunner();
        string ckpt = Path.Combine(cli.Dir, "gpt2");
        var (code, output, err) = CliRunner.Run("import", "--from", folder.Dir, "--out", ckpt);
        Assert.True(code == 0, err);
        Assert.Contains("n_layer 2, n_head 2, n_embd 8, n_positions 16, vocab_size 50257; 403,944 parameters stored as F32", output);
        Assert.Contains("transposed 8 Conv1D weights", output);
        Assert.Contains("skipped 4 tensors that are not weights: h.0.attn.bias, h.0.attn.masked_bias, h.1.attn.bias, h.1.attn.masked_bias", output);
        Assert.Equal(["config.json", "model.safetensors", "tokenizer.json"], Directory.GetFiles(ckpt).Select(Path.GetFileName).Order());
        var (model, tokenizer) = CheckpointLoader.Load(ckpt);
        Assert.True(WorstError(model) <= Tolerance);
        Assert.Equal(Corpus.Gpt2.Encode("The capital of France is"), tokenizer.Encode("The capital of France is"));
        Assert.Equal(new GptConfig(16, 50257, 2, 2, 8, 0.0, true), CheckpointLoader.LoadConfig(ckpt));
        // nanoGPT's names in nn.Linear's layout (out, in), no buffers, no lm_head
        var names = Safetensors.LoadRaw(Path.Combine(ckpt, "model.safetensors")).Tensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([24, 8], names["transformer.h.0.attn.c_attn.weight"]);
        Assert.Equal([8, 32], names["transformer.h.1.mlp.c_proj.weight"]);
        Assert.DoesNotContain(names.Keys, n => n.EndsWith(".attn.bias", StringComparison.Ordinal) || n.StartsWith("lm_head", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryCommandsCkptReadsAHuggingFaceFolderDirectly()
    {
        using var folder = Gpt2Folder.Create("BF16");
        var (model, tokenizer) = CheckpointLoader.Load(folder.Dir);
        Assert.True(WorstError(model) <= Tolerance);
        Assert.Equal(50257, tokenizer.VocabSize);
        Assert.Equal(new GptConfig(16, 50257, 2, 2, 8, 0.0, true), CheckpointLoader.LoadConfig(folder.Dir));
        using var cli = new CliRunner();
        var (code, output, err) = CliRunner.Run("tokenize", "--ckpt", folder.Dir, "--ids", cli.Write("text.txt", "The capital of France is"));
        Assert.True(code == 0, err);
        Assert.Equal(string.Join(" ", Corpus.Gpt2.Encode("The capital of France is")), output.Trim());
    }

    [Fact]
    public void KeysWithTheTransformerPrefixAndATiedLmHeadAreReadToo()
    {
        float[]? wte = null;
        using var folder = Gpt2Folder.Create(edit: s =>
        {
            if (s.Name == "wte.weight")
            {
                wte = s.Floats();
            }
            return s.Name.StartsWith("h.", StringComparison.Ordinal) || s.Name.StartsWith("w", StringComparison.Ordinal) || s.Name.StartsWith("ln_f", StringComparison.Ordinal)
                ? s with { Name = "transformer." + s.Name } : s;
        });
        using var withHead = Gpt2Folder.Create(edit: s => s with { Name = "transformer." + s.Name }, extra: [Gpt2Folder.Stored.F32("lm_head.weight", [50257, 8], wte!)]);
        Assert.True(WorstError(HuggingFaceGpt2.Load(folder.Dir).Model) <= Tolerance);
        Assert.True(WorstError(HuggingFaceGpt2.Load(withHead.Dir).Model) <= Tolerance);

        var other = (float[])wte!.Clone();
        other[5 * 8 + 3] += 1;
        using var untied = Gpt2Folder.Create(extra: [Gpt2Folder.Stored.F32("lm_head.weight", [50257, 8], other)]);
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceGpt2.Load(untied.Dir));
        Assert.Contains("'lm_head.weight' differs from 'wte.weight' (at [5, 3]:", e.Message);
    }

    [Fact]
    public void AMaskBufferStoredAsBoolIsSkippedLikeAFloatOne()
    {
        using var folder = Gpt2Folder.Create(edit: s => s.Name.EndsWith(".attn.bias", StringComparison.Ordinal)
            ? s with { DType = "BOOL", Data = [.. s.Floats().Select(x => (byte)x)] }
            : s.Name.EndsWith(".attn.masked_bias", StringComparison.Ordinal) ? null : s);
        Assert.True(WorstError(HuggingFaceGpt2.Load(folder.Dir).Model) <= Tolerance);
    }

    [Theory]
    [InlineData("missing", "has no 'h.1.mlp.c_fc.bias' [32], which GPT-2 with config.json's n_layer 2, n_embd 8, vocab_size 50257, n_positions 16 needs")]
    [InlineData("linear-layout", "'h.0.attn.c_attn.weight' has shape [24,8], but config.json's n_layer 2, n_embd 8, vocab_size 50257, n_positions 16 needs [8,24] (GPT-2's Conv1D stores (in, out), the transpose of the model's [24,8])")]
    [InlineData("unexpected", "unexpected tensor 'h.2.ln_1.weight' [8], not a weight of GPT-2 with config.json's n_layer 2")]
    [InlineData("int8", "tensor 'wpe.weight' holds I8, not floating-point numbers")]
    public void WeightsThatDoNotFitAreOneLineNamingTheKeyAndTheShapes(string problem, string message)
    {
        using var folder = Gpt2Folder.Create(
            edit: s => problem switch
            {
                "missing" when s.Name == "h.1.mlp.c_fc.bias" => null,
                "linear-layout" when s.Name == "h.0.attn.c_attn.weight" => s with { Shape = [24, 8] },
                "int8" when s.Name == "wpe.weight" => s with { DType = "I8", Data = s.Data[..(s.Data.Length / 4)] },
                _ => s,
            },
            extra: problem == "unexpected" ? [Gpt2Folder.Stored.F32("h.2.ln_1.weight", [8], new float[8])] : null);
        using var cli = new CliRunner();
        var (code, _, err) = CliRunner.Run("import", "--from", folder.Dir, "--out", Path.Combine(cli.Dir, "out"));
        Assert.Equal(1, code);
        Assert.StartsWith("scratch import: error: ", err);
        Assert.True(err.Contains(message, StringComparison.Ordinal), err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(cli.Dir, "out")), "nothing is written when the weights do not fit");
    }

    [Theory]
    [InlineData("activation_function", "\"relu\"", "activation_function 'relu' is not supported: Scratch's GPT-2 uses gelu_new, the tanh GELU")]
    [InlineData("layer_norm_epsilon", "1e-6", "layer_norm_epsilon 1E-06 is not supported: Scratch's LayerNorm uses ε = 1e-5, as GPT-2 does")]
    [InlineData("n_layer", null, "'n_layer' is missing or not an integer")]
    [InlineData("n_head", "3", "n_embd 8 is not divisible by n_head 3")]
    [InlineData("model_type", "\"gpt_neo\"", "model_type 'gpt_neo' is not GPT-2")]
    [InlineData("scale_attn_by_inverse_layer_idx", "true", "scale_attn_by_inverse_layer_idx true is not supported")]
    [InlineData("n_inner", "64", "n_inner 64 is not supported: Scratch's MLP is 4·n_embd = 32 wide")]
    public void AConfigScratchWouldComputeDifferentlyIsRefusedNamingTheKey(string key, string? value, string message)
    {
        using var folder = Gpt2Folder.Create(config: c =>
        {
            c.Remove(key);
            if (value is not null)
            {
                c[key] = System.Text.Json.Nodes.JsonNode.Parse(value);
            }
        });
        var (code, _, err) = CliRunner.Run("sample", "--ckpt", folder.Dir, "--max-new-tokens", "1");
        Assert.Equal(1, code);
        Assert.Contains($"config.json: {message}", err);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void MissingFilesAndABadOutAreNamed()
    {
        using var cli = new CliRunner();
        using (var folder = Gpt2Folder.Create())
        {
            File.Delete(folder.Weights);
            var (code, _, err) = CliRunner.Run("import", "--from", folder.Dir, "--out", Path.Combine(cli.Dir, "a"));
            Assert.Equal(1, code);
            Assert.Contains("has no model.safetensors (download it from the model repository beside config.json)", err);
        }
        using (var folder = Gpt2Folder.Create())
        {
            File.Delete(Path.Combine(folder.Dir, "merges.txt"));
            var (code, _, err) = CliRunner.Run("import", "--from", folder.Dir, "--out", Path.Combine(cli.Dir, "b"));
            Assert.Equal(1, code);
            Assert.Contains("merges.txt", err);
        }
        using (var folder = Gpt2Folder.Create())
        {
            var (code, _, err) = CliRunner.Run("import", "--from", folder.Dir, "--out", folder.Dir + "/");
            Assert.Equal(1, code);
            Assert.Contains("is the folder being imported; write the checkpoint to another directory", err);
            cli.Train(Path.Combine(cli.Dir, "run"), "--max-iters", "1");
            (code, _, err) = CliRunner.Run("import", "--from", folder.Dir, "--out", Path.Combine(cli.Dir, "run"));
            Assert.Equal(1, code);
            Assert.Contains("holds a training run (train_state.json); import into a new or empty directory", err);
        }
    }

    [Fact]
    public void WithoutConfigJsonTheShapeIsTheGpt2PresetTheWeightsMatch()
    {
        // A header of GPT-2 124M's 160 tensors over a sparse file: only the header is read to find the shape.
        string dir = Directory.CreateTempSubdirectory("scratch-gpt2-noconfig-").FullName;
        try
        {
            int C = 768;
            var shapes = new List<(string Name, int[] Shape)> { ("wte.weight", [50257, C]), ("wpe.weight", [1024, C]), ("ln_f.weight", [C]), ("ln_f.bias", [C]) };
            for (int i = 0; i < 12; i++)
            {
                shapes.AddRange([($"h.{i}.ln_1.weight", [C]), ($"h.{i}.ln_1.bias", [C]), ($"h.{i}.attn.bias", [1, 1, 1024, 1024]),
                    ($"h.{i}.attn.c_attn.weight", [C, 3 * C]), ($"h.{i}.attn.c_attn.bias", [3 * C]), ($"h.{i}.attn.c_proj.weight", [C, C]), ($"h.{i}.attn.c_proj.bias", [C]),
                    ($"h.{i}.ln_2.weight", [C]), ($"h.{i}.ln_2.bias", [C]), ($"h.{i}.mlp.c_fc.weight", [C, 4 * C]), ($"h.{i}.mlp.c_fc.bias", [4 * C]),
                    ($"h.{i}.mlp.c_proj.weight", [4 * C, C]), ($"h.{i}.mlp.c_proj.bias", [C])]);
            }
            var header = new System.Text.Json.Nodes.JsonObject();
            long offset = 0;
            foreach (var (name, shape) in shapes)
            {
                long bytes = 4L * shape.Aggregate(1L, (a, b) => a * b);
                header[name] = System.Text.Json.Nodes.JsonNode.Parse($"{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
                offset += bytes;
            }
            byte[] text = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
            using (var file = File.Create(Path.Combine(dir, "model.safetensors")))
            {
                file.Write(BitConverter.GetBytes((ulong)text.Length));
                file.Write(text);
                file.SetLength(8 + text.Length + offset); // 548 MB, sparse: nothing written
            }
            File.Copy(Path.Combine(Corpus.Gpt2Dir, "encoder.json"), Path.Combine(dir, "vocab.json"));
            Assert.True(HuggingFaceGpt2.IsFolder(dir));
            Assert.Equal(GptConfig.Preset("gpt2"), HuggingFaceGpt2.ReadConfig(dir));
            Assert.Equal(GptConfig.Preset("gpt2"), CheckpointLoader.LoadConfig(dir));
            Assert.Contains("124,439,808", CliRunner.Run("params", "--ckpt", dir).Out);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        using var small = Gpt2Folder.Create();
        File.Delete(Path.Combine(small.Dir, "config.json"));
        var e = Assert.Throws<InvalidDataException>(() => HuggingFaceGpt2.Load(small.Dir));
        Assert.Contains("has no config.json, and its weights (n_layer 2, wte [50257,8], wpe [16,8]) are none of the GPT-2 sizes (gpt2, gpt2-medium, gpt2-large, gpt2-xl): download config.json beside them", e.Message);
    }

    /// <summary>The fixture's logits from nanoGPT (float64): ids.s, last.s, some.s for each sequence s, and columns.</summary>
    private static Nn.StateDict<double> Expected() =>
        Safetensors.Load<double>(Path.Combine(Gpt2Folder.FixtureDir, "expected.safetensors")).Tensors;

    /// <summary>max|a − e| / max|e| over every sequence's last-position logits (all V) and every position's sampled columns.</summary>
    private static double WorstError(GptModel<float> model)
    {
        var e = Expected();
        int count = e.Names.Count(n => n.StartsWith("ids.", StringComparison.Ordinal));
        int[] columns = [.. e["columns"].ToArray().Select(x => (int)x)];
        double worst = 0;
        using var noGrad = GradMode.NoGrad();
        for (int s = 0; s < count; s++)
        {
            int[] ids = [.. e[$"ids.{s}"].ToArray().Select(x => (int)x)];
            int T = ids.Length, V = model.Config.VocabSize;
            var logits = model.Forward(ids, 1, T).Value.Reshape(T, V); // (T, V)
            worst = Math.Max(worst, Relative(logits.Slice(0, T - 1, T).ToArray(), e[$"last.{s}"].ToArray()));
            var some = logits.IndexSelect(1, columns); // (T, K)
            worst = Math.Max(worst, Relative(some.ToArray(), e[$"some.{s}"].ToArray()));
        }
        return worst;
    }

    private static double Relative(float[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs(expected[i]));
        }
        return maxDiff / maxAbs;
    }
}
