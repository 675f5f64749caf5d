using System.Numerics;
using System.Runtime.CompilerServices;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Autograd.Kernels;

/// <summary>
/// Causal self-attention, fast: the numbers of <see cref="AttentionReference"/> (tested equal), with the four
/// products as batched matrix products (the packed GEMM, reading q, k and v through their strides, so the heads
/// split from nanoGPT's (B, T, 3C) need no copy, and writing y, dq, dk and dv in the (B, T, H, hs) order, so that
/// joining the heads back needs none either; the products with the weights or their gradient as A skip the zeros
/// of its causal triangle, about half the terms at T = 256) and the softmax rows and their backward a <see cref="Vector{T}"/>
/// at a time on all cores. Same shapes: q, k, v, y (B, H, T, hs) in any layout, att and mask (B, H, T, T).
/// </summary>
public static class AttentionFast
{
    /// <summary>
    /// y = (att ⊙ mask) · v with att = softmax over s ≤ t of q·kᵀ/√hs; also att and the weights att ⊙ mask (att itself
    /// without a mask), which the backward needs: the mask is applied in the same pass over each row as the softmax.
    /// </summary>
    public static (Tensor<T> Y, Tensor<T> Att, Tensor<T> Weights) Forward<T>(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T>? mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nT = q.Size(2), hs = q.Size(3);
        T scale = T.One / T.Sqrt(T.CreateChecked(hs)); // 1/√hs
        // q·kᵀ, turned into att row by row in place: scale, causal mask, softmax; then weights = att ⊙ mask (dropout)
        var att = Tensor<T>.MatMul(q, k.Transpose(2, 3)); // (B, H, T, hs) · (B, H, hs, T) → (B, H, T, T)
        var mc = mask?.Contiguous();
        var weights = mc is null ? att : Tensor<T>.Empty(att.Shape); // every element is written below
        T[] a = att.Storage, w = weights.Storage;
        T[]? m = mc?.Storage;
        int mOffset = mc?.Offset ?? 0;
        Chunked.For(att.Count / nT, nT, (first, count) =>
        {
            ReadOnlySpan<T> mrows = m is null ? default : m.AsSpan(mOffset + first * nT, count * nT);
            CausalSoftmaxRows(a.AsSpan(first * nT, count * nT), mrows, w.AsSpan(first * nT, count * nT), first, nT, scale);
        });
        // weights are 0 above the diagonal (key s > query t): the product sums s ≤ t only (ATriangle.Lower)
        return (Tensor<T>.MatMul(weights, v, InTokenLayout(q), ATriangle.Lower), att, weights); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
    }

    /// <summary>
    /// A new tensor of q's shape (B, H, T, hs) whose numbers lie in the order (B, T, H, hs): the heads' outputs and
    /// the gradients of q, k and v are written there, so that the model's way back from heads to (B, T, C) (transpose,
    /// then reshape) is a view rather than a copy, forward and backward.
    /// </summary>
    private static Tensor<T> InTokenLayout<T>(Tensor<T> q) where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor<T>.Empty(q.Size(0), q.Size(2), q.Size(1), q.Size(3)).Transpose(1, 2); // (B, T, H, hs) seen as (B, H, T, hs)

    /// <summary>
    /// dq, dk and dv from dy, with the att and the weights (att ⊙ mask) the forward kept, and the same mask; written
    /// <paramref name="into"/> three tensors of q's shape when given (views of one (B, T, 3C) gradient, say), else into
    /// new ones in the (B, T, H, hs) order.
    /// </summary>
    public static (Tensor<T> Dq, Tensor<T> Dk, Tensor<T> Dv) Backward<T>(Tensor<T> dy, Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> att, Tensor<T> weights,
        Tensor<T>? mask, (Tensor<T> Dq, Tensor<T> Dk, Tensor<T> Dv)? into = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (intoQ, intoK, intoV) = into ?? (InTokenLayout(q), InTokenLayout(q), InTokenLayout(q));
        int nT = q.Size(2), hs = q.Size(3);
        T scale = T.One / T.Sqrt(T.CreateChecked(hs));
        // forward: y = weights · v, weights = att ⊙ mask
        // weightsᵀ is 0 below the diagonal, and datt (dpre, below) above it, as weights: each product skips those terms
        var dv = Tensor<T>.MatMul(weights.Transpose(2, 3), dy, intoV, ATriangle.Upper); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
        var datt = Tensor<T>.MatMul(dy, v.Transpose(2, 3)); // (B, H, T, hs) · (B, H, hs, T) → (B, H, T, T)

        // forward: att = softmax(pre) per row, so dpre = att ⊙ (datt − Σₛ datt ⊙ att), with datt ⊙ mask first;
        // and pre = q·kᵀ / √hs, so the scores q·kᵀ receive dpre / √hs. Written over datt in place.
        var (ac, mc) = (att.Contiguous(), mask?.Contiguous());
        T[] a = ac.Storage, da = datt.Storage;
        T[]? m = mc?.Storage;
        int aOffset = ac.Offset, mOffset = mc?.Offset ?? 0;
        Chunked.For(ac.Count / nT, nT, (first, count) =>
        {
            ReadOnlySpan<T> mrows = m is null ? default : m.AsSpan(mOffset + first * nT, count * nT);
            CausalSoftmaxBackwardRows(a.AsSpan(aOffset + first * nT, count * nT), da.AsSpan(first * nT, count * nT), mrows, first, nT, scale);
        });
        var dq = Tensor<T>.MatMul(datt, k, intoQ, ATriangle.Lower); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
        var dk = Tensor<T>.MatMul(datt.Transpose(2, 3), q, intoK, ATriangle.Upper); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
        return (dq, dk, dv);
    }

    /// <summary>
    /// Scale, causal mask and softmax of score rows in place: row r (query position t = r mod T) becomes softmax
    /// over s of (pre[t, s] = score·scale for s ≤ t, −∞ for s &gt; t). <paramref name="firstRow"/> is the number of
    /// the first row in <paramref name="a"/>. The masked tail is 0 after the softmax (exp(−∞) = 0), written directly.
    /// With a dropout <paramref name="mask"/> (not empty), each row of att ⊙ mask goes into <paramref name="weights"/>
    /// while the row is still in the cache.
    /// </summary>
    private static void CausalSoftmaxRows<T>(Span<T> a, ReadOnlySpan<T> mask, Span<T> weights, int firstRow, int nT, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < a.Length / nT; r++)
        {
            int t = (firstRow + r) % nT; // the query position of this row
            Span<T> row = a.Slice(r * nT, nT);
            Span<T> seen = row[..(t + 1)];  // keys 0..t: the ones query t may attend to
            T m = ScaleAndMax(seen, scale); // pre = q·kᵀ / √hs, and its largest entry
            T sum = ExpMinusInPlace(seen, m); // softmax over the row, max-subtracted
            ScaleInPlace(seen, T.One / sum);
            row[(t + 1)..].Clear();          // causal mask: att = exp(−∞) = 0 for keys after t
            if (!mask.IsEmpty)
            {
                Multiply(row, mask.Slice(r * nT, nT), weights.Slice(r * nT, nT)); // attention dropout
            }
        }
    }

    /// <summary>
    /// The backward of <see cref="CausalSoftmaxRows"/>, in place over datt: for each row, datt ⊙ mask (when there is
    /// one), then dpre = att ⊙ (datt − Σₛ datt ⊙ att), times the scale; 0 at masked entries.
    /// </summary>
    private static void CausalSoftmaxBackwardRows<T>(ReadOnlySpan<T> att, Span<T> datt, ReadOnlySpan<T> mask, int firstRow, int nT, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < att.Length / nT; r++)
        {
            int t = (firstRow + r) % nT;
            ReadOnlySpan<T> arow = att.Slice(r * nT, t + 1);
            Span<T> drow = datt.Slice(r * nT, nT);
            if (!mask.IsEmpty)
            {
                Multiply(drow[..(t + 1)], mask.Slice(r * nT, t + 1), drow[..(t + 1)]); // forward: weights = att ⊙ mask
            }
            T dot = Dot(drow[..(t + 1)], arow);
            SoftmaxBackwardRow(arow, drow[..(t + 1)], dot, scale); // dpre / √hs
            drow[(t + 1)..].Clear(); // masked: pre was −∞ whatever q and k were
        }
    }

    // The row loops, a Vector<T> at a time and then one number at a time for the rest (a row of query t has t + 1
    // entries). AggressiveOptimization compiles these small hot loops fully at once instead of through the JIT's tiers.

    /// <summary>xₛ ← xₛ · scale for every s, returning maxₛ xₛ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T ScaleAndMax<T>(Span<T> x, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = 0;
        T m = T.NegativeInfinity;
        var (vscale, vmax) = (new Vector<T>(scale), new Vector<T>(T.NegativeInfinity));
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below, which computes the same
        for (; s <= x.Length - Vector<T>.Count; s += Vector<T>.Count)
        {
            var v = new Vector<T>(x[s..]) * vscale;
            v.CopyTo(x[s..]);
            vmax = Vector.Max(vmax, v);
        }
        for (int j = 0; j < Vector<T>.Count; j++) // −∞ in every lane when the row is shorter than a vector
        {
            m = T.Max(m, vmax[j]);
        }
        for (; s < x.Length; s++)
        {
            x[s] *= scale;
            m = T.Max(m, x[s]);
        }
        return m;
    }

    /// <summary>xₛ ← exp(xₛ − m) for every s, returning Σₛ xₛ (a SIMD exp for float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T ExpMinusInPlace<T>(Span<T> x, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        int s = 0;
        if (typeof(T) == typeof(float) && VectorMath.HasExp<T>())
        {
            var (vm, vsum) = (new Vector<T>(m), Vector<T>.Zero);
            for (; s <= x.Length - Vector<T>.Count; s += Vector<T>.Count)
            {
                var e = VectorMath.Exp(new Vector<T>(x[s..]) - vm);
                e.CopyTo(x[s..]);
                vsum += e;
            }
            sum = Vector.Sum(vsum);
        }
        for (; s < x.Length; s++)
        {
            x[s] = T.Exp(x[s] - m);
            sum += x[s];
        }
        return sum;
    }

    /// <summary>xₛ ← xₛ · c for every s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleInPlace<T>(Span<T> x, T c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = 0;
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below, which computes the same
        for (var vc = new Vector<T>(c); s <= x.Length - Vector<T>.Count; s += Vector<T>.Count)
        {
            (new Vector<T>(x[s..]) * vc).CopyTo(x[s..]);
        }
        for (; s < x.Length; s++)
        {
            x[s] *= c;
        }
    }

    /// <summary>zₛ ← xₛ · yₛ for every s (z may be x: each element is read before it is written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = 0;
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below, which computes the same
        for (; s <= x.Length - Vector<T>.Count; s += Vector<T>.Count)
        {
            (new Vector<T>(x[s..]) * new Vector<T>(y[s..])).CopyTo(z[s..]);
        }
        for (; s < x.Length; s++)
        {
            z[s] = x[s] * y[s];
        }
    }

    /// <summary>Σₛ xₛ · yₛ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var acc = Vector<T>.Zero;
        int s = 0;
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below: the same terms added in another order, so the sum differs only by rounding (a few ulps), like any other order of a SIMD sum; no test can hold it to one order
        for (; s <= x.Length - Vector<T>.Count; s += Vector<T>.Count)
        {
            acc += new Vector<T>(x[s..]) * new Vector<T>(y[s..]);
        }
        T sum = Vector.Sum(acc);
        for (; s < x.Length; s++)
        {
            sum += x[s] * y[s];
        }
        return sum;
    }

    /// <summary>dₛ ← attₛ · (dₛ − dot) · scale for every s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxBackwardRow<T>(ReadOnlySpan<T> att, Span<T> d, T dot, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = 0;
        var vdot = new Vector<T>(dot);
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below, which computes the same
        for (var vscale = new Vector<T>(scale); s <= d.Length - Vector<T>.Count; s += Vector<T>.Count)
        {
            (new Vector<T>(att[s..]) * (new Vector<T>(d[s..]) - vdot) * vscale).CopyTo(d[s..]);
        }
        for (; s < d.Length; s++)
        {
            d[s] = att[s] * (d[s] - dot) * scale;
        }
    }
}
