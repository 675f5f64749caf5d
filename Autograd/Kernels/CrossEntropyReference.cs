using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd.Kernels;

/// <summary>
/// Cross-entropy from logits by hand, forward and backward, one row at a time, the way llm.c's
/// <c>crossentropy_forward</c> and <c>crossentropy_softmax_backward</c> read (its softmax folded in). The rules are
/// derived on <see cref="Var{T}.CrossEntropy"/>; <see cref="CrossEntropyFast"/> computes the same numbers (tested),
/// faster. Dimensions: N rows, V classes, n a row, v a class.
/// <code>
/// logits z, dz (N, V), contiguous      targets y (N), each in [0, V) or the ignore index      lse (N)
/// </code>
/// </summary>
public static class CrossEntropyReference
{
    /// <summary>
    /// L = (1/N′) Σₙ (lseₙ − zₙ[yₙ]) over the N′ rows not ignored, and each row's log-sum-exp lse for the backward.
    /// </summary>
    public static (T Loss, T[] Lse) Forward<T>(Tensor<T> logits, int[] targets, int ignoreIndex)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int N = logits.Size(0), V = logits.Size(1), counted = 0;
        ReadOnlySpan<T> z = logits.AsSpan();
        var lse = new T[N];
        T total = T.Zero;
        for (int n = 0; n < N; n++)
        {
            if (targets[n] == ignoreIndex)
            {
                continue;                                   // padding: no part in the loss
            }
            ReadOnlySpan<T> zn = z.Slice(n * V, V);
            T m = zn[0];
            for (int v = 1; v < V; v++) m = T.Max(m, zn[v]); // mₙ = maxᵥ zₙ[v]: every exp below is ≤ 1
            T sum = T.Zero;
            for (int v = 0; v < V; v++) sum += T.Exp(zn[v] - m);
            lse[n] = m + T.Log(sum);                        // lseₙ = log Σᵥ exp zₙ[v]
            total += lse[n] - zn[targets[n]];               // −log softmax(zₙ)[yₙ] = lseₙ − zₙ[yₙ]
            counted++;
        }
        return (total / T.CreateChecked(counted), lse);    // the mean over the N′ counted rows (0/0 = NaN if none)
    }

    /// <summary>∂L/∂z from ∂L/∂L (<paramref name="dloss"/>) and the lse the forward kept.</summary>
    public static Tensor<T> Backward<T>(T dloss, Tensor<T> logits, int[] targets, int ignoreIndex, T[] lse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int N = logits.Size(0), V = logits.Size(1), counted = targets.Count(y => y != ignoreIndex);
        ReadOnlySpan<T> z = logits.AsSpan();
        var dlogits = Tensor<T>.Zeros(N, V);
        Span<T> dz = dlogits.AsSpan();
        T scale = dloss / T.CreateChecked(Math.Max(counted, 1)); // forward: L is a mean over N′ rows (none read it if N′ = 0)
        for (int n = 0; n < N; n++)
        {
            if (targets[n] == ignoreIndex)
            {
                continue;                                   // an ignored row took no part in L: its gradient stays 0
            }
            for (int v = 0; v < V; v++)
            {
                T p = T.Exp(z[n * V + v] - lse[n]);         // pₙ[v] = softmax(zₙ)[v], since ∂lseₙ/∂zₙ[v] = pₙ[v]
                dz[n * V + v] = scale * p;
            }
            dz[n * V + targets[n]] -= scale;                // and −zₙ[yₙ] sends −1 to the target: pₙ − onehot(yₙ)
        }
        return dlogits;
    }
}
