// Line budget: exempt because Parse reads Hugging Face's config.json key by key, each with its own check and message, as one table a reader compares with the file.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scratch.Gpt.Model;

namespace Scratch.Gpt.Checkpoints;

/// <summary>
/// Hugging Face's GPT2Config (config.json) as Scratch's <see cref="GptConfig"/>: n_positions is block_size, biases are
/// on, dropout is 0 (GPT-2's 0.1 dropouts are for training it; fine-tuning chooses its own with --dropout). Every key
/// that would change the arithmetic is checked, so a model Scratch would compute differently is refused, not run wrong.
/// </summary>
internal static class Gpt2Config
{
    /// <summary>The only LayerNorm ε Scratch's GPT uses (nanoGPT's and every GPT-2 size's).</summary>
    private const double Epsilon = 1e-5;

    /// <summary>Reads config.json's text.</summary>
    /// <exception cref="FormatException">Invalid JSON, a missing or malformed key, or a value Scratch does not compute (the message names the key).</exception>
    public static GptConfig Parse(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON: {e.Message}");
        }
        int Int(string key) => root[key] is JsonValue v && v.TryGetValue(out int i) ? i
            : throw new FormatException($"'{key}' is missing or not an integer");
        string? Text(string key) => root[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? s) => s,
            var other => throw new FormatException($"'{key}' must be a string, found {other.ToJsonString()}"),
        };
        bool? Flag(string key) => root[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out bool b) => b,
            var other => throw new FormatException($"'{key}' must be true or false, found {other.ToJsonString()}"),
        };

        if (Text("model_type") is { } type && type != "gpt2")
        {
            throw new FormatException($"model_type '{type}' is not GPT-2 (\"gpt2\"); Scratch reads GPT-2 checkpoints only");
        }
        if (Text("activation_function") is { } activation && activation != "gelu_new")
        {
            throw new FormatException($"activation_function '{activation}' is not supported: Scratch's GPT-2 uses gelu_new, the tanh GELU");
        }
        if (root["layer_norm_epsilon"] is { } epsNode)
        {
            double eps = epsNode is JsonValue v && v.TryGetValue(out double d) ? d
                : throw new FormatException($"'layer_norm_epsilon' must be a number, found {epsNode.ToJsonString()}");
            if (Math.Abs(eps - Epsilon) > 1e-12)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"layer_norm_epsilon {eps} is not supported: Scratch's LayerNorm uses ε = 1e-5, as GPT-2 does"));
            }
        }
        if (Flag("scale_attn_weights") == false)
        {
            throw new FormatException("scale_attn_weights false is not supported: Scratch's attention divides by √hs");
        }
        if (Flag("scale_attn_by_inverse_layer_idx") == true)
        {
            throw new FormatException("scale_attn_by_inverse_layer_idx true is not supported: Scratch's attention divides by √hs only");
        }
        if (Flag("add_cross_attention") == true)
        {
            throw new FormatException("add_cross_attention true is not supported: Scratch's GPT is a decoder only");
        }
        int nEmbd = Int("n_embd");
        if (root["n_inner"] is JsonValue inner && !(inner.TryGetValue(out int n) && n == 4 * nEmbd))
        {
            throw new FormatException($"n_inner {inner.ToJsonString()} is not supported: Scratch's MLP is 4·n_embd = {4 * nEmbd} wide (use null)");
        }
        int blockSize = root["n_positions"] is not null ? Int("n_positions") : Int("n_ctx");
        var config = new GptConfig(BlockSize: blockSize, VocabSize: Int("vocab_size"), NLayer: Int("n_layer"), NHead: Int("n_head"), NEmbd: nEmbd, Dropout: 0.0, Bias: true);
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message.Replace("config: ", "", StringComparison.Ordinal));
        }
    }
}
