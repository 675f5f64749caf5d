using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>The matrix product as its definition: C[i, j] = Σₚ A[i, p] · B[p, j].</summary>
internal static class MatMulReference
{
    /// <summary>Computes every C_b of the problem with three plain loops.</summary>
    public static void Run<T>(MatMulProblem<T> p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < p.Batch; b++)
        {
            for (int i = 0; i < p.M; i++)
            {
                for (int j = 0; j < p.N; j++)
                {
                    T sum = T.Zero;
                    for (int k = 0; k < p.K; k++)
                    {
                        T a = p.A[p.AOffsets[b] + i * p.ARowStride + k * p.AColStride];
                        T bkj = p.B[p.BOffsets[b] + k * p.BRowStride + j * p.BColStride];
                        sum += a * bkj;
                    }
                    p.C[p.COffsets[b] + i * p.CRowStride + j] = sum;
                }
            }
        }
    }
}
