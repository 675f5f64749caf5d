using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// One batched matrix product to compute: for each batch b, C_b = A_b · B_b with A_b of shape (M, K) and
/// B_b of shape (K, N). Operands are read through strides, so a transposed operand needs no copy:
/// A_b[i, p] = A[AOffsets[b] + i·ARowStride + p·AColStride], likewise for B; C is row-major and
/// contiguous, C_b[i, j] = C[b·M·N + i·N + j].
/// </summary>
internal readonly record struct MatMulProblem<T>(
    int M, int N, int K,
    T[] A, int[] AOffsets, int ARowStride, int AColStride,
    T[] B, int[] BOffsets, int BRowStride, int BColStride,
    T[] C) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of products.</summary>
    public int Batch => AOffsets.Length;
}
