using System.Text.Json;
using System.Text.Json.Nodes;
using Scratch.Gpt.Training;
using Scratch.Nn.Quantization;
using Scratch.Tensors;

namespace Scratch.Gpt.Checkpoints;

/// <summary>
/// Writes a copy of a checkpoint with its weight matrices in fewer bits (<c>scratch quantize</c>):
/// <code>
/// model.safetensors   the 2-D weights (wte, wpe, and every Linear weight: c_attn, c_proj, c_fc) in the scheme,
///                     with their scales; LayerNorm weights and biases (1-D, 2·C numbers per norm) stay float32
/// config.json         the source's, plus "quantization": the scheme's name
/// tokenizer.json      copied byte for byte
/// </code>
/// Every command loads it as it loads any checkpoint: <see cref="Checkpoint.LoadModel"/> dequantizes on load, so
/// the model computes in float32 with the rounded weights ŵ. The optimiser state and training state are not
/// copied: a quantized checkpoint is for inference, not for resuming training.
/// </summary>
public static class QuantizedCheckpoint
{
    /// <summary>The config.json key that names the scheme (absent in a float32 checkpoint).</summary>
    public const string ConfigKey = "quantization";

    /// <summary>Which tensors are quantized: the matrices (rank 2), that is the embeddings and the Linear weights.</summary>
    public static bool IsQuantized(string name, Tensor<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Rank == 2;
    }

    /// <summary>
    /// Quantizes the checkpoint in <paramref name="sourceDir"/> into <paramref name="outDir"/> (created if needed),
    /// then reads the written file back and compares every tensor with the source's.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="outDir"/> is the source directory, or the source is already quantized.</exception>
    /// <exception cref="DirectoryNotFoundException">No source directory.</exception>
    /// <exception cref="FileNotFoundException">A file of the source checkpoint is missing.</exception>
    /// <exception cref="InvalidDataException">A file of the source checkpoint is corrupt.</exception>
    public static QuantizeReport Write(string sourceDir, string outDir, QuantScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(sourceDir);
        ArgumentNullException.ThrowIfNull(outDir);
        if (Canonical(sourceDir) == Canonical(outDir))
        {
            throw new ArgumentException($"--out {outDir} is the source checkpoint; write the quantized copy to another directory");
        }
        var (model, tokenizer) = Checkpoint.LoadModel(sourceDir, new Rng(0));
        bool huggingFace = HuggingFaceGpt2.IsFolder(sourceDir); // GPT-2 as downloaded: its config.json and tokenizer files are not Scratch's
        var existing = huggingFace ? null : SchemeOf(File.ReadAllText(CheckpointDirectory.Open(sourceDir, Checkpoint.ConfigFile)));
        if (existing is QuantScheme already)
        {
            throw new ArgumentException($"checkpoint {sourceDir} is already quantized ({already.Name()}); quantize the float32 original instead");
        }
        if (CheckpointDirectory.HoldsCheckpoint(outDir) && !IsQuantizedCopy(outDir))
        {
            throw new ArgumentException($"--out {outDir} already holds a checkpoint that is not a quantized copy; write the quantized copy to another directory");
        }
        var state = model.StateDict();
        var config = (JsonObject)JsonNode.Parse(model.Config.ToJson())!;
        config[ConfigKey] = scheme.Name();
        string? tokenizerFile = huggingFace ? null : CheckpointDirectory.Open(sourceDir, Checkpoint.TokenizerFile);
        CheckpointDirectory.Save(outDir, iteration: null,
        [
            (Checkpoint.ModelFile, path => QuantizedSafetensors.Save(path, state, scheme, IsQuantized)),
            (Checkpoint.ConfigFile, path => Checkpoint.WriteText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }))),
            (Checkpoint.TokenizerFile, path =>
            {
                if (tokenizerFile is null)
                {
                    Checkpoint.WriteText(path, tokenizer.ToJson()); // from GPT-2's vocab.json and merges.txt
                }
                else
                {
                    File.Copy(tokenizerFile, path, overwrite: true);
                }
            }),
        ]);
        string modelPath = Path.Combine(outDir, Checkpoint.ModelFile);

        // Read back what was written: the weights every command will compute with.
        var (written, _) = QuantizedSafetensors.Load(modelPath);
        var rows = new List<QuantizedWeight>();
        foreach (var (name, w) in state.Entries)
        {
            float[] original = w.ToArray(), rounded = written[name].ToArray();
            double max = 0, squares = 0;
            for (int i = 0; i < original.Length; i++)
            {
                double error = Math.Abs((double)original[i] - rounded[i]);
                max = Math.Max(max, error);
                squares += error * error;
            }
            rows.Add(new QuantizedWeight(name, w.ShapeArray(), IsQuantized(name, w), max, original.Length == 0 ? 0 : Math.Sqrt(squares / original.Length)));
        }
        return new QuantizeReport(scheme, rows, new FileInfo(Path.Combine(sourceDir, Checkpoint.ModelFile)).Length, new FileInfo(modelPath).Length);
    }

    /// <summary>The scheme a config.json names under "quantization", or null for a float32 checkpoint.</summary>
    /// <exception cref="FormatException">The JSON is not valid, or the field is not a string.</exception>
    /// <exception cref="ArgumentException">The field names no scheme.</exception>
    public static QuantScheme? SchemeOf(string configJson)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(configJson);
        }
        catch (JsonException e)
        {
            throw new FormatException($"config.json is not valid JSON: {e.Message}");
        }
        return root?[ConfigKey] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? name) => QuantSchemes.Parse(name),
            var other => throw new FormatException($"config.json: '{ConfigKey}' must be a scheme's name, found {other.ToJsonString()}"),
        };
    }

    /// <summary>True if the checkpoint in <paramref name="dir"/> is one scratch quantize wrote (its config.json names a scheme).</summary>
    private static bool IsQuantizedCopy(string dir)
    {
        try
        {
            return SchemeOf(File.ReadAllText(CheckpointDirectory.Open(dir, Checkpoint.ConfigFile))) is not null;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The full path of a directory, without a trailing separator, through a symbolic link if it is one.</summary>
    private static string Canonical(string dir)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        var info = new DirectoryInfo(full);
        return info.Exists ? Path.TrimEndingDirectorySeparator(info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full) : full;
    }
}
