using System.Globalization;
using System.Text;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Nn;
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
/// loss.svg               the loss curves: every step's training loss, smoothed, and the evaluations
/// checkpoint.json        the manifest: the iteration, and each file's size and SHA-256
/// </code>
/// A save replaces the whole set at once (<see cref="CheckpointDirectory"/>): a process killed at any moment leaves
/// either the previous checkpoint or the new one, never a mix, and every load checks each file against the manifest.
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

    /// <summary>Replaces the checkpoint in <paramref name="dir"/> (created if needed) with this one, all files at once.</summary>
    public static void Save(string dir, GptModel<float> model, ITokenizer tokenizer, Optimizer<float> optimizer, TrainState state)
    {
        var iteration = new Dictionary<string, string> { [CheckpointDirectory.IterationKey] = state.Iteration.ToString(CultureInfo.InvariantCulture) };
        CheckpointDirectory.Save(dir, state.Iteration,
        [
            (ModelFile, path => Safetensors.Save(path, model.StateDict(), iteration)),
            (ConfigFile, path => WriteText(path, model.Config.ToJson())),
            (TokenizerFile, path => WriteText(path, tokenizer.ToJson())),
            (OptimizerFile, path => Safetensors.Save(path, optimizer.SaveState(), iteration)),
            (ChartFile, path => WriteText(path, LossChart.Render(state))),
            (StateFile, path => WriteText(path, state.ToJson())),
        ]);
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> as UTF-8 without a byte-order mark.</summary>
    internal static void WriteText(string path, string text) => File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    /// <summary>
    /// The model and tokenizer saved in <paramref name="dir"/>. The model is built from config.json (its random
    /// initial weights drawn from <paramref name="rng"/>) and then overwritten with model.safetensors; when
    /// config.json names a quantization scheme (<see cref="QuantizedCheckpoint"/>), the weights are dequantized.
    /// Before the model is allocated, model.safetensors' header is checked against config.json (every tensor's
    /// name and shape), so a wrong config costs nothing; after loading, a weight that is NaN or ±∞ is refused
    /// (naming the tensor) unless <paramref name="allowNonFinite"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not fit the others (the message names it).</exception>
    /// <exception cref="ArgumentException">The model would not fit in the memory available (the message gives the estimate).</exception>
    public static (GptModel<float> Model, ITokenizer Tokenizer) LoadModel(string dir, Rng rng, bool allowNonFinite = false)
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
        // Each file is checked against the manifest (hashed) once, however many times it is parsed.
        string configPath = CheckpointDirectory.Open(dir, ConfigFile);
        var config = Parse(dir, ConfigFile, configPath, path => GptConfig.FromJson(File.ReadAllText(path)));
        var tokenizer = Read(dir, TokenizerFile, ITokenizer.Load);
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new InvalidDataException($"checkpoint {dir}: the tokenizer has {tokenizer.VocabSize} tokens but config.json's vocab_size is {config.VocabSize}");
        }
        var scheme = Parse(dir, ConfigFile, configPath, path => QuantizedCheckpoint.SchemeOf(File.ReadAllText(path)));
        string modelPath = CheckpointDirectory.Open(dir, ModelFile);
        Parse(dir, ModelFile, modelPath, path =>
        {
            CheckShapes(Safetensors.ReadHeader(path).Tensors, config);
            return config;
        });
        MemoryEstimate.ForInference(config).EnsureFits($"checkpoint {dir} needs a machine with more memory");
        var model = new GptModel<float>(config, rng);
        Parse(dir, ModelFile, modelPath, path =>
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
        if (!allowNonFinite)
        {
            CheckFinite(model.StateDict(), dir);
        }
        return (model, tokenizer);
    }

    /// <summary>
    /// The name and shape of every tensor a model of <paramref name="config"/> stores (its state dict, without
    /// allocating it): wte (V, C), wpe (T, C), per block ln_1, attn.c_attn (3C, C), attn.c_proj (C, C), ln_2,
    /// mlp.c_fc (4C, C), mlp.c_proj (C, 4C), then ln_f; biases ((out) for Linear, (C) for LayerNorm) when config.Bias.
    /// </summary>
    public static IReadOnlyDictionary<string, int[]> ParameterShapes(GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int C = config.NEmbd;
        var shapes = new Dictionary<string, int[]>
        {
            ["transformer.wte.weight"] = [config.VocabSize, C],
            ["transformer.wpe.weight"] = [config.BlockSize, C],
        };
        void Add(string name, int outputs, int? inputs)
        {
            shapes[name + ".weight"] = inputs is int n ? [outputs, n] : [outputs];
            if (config.Bias)
            {
                shapes[name + ".bias"] = [outputs];
            }
        }
        for (int l = 0; l < config.NLayer; l++)
        {
            string h = $"transformer.h.{l}";
            Add($"{h}.ln_1", C, null);
            Add($"{h}.attn.c_attn", 3 * C, C);
            Add($"{h}.attn.c_proj", C, C);
            Add($"{h}.ln_2", C, null);
            Add($"{h}.mlp.c_fc", 4 * C, C);
            Add($"{h}.mlp.c_proj", C, 4 * C);
        }
        Add("transformer.ln_f", C, null);
        return shapes;
    }

    /// <summary>Checks the tensors a safetensors header lists against the ones a model of <paramref name="config"/> has (quantized ones by name only).</summary>
    private static void CheckShapes(IReadOnlyList<SafetensorsTensorInfo> stored, GptConfig config)
    {
        var expected = ParameterShapes(config);
        var byName = stored.ToDictionary(t => t.Name);
        foreach (var (name, shape) in expected)
        {
            if (!byName.TryGetValue(name, out var found))
            {
                throw new InvalidDataException($"config.json describes a model with '{name}' {Shape(shape)}, which the file does not hold");
            }
            if (found.DType is not ("I8" or "U8") && !found.Shape.SequenceEqual(shape))
            {
                throw new InvalidDataException($"'{name}' is {Shape(found.Shape)} in the file but config.json's model needs {Shape(shape)} "
                    + $"(block_size {config.BlockSize}, vocab_size {config.VocabSize}, n_layer {config.NLayer}, n_embd {config.NEmbd}, bias {config.Bias.ToString().ToLowerInvariant()})");
            }
        }
    }

    private static string Shape(int[] shape) => $"({string.Join(", ", shape)})";

    /// <summary>Refuses weights with a NaN or ±∞, naming the first such tensor and element.</summary>
    private static void CheckFinite(StateDict<float> weights, string dir)
    {
        foreach (var (name, tensor) in weights.Entries)
        {
            ReadOnlySpan<float> values = tensor.IsContiguous ? tensor.AsSpan() : tensor.ToArray(); // the parameters' own storage: no copy
            int bad = values.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue); // NaN and ±∞ lie outside every range
            if (bad >= 0)
            {
                int count = 0;
                foreach (float v in values)
                {
                    count += float.IsFinite(v) ? 0 : 1;
                }
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"checkpoint file {Path.Combine(dir, ModelFile)}: '{name}' holds {count} non-finite weights (the first, element {bad}, is {values[bad]}): the model cannot compute (did training diverge before this save?)"));
            }
        }
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

    /// <summary>Reads one file of the checkpoint (checked against its manifest), turning every way it can be wrong into an error that names it.</summary>
    private static TResult Read<TResult>(string dir, string file, Func<string, TResult> read) =>
        Parse(dir, file, CheckpointDirectory.Open(dir, file), read);

    /// <summary>As <see cref="Read"/>, for a file already checked against the manifest (<paramref name="path"/>, from <see cref="CheckpointDirectory.Open"/>).</summary>
    private static TResult Parse<TResult>(string dir, string file, string path, Func<string, TResult> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is SafetensorsFormatException or FormatException or ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"checkpoint file {Path.Combine(dir, file)} is corrupt or does not fit: {e.Message}", e);
        }
    }
}
