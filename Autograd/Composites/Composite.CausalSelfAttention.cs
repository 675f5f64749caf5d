using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd.Composites;

// Dimensions: B batch, H heads, T positions (nT in code), hs head size.
public static partial class Composite
{
    /// <summary>
    /// Causal self-attention with attention dropout (<see cref="Var{T}.CausalSelfAttention"/>), from primitive ops,
    /// line for line nanoGPT's manual attention:
    /// <code>
    /// att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    /// att = att.masked_fill(self.bias[:,:,:T,:T] == 0, float('-inf'))
    /// att = F.softmax(att, dim=-1)
    /// att = self.attn_dropout(att)
    /// y = att @ v
    /// </code>
    /// </summary>
    /// <param name="q">Queries, (B, H, T, hs).</param>
    /// <param name="k">Keys, (B, H, T, hs).</param>
    /// <param name="v">Values, (B, H, T, hs).</param>
    /// <param name="dropout">p of the attention dropout, in [0, 1).</param>
    /// <param name="rng">The generator of the dropout mask; needed when <paramref name="dropout"/> &gt; 0.</param>
    /// <returns>y, (B, H, T, hs).</returns>
    public static Var<T> CausalSelfAttention<T>(Var<T> q, Var<T> k, Var<T> v, double dropout = 0, Rng? rng = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        int nT = q.Shape[^2], hs = q.Shape[^1];
        var later = Tensor<T>.Arange(nT).Unsqueeze(0).Gt(Tensor<T>.Arange(nT).Unsqueeze(1)); // (T, T): 1 where key s > query t
        var pre = q.MatMul(k.Transpose(-2, -1)) * (T.One / T.Sqrt(T.CreateChecked(hs))); // (B, H, T, T)
        var att = pre.MaskedFill(later, T.NegativeInfinity).Softmax(-1); // (B, H, T, T)
        if (dropout > 0)
        {
            att = att.Dropout(dropout, rng ?? throw new ArgumentNullException(nameof(rng), "causal_self_attention: dropout needs a generator (rng)"));
        }
        return att.MatMul(v); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
    }
}
