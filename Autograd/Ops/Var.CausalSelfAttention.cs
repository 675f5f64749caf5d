using System.Numerics;
using System.Runtime.CompilerServices;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

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
        int rows = att.Count / Math.Max(nT, 1); // B·H·T rows of T scores
        T[] a = att.Storage;
        ForRowChunks(rows, nT, (first, count) => CausalSoftmaxRows(a.AsSpan(first * nT, count * nT), first, nT, scale));
        var y = Tensor<T>.MatMul(att, v.Value); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)

        return Record("causal_self_attention", y, [q, k, v], dout =>
        {
            // forward: y = att · v
            var dv = Tensor<T>.MatMul(att.Transpose(-2, -1), dout); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
            var datt = Tensor<T>.MatMul(dout, v.Value.Transpose(-2, -1)); // (B, H, T, hs) · (B, H, hs, T) → (B, H, T, T)

            // forward: att = softmax(pre) per row, so dpre = att ⊙ (datt − Σₛ datt ⊙ att);
            // and pre = q·kᵀ / √hs, so the scores q·kᵀ receive dpre / √hs. Written over datt in place.
            T[] da = datt.Storage;
            ForRowChunks(rows, nT, (first, count) => CausalSoftmaxBackwardRows(a.AsSpan(first * nT, count * nT), da.AsSpan(first * nT, count * nT), first, nT, scale));
            var dq = Tensor<T>.MatMul(datt, k.Value); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
            var dk = Tensor<T>.MatMul(datt.Transpose(-2, -1), q.Value); // (B, H, T, T) · (B, H, T, hs) → (B, H, T, hs)
            q.AccumulateGrad(dq);
            k.AccumulateGrad(dk);
            v.AccumulateGrad(dv);
        });
    }

    /// <summary>
    /// Scale, causal mask and softmax of score rows in place: row r (query position t = r mod T) becomes
    /// softmax over s of (pre[t, s] = score·scale for s ≤ t, −∞ for s &gt; t). <paramref name="firstRow"/> is the
    /// number of the first row in <paramref name="a"/>. The masked tail is 0 after the softmax (exp(−∞) = 0),
    /// so it is written as 0 directly.
    /// </summary>
    private static void CausalSoftmaxRows(Span<T> a, int firstRow, int nT, T scale)
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
        }
    }

    // The row loops of the softmax and its backward, a Vector<T> at a time and then one number at a time for
    // the rest (a row of query t has t + 1 entries). AggressiveOptimization compiles these small hot loops
    // fully at once instead of through the JIT's tiers.

    /// <summary>xₛ ← xₛ · scale for every s, returning maxₛ xₛ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T ScaleAndMax(Span<T> x, T scale)
    {
        int s = 0;
        T m = T.NegativeInfinity;
        if (x.Length >= Vector<T>.Count)
        {
            var vscale = new Vector<T>(scale);
            var vmax = new Vector<T>(T.NegativeInfinity);
            for (; s <= x.Length - Vector<T>.Count; s += Vector<T>.Count)
            {
                var v = new Vector<T>(x[s..]) * vscale;
                v.CopyTo(x[s..]);
                vmax = Vector.Max(vmax, v);
            }
            for (int j = 0; j < Vector<T>.Count; j++)
            {
                m = T.Max(m, vmax[j]);
            }
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
    private static T ExpMinusInPlace(Span<T> x, T m)
    {
        T sum = T.Zero;
        int s = 0;
        if (typeof(T) == typeof(float) && VectorMath.HasExp<T>())
        {
            var vm = new Vector<T>(m);
            var vsum = Vector<T>.Zero;
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
    private static void ScaleInPlace(Span<T> x, T c)
    {
        int s = 0;
        for (var vc = new Vector<T>(c); s <= x.Length - Vector<T>.Count; s += Vector<T>.Count)
        {
            (new Vector<T>(x[s..]) * vc).CopyTo(x[s..]);
        }
        for (; s < x.Length; s++)
        {
            x[s] *= c;
        }
    }

    /// <summary>
    /// The softmax backward of <see cref="CausalSoftmaxRows"/>, in place over datt: for each row,
    /// dpre = att ⊙ (datt − Σₛ datt ⊙ att), times the scale; 0 at masked entries.
    /// </summary>
    private static void CausalSoftmaxBackwardRows(ReadOnlySpan<T> att, Span<T> datt, int firstRow, int nT, T scale)
    {
        for (int r = 0; r < att.Length / nT; r++)
        {
            int t = (firstRow + r) % nT;
            ReadOnlySpan<T> arow = att.Slice(r * nT, t + 1);
            Span<T> drow = datt.Slice(r * nT, nT);
            T dot = Dot(drow[..(t + 1)], arow);
            SoftmaxBackwardRow(arow, drow[..(t + 1)], dot, scale); // dpre / √hs
            drow[(t + 1)..].Clear(); // masked: pre was −∞ whatever q and k were
        }
    }

    /// <summary>Σₛ xₛ · yₛ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        var acc = Vector<T>.Zero;
        int s = 0;
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
    private static void SoftmaxBackwardRow(ReadOnlySpan<T> att, Span<T> d, T dot, T scale)
    {
        int s = 0;
        var vdot = new Vector<T>(dot);
        for (var vscale = new Vector<T>(scale); s <= d.Length - Vector<T>.Count; s += Vector<T>.Count)
        {
            (new Vector<T>(att[s..]) * (new Vector<T>(d[s..]) - vdot) * vscale).CopyTo(d[s..]);
        }
        for (; s < d.Length; s++)
        {
            d[s] = att[s] * (d[s] - dot) * scale;
        }
    }

    /// <summary>body(first, count) over chunks of [0, rows); on all cores when rows·T is large enough to pay for it.</summary>
    private static void ForRowChunks(int rows, int nT, Action<int, int> body)
    {
        int cores = Environment.ProcessorCount;
        if (rows == 0)
        {
            return;
        }
        if (cores == 1 || (long)rows * nT < 1 << 15)
        {
            body(0, rows);
            return;
        }
        int chunks = Math.Min(rows, 4 * cores), size = (rows + chunks - 1) / chunks;
        Parallel.For(0, (rows + size - 1) / size, c => body(c * size, Math.Min(size, rows - c * size)));
    }
}
