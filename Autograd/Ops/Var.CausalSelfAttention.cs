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
        if (!(dropout >= 0 && dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), $"causal_self_attention: dropout p must be in [0, 1), got p = {dropout} (q {Shapes.Format(q.Shape)})");
        }
        if (dropout > 0 && rng is null)
        {
            throw new ArgumentNullException(nameof(rng), $"causal_self_attention: dropout p = {dropout} needs a generator (rng) to draw its mask");
        }
    }
}
