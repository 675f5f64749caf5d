using System.Text.Json;
using System.Text.Json.Nodes;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;
using Scratch.Nn.Checkpoints;
using Scratch.Tensors;

namespace Scratch.Gpt.Checkpoints;

/// <summary>
/// GPT-2 as Hugging Face's <c>gpt2</c> model repository stores it, read into Scratch's GPT (<c>scratch import</c>, and
/// <c>--ckpt</c> of every command given such a folder):
/// <code>
/// config.json         n_layer, n_head, n_embd, n_positions (→ block_size), vocab_size, layer_norm_epsilon (1e-5),
///                     activation_function ("gelu_new": the tanh GELU)
/// model.safetensors   wte.weight, wpe.weight, h.N.ln_1.*, h.N.attn.c_attn.*, h.N.attn.c_proj.*, h.N.ln_2.*,
///                     h.N.mlp.c_fc.*, h.N.mlp.c_proj.*, ln_f.*  in F32, F16 or BF16
/// vocab.json + merges.txt   the tokenizer (or OpenAI's encoder.json + vocab.bpe, the same bytes)
/// </code>
/// Four things differ from nanoGPT's names and layout, the four things nanoGPT's <c>from_pretrained</c> handles:
/// <list type="bullet">
/// <item>the keys have no <c>transformer.</c> prefix (a file that has it is read too);</item>
/// <item>GPT-2's <c>Conv1D</c> stores its weight as (in, out), the transpose of <c>nn.Linear</c>'s (out, in), so
/// attn.c_attn, attn.c_proj, mlp.c_fc and mlp.c_proj are transposed on the way in. attn.c_proj is square:
/// forgetting it gives no shape error, only wrong numbers, which the fixture test catches;</item>
/// <item>the causal-mask buffers h.N.attn.bias and h.N.attn.masked_bias are not weights and are skipped;</item>
/// <item>lm_head.weight is wte.weight (tied): it is usually absent, and if present must equal it.</item>
/// </list>
/// Memory: the model is built once and each tensor is read straight into its parameter; a transposed weight
/// goes through one buffer of its size, so loading holds the model plus at most one tensor.
/// </summary>
public static class HuggingFaceGpt2
{
    /// <summary>The weights file of a Hugging Face model folder.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>The configuration file of a Hugging Face model folder.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The weights stored (in, out) by GPT-2's Conv1D, transposed on import.</summary>
    public static readonly IReadOnlyList<string> Conv1DWeights = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];

    /// <summary>
    /// True when <paramref name="dir"/> looks like a Hugging Face GPT-2 folder: a model.safetensors with either a config.json
    /// of Hugging Face's keys (n_positions or n_ctx, no block_size) or no config.json at all beside GPT-2's vocab.json
    /// (or encoder.json). A Scratch checkpoint's config.json has block_size.
    /// </summary>
    public static bool IsFolder(string dir)
    {
        var config = Path.Combine(dir, ConfigFile);
        if (!Directory.Exists(dir) || !File.Exists(Path.Combine(dir, WeightsFile)))
        {
            return false;
        }
        if (!File.Exists(config))
        {
            return File.Exists(Path.Combine(dir, "vocab.json")) || File.Exists(Path.Combine(dir, "encoder.json"));
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(config)) is JsonObject root && root["block_size"] is null
                && (root["n_positions"] is not null || root["n_ctx"] is not null || root["model_type"] is not null);
        }
        catch (JsonException)
        {
            return false; // not ours to explain: the checkpoint reader names the broken file
        }
    }

    /// <summary>
    /// The model's shape from a Hugging Face config.json; anything Scratch's GPT cannot compute is an error naming the key.
    /// Without a config.json, the shape is read off the weights (wte: V × C, wpe: n_positions, the h.N blocks) and must be
    /// one of the four GPT-2 sizes (gpt2, gpt2-medium, gpt2-large, gpt2-xl), which give n_head.
    /// </summary>
    /// <exception cref="FileNotFoundException">Neither config.json nor model.safetensors.</exception>
    /// <exception cref="InvalidDataException">A key is missing, malformed or has a value Scratch does not support; or, without config.json, the weights are not a GPT-2 size.</exception>
    public static GptConfig ReadConfig(string dir)
    {
        var path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path))
        {
            return PresetOf(dir);
        }
        try
        {
            return Gpt2Config.Parse(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The GPT-2 preset whose shape the weights have (for a folder without config.json).</summary>
    private static GptConfig PresetOf(string dir)
    {
        var weights = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weights))
        {
            throw new FileNotFoundException($"{dir} has neither {ConfigFile} nor {WeightsFile} (a Hugging Face GPT-2 folder holds config.json, model.safetensors, vocab.json and merges.txt)", weights);
        }
        int[] wte, wpe;
        int layers;
        try
        {
            using var file = SafetensorsFile.Open(weights, anyDType: true);
            string prefix = file.Contains("transformer.wte.weight") ? "transformer." : "";
            if (!file.Contains(prefix + "wte.weight") || !file.Contains(prefix + "wpe.weight"))
            {
                throw new InvalidDataException($"{weights} has no wte.weight or wpe.weight: it is not GPT-2's (and {dir} has no {ConfigFile} to say what it is)");
            }
            (wte, wpe) = (file.Info(prefix + "wte.weight").Shape, file.Info(prefix + "wpe.weight").Shape);
            layers = Enumerable.Range(0, 1000).TakeWhile(i => file.Contains($"{prefix}h.{i}.ln_1.weight")).Count();
        }
        catch (SafetensorsFormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        var match = GptConfig.Presets.Where(p => p.Key.StartsWith("gpt2", StringComparison.Ordinal)).FirstOrDefault(p =>
            wte.Length == 2 && wpe.Length == 2 && p.Value.NEmbd == wte[1] && p.Value.NLayer == layers && p.Value.VocabSize == wte[0] && p.Value.BlockSize == wpe[0]);
        return match.Value ?? throw new InvalidDataException(
            $"{dir} has no {ConfigFile}, and its weights (n_layer {layers}, wte {Shapes.Format(wte)}, wpe {Shapes.Format(wpe)}) are none of the GPT-2 sizes " +
            $"({string.Join(", ", GptConfig.Presets.Keys.Where(k => k.StartsWith("gpt2", StringComparison.Ordinal)))}): download config.json beside them");
    }

    /// <summary>
    /// The model (evaluation mode) and tokenizer of a Hugging Face GPT-2 folder. The model is built from config.json
    /// (its initial weights drawn from <paramref name="rng"/>, then overwritten) and filled from model.safetensors.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the weights do not fit the configuration (the message names the key and the shapes).</exception>
    public static (GptModel<float> Model, Gpt2Tokenizer Tokenizer) Load(string dir, Rng? rng = null)
    {
        var (model, tokenizer, _) = LoadWithSummary(dir, rng ?? new Rng(0));
        return (model, tokenizer);
    }

    private static (GptModel<float> Model, Gpt2Tokenizer Tokenizer, Gpt2ImportSummary Summary) LoadWithSummary(string dir, Rng rng)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"Hugging Face model folder not found: {dir}");
        }
        var config = ReadConfig(dir);
        var tokenizer = Gpt2Tokenizer.FromDirectory(dir);
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new InvalidDataException($"{dir}: the tokenizer has {tokenizer.VocabSize} tokens but config.json's vocab_size is {config.VocabSize}");
        }
        var weights = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weights))
        {
            throw new FileNotFoundException($"{dir} has no {WeightsFile} (download it from the model repository beside config.json)", weights);
        }
        var model = new GptModel<float>(config, rng);
        Gpt2ImportSummary summary;
        try
        {
            summary = Gpt2Weights.LoadInto(model, weights);
        }
        catch (Exception e) when (e is SafetensorsFormatException or ArgumentException)
        {
            throw new InvalidDataException(e.Message, e);
        }
        model.Eval();
        return (model, tokenizer, summary);
    }

    /// <summary>
    /// Writes the Scratch checkpoint of a Hugging Face GPT-2 folder into <paramref name="outDir"/> (created if needed):
    /// model.safetensors under nanoGPT's names in nn.Linear's layout, config.json, tokenizer.json. Returns the model and
    /// what was read.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="outDir"/> is the source folder, or holds a training run.</exception>
    public static (GptModel<float> Model, Gpt2ImportSummary Summary) Import(string fromDir, string outDir)
    {
        if (Path.TrimEndingDirectorySeparator(Path.GetFullPath(fromDir)) == Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDir)))
        {
            throw new ArgumentException($"--out {outDir} is the folder being imported; write the checkpoint to another directory");
        }
        foreach (var file in new[] { Checkpoint.StateFile, Checkpoint.OptimizerFile })
        {
            if (File.Exists(Path.Combine(outDir, file)))
            {
                throw new ArgumentException($"--out {outDir} holds a training run ({file}); import into a new or empty directory");
            }
        }
        var (model, tokenizer, summary) = LoadWithSummary(fromDir, new Rng(0));
        Directory.CreateDirectory(outDir);
        SafetensorsFile.Save(Path.Combine(outDir, Checkpoint.ModelFile), model.StateDict());
        AtomicFile.WriteAllText(Path.Combine(outDir, Checkpoint.ConfigFile), model.Config.ToJson());
        AtomicFile.WriteAllText(Path.Combine(outDir, Checkpoint.TokenizerFile), tokenizer.ToJson());
        return (model, summary);
    }
}
