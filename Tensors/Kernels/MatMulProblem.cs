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
}
