using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;
using Scratch.Nn.Checkpoints;
using Scratch.Nn.Quantization;
using Scratch.Tensors;

namespace Scratch.Gpt.Checkpoints;

/// <summary>
/// The inference side of a checkpoint directory (the files <see cref="Checkpoint"/> writes during training):
/// <code>
/// model.safetensors    the weights under nanoGPT's names (no lm_head.weight: it is wte's)
/// config.json          block_size, vocab_size, n_layer, n_head, n_embd, dropout, bias
/// tokenizer.json       the text ↔ id dictionary
/// </code>
/// Loading goes through <see cref="Checkpoint.LoadModel"/>; this adds reading the configuration alone (for
/// counting parameters without the weights) and saving a model without an optimiser (an export, or a test fixture).
/// </summary>
public static class CheckpointLoader
{
    /// <summary>The model's shape, from config.json alone (no weights are read).</summary>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">config.json is not a valid configuration.</exception>
    public static GptConfig LoadConfig(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"checkpoint directory not found: {dir}");
        }
        if (HuggingFaceGpt2.IsFolder(dir))
        {
            return HuggingFaceGpt2.ReadConfig(dir);
        }
        var path = Path.Combine(dir, Checkpoint.ConfigFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"checkpoint {dir} has no {Checkpoint.ConfigFile} (is it a directory that scratch train wrote?)", path);
        }
        try
        {
            return GptConfig.FromJson(File.ReadAllText(path));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidDataException($"checkpoint file {path} is corrupt or does not fit: {e.Message}", e);
        }
    }

    /// <summary>The model, in evaluation mode (no dropout), and the tokenizer saved in <paramref name="dir"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not fit the others (the message names it).</exception>
    public static (GptModel<float> Model, ITokenizer Tokenizer) Load(string dir)
    {
        var (model, tokenizer) = Checkpoint.LoadModel(dir, new Rng(0)); // the random initial weights are overwritten
        model.Eval();
        return (model, tokenizer);
    }

    /// <summary>
    /// Reads a float safetensors file straight into <paramref name="model"/>'s parameters, one tensor at a time (so
    /// loading GPT-2 holds no second copy of its weights); false, reading nothing, when the file is quantized.
    /// </summary>
    /// <exception cref="ArgumentException">The names or shapes do not fit the model (the message lists them).</exception>
    internal static bool StreamFloatWeights(GptModel<float> model, string path)
    {
        using (var file = SafetensorsFile.Open(path))
        {
            if (file.Metadata.ContainsKey(QuantizedSafetensors.SchemeKey))
            {
                return false;
            }
        }
        SafetensorsFile.LoadInto(path, model.StateDict());
        return true;
    }

    /// <summary>
    /// Writes <paramref name="model"/>'s weights, config.json and tokenizer.json into <paramref name="dir"/> (created if
    /// needed), replacing what it held at once (<see cref="CheckpointDirectory"/>), optimiser and training state included.
    /// </summary>
    public static void Save(string dir, GptModel<float> model, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        CheckpointDirectory.Save(dir, iteration: null,
        [
            (Checkpoint.ModelFile, path => Safetensors.Save(path, model.StateDict())),
            (Checkpoint.ConfigFile, path => Checkpoint.WriteText(path, model.Config.ToJson())),
            (Checkpoint.TokenizerFile, path => Checkpoint.WriteText(path, tokenizer.ToJson())),
        ]);
    }
}
