using System.Numerics;
using Scratch.Autograd;
using Scratch.Gpt.Model;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Gpt.Sampling;

/// <summary>
/// Sampling with a KV cache: the model's own forward (<see cref="GptModel{T}.Forward(int[], int, int, IReadOnlyList{AttentionCache{T}})"/>)
/// with one <see cref="AttentionCache{T}"/> per block, so each new token costs one pass of a single row through the
/// model instead of a pass over the whole context. Dimensions: n new tokens, P already cached, L = P + n, V vocabulary.
/// <code>
/// logits = model(ids[P..L), cache)     positions P … L−1; each block attends to K, V[0..L) and appends its k, v   (n, V)
/// </code>
/// Positions are absolute, so the cache holds at most block_size tokens. When a context grows past block_size,
/// the window slides: every position of the cropped window changes, the cached keys (computed at other
/// positions) are useless, and <see cref="NextLogits"/> falls back to recomputing the whole window on every
/// step with the model's forward without a cache (<see cref="UncachedSource{T}"/>).
/// </summary>
public sealed class KvCache<T> : ILogitsSource where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GptModel<T> model;
    private readonly AttentionCache<T>[] layers; // one per block
    private readonly List<int> cached = [];
    private readonly UncachedSource<T> window; // for contexts longer than block_size

    /// <summary>An empty cache over <paramref name="model"/>, which is switched to evaluation mode (no dropout).</summary>
    public KvCache(GptModel<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        layers = model.NewCache();
        window = new UncachedSource<T>(model);
    }

    /// <inheritdoc/>
    public int VocabSize => model.Config.VocabSize;

    /// <inheritdoc/>
    public int BlockSize => model.Config.BlockSize;

    /// <summary>The tokens whose keys and values are cached, in position order.</summary>
    public IReadOnlyList<int> Tokens => cached;

    /// <summary>Forgets the cached tokens.</summary>
    public void Clear()
    {
        cached.Clear();
        foreach (var layer in layers)
        {
            layer.Clear();
        }
    }

    /// <summary>
    /// The next-token logits of <paramref name="context"/>. If the cached tokens are a prefix of the context
    /// and the context fits in block_size, only the new tokens are run; if it fits but does not extend the
    /// cache, the cache is rebuilt from position 0; if it is longer than block_size, the cache is cleared and
    /// the last block_size tokens are recomputed by the model's forward.
    /// </summary>
    public double[] NextLogits(IReadOnlyList<int> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Count == 0)
        {
            throw new ArgumentException("generate: the context is empty; give at least one token");
        }
        if (context.Count > BlockSize)
        {
            Clear(); // the window slides: every position changes, nothing cached can be reused
            return window.NextLogits(context);
        }
        bool extends = context.Count > cached.Count;
        for (int i = 0; extends && i < cached.Count; i++)
        {
            extends = context[i] == cached[i];
        }
        if (!extends)
        {
            Clear(); // a different context: recompute from scratch
        }
        int[] fresh = context.Skip(cached.Count).ToArray();
        var logits = Append(fresh); // (n, V)
        var last = logits.Slice(0, fresh.Length - 1, fresh.Length).Reshape(VocabSize); // (V)
        return last.ToArray().Select(double.CreateChecked).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions P … P+n−1 after the P cached ones, caches their keys and
    /// values, and returns their logits (n, V). If <paramref name="attention"/> is given, each layer's
    /// attention weights (H, n, P+n) are added to it, in layer order.
    /// </summary>
    /// <exception cref="ArgumentException">The tokens would go past block_size, or an id is outside [0, V).</exception>
    public Tensor<T> Append(ReadOnlySpan<int> tokens, IList<Tensor<T>>? attention = null)
    {
        int P = cached.Count, n = tokens.Length;
        if (n == 0 || P + n > BlockSize)
        {
            throw new ArgumentException($"kv_cache: cannot append {n} tokens to {P} cached; block_size is {BlockSize}");
        }
        var ids = tokens.ToArray();
        foreach (var layer in layers)
        {
            layer.KeepWeights = attention is not null;
        }
        Tensor<T> logits;
        using (GradMode.NoGrad())
        {
            logits = model.Forward(ids, 1, n, layers).Value.Reshape(n, VocabSize); // (1, n, V) → (n, V)
        }
        cached.AddRange(ids);
        foreach (var layer in layers)
        {
            if (attention is not null)
            {
                attention.Add(layer.LastWeights!);
            }
            layer.KeepWeights = false;
        }
        return logits;
    }
}
