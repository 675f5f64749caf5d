using System.Numerics;
using System.Runtime.InteropServices;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Autograd;

// The row kernels of CausalSelfAttention: one head at a time, rows of hs (or T) numbers, a Vector of lanes at a
// time along the row. Each is the plain loop of its doc comment; the Vector form only groups the terms.
public sealed partial class Var<T>
{
    /// <summary>
    /// The T rows of one head, each <paramref name="length"/> numbers side by side, <paramref name="stride"/> numbers apart:
    /// <c>rows[t]</c> is row t. <c>Span</c> runs from the first number of row 0 to the last of row T − 1.
    /// </summary>
    private readonly ref struct Rows(Span<T> span, int stride, int length)
    {
        public Span<T> Span { get; } = span;

        public int Stride { get; } = stride;

        public Span<T> this[int t] => Span.Slice(t * Stride, length);
    }

    /// <summary>Head bh = b·H + h of a (B, H, T, n) tensor whose rows are contiguous (see <see cref="RowsContiguous"/>), read in place.</summary>
    private static Rows Head(Tensor<T> x, int bh)
    {
        int H = x.Size(1), nT = x.Size(2), n = x.Size(3);
        ReadOnlySpan<int> stride = x.Strides;
        int first = x.Offset + (bh / H * stride[0]) + (bh % H * stride[1]);
        return new Rows(nT == 0 ? [] : x.Storage.AsSpan(first, ((nT - 1) * stride[2]) + n), stride[2], n);
    }

    /// <summary>x itself when each row (the last dimension) is adjacent numbers, as for heads split from channels; else a row-major copy.</summary>
    private static Tensor<T> RowsContiguous(Tensor<T> x) => x.Size(-1) <= 1 || x.Strides[^1] == 1 ? x : x.Contiguous();

    /// <summary>x · y = Σᵢ xᵢ·yᵢ over two rows of equal length, a Vector of lanes at a time.</summary>
    private static T Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        y = y[..x.Length]; // as long as x (the loads below do not check)
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        var lanes = Vector<T>.Zero; // lane j holds the sum of xᵢ·yᵢ for i ≡ j (mod Vector.Count)
        int i = 0, n = x.Length;
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
        {
            lanes = MultiplyAdd(Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i), lanes);
        }
        T sum = Vector.Sum(lanes);
        for (; i < n; i++)
        {
            sum += x[i] * y[i];
        }
        return sum;
    }

    /// <summary>y ← y + a·x over two rows of equal length, a Vector of lanes at a time.</summary>
    private static void AddScaled(Span<T> y, T a, ReadOnlySpan<T> x)
    {
        x = x[..y.Length]; // as long as y (the loads below do not check)
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        var va = new Vector<T>(a);
        int i = 0, n = y.Length;
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
        {
            MultiplyAdd(va, Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>
    /// y = Σₛ w[s] · rows[s] over the first w.Length rows, overwriting y. Each Vector of lanes of y is summed in
    /// registers, even and odd s in two partial sums (so consecutive multiply-adds need not wait for each
    /// other), and stored once.
    /// </summary>
    private static void WeightedSum(Span<T> y, ReadOnlySpan<T> w, Rows rows)
    {
        int n = y.Length, i = 0;
        if (w.Length == 0)
        {
            y.Clear();
            return;
        }
        _ = rows[w.Length - 1]; // the last row read below lies inside the head (the loads themselves do not check)
        ref T r0 = ref MemoryMarshal.GetReference(rows[0]);
        nuint stride = (nuint)rows.Stride;
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
        {
            Vector<T> even = Vector<T>.Zero, odd = Vector<T>.Zero;
            nuint at = (nuint)i; // rows[s][i] is at r0 + s·stride + i
            int s = 0;
            for (; s + 1 < w.Length; s += 2, at += 2 * stride)
            {
                even = MultiplyAdd(new Vector<T>(w[s]), Vector.LoadUnsafe(ref r0, at), even);
                odd = MultiplyAdd(new Vector<T>(w[s + 1]), Vector.LoadUnsafe(ref r0, at + stride), odd);
            }
            if (s < w.Length)
            {
                even = MultiplyAdd(new Vector<T>(w[s]), Vector.LoadUnsafe(ref r0, at), even);
            }
            (even + odd).CopyTo(y[i..]);
        }
        for (; i < n; i++)
        {
            T sum = T.Zero;
            for (int s = 0; s < w.Length; s++)
            {
                sum += w[s] * rows[s][i];
            }
            y[i] = sum;
        }
    }

    /// <summary>a·b + c in every lane, fused (one rounding) for float and double.</summary>
    private static Vector<T> MultiplyAdd(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        }
        if (typeof(T) == typeof(double))
        {
            return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        }
        return a * b + c;
    }

    /// <summary>
    /// The softmax of a row in place: xₛ ← exp(xₛ − m) / Σᵣ exp(xᵣ − m), m = maxᵣ xᵣ (so no exp overflows).
    /// Max, exp (for float) and the division (as a product with 1/Σ) run a Vector of lanes at a time.
    /// </summary>
    private static void SoftmaxInPlace(Span<T> x)
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        int width = Vector<T>.Count, s = 0;
        T m = T.NegativeInfinity;
        if (x.Length >= width)
        {
            var lanes = new Vector<T>(T.NegativeInfinity);
            for (; s <= x.Length - width; s += width)
            {
                lanes = Vector.Max(lanes, Vector.LoadUnsafe(ref xr, (nuint)s));
            }
            for (int j = 0; j < width; j++)
            {
                m = T.Max(m, lanes[j]);
            }
        }
        for (; s < x.Length; s++)
        {
            m = T.Max(m, x[s]);
        }
        T sum = ExpMinusInPlace(x, m);
        var inverse = new Vector<T>(T.One / sum);
        for (s = 0; s <= x.Length - width; s += width)
        {
            (Vector.LoadUnsafe(ref xr, (nuint)s) * inverse).StoreUnsafe(ref xr, (nuint)s);
        }
        for (; s < x.Length; s++)
        {
            x[s] *= inverse[0];
        }
    }

    /// <summary>xₛ ← exp(xₛ − m) for every s, returning Σₛ xₛ (a SIMD exp for float).</summary>
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

    /// <summary>
    /// body(bh) for every (batch, head) pair bh in [0, n), on all cores when n·T²·hs is large enough to pay for it.
    /// A pair is always computed whole by one thread, so the numbers are the same for any number of threads.
    /// </summary>
    private static void ForHeads(int n, int nT, int hs, Action<int> body)
    {
        int cores = Environment.ProcessorCount;
        if (cores == 1 || n < 2 || (long)n * nT * nT * hs < 1 << 16)
        {
            for (int bh = 0; bh < n; bh++)
            {
                body(bh);
            }
            return;
        }
        int chunks = Math.Min(n, 4 * cores), size = (n + chunks - 1) / chunks;
        Parallel.For(0, (n + size - 1) / size, c =>
        {
            for (int bh = c * size; bh < Math.Min(n, (c + 1) * size); bh++)
            {
                body(bh);
            }
        });
    }
}
