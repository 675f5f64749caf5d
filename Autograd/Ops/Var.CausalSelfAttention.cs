using Scratch.Autograd.Kernels;
using Scratch.Tensors;

namespace Scratch.Autograd;

// Causal self-attention for already-split heads: scores, causal mask, softmax, attention dropout and the
// weighted sum of values in one op, with the backward derived by hand. Three versions compute it, each tested
// equal to the next: Composite.CausalSelfAttention (Composites/), made of primitive ops, whose gradient comes for
// free; AttentionReference (Kernels/), the backward derived by hand in plain loops; and AttentionFast (Kernels/),
// the same numbers with batched matrix products and SIMD rows on all cores, which this op runs.
//
// Dimensions: B batch, H heads, T positions (queries and keys; nT in code, where T is the number type),
// hs head size.
//   q, k, v (B, H, T, hs)      pre, att, mask (B, H, T, T)      y (B, H, T, hs)
public sealed partial class Var<T>
{
    /// <summary>
    /// Scaled dot-product attention with a causal mask and attention dropout, as nanoGPT's attention (and
    /// <c>F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)</c>):
    /// <code>
    /// pre = q · kᵀ / √hs                           (B, H, T, T): how much query t attends to key s
    /// pre[t, s] = −∞ where s &gt; t                 a position may not look at later positions
    /// att = softmax(pre) along s                    each row sums to 1; exp(−∞) = 0 at masked entries
    /// y = (att ⊙ m / (1 − p)) · v                   (B, H, T, hs); m ~ Bernoulli(1 − p), no m when p = 0
    /// </code>
    /// Backward, from the last line up (matrix products per batch and head), with w = att ⊙ m / (1 − p):
    /// <code>
    /// ∂L/∂v = wᵀ · dy          datt = (dy · vᵀ) ⊙ m / (1 − p)
    /// dpre = att ⊙ (datt − Σₛ(datt ⊙ att))     (the softmax backward, row by row; 0 at masked entries, where att = 0)
    /// ∂L/∂q = dpre · k / √hs     ∂L/∂k = dpreᵀ · q / √hs
    /// </code>
    /// The softmax backward follows from ∂attₛ/∂preᵣ = attₛ·([s = r] − attᵣ). The forward keeps att (B·H·T·T
    /// numbers), the mask and, with dropout, w (as PyTorch keeps the dropped weights); transposes are views, read by
    /// the matrix product without copying. The mask is drawn as <see cref="Dropout"/> draws it, one uniform number per
    /// element of att in row-major order, so <c>att.Dropout(p, rng)</c> in the composite gives the same mask from the
    /// same generator.
    /// </summary>
    /// <param name="q">Queries, (B, H, T, hs).</param>
    /// <param name="k">Keys, (B, H, T, hs).</param>
    /// <param name="v">Values, (B, H, T, hs).</param>
    /// <param name="dropout">p, the probability of dropping an attention weight, in [0, 1); 0 (evaluation) draws nothing.</param>
    /// <param name="rng">The generator the dropout mask is drawn from; needed when <paramref name="dropout"/> &gt; 0.</param>
    /// <returns>y, (B, H, T, hs).</returns>
    public static Var<T> CausalSelfAttention(Var<T> q, Var<T> k, Var<T> v, double dropout = 0, Rng? rng = null)
    {
        CheckAttention(q, k, v, dropout, rng);
        int[] attShape = [.. q.Shape[..3], q.Shape[2]]; // (B, H, T, T)
        var mask = dropout > 0 ? DropoutMask(attShape, dropout, rng!) : null; // m / (1 − p), (B, H, T, T)
        var (y, att, weights) = AttentionFast.Forward(q.Value, k.Value, v.Value, mask); // (B, H, T, hs), (B, H, T, T), att ⊙ mask

        return Record("causal_self_attention", y, [q, k, v], dout =>
        {
            var (dq, dk, dv) = AttentionFast.Backward(dout, q.Value, k.Value, v.Value, att, weights, mask); // each (B, H, T, hs)
            q.AccumulateGrad(dq);
            k.AccumulateGrad(dk);
            v.AccumulateGrad(dv);
        });
    }

    /// <summary>
    /// The same attention on q, k and v side by side in one (B, T, 3C) tensor, as a GPT's c_attn layer makes them, split
    /// into <paramref name="nHead"/> heads of hs = C / nHead numbers; y comes back with the heads side by side:
    /// <code>
    /// q, k, v = qkv[:, :, 0:C], qkv[:, :, C:2C], qkv[:, :, 2C:3C], each seen as (B, H, T, hs)
    /// y = CausalSelfAttention(q, k, v) with its heads joined, (B, T, C)
    /// ∂L/∂qkv = [∂L/∂q | ∂L/∂k | ∂L/∂v], each by the rule above, its heads joined into C columns
    /// </code>
    /// Equal to splitting qkv with slices, reshapes and transposes, calling the op above and joining y's heads (tested),
    /// with no node for those views: the backward writes ∂L/∂q, ∂L/∂k and ∂L/∂v into their columns of one (B, T, 3C)
    /// gradient, which the split's slices would instead have added into a tensor of zeros, one at a time.
    /// </summary>
    /// <param name="qkv">Queries, keys and values, (B, T, 3C): columns [0, C), [C, 2C) and [2C, 3C).</param>
    /// <param name="nHead">H, the number of heads; it must divide C.</param>
    /// <param name="dropout">p, the probability of dropping an attention weight, in [0, 1); 0 (evaluation) draws nothing.</param>
    /// <param name="rng">The generator the dropout mask is drawn from; needed when <paramref name="dropout"/> &gt; 0.</param>
    /// <returns>y, (B, T, C).</returns>
    public static Var<T> CausalSelfAttentionQkv(Var<T> qkv, int nHead, double dropout = 0, Rng? rng = null)
    {
        ArgumentNullException.ThrowIfNull(qkv);
        if (qkv.Value.Rank != 3 || nHead < 1 || qkv.Shape[2] % (3 * nHead) != 0 || qkv.Shape[2] == 0)
        {
            throw new ArgumentException($"causal_self_attention: qkv must be (B, T, 3C) with C a positive multiple of nHead = {nHead}, got {Shapes.Format(qkv.Shape)}");
        }
        CheckDropout(dropout, rng, qkv.Shape);
        int B = qkv.Shape[0], nT = qkv.Shape[1], C = qkv.Shape[2] / 3, hs = C / nHead;
        Tensor<T> Heads(Tensor<T> x, int part) => x.Narrow(2, part * C, C).Reshape(B, nT, nHead, hs).Transpose(1, 2); // (B, H, T, hs), a view
        var (q, k, v) = (Heads(qkv.Value, 0), Heads(qkv.Value, 1), Heads(qkv.Value, 2));
        var mask = dropout > 0 ? DropoutMask([B, nHead, nT, nT], dropout, rng!) : null; // m / (1 − p), (B, H, T, T)
        var (y, att, weights) = AttentionFast.Forward(q, k, v, mask); // y (B, H, T, hs) in the (B, T, H, hs) order
        var joined = y.Transpose(1, 2).Reshape(B, nT, C); // (B, T, C), a view

        return Record("causal_self_attention", joined, [qkv], dout =>
        {
            var dqkv = Tensor<T>.Empty(B, nT, 3 * C); // every number is written by one of the three products
            var dy = dout.Reshape(B, nT, nHead, hs).Transpose(1, 2); // (B, H, T, hs)
            AttentionFast.Backward(dy, q, k, v, att, weights, mask, (Heads(dqkv, 0), Heads(dqkv, 1), Heads(dqkv, 2)));
            qkv.AccumulateGrad(dqkv);
        });
    }

    /// <summary>q, k and v must share one shape (B, H, T, hs) with hs ≥ 1; p in [0, 1) with a generator when p &gt; 0.</summary>
    private static void CheckAttention(Var<T> q, Var<T> k, Var<T> v, double dropout, Rng? rng)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        if (q.Value.Rank != 4 || !Shapes.Equal(q.Shape, k.Shape) || !Shapes.Equal(q.Shape, v.Shape))
        {
            throw new ArgumentException($"causal_self_attention: q, k and v must share one shape (B, H, T, hs), got q {Shapes.Format(q.Shape)}, k {Shapes.Format(k.Shape)}, v {Shapes.Format(v.Shape)}");
        }
        if (q.Value.Size(3) == 0)
        {
            throw new ArgumentException($"causal_self_attention: head size hs must be ≥ 1, got q {Shapes.Format(q.Shape)}");
        }
        CheckDropout(dropout, rng, q.Shape);
    }

    /// <summary>p in [0, 1), with a generator when p &gt; 0; <paramref name="shape"/> (q's or qkv's) names the call in the message.</summary>
    private static void CheckDropout(double dropout, Rng? rng, ReadOnlySpan<int> shape)
    {
        if (!(dropout >= 0 && dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), $"causal_self_attention: dropout p must be in [0, 1), got p = {dropout} (input {Shapes.Format(shape)})");
        }
        if (dropout > 0 && rng is null)
        {
            throw new ArgumentNullException(nameof(rng), $"causal_self_attention: dropout p = {dropout} needs a generator (rng) to draw its mask");
        }
    }
}
