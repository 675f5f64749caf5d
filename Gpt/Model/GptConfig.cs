using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scratch.Gpt.Model;

/// <summary>
/// The shape of a GPT, as nanoGPT's GPTConfig: context length (block_size), vocabulary size, number of
/// blocks, heads and channels, dropout and whether Linear and LayerNorm layers have biases.
/// </summary>
/// <param name="BlockSize">The longest context the model sees (T ≤ block_size).</param>
/// <param name="VocabSize">The number of token ids (V).</param>
/// <param name="NLayer">The number of transformer blocks.</param>
/// <param name="NHead">Attention heads per block (H); must divide NEmbd.</param>
/// <param name="NEmbd">The width of the residual stream (C).</param>
/// <param name="Dropout">The dropout probability in training.</param>
/// <param name="Bias">Whether Linear and LayerNorm layers have biases.</param>
public sealed record GptConfig(int BlockSize, int VocabSize, int NLayer, int NHead, int NEmbd, double Dropout = 0.0, bool Bias = false)
{
    /// <summary>The named configurations: nanoGPT's CPU "baby" model, its Shakespeare model and the four GPT-2 sizes.</summary>
    public static IReadOnlyDictionary<string, GptConfig> Presets { get; } = new Dictionary<string, GptConfig>
    {
        ["baby"] = new(BlockSize: 64, VocabSize: 65, NLayer: 4, NHead: 4, NEmbd: 128),
        ["shakespeare-char"] = new(BlockSize: 256, VocabSize: 65, NLayer: 6, NHead: 6, NEmbd: 384, Dropout: 0.2),
        ["gpt2"] = new(BlockSize: 1024, VocabSize: 50257, NLayer: 12, NHead: 12, NEmbd: 768, Bias: true),
        ["gpt2-medium"] = new(BlockSize: 1024, VocabSize: 50257, NLayer: 24, NHead: 16, NEmbd: 1024, Bias: true),
        ["gpt2-large"] = new(BlockSize: 1024, VocabSize: 50257, NLayer: 36, NHead: 20, NEmbd: 1280, Bias: true),
        ["gpt2-xl"] = new(BlockSize: 1024, VocabSize: 50257, NLayer: 48, NHead: 25, NEmbd: 1600, Bias: true),
    };

    /// <summary>The preset of that name, or an error that lists the names.</summary>
    public static GptConfig Preset(string name) => Presets.TryGetValue(name, out var config) ? config
        : throw new ArgumentException($"unknown preset '{name}'; choose one of {string.Join(", ", Presets.Keys)}");

    /// <summary>Checks that the numbers make a model: positive sizes, heads dividing the width, dropout in [0, 1).</summary>
    public GptConfig Validate()
    {
        if (BlockSize <= 0 || VocabSize <= 0 || NLayer <= 0 || NHead <= 0 || NEmbd <= 0)
        {
            throw new ArgumentException($"config: block_size {BlockSize}, vocab_size {VocabSize}, n_layer {NLayer}, n_head {NHead} and n_embd {NEmbd} must all be positive");
        }
        if (NEmbd % NHead != 0)
        {
            throw new ArgumentException($"config: n_embd {NEmbd} is not divisible by n_head {NHead}");
        }
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
        {
            throw new ArgumentException($"config: dropout {Dropout} must be in [0, 1)");
        }
        return this;
    }

    /// <summary>The configuration as nanoGPT's keys: block_size, vocab_size, n_layer, n_head, n_embd, dropout, bias.</summary>
    public string ToJson() => new JsonObject
    {
        ["block_size"] = BlockSize,
        ["vocab_size"] = VocabSize,
        ["n_layer"] = NLayer,
        ["n_head"] = NHead,
        ["n_embd"] = NEmbd,
        ["dropout"] = Dropout,
        ["bias"] = Bias,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Reads a config.json written by <see cref="ToJson"/> (or by hand with nanoGPT's keys).</summary>
    public static GptConfig FromJson(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("config.json is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"config.json is not valid JSON: {e.Message}");
        }
        int Int(string key) => root[key] is JsonValue v && v.TryGetValue(out int i) ? i
            : throw new FormatException($"config.json: '{key}' is missing or not an integer");
        return new GptConfig(
            Int("block_size"), Int("vocab_size"), Int("n_layer"), Int("n_head"), Int("n_embd"),
            root["dropout"] is JsonValue d && d.TryGetValue(out double dropout) ? dropout : 0.0,
            root["bias"] is JsonValue b && b.TryGetValue(out bool bias) && bias).Validate();
    }
}
