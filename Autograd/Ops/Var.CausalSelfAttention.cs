using Scratch.Tensors;

namespace Scratch.Autograd;

// Causal self-attention for already-split heads: scores, causal mask, softmax and the weighted sum of
// values in one op, with the backward derived by hand.
//
// Dimensions: B batch, H heads, T positions (queries and keys; nT in code, where T is the number type),
// hs head size.
//   q, k, v (B, H, T, hs)      pre, att (B, H, T, T)      y (B, H, T, hs)
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
    /// (B·H·T·T numbers); transposes are views, read by the matrix product without copying.
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
        int nT = q.Value.Size(2), hs = q.Value.Size(3);
        if (hs == 0)
        {
            throw new ArgumentException($"causal_self_attention: head size hs must be ≥ 1, got q {Shapes.Format(q.Shape)}");
        }
        T scale = T.One / T.Sqrt(T.CreateChecked(hs)); // 1/√hs

        // q·kᵀ, turned into att row by row in place below: scale, mask, softmax
        var att = Tensor<T>.MatMul(q.Value, k.Value.Transpose(-2, -1)); // (B, H, T, hs) · (B, H, hs, T) → (B, H, T, T)
        Span<T> a = att.AsSpan();
        int rows = att.Count / Math.Max(nT, 1); // B·H·T rows of T scores
        for (int r = 0; r < rows; r++)
        {
            int t = r % nT; // the query position of this row
            Span<T> row = a.Slice(r * nT, nT);
            for (int s = 0; s <= t; s++)
            {
                row[s] *= scale; // pre = q·kᵀ / √hs
            }
            for (int s = t + 1; s < nT; s++)
            {
                row[s] = T.NegativeInfinity; // causal mask: key s comes after query t
            }
            // softmax over the row, max-subtracted; the −∞ entries become exp(−∞) = 0
            T m = row[0];
            for (int s = 1; s <= t; s++)
            {
                m = T.Max(m, row[s]);
            }
            T sum = T.Zero;
            for (int s = 0; s < nT; s++)
            {
                row[s] = T.Exp(row[s] - m);
                sum += row[s];
            }
            for (int s = 0; s < nT; s++)
            {
                row[s] /= sum;
            }
        }
        var y = Tensor<T>.MatMul(att, v.Value); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)

        return Record("causal_self_attention", y, [q, k, v], dout =>
        {
            // forward: y = att · v
            var dv = Tensor<T>.MatMul(att.Transpose(-2, -1), dout); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
            var datt = Tensor<T>.MatMul(dout, v.Value.Transpose(-2, -1)); // (B, H, T, hs) · (B, H, hs, T) → (B, H, T, T)

            // forward: att = softmax(pre) per row, so dpre = att ⊙ (datt − Σₛ datt ⊙ att);
            // and pre = q·kᵀ / √hs, so the scores q·kᵀ receive dpre / √hs. Written over datt in place.
            Span<T> da = datt.AsSpan();
            ReadOnlySpan<T> at = att.AsSpan();
            for (int r = 0; r < rows; r++)
            {
                int t = r % nT;
                ReadOnlySpan<T> arow = at.Slice(r * nT, nT);
                Span<T> drow = da.Slice(r * nT, nT);
                T dot = T.Zero;
                for (int s = 0; s <= t; s++)
                {
                    dot += drow[s] * arow[s];
                }
                for (int s = 0; s <= t; s++)
                {
                    drow[s] = arow[s] * (drow[s] - dot) * scale; // dpre / √hs
                }
                for (int s = t + 1; s < nT; s++)
                {
                    drow[s] = T.Zero; // masked: pre was −∞ whatever q and k were
                }
            }
            var dq = Tensor<T>.MatMul(datt, k.Value); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
            var dk = Tensor<T>.MatMul(datt.Transpose(-2, -1), q.Value); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
            q.AccumulateGrad(dq);
            k.AccumulateGrad(dk);
            v.AccumulateGrad(dv);
        });
    }
}
