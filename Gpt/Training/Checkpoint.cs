using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Nn.Checkpoints;
using Scratch.Nn.Optimizers;
using Scratch.Nn.Quantization;
using Scratch.Tensors;

namespace Scratch.Gpt.Training;

/// <summary>
/// A checkpoint directory, the files nanoGPT's <c>ckpt.pt</c> holds, one per idea and each in an open format:
/// <code>
/// model.safetensors      the weights under nanoGPT's names (lm_head.weight is wte's, so not stored)
/// config.json            block_size, vocab_size, n_layer, n_head, n_embd, dropout, bias (and quantization, in a copy scratch quantize wrote)
/// tokenizer.json         the text ↔ id dictionary
/// optimizer.safetensors  AdamW's step counts and moments (state.i.step, state.i.exp_avg, state.i.exp_avg_sq)
/// train_state.json       iteration, random generator states, best val loss, the evaluations
/// loss.svg               the train and val loss curves
/// </code>
/// Every file is written under a temporary name and renamed into place, so a crash never leaves half a file.
/// </summary>
public static class Checkpoint
{
    /// <summary>The weights.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>The model's shape.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The tokenizer.</summary>
    public const string TokenizerFile = "tokenizer.json";

    /// <summary>The optimiser's state.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>The training loop's state.</summary>
    public const string StateFile = "train_state.json";

    /// <summary>The loss curves.</summary>
    public const string ChartFile = "loss.svg";

    /// <summary>Writes every file of a training checkpoint into <paramref name="dir"/> (created if needed).</summary>
    public static void Save(string dir, GptModel<float> model, ITokenizer tokenizer, Optimizer<float> optimizer, TrainState state)
    {
        Directory.CreateDirectory(dir);
        Safetensors.Save(Path.Combine(dir, ModelFile), model.StateDict());
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), model.Config.ToJson());
        AtomicFile.WriteAllText(Path.Combine(dir, TokenizerFile), tokenizer.ToJson());
        Safetensors.Save(Path.Combine(dir, OptimizerFile), optimizer.SaveState());
        AtomicFile.WriteAllText(Path.Combine(dir, ChartFile), LossChart.Render(state.Evals));
        // Last, so that a train_state.json always describes files that are already complete.
        AtomicFile.WriteAllText(Path.Combine(dir, StateFile), state.ToJson());
    }

    /// <summary>
    /// The model and tokenizer saved in <paramref name="dir"/>. The model is built from config.json (its random
    /// initial weights drawn from <paramref name="rng"/>) and then overwritten with model.safetensors; when
    /// config.json names a quantization scheme (<see cref="QuantizedCheckpoint"/>), the weights are dequantized.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not fit the others (the message names it).</exception>
    public static (GptModel<float> Model, ITokenizer Tokenizer) LoadModel(string dir, Rng rng)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"checkpoint directory not found: {dir}");
        }
        if (HuggingFaceGpt2.IsFolder(dir)) // GPT-2 as Hugging Face stores it: read directly, as scratch import would
        {
            var (gpt2, vocabulary) = HuggingFaceGpt2.Load(dir, rng);
            return (gpt2, vocabulary);
        }
        var config = Read(dir, ConfigFile, path => GptConfig.FromJson(File.ReadAllText(path)));
        var tokenizer = Read(dir, TokenizerFile, ITokenizer.Load);
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new InvalidDataException($"checkpoint {dir}: the tokenizer has {tokenizer.VocabSize} tokens but config.json's vocab_size is {config.VocabSize}");
        }
        var scheme = Read(dir, ConfigFile, path => QuantizedCheckpoint.SchemeOf(File.ReadAllText(path)));
        var model = new GptModel<float>(config, rng);
        Read(dir, ModelFile, path =>
        {
            if (scheme is null && CheckpointLoader.StreamFloatWeights(model, path))
            {
                return model; // read straight into the parameters: no second copy of the weights
            }
            // A quantized checkpoint (scratch quantize) is dequantized here: the model computes with float32 ŵ.
            var (weights, stored) = QuantizedSafetensors.Load(path);
            if (stored != scheme)
            {
                throw new InvalidDataException($"config.json says the weights are {SchemeName(scheme)} but the file holds {SchemeName(stored)}");
            }
            model.LoadStateDict(weights);
            return model;
        });
        return (model, tokenizer);
    }

    private static string SchemeName(QuantScheme? scheme) => scheme is QuantScheme s ? $"quantized as {s.Name()}" : "float32 (not quantized)";

    /// <summary>Restores <paramref name="optimizer"/> from the checkpoint's optimizer.safetensors.</summary>
    public static void LoadOptimizer(string dir, Optimizer<float> optimizer) =>
        Read(dir, OptimizerFile, path =>
        {
            optimizer.LoadState(Safetensors.Load<float>(path).Tensors);
            return optimizer;
        });

    /// <summary>The checkpoint's train_state.json.</summary>
    public static TrainState LoadState(string dir) => Read(dir, StateFile, path => TrainState.FromJson(File.ReadAllText(path)));

    /// <summary>Reads one file of the checkpoint, turning every way it can be wrong into an error that names it.</summary>
    private static TResult Read<TResult>(string dir, string file, Func<string, TResult> read)
    {
        var path = Path.Combine(dir, file);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"checkpoint {dir} has no {file} (is it a directory that scratch train wrote?)", path);
        }
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is SafetensorsFormatException or FormatException or ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"checkpoint file {path} is corrupt or does not fit: {e.Message}", e);
        }
    }
}
