using System.Numerics;
using System.Runtime.CompilerServices;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Autograd.Kernels;

/// <summary>
/// Cross-entropy from logits, fast: the numbers of <see cref="CrossEntropyReference"/> (tested equal), with each row
/// a <see cref="Vector{T}"/> at a time (a SIMD exp for float) and the rows split over the cores; each row's loss is
/// kept apart and the rows are added in order, so the loss does not depend on the number of cores. It matters for a
/// large vocabulary: GPT-2's 50,257 classes make the logits the largest tensor of a step. Same arguments and shapes.
/// </summary>
public static class CrossEntropyFast
{
    /// <summary>L = (1/N′) Σₙ (lseₙ − zₙ[yₙ]) over the N′ rows not ignored, and each row's lse for the backward.</summary>
    public static (T Loss, T[] Lse) Forward<T>(Tensor<T> logits, int[] targets, int ignoreIndex)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int N = logits.Size(0), V = logits.Size(1);
        var z = logits.Contiguous();
        T[] zStore = z.Storage, lse = new T[N], rowLoss = new T[N];
        int zOffset = z.Offset;
        Chunked.For(N, V, (first, count) =>
        {
            for (int n = first; n < first + count; n++)
            {
                if (targets[n] != ignoreIndex)
                {
                    ReadOnlySpan<T> zn = zStore.AsSpan(zOffset + n * V, V);
                    T m = Max(zn);
                    lse[n] = m + T.Log(SumOfExpMinus(zn, m)); // lseₙ = mₙ + log Σᵥ exp(zₙ[v] − mₙ)
                    rowLoss[n] = lse[n] - zn[targets[n]];
                }
            }
        });
        T total = T.Zero;
        int counted = 0;
        for (int n = 0; n < N; n++)
        {
            if (targets[n] != ignoreIndex)
            {
                total += rowLoss[n];
                counted++;
            }
        }
        return (total / T.CreateChecked(counted), lse);
    }

    /// <summary>∂L/∂z = (softmax(z) − onehot(y)) · dloss / N′ on the counted rows, 0 on ignored ones.</summary>
    public static Tensor<T> Backward<T>(T dloss, Tensor<T> logits, int[] targets, int ignoreIndex, T[] lse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int N = logits.Size(0), V = logits.Size(1), counted = targets.Count(y => y != ignoreIndex);
        var z = logits.Contiguous();
        var dlogits = Tensor<T>.Zeros(N, V);
        T[] zStore = z.Storage, dStore = dlogits.Storage;
        int zOffset = z.Offset;
        T scale = dloss / T.CreateChecked(Math.Max(counted, 1)); // dloss / N′ (no row reads it when N′ = 0)
        Chunked.For(N, V, (first, count) =>
        {
            for (int n = first; n < first + count; n++)
            {
                if (targets[n] != ignoreIndex)
                {
                    Span<T> dn = dStore.AsSpan(n * V, V);
                    ScaledExpMinus(zStore.AsSpan(zOffset + n * V, V), lse[n], scale, dn); // scale · pₙ
                    dn[targets[n]] -= scale;                                              // − scale · onehot(yₙ)
                }
            }
        });
        return dlogits;
    }

    /// <summary>maxᵥ xᵥ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Max<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T m = T.NegativeInfinity;
        int v = 0;
        var vmax = new Vector<T>(T.NegativeInfinity);
        // Stryker disable once Equality : < for <= hands the last full vector to the scalar loop below, which computes the same
        for (; v <= x.Length - Vector<T>.Count; v += Vector<T>.Count)
        {
            vmax = Vector.Max(vmax, new Vector<T>(x[v..]));
        }
        for (int j = 0; j < Vector<T>.Count; j++) // −∞ in every lane when the row is shorter than a vector
        {
            m = T.Max(m, vmax[j]);
        }
        for (; v < x.Length; v++)
        {
            m = T.Max(m, x[v]);
        }
        return m;
    }

    /// <summary>Σᵥ exp(xᵥ − m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T SumOfExpMinus<T>(ReadOnlySpan<T> x, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        int v = 0;
        if (typeof(T) == typeof(float) && VectorMath.HasExp<T>())
        {
            var (vm, vsum) = (new Vector<T>(m), Vector<T>.Zero);
            for (; v <= x.Length - Vector<T>.Count; v += Vector<T>.Count)
            {
                vsum += VectorMath.Exp(new Vector<T>(x[v..]) - vm);
            }
            sum = Vector.Sum(vsum);
        }
        for (; v < x.Length; v++)
        {
            sum += T.Exp(x[v] - m);
        }
        return sum;
    }

    /// <summary>dᵥ = scale · exp(xᵥ − lse) for every v.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaledExpMinus<T>(ReadOnlySpan<T> x, T lse, T scale, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = 0;
        if (typeof(T) == typeof(float) && VectorMath.HasExp<T>())
        {
            var (vlse, vscale) = (new Vector<T>(lse), new Vector<T>(scale));
            for (; v <= x.Length - Vector<T>.Count; v += Vector<T>.Count)
            {
                (vscale * VectorMath.Exp(new Vector<T>(x[v..]) - vlse)).CopyTo(d[v..]);
            }
        }
        for (; v < x.Length; v++)
        {
            d[v] = scale * T.Exp(x[v] - lse);
        }
    }
}
