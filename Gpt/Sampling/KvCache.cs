using System.Numerics;
using Scratch.Gpt.Model;
using Scratch.Nn.Modules;
using Scratch.Tensors;

namespace Scratch.Gpt.Sampling;

/// <summary>
/// An inference-only GPT forward that remembers every layer's keys and values, so each new token costs
/// one pass of a single row through the model instead of a pass over the whole context.
/// Dimensions: n new tokens, P tokens already cached, L = P + n, C channels, H heads, hs = C/H, V vocabulary.
/// <code>
/// x = wte[ids] + wpe[P..L)                              (n, C)
/// per block:  h = ln_1(x);  q, k, v = split(h·W_attnᵀ + b)   (n, C) each
///             K[P..L) = k,  V[P..L) = v                  the cache, (block_size, C) per layer
///             att = softmax(q·K[0..L)ᵀ/√hs, −∞ where key &gt; query)   per head, (H, n, L)
///             x = x + (att·V[0..L))·W_projᵀ + b;  x = x + mlp(ln_2(x))
/// logits = ln_f(x)·wteᵀ                                  (n, V)
/// </code>
/// The same arithmetic as <see cref="GptModel{T}.Forward(int[], int, int)"/>, on plain tensors (no autograd
/// graph is built). Positions are absolute, so the cache holds at most block_size tokens. When a context
/// grows past block_size, the window slides: every position of the cropped window changes, the cached
/// keys (computed at other positions) are useless, and <see cref="NextLogits"/> falls back to recomputing
/// the whole window on every step with the model's own forward (<see cref="UncachedSource{T}"/>, whose fused
/// kernels run a whole window faster than this row-at-a-time code).
/// </summary>
public sealed class KvCache<T> : ILogitsSource where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GptModel<T> model;
    private readonly Tensor<T>[] keys; // per layer (block_size, C)
    private readonly Tensor<T>[] values; // per layer (block_size, C)
    private readonly List<int> cached = [];
    private readonly UncachedSource<T> window; // for contexts longer than block_size

    /// <summary>An empty cache over <paramref name="model"/>.</summary>
    public KvCache(GptModel<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        var c = model.Config;
        keys = Enumerable.Range(0, c.NLayer).Select(_ => Tensor<T>.Zeros(c.BlockSize, c.NEmbd)).ToArray();
        values = Enumerable.Range(0, c.NLayer).Select(_ => Tensor<T>.Zeros(c.BlockSize, c.NEmbd)).ToArray();
        window = new UncachedSource<T>(model);
    }

    /// <inheritdoc/>
    public int VocabSize => model.Config.VocabSize;

    /// <inheritdoc/>
    public int BlockSize => model.Config.BlockSize;

    /// <summary>The tokens whose keys and values are cached, in position order.</summary>
    public IReadOnlyList<int> Tokens => cached;

    /// <summary>Forgets the cached tokens.</summary>
    public void Clear() => cached.Clear();

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
        var config = model.Config;
        int P = cached.Count, n = tokens.Length, L = P + n, C = config.NEmbd, H = config.NHead, hs = C / H;
        if (n == 0 || L > config.BlockSize)
        {
            throw new ArgumentException($"kv_cache: cannot append {n} tokens to {P} cached; block_size is {config.BlockSize}");
        }
        var ids = tokens.ToArray();
        var x = model.TokenEmbedding.Value.IndexSelect(0, ids) + model.PositionEmbedding.Value.Slice(0, P, L); // (n, C)
        for (int layer = 0; layer < model.Blocks.Count; layer++)
        {
            var block = model.Blocks[layer];
            var qkv = Linear(block.Attn.CAttn, LayerNorm(block.Ln1, x)); // (n, 3C)
            keys[layer].Slice(0, P, L).CopyFrom(qkv.Slice(1, C, 2 * C)); // K[P..L) = k
            values[layer].Slice(0, P, L).CopyFrom(qkv.Slice(1, 2 * C, 3 * C)); // V[P..L) = v
            var q = qkv.Slice(1, 0, C).Reshape(n, H, hs).Transpose(0, 1); // (H, n, hs)
            var k = keys[layer].Slice(0, 0, L).Reshape(L, H, hs).Transpose(0, 1); // (H, L, hs)
            var v = values[layer].Slice(0, 0, L).Reshape(L, H, hs).Transpose(0, 1); // (H, L, hs)
            var att = Tensor<T>.MatMul(q, k.Transpose(1, 2)) * (T.One / T.Sqrt(T.CreateChecked(hs))); // (H, n, L)
            MaskFuture(att, P);
            att = att.Softmax(2); // each row sums to 1 over the keys it may see
            attention?.Add(att);
            var y = Tensor<T>.MatMul(att, v).Transpose(0, 1).Reshape(n, C); // (H, n, hs) → (n, H, hs) → (n, C)
            x = x + Linear(block.Attn.CProj, y); // residual, (n, C)
            var m = Linear(block.Mlp.CFc, LayerNorm(block.Ln2, x)).Gelu(); // (n, 4C)
            x = x + Linear(block.Mlp.CProj, m); // residual, (n, C)
        }
        x = LayerNorm(model.FinalNorm, x); // (n, C)
        cached.AddRange(ids);
        return Tensor<T>.MatMul(x, model.TokenEmbedding.Value.Transpose(0, 1)); // (n, C)·(C, V) → (n, V)
    }

    /// <summary>att[h, i, j] = −∞ where key j is later than query i (at absolute position P + i).</summary>
    private static void MaskFuture(Tensor<T> att, int P)
    {
        int H = att.Size(0), n = att.Size(1), L = att.Size(2);
        Span<T> a = att.AsSpan(); // contiguous: the matrix product's fresh result
        for (int h = 0; h < H; h++)
        {
            for (int i = 0; i < n; i++)
            {
                a.Slice((h * n + i) * L + P + i + 1, L - P - i - 1).Fill(T.NegativeInfinity);
            }
        }
    }

    /// <summary>y = x·Wᵀ + b.</summary>
    private static Tensor<T> Linear(Linear<T> linear, Tensor<T> x)
    {
        var y = Tensor<T>.MatMul(x, linear.Weight.Value.Transpose(0, 1)); // (n, in)·(in, out) → (n, out)
        return linear.Bias is null ? y : y + linear.Bias.Value;
    }

    /// <summary>y = (x − μ)/√(σ² + ε) · w + b per row, σ² biased.</summary>
    private static Tensor<T> LayerNorm(LayerNorm<T> norm, Tensor<T> x)
    {
        var mean = x.Mean(1, keepDim: true); // (n, 1)
        var variance = x.Variance([1], keepDim: true, correction: 0); // (n, 1)
        var xhat = (x - mean) / (variance + T.CreateChecked(norm.Eps)).Sqrt(); // (n, C)
        var y = xhat * norm.Weight.Value;
        return norm.Bias is null ? y : y + norm.Bias.Value;
    }
}
