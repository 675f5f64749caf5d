using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd.Kernels;

/// <summary>
/// Causal self-attention by hand, forward and backward, one (batch, head) pair and one query position t at a time,
/// the way llm.c's <c>attention_forward</c> and <c>attention_backward</c> read. The rules are derived on
/// <see cref="Var{T}.CausalSelfAttention"/>; <see cref="AttentionFast"/> computes the same numbers (tested), faster.
/// Dimensions: B batch, H heads, T positions (nT in code: T names the number type), hs head size; t a query, s a key.
/// <code>
/// q, k, v, y, dy, dq, dk, dv (B, H, T, hs), contiguous      att (B, H, T, T)      mask (B, H, T, T) or none
/// </code>
/// mask is attention dropout's, m/(1 − p): 0 for a dropped weight, 1/(1 − p) for a kept one.
/// </summary>
public static class AttentionReference
{
    /// <summary>y = (att ⊙ mask) · v with att = softmax over s ≤ t of q·kᵀ/√hs; also att, for the backward.</summary>
    public static (Tensor<T> Y, Tensor<T> Att) Forward<T>(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T>? mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int BH = q.Size(0) * q.Size(1), nT = q.Size(2), hs = q.Size(3);
        ReadOnlySpan<T> qs = q.AsSpan(), ks = k.AsSpan(), vs = v.AsSpan(), ms = mask is null ? default : mask.AsSpan();
        var (y, att) = (Tensor<T>.Zeros(q.Shape), Tensor<T>.Zeros(q.Size(0), q.Size(1), nT, nT));
        Span<T> ys = y.AsSpan(), a = att.AsSpan();
        T scale = T.One / T.Sqrt(T.CreateChecked(hs));
        for (int bh = 0; bh < BH; bh++)
        {
            for (int t = 0; t < nT; t++)
            {
                int qt = (bh * nT + t) * hs, row = (bh * nT + t) * nT; // q[t] and y[t] start at qt, att[t, ·] at row
                T max = T.NegativeInfinity;
                for (int s = 0; s <= t; s++)                          // keys after t stay at att = 0 (pre = −∞)
                {
                    T dot = T.Zero;
                    for (int i = 0; i < hs; i++) dot += qs[qt + i] * ks[(bh * nT + s) * hs + i];
                    a[row + s] = dot * scale;                         // pre[t, s] = q[t] · k[s] / √hs
                    max = T.Max(max, a[row + s]);
                }
                T sum = T.Zero;
                for (int s = 0; s <= t; s++)
                {
                    a[row + s] = T.Exp(a[row + s] - max);             // the row's max subtracted: every exp ≤ 1
                    sum += a[row + s];
                }
                for (int s = 0; s <= t; s++) a[row + s] /= sum;       // att[t, s] = exp(pre[t, s]) / Σ_{r ≤ t} exp(pre[t, r])
                for (int s = 0; s <= t; s++)
                {
                    T weight = mask is null ? a[row + s] : a[row + s] * ms[row + s]; // dropout on the weights
                    for (int i = 0; i < hs; i++) ys[qt + i] += weight * vs[(bh * nT + s) * hs + i]; // y[t] = Σₛ weight · v[s]
                }
            }
        }
        return (y, att);
    }

    /// <summary>dq, dk and dv from dy, with the att the forward kept and the same mask.</summary>
    public static (Tensor<T> Dq, Tensor<T> Dk, Tensor<T> Dv) Backward<T>(Tensor<T> dy, Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> att, Tensor<T>? mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int BH = q.Size(0) * q.Size(1), nT = q.Size(2), hs = q.Size(3);
        ReadOnlySpan<T> dys = dy.AsSpan(), qs = q.AsSpan(), ks = k.AsSpan(), vs = v.AsSpan(), a = att.AsSpan(), ms = mask is null ? default : mask.AsSpan();
        var (dq, dk, dv) = (Tensor<T>.Zeros(q.Shape), Tensor<T>.Zeros(q.Shape), Tensor<T>.Zeros(q.Shape));
        Span<T> dqs = dq.AsSpan(), dks = dk.AsSpan(), dvs = dv.AsSpan();
        T scale = T.One / T.Sqrt(T.CreateChecked(hs));
        var datt = new T[nT];                                         // ∂L/∂att[t, s] for the current t
        for (int bh = 0; bh < BH; bh++)
        {
            for (int t = 0; t < nT; t++)
            {
                int qt = (bh * nT + t) * hs, row = (bh * nT + t) * nT;
                T dot = T.Zero;                                       // Σₛ datt[t, s] · att[t, s]
                for (int s = 0; s <= t; s++)
                {
                    int vsRow = (bh * nT + s) * hs;
                    T weight = mask is null ? a[row + s] : a[row + s] * ms[row + s], dweight = T.Zero;
                    for (int i = 0; i < hs; i++)
                    {
                        dweight += dys[qt + i] * vs[vsRow + i];       // forward: y[t] = Σₛ weight · v[s], so dweight = dy[t] · v[s]
                        dvs[vsRow + i] += weight * dys[qt + i];       //   and dv[s] = Σₜ weight · dy[t]
                    }
                    datt[s] = mask is null ? dweight : dweight * ms[row + s]; // forward: weight = att · mask
                    dot += datt[s] * a[row + s];
                }
                for (int s = 0; s <= t; s++)
                {
                    T dpre = a[row + s] * (datt[s] - dot);            // forward: att = softmax(pre) over s ≤ t
                    for (int i = 0; i < hs; i++)
                    {
                        dqs[qt + i] += dpre * scale * ks[(bh * nT + s) * hs + i]; // forward: pre = q[t] · k[s] / √hs
                        dks[(bh * nT + s) * hs + i] += dpre * scale * qs[qt + i];
                    }
                }
            }
        }
        return (dq, dk, dv);
    }
}
