using Scratch.Gpt.Model;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// A GPT's parameters counted by kind from its configuration alone: nothing is allocated, so GPT-3 (175B)
/// can be counted on a laptop. Letters: V vocab_size, N block_size, L n_layer, H n_head, C n_embd, hs = C/H.
/// <code>
/// token embedding wte            V·C
/// position embedding wpe         N·C
/// query, key, value              L·C·C each   (the three thirds of c_attn, (3C, C))
/// attention output c_proj        L·C·C
/// MLP up c_fc                    L·4C·C
/// MLP down c_proj                L·4C·C
/// layer norms                    (2L + 1)·C gains, and as many biases with bias=True (ln_1, ln_2 per block, ln_f)
/// biases of the Linear layers    L·(3C + C + 4C + C) = 9·L·C with bias=True, else 0
/// unembedding lm_head            V·C, but tied to wte: the same numbers, counted once (0 here)
/// total = V·C + N·C + 12·L·C² + layer norms + biases
/// </code>
/// What counts as a matrix: every 2-D weight a head or layer multiplies by, with queries, keys and values
/// counted per head (each head has its own (hs, C) projection), so a block holds 3·H + 3 matrices
/// (H queries, H keys, H values, attention output, MLP up, MLP down), plus wte and wpe:
/// matrices = 2 + L·(3H + 3). The tied LM head is not counted again; gains and biases are vectors.
/// </summary>
public sealed class ParameterTable
{
    private ParameterTable(GptConfig config, IReadOnlyList<ParameterRow> rows)
    {
        Config = config;
        Rows = rows;
        Total = rows.Sum(r => r.Count);
        Matrices = rows.Sum(r => r.Matrices);
    }

    /// <summary>The named configurations the params command knows: <see cref="GptConfig.Presets"/> and GPT-3 175B
    /// (96 layers, 96 heads, width 12,288, GPT-2's 50,257 tokens, context 2,048, with biases).</summary>
    public static IReadOnlyDictionary<string, GptConfig> Presets { get; } = new Dictionary<string, GptConfig>(GptConfig.Presets)
    {
        ["gpt3-175b"] = new(BlockSize: 2048, VocabSize: 50257, NLayer: 96, NHead: 96, NEmbd: 12288, Bias: true),
    };

    /// <summary>The configuration counted.</summary>
    public GptConfig Config { get; }

    /// <summary>One row per kind, in the order of the class summary.</summary>
    public IReadOnlyList<ParameterRow> Rows { get; }

    /// <summary>All the numbers, the tied head counted once; equals <c>new GptModel(config).ParameterCount()</c>.</summary>
    public long Total { get; }

    /// <summary>All the matrices, 2 + L·(3H + 3).</summary>
    public long Matrices { get; }

    /// <summary>Counts the parameters of <paramref name="config"/> without building the model.</summary>
    public static ParameterTable FromConfig(GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        checked
        {
            long V = config.VocabSize, N = config.BlockSize, L = config.NLayer, H = config.NHead, C = config.NEmbd, hs = C / H;
            long norms = (2 * L + 1) * C * (config.Bias ? 2 : 1);
            long biases = config.Bias ? L * (3 * C + C + 4 * C + C) : 0;
            ParameterRow[] rows =
            [
                new("token embedding", "(V, C)", 1, V * C, "wte; also the LM head"),
                new("position embedding", "(N, C)", 1, N * C, "wpe"),
                new("query", $"{H} × ({hs}, {C}) per block", L * H, L * C * C, "first third of c_attn"),
                new("key", $"{H} × ({hs}, {C}) per block", L * H, L * C * C, "second third of c_attn"),
                new("value", $"{H} × ({hs}, {C}) per block", L * H, L * C * C, "last third of c_attn"),
                new("attention output", "(C, C) per block", L, L * C * C, "attn.c_proj"),
                new("MLP up-projection", "(4C, C) per block", L, L * 4 * C * C, "mlp.c_fc"),
                new("MLP down-projection", "(C, 4C) per block", L, L * 4 * C * C, "mlp.c_proj"),
                new("layer norms", config.Bias ? "(C) gain + (C) bias, 2L + 1 of them" : "(C) gain, 2L + 1 of them", 0, norms, "ln_1, ln_2 per block; ln_f"),
                new("biases", "(3C) + (C) + (4C) + (C) per block", 0, biases, config.Bias ? "c_attn, attn.c_proj, c_fc, mlp.c_proj" : "none (bias=False)"),
                new("unembedding", "(V, C)", 0, 0, "lm_head, tied to the token embedding: counted once"),
            ];
            return new ParameterTable(config, rows);
        }
    }

    /// <summary>The preset of that name from <see cref="Presets"/>, or an error that lists the names.</summary>
    public static GptConfig Preset(string name) => Presets.TryGetValue(name, out var config) ? config
        : throw new ArgumentException($"unknown preset '{name}'; choose one of {string.Join(", ", Presets.Keys)}");
}
