using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// One batched matrix product to compute: for each batch b, C_b = A_b · B_b with A_b of shape (M, K) and
/// B_b of shape (K, N). Operands are read through strides, so a transposed operand needs no copy:
/// A_b[i, p] = A[AOffsets[b] + i·ARowStride + p·AColStride], likewise for B. C's rows are contiguous, and each
/// C_b starts where COffsets says with its rows CRowStride apart: C_b[i, j] = C[COffsets[b] + i·CRowStride + j]
/// (a fresh result has COffsets[b] = b·M·N and CRowStride = N; a view written into, such as attention's output in
/// the (B, T, H, hs) layout read as (B, H, T, hs), has others).
/// </summary>
internal readonly record struct MatMulProblem<T>(
    int M, int N, int K,
    T[] A, int[] AOffsets, int ARowStride, int AColStride,
    T[] B, int[] BOffsets, int BRowStride, int BColStride,
    T[] C, int[] COffsets, int CRowStride) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of products.</summary>
    public int Batch => AOffsets.Length;

    /// <summary>
    /// Zeros that A is known to hold (<see cref="ATriangle"/>), so that the product can skip the terms they give.
    /// None unless the caller knows: causal attention's weights (B, H, T, T).
    /// </summary>
    public ATriangle ATriangle { get; init; }
}

/// <summary>
/// Which triangle of every A_b (M × K) is all zeros, so that the product sums only the other terms: causal attention's
/// weights are lower triangular (query t attends to keys s ≤ t), and their transpose upper triangular. The product
/// skips whole blocks of zero terms (no number changes: each skipped term is ±0); it does not check the zeros, so it
/// is only for a caller whose A has them by construction.
/// </summary>
internal enum ATriangle
{
    /// <summary>No known zeros: every term is summed.</summary>
    None,

    /// <summary>A[i, p] = 0 for p &gt; i: row i sums the terms p ≤ i.</summary>
    Lower,

    /// <summary>A[i, p] = 0 for p &lt; i: row i sums the terms p ≥ i.</summary>
    Upper,
}
