using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Modules;

/// <summary>
/// One attention layer's KV cache: the keys and values of the P tokens it has already seen, so that the
/// next n tokens attend to them without running them again. Dimensions: H heads, hs head size, C = H·hs,
/// P cached positions, n new ones, L = P + n ≤ capacity (the model's block_size).
/// <code>
/// K[P..L) = k,  V[P..L) = v                        append the new tokens' keys and values, (n, C) each
/// att = softmax(q·K[0..L)ᵀ/√hs, −∞ where key &gt; query)   per head, (H, n, L): query i sits at position P + i
/// y = att·V[0..L)                                  (H, n, hs)
/// </code>
/// With P = 0 and n = T this is exactly <see cref="Var{T}.CausalSelfAttention"/>. The cache is for inference:
/// its keys and values carry no gradient, so <see cref="Attend"/> refuses to run while a graph is being
/// recorded for inputs that need one (wrap the call in <see cref="GradMode.NoGrad"/>). It holds one sequence (B = 1).
/// </summary>
public sealed class AttentionCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T> keys;   // (rows, C), rows [0, Length) filled; rows grows by doubling up to Capacity
    private Tensor<T> values; // (rows, C)

    /// <summary>An empty cache for up to <paramref name="capacity"/> positions of width <paramref name="nEmbd"/> in <paramref name="nHead"/> heads.</summary>
    public AttentionCache(int capacity, int nEmbd, int nHead)
    {
        if (capacity <= 0 || nHead <= 0 || nEmbd <= 0 || nEmbd % nHead != 0)
        {
            throw new ArgumentException($"attention_cache: needs a positive capacity and n_embd divisible by n_head, got capacity {capacity}, n_embd {nEmbd}, n_head {nHead}");
        }
        Capacity = capacity;
        NHead = nHead;
        // Stryker disable once Linq : how many rows the cache starts with changes only memory: it grows as tokens arrive (AttentionCacheTests)
        int rows = Math.Min(capacity, 64); // grown as tokens arrive: a short sample never holds block_size rows
        keys = Tensor<T>.Zeros(rows, nEmbd);
        values = Tensor<T>.Zeros(rows, nEmbd);
    }

    /// <summary>The most positions the cache holds (block_size).</summary>
    public int Capacity { get; }

    /// <summary>H.</summary>
    public int NHead { get; }

    /// <summary>P: how many positions are cached; the next token sits at position P.</summary>
    public int Length { get; private set; }

    /// <summary>When true, <see cref="Attend"/> keeps its attention weights in <see cref="LastWeights"/>.</summary>
    public bool KeepWeights { get; set; }

    /// <summary>The attention weights (H, n, P + n) of the last <see cref="Attend"/>, if <see cref="KeepWeights"/> was set.</summary>
    public Tensor<T>? LastWeights { get; private set; }

    /// <summary>Forgets every cached position.</summary>
    public void Clear()
    {
        Length = 0;
        LastWeights = null;
    }

    /// <summary>
    /// Appends the new tokens' keys and values and returns their attention output: q, k, v are (1, H, n, hs) for
    /// the n tokens at positions P … P+n−1; the result y is (1, H, n, hs).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit the cache, or P + n &gt; capacity.</exception>
    /// <exception cref="InvalidOperationException">Called while gradients are being recorded for its inputs.</exception>
    public Var<T> Attend(Var<T> q, Var<T> k, Var<T> v)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        int C = keys.Size(1), H = NHead, hs = C / H;
        if (q.Value.Rank != 4 || !Shapes.Equal(q.Shape, k.Shape) || !Shapes.Equal(q.Shape, v.Shape) || q.Shape[0] != 1 || q.Shape[1] != H || q.Shape[3] != hs)
        {
            throw new ArgumentException($"attention_cache: q, k and v must share one shape (1, {H}, n, {hs}), got q {Shapes.Format(q.Shape)}, k {Shapes.Format(k.Shape)}, v {Shapes.Format(v.Shape)}");
        }
        if (GradMode.IsEnabled && (q.RequiresGrad || k.RequiresGrad || v.RequiresGrad))
        {
            throw new InvalidOperationException("attention_cache: the KV cache is for inference and carries no gradient; run the forward inside GradMode.NoGrad()");
        }
        int P = Length, n = q.Shape[2], L = P + n;
        if (L > Capacity)
        {
            throw new ArgumentException($"attention_cache: cannot append {n} positions to {P} cached; the cache holds {Capacity} (block_size)");
        }
        // Stryker disable once Equality : growing also when L equals the rows held changes only memory (L < rows, which would never grow, is killed by AttentionCacheTests)
        if (L > keys.Size(0))
        {
            (keys, values) = (Grow(keys, L), Grow(values, L));
        }
        keys.Slice(0, P, L).CopyFrom(k.Value.Reshape(H, n, hs).Transpose(0, 1).Reshape(n, C)); // K[P..L) = k, (n, C)
        values.Slice(0, P, L).CopyFrom(v.Value.Reshape(H, n, hs).Transpose(0, 1).Reshape(n, C)); // V[P..L) = v
        Length = L;

        var K = keys.Slice(0, 0, L).Reshape(L, H, hs).Transpose(0, 1); // (H, L, hs), a view
        var V = values.Slice(0, 0, L).Reshape(L, H, hs).Transpose(0, 1); // (H, L, hs), a view
        var att = Tensor<T>.MatMul(q.Value.Reshape(H, n, hs), K.Transpose(1, 2)); // (H, n, hs)·(H, hs, L) → (H, n, L)
        ScaleAndMaskFuture(att, P, T.One / T.Sqrt(T.CreateChecked(hs))); // pre = q·kᵀ/√hs, −∞ in the future
        att = att.Softmax(2); // each row sums to 1 over the keys it may see
        LastWeights = KeepWeights ? att : null;
        var y = Tensor<T>.MatMul(att, V); // (H, n, L)·(H, L, hs) → (H, n, hs)
        return new Var<T>(y.Reshape(1, H, n, hs)); // no history: inference only
    }

    /// <summary>A copy of <paramref name="rows"/>' first <see cref="Length"/> rows in a tensor of at least <paramref name="needed"/> rows: twice as many, up to the capacity.</summary>
    private Tensor<T> Grow(Tensor<T> rows, int needed)
    {
        // Stryker disable once Linq,Arithmetic : how much more than needed the cache grows changes only memory (too little, min instead of max, is killed by AttentionCacheTests)
        var grown = Tensor<T>.Zeros(Math.Min(Capacity, Math.Max(needed, 2 * rows.Size(0))), rows.Size(1));
        grown.Slice(0, 0, Length).CopyFrom(rows.Slice(0, 0, Length));
        return grown;
    }

    /// <summary>att[h, i, j] ← att[h, i, j]·scale for keys j ≤ P + i (query i sits at position P + i), −∞ for later keys.</summary>
    private static void ScaleAndMaskFuture(Tensor<T> att, int P, T scale)
    {
        int H = att.Size(0), n = att.Size(1), L = att.Size(2);
        Span<T> a = att.AsSpan(); // contiguous: the matrix product's fresh result
        for (int h = 0; h < H; h++)
        {
            for (int i = 0; i < n; i++)
            {
                Span<T> row = a.Slice((h * n + i) * L, L);
                foreach (ref T x in row[..(P + i + 1)])
                {
                    x *= scale;
                }
                row[(P + i + 1)..].Fill(T.NegativeInfinity);
            }
        }
    }
}
