using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Nn.Checkpoints;
using Scratch.Tensors;

namespace Scratch.Gpt.Checkpoints;

/// <summary>
/// Reads the model and tokenizer of a checkpoint directory, as <c>scratch train</c> writes it:
/// <code>
/// model.safetensors    the weights under nanoGPT's names (no lm_head.weight: it is wte's)
/// config.json          block_size, vocab_size, n_layer, n_head, n_embd, dropout, bias
/// tokenizer.json       the text ↔ id dictionary
/// </code>
/// A small reader for the inspection commands; the training code has its own that also restores the optimiser.
/// Every failure names the directory and the file.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>The weights' file name.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>The configuration's file name.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>The tokenizer's file name.</summary>
    public const string TokenizerFile = "tokenizer.json";

    /// <summary>The model's shape, from config.json alone (no weights are read).</summary>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">config.json is missing.</exception>
    /// <exception cref="InvalidDataException">config.json is not a valid configuration.</exception>
    public static GptConfig LoadConfig(string dir)
    {
        CheckDirectory(dir);
        return Read(dir, ConfigFile, path => GptConfig.FromJson(File.ReadAllText(path)));
    }

    /// <summary>The model (in evaluation mode) and tokenizer saved in <paramref name="dir"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">No such directory.</exception>
    /// <exception cref="FileNotFoundException">A file is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not fit the others (the message names it).</exception>
    public static (GptModel<float> Model, ITokenizer Tokenizer) Load(string dir)
    {
        var config = LoadConfig(dir);
        var tokenizer = Read(dir, TokenizerFile, ITokenizer.Load);
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new InvalidDataException($"checkpoint {dir}: the tokenizer has {tokenizer.VocabSize} tokens but config.json's vocab_size is {config.VocabSize}");
        }
        var model = new GptModel<float>(config, new Rng(0)); // the random initial weights are overwritten next
        Read(dir, ModelFile, path =>
        {
            model.LoadStateDict(Safetensors.Load<float>(path).Tensors);
            return model;
        });
        model.Eval();
        return (model, tokenizer);
    }

    /// <summary>Writes <paramref name="model"/>'s weights, config.json and tokenizer.json into <paramref name="dir"/> (created if needed).</summary>
    public static void Save(string dir, GptModel<float> model, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        Directory.CreateDirectory(dir);
        Safetensors.Save(Path.Combine(dir, ModelFile), model.StateDict());
        File.WriteAllText(Path.Combine(dir, ConfigFile), model.Config.ToJson());
        tokenizer.Save(Path.Combine(dir, TokenizerFile));
    }

    private static void CheckDirectory(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"checkpoint directory not found: {dir}");
        }
    }

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
        catch (Exception e) when (e is SafetensorsFormatException or FormatException or ArgumentException or InvalidDataException or KeyNotFoundException)
        {
            throw new InvalidDataException($"checkpoint file {path} is corrupt or does not fit: {e.Message}", e);
        }
    }
}
