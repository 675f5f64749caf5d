using System.Numerics;
using Scratch.Gpt.Model;
using Scratch.Gpt.Sampling;
using Scratch.Tensors;

namespace Scratch.Gpt.Inspection;

/// <summary>
/// Every layer's and head's attention weights for one prompt (batch of 1): weight[l, h, t, s] is how much
/// query position t of head h in block l attends to key position s, the softmax row
/// att = softmax(q_t·k_sᵀ/√hs over s ≤ t). Rows sum to 1; entries with s &gt; t (the future) are 0.
/// Computed by the inference forward of <see cref="KvCache{T}"/>, with no gradients.
/// </summary>
public sealed class AttentionMaps
{
    private readonly Tensor<double>[] layers; // per layer (H, T, T)

    private AttentionMaps(Tensor<double>[] layers, int[] tokens)
    {
        this.layers = layers;
        Tokens = tokens;
    }

    /// <summary>The prompt's token ids (T of them).</summary>
    public IReadOnlyList<int> Tokens { get; }

    /// <summary>How many blocks (L).</summary>
    public int Layers => layers.Length;

    /// <summary>How many heads per block (H).</summary>
    public int Heads => layers[0].Size(0);

    /// <summary>The prompt length (T).</summary>
    public int Length => Tokens.Count;

    /// <summary>Runs <paramref name="model"/> on <paramref name="tokens"/> (1 ≤ T ≤ block_size) and keeps every attention map.</summary>
    /// <exception cref="ArgumentException">Empty prompt or one longer than block_size.</exception>
    public static AttentionMaps Compute<T>(GptModel<T> model, IReadOnlyList<int> tokens) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0 || tokens.Count > model.Config.BlockSize)
        {
            throw new ArgumentException($"attention: the prompt must have 1 to block_size = {model.Config.BlockSize} tokens, got {tokens.Count}");
        }
        var maps = new List<Tensor<T>>();
        new KvCache<T>(model).Append(tokens.ToArray(), maps); // each map (H, T, T)
        var asDouble = maps.Select(m => Tensor<double>.FromArray(m.ToArray().Select(double.CreateChecked).ToArray(), m.ShapeArray())).ToArray();
        return new AttentionMaps(asDouble, [.. tokens]);
    }

    /// <summary>The weight with which query <paramref name="query"/> attends to key <paramref name="key"/>.</summary>
    public double Weight(int layer, int head, int query, int key)
    {
        CheckRange(layer, head);
        return layers[layer][head, query, key];
    }

    /// <summary>Throws an error naming the valid range when the layer or head does not exist.</summary>
    /// <exception cref="ArgumentOutOfRangeException">layer ∉ [0, L) or head ∉ [0, H).</exception>
    public void CheckRange(int layer, int? head)
    {
        if (layer < 0 || layer >= Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"--layer {layer} is out of range: the model has layers 0 to {Layers - 1}");
        }
        if (head is int h && (h < 0 || h >= Heads))
        {
            throw new ArgumentOutOfRangeException(nameof(head), h, $"--head {h} is out of range: each layer has heads 0 to {Heads - 1}");
        }
    }
}
