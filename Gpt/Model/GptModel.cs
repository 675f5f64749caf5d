using System.Numerics;
using Scratch.Autograd;
using Scratch.Nn;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Gpt.Model;

/// <summary>
/// The GPT of nanoGPT's model.py. Dimensions: B batch, T time (≤ block_size), C = n_embd, V = vocab_size.
/// <code>
/// x = drop(wte[idx] + wpe[0..T))        token + position embeddings          (B, T, C)
/// x = h[i](x) for each block            pre-LayerNorm attention and MLP      (B, T, C)
/// logits = ln_f(x) · wteᵀ               the LM head is tied to wte            (B, T, V)
/// </code>
/// Parameter names are nanoGPT's (<c>transformer.wte.weight</c>, <c>transformer.h.0.attn.c_attn.weight</c>, …);
/// lm_head.weight is the same tensor as transformer.wte.weight, so it is stored once.
/// </summary>
public sealed class GptModel<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GptTransformer<T> transformer;

    /// <summary>A new model with nanoGPT's initialisation, drawn from <paramref name="rng"/>.</summary>
    public GptModel(GptConfig config, Rng rng)
    {
        Config = config.Validate();
        transformer = RegisterModule("transformer", new GptTransformer<T>(config, rng));
    }

    /// <summary>The model's shape.</summary>
    public GptConfig Config { get; }

    /// <summary>The token embedding (V, C), also the LM head's weight.</summary>
    public Var<T> TokenEmbedding => transformer.Wte.Weight;

    /// <summary>The position embedding wpe (block_size, C): row t is added to the token at position t.</summary>
    public Var<T> PositionEmbedding => transformer.Wpe.Weight;

    /// <summary>The final LayerNorm ln_f, applied before the LM head.</summary>
    public LayerNorm<T> FinalNorm => transformer.LnF;

    /// <summary>The blocks, in order.</summary>
    public IReadOnlyList<Block<T>> Blocks => transformer.Blocks;

    /// <summary>Next-token logits for token ids <paramref name="idx"/> of shape (B, T), read row-major.</summary>
    public Var<T> Forward(int[] idx, int batch, int time) => Forward(idx, batch, time, cache: null);

    /// <summary>
    /// Next-token logits (B, T, V) for token ids <paramref name="idx"/> of shape (B, T). With a <paramref name="cache"/>
    /// from <see cref="NewCache"/> (inference only, B = 1, inside <see cref="GradMode.NoGrad"/>), the T tokens come after
    /// the P the cache holds, at positions P … P+T−1, attend to those too, and are added to it.
    /// </summary>
    public Var<T> Forward(int[] idx, int batch, int time, IReadOnlyList<AttentionCache<T>>? cache)
    {
        int start = cache is null ? 0 : CheckCache(cache, batch);
        if (start + time > Config.BlockSize)
        {
            throw new ArgumentException(start == 0
                ? $"gpt: cannot forward a sequence of length {time}; block_size is only {Config.BlockSize}"
                : $"gpt: cannot forward {time} tokens after the {start} cached; block_size is only {Config.BlockSize}");
        }
        if (batch * time != idx.Length || batch <= 0 || time <= 0)
        {
            throw new ArgumentException($"gpt: {idx.Length} token ids do not have shape ({batch}, {time})");
        }
        var x = transformer.Forward(idx, batch, time, cache); // (B, T, C)
        return Var<T>.Linear(x, TokenEmbedding); // lm_head, tied to wte (V, C): x · wteᵀ, (B, T, C) → (B, T, V)
    }

    /// <summary>An empty KV cache for <see cref="Forward(int[], int, int, IReadOnlyList{AttentionCache{T}})"/>: one per block, block_size positions each.</summary>
    public AttentionCache<T>[] NewCache() =>
        [.. Blocks.Select(_ => new AttentionCache<T>(Config.BlockSize, Config.NEmbd, Config.NHead))];

    /// <summary>P, the positions the cache holds, after checking that it fits this model and one sequence.</summary>
    private int CheckCache(IReadOnlyList<AttentionCache<T>> cache, int batch)
    {
        if (cache.Count != Blocks.Count || cache.Any(c => c.Length != cache[0].Length || c.Capacity != Config.BlockSize || c.NHead != Config.NHead))
        {
            throw new ArgumentException($"gpt: the KV cache does not fit this model ({cache.Count} layers for {Blocks.Count} blocks, or layers of different lengths); make it with NewCache()");
        }
        if (batch != 1)
        {
            throw new ArgumentException($"gpt: a KV cache holds one sequence, but the batch has {batch}");
        }
        return cache[0].Length;
    }

    /// <summary>Logits and the mean cross-entropy of predicting <paramref name="targets"/> (B, T).</summary>
    public (Var<T> Logits, Var<T> Loss) Forward(int[] idx, int[] targets, int batch, int time)
    {
        var logits = Forward(idx, batch, time); // (B, T, V)
        return (logits, Var<T>.CrossEntropy(logits, targets));
    }
}
