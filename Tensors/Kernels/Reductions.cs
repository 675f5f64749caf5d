using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>How to fold many numbers into one: a starting value and a combining step (associative).</summary>
internal interface IReduceOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The value of an empty fold (0 for a sum, −∞ for a max).</summary>
    T Identity { get; }

    /// <summary>acc ⊕ x.</summary>
    T Combine(T acc, T x);

    /// <summary>acc ⊕ x lane by lane.</summary>
    Vector<T> Combine(Vector<T> acc, Vector<T> x);

    /// <summary>Folds the lanes of a vector into one number.</summary>
    T Lanes(Vector<T> v);
}

internal readonly struct SumReduce<T> : IReduceOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Identity => T.Zero;
    public T Combine(T acc, T x) => acc + x;
    public Vector<T> Combine(Vector<T> acc, Vector<T> x) => acc + x;
    public T Lanes(Vector<T> v) => Vector.Sum(v);
}

internal readonly struct MaxReduce<T> : IReduceOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Identity => T.NegativeInfinity;
    public T Combine(T acc, T x) => T.Max(acc, x);
    public Vector<T> Combine(Vector<T> acc, Vector<T> x) => Vector.Max(acc, x);

    public T Lanes(Vector<T> v)
    {
        T m = v[0];
        for (int i = 1; i < Vector<T>.Count; i++)
        {
            m = T.Max(m, v[i]);
        }
        return m;
    }
}

internal readonly struct MinReduce<T> : IReduceOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Identity => T.PositiveInfinity;
    public T Combine(T acc, T x) => T.Min(acc, x);
    public Vector<T> Combine(Vector<T> acc, Vector<T> x) => Vector.Min(acc, x);

    public T Lanes(Vector<T> v)
    {
        T m = v[0];
        for (int i = 1; i < Vector<T>.Count; i++)
        {
            m = T.Min(m, v[i]);
        }
        return m;
    }
}

/// <summary>
/// Fast reductions over a contiguous block viewed as a matrix [outer, inner]: either each row folds
/// to one number (reducing trailing dimensions) or each column does (reducing leading dimensions).
/// </summary>
internal static class Reductions
{
    /// <summary>dst[r] = ⊕ over c of src[offset + r·length + c], for r in [0, rows).</summary>
    public static void Rows<T, TOp>(T[] src, int offset, int rows, int length, T[] dst, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IReduceOp<T>
    {
        Chunked.For(rows, length, (first, count) =>
        {
            for (int r = first; r < first + count; r++)
            {
                dst[r] = Fold(src.AsSpan(offset + r * length, length), op);
            }
        });
    }

    /// <summary>⊕ over a span, a vector of lanes at a time (four accumulators hide the add latency).</summary>
    public static T Fold<T, TOp>(ReadOnlySpan<T> x, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IReduceOp<T>
    {
        int i = 0, width = Vector<T>.Count;
        T acc = op.Identity;
        // Stryker disable once Logical,Equality,Arithmetic : SIMD or scalar: the same terms, combined in another order (max and min exactly, a sum up to rounding, held to the reference by ReductionTests)
        bool simd = Vector.IsHardwareAccelerated && x.Length >= 4 * width;
        // Stryker disable once Boolean : the same choice as above
        if (simd)
        {
            var id = new Vector<T>(op.Identity);
            Vector<T> a0 = id, a1 = id, a2 = id, a3 = id;
            // Stryker disable once Equality : where the scalar tail starts: the same terms in another order (see above)
            for (; i <= x.Length - 4 * width; i += 4 * width)
            {
                a0 = op.Combine(a0, new Vector<T>(x.Slice(i)));
                a1 = op.Combine(a1, new Vector<T>(x.Slice(i + width)));
                a2 = op.Combine(a2, new Vector<T>(x.Slice(i + 2 * width)));
                a3 = op.Combine(a3, new Vector<T>(x.Slice(i + 3 * width)));
            }
            acc = op.Lanes(op.Combine(op.Combine(a0, a1), op.Combine(a2, a3)));
        }
        for (; i < x.Length; i++)
        {
            acc = op.Combine(acc, x[i]);
        }
        return acc;
    }

    /// <summary>dst[c] = ⊕ over r of src[offset + r·length + c]: whole rows are folded into dst lane by lane.</summary>
    public static void Columns<T, TOp>(T[] src, int offset, int rows, int length, T[] dst, TOp op)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IReduceOp<T>
    {
        // Split the columns over the cores: each core folds every row, but only its own columns.
        Chunked.For(length, rows, (first, count) =>
        {
            Span<T> acc = dst.AsSpan(first, count);
            acc.Fill(op.Identity);
            int width = Vector<T>.Count;
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<T> row = src.AsSpan(offset + r * length + first, count);
                int c = 0;
                // Stryker disable once Boolean : each column is summed over the rows in the same order in a lane or alone: the same numbers
                if (Vector.IsHardwareAccelerated)
                {
                    // Stryker disable once Equality : where the scalar tail starts changes no number (see above)
                    for (; c <= count - width; c += width)
                    {
                        op.Combine(new Vector<T>(acc.Slice(c)), new Vector<T>(row.Slice(c))).CopyTo(acc.Slice(c));
                    }
                }
                for (; c < count; c++)
                {
                    acc[c] = op.Combine(acc[c], row[c]);
                }
            }
        });
    }
}
