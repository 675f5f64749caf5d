using System.Numerics;
using System.Runtime.InteropServices;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Autograd;

// Causal self-attention for already-split heads: scores, causal mask, softmax and the weighted sum of
// values in one op, with the backward derived by hand.
//
// Dimensions: B batch, H heads, T positions (queries and keys; nT in code, where T is the number type),
// hs head size.
//   q, k, v (B, H, T, hs)      pre, att (B, H, T, T)      y (B, H, T, hs)
// Row t of q is q_t (hs numbers), likewise k_s, v_s, y_t; att[t, s] is how much query t takes from value s.
public sealed partial class Var<T>
{
    /// <summary>
    /// Scaled dot-product attention with a causal mask (<c>F.scaled_dot_product_attention(q, k, v, is_causal=True)</c>):
    /// <code>
    /// pre = q · kᵀ / √hs                           (B, H, T, T): how much query t attends to key s
    /// pre[t, s] = −∞ where s &gt; t                 a position may not look at later positions
    /// att = softmax(pre) along s                    each row sums to 1; exp(−∞) = 0 at masked entries
    /// y = att · v                                   (B, H, T, hs)
    /// </code>
    /// Backward, from the last line up (matrix products per batch and head):
    /// <code>
    /// ∂L/∂v = attᵀ · dy          datt = dy · vᵀ
    /// dpre = att ⊙ (datt − Σₛ(datt ⊙ att))     (the softmax backward, row by row; 0 at masked entries, where att = 0)
    /// ∂L/∂q = dpre · k / √hs     ∂L/∂k = dpreᵀ · q / √hs
    /// </code>
    /// The softmax backward follows from ∂attₛ/∂preᵣ = attₛ·([s = r] − attᵣ). The forward keeps att
    /// (B·H·T·T numbers).
    /// <para>
    /// Every product here is small (T × hs per head) and lower-triangular: row t of att is 0 after s = t.
    /// So instead of general matrix products the kernels below go head by head, query by query, over keys
    /// s ≤ t only, with each sum written as a dot product or a scaled row addition of hs contiguous
    /// numbers (SIMD over hs). Each head is computed by one thread in a fixed order, so the results do
    /// not depend on the number of threads.
    /// </para>
    /// </summary>
    /// <param name="q">Queries, (B, H, T, hs).</param>
    /// <param name="k">Keys, (B, H, T, hs).</param>
    /// <param name="v">Values, (B, H, T, hs).</param>
    /// <returns>y, (B, H, T, hs).</returns>
    public static Var<T> CausalSelfAttention(Var<T> q, Var<T> k, Var<T> v)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        if (q.Value.Rank != 4 || !Shapes.Equal(q.Shape, k.Shape) || !Shapes.Equal(q.Shape, v.Shape))
        {
            throw new ArgumentException($"causal_self_attention: q, k and v must share one shape (B, H, T, hs), got q {Shapes.Format(q.Shape)}, k {Shapes.Format(k.Shape)}, v {Shapes.Format(v.Shape)}");
        }
        int B = q.Value.Size(0), H = q.Value.Size(1), nT = q.Value.Size(2), hs = q.Value.Size(3);
        if (hs == 0)
        {
            throw new ArgumentException($"causal_self_attention: head size hs must be ≥ 1, got q {Shapes.Format(q.Shape)}");
        }
        T scale = T.One / T.Sqrt(T.CreateChecked(hs)); // 1/√hs

        // Each head of q, k, v is read where it is, T rows of hs numbers a fixed stride apart (for nanoGPT's heads,
        // split from one (B, T, 3C) tensor, the stride is 3C); att, y and the gradients are new, row-major tensors.
        Tensor<T> qx = RowsContiguous(q.Value), kx = RowsContiguous(k.Value), vx = RowsContiguous(v.Value);
        var att = Tensor<T>.Zeros(B, H, nT, nT); // masked entries (s > t) stay 0 = exp(−∞)
        var y = Tensor<T>.Zeros(B, H, nT, hs);
        ForHeads(B * H, nT, hs, bh =>
        {
            Rows qh = Head(qx, bh), kh = Head(kx, bh), vh = Head(vx, bh), atth = Head(att, bh), yh = Head(y, bh);
            for (int t = 0; t < nT; t++)
            {
                Span<T> att_t = atth[t][..(t + 1)]; // att[t, 0..t]: the keys query t may attend to
                for (int s = 0; s <= t; s++)
                {
                    att_t[s] = Dot(qh[t], kh[s]) * scale; // pre[t, s] = q_t · k_s / √hs
                }
                SoftmaxInPlace(att_t); // att[t, s] = softmax over s ≤ t of pre[t, s]
                WeightedSum(yh[t], att_t, vh); // y_t = Σ_{s≤t} att[t, s] v_s
            }
        });

        return Record("causal_self_attention", y, [q, k, v], dout =>
        {
            var dy = RowsContiguous(dout);
            var dq = Tensor<T>.Zeros(B, H, nT, hs);
            var dk = Tensor<T>.Zeros(B, H, nT, hs);
            var dv = Tensor<T>.Zeros(B, H, nT, hs);
            ForHeads(B * H, nT, hs, bh =>
            {
                Rows qh = Head(qx, bh), kh = Head(kx, bh), vh = Head(vx, bh), atth = Head(att, bh), dyh = Head(dy, bh);
                Rows dqh = Head(dq, bh), dkh = Head(dk, bh), dvh = Head(dv, bh);
                Span<T> dpre = new T[nT]; // one row of dpre at a time
                for (int t = 0; t < nT; t++)
                {
                    ReadOnlySpan<T> att_t = atth[t][..(t + 1)], dy_t = dyh[t];
                    Span<T> dpre_t = dpre[..(t + 1)];
                    // forward: y_t = Σ_{s≤t} att[t, s] v_s, so dv_s += att[t, s] dy_t and datt[t, s] = dy_t · v_s
                    for (int s = 0; s <= t; s++)
                    {
                        AddScaled(dvh[s], att_t[s], dy_t);
                        dpre_t[s] = Dot(dy_t, vh[s]); // datt[t, s], turned into dpre below
                    }
                    // forward: att_t = softmax(pre_t), so dpre_t = att_t ⊙ (datt_t − Σₛ datt_t ⊙ att_t);
                    // masked entries (s > t) have att = 0 and get no gradient
                    T dot = Dot(dpre_t, att_t);
                    for (int s = 0; s <= t; s++)
                    {
                        dpre_t[s] = att_t[s] * (dpre_t[s] - dot) * scale; // dpre[t, s] / √hs
                    }
                    // forward: pre[t, s] = q_t · k_s / √hs, so dq_t = Σ_{s≤t} dpre[t, s] k_s / √hs and dk_s += dpre[t, s] q_t / √hs
                    WeightedSum(dqh[t], dpre_t, kh);
                    for (int s = 0; s <= t; s++)
                    {
                        AddScaled(dkh[s], dpre_t[s], qh[t]);
                    }
                }
            });
            q.AccumulateOwnedGrad(dq);
            k.AccumulateOwnedGrad(dk);
            v.AccumulateOwnedGrad(dv);
        });
    }
}
