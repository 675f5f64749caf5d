using Scratch.Tensors.Kernels;

namespace Scratch.Tensors;

// The matrix product, batched, with broadcast batch dimensions.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// The matrix product, as <c>torch.matmul</c>: (…, M, K) · (…, K, N) → (…, M, N), C[i, j] = Σₚ A[i, p]·B[p, j].
    /// Leading (batch) dimensions broadcast. A 1-D left operand is a row vector and a 1-D right operand
    /// a column vector; their added dimension is removed from the result. Transposed views are read
    /// through their strides, without copying.
    /// </summary>
    public static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b) => MatMul(a, b, reference: false);

    /// <summary>This tensor times <paramref name="other"/> (see <see cref="MatMul(Tensor{T}, Tensor{T})"/>).</summary>
    public Tensor<T> MatMul(Tensor<T> other) => MatMul(this, other);

    /// <summary>The same product computed by the plain three-loop reference kernel.</summary>
    internal static Tensor<T> MatMulReference(Tensor<T> a, Tensor<T> b) => MatMul(a, b, reference: true);

    private static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b, bool reference)
    {
        if (a.Rank == 0 || b.Rank == 0)
        {
            throw new ArgumentException($"matmul: both operands need at least one dimension, got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}");
        }
        var a2 = a.Rank == 1 ? a.Unsqueeze(0) : a; // (K) → (1, K)
        var b2 = b.Rank == 1 ? b.Unsqueeze(1) : b; // (K) → (K, 1)
        int m = a2.Size(-2), k = a2.Size(-1), n = b2.Size(-1);
        if (b2.Size(-2) != k)
        {
            throw new ArgumentException($"matmul: {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)} cannot be multiplied ({k} columns vs {b2.Size(-2)} rows)");
        }
        if (b2.Rank == 2 && a2.Rank > 2)
        {
            // (…, M, K) · (K, N), a Linear layer on a batch: one product (…·M, K) · (K, N) instead of one per
            // batch index, so the kernel sees a tall matrix it can block and split over the cores.
            var folded = MatMul(a2.Reshape(-1, k), b2, reference);      // (…·M, N)
            var unfolded = folded.Reshape([.. a2.Shape[..^1], n]);     // (…, M, N)
            return b.Rank == 1 ? unfolded.Squeeze(-1) : unfolded;
        }
        int[] batchShape;
        try
        {
            batchShape = Shapes.Broadcast("matmul", a2.Shape[..^2], b2.Shape[..^2]);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"matmul: batch dimensions of {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)} cannot be broadcast together");
        }
        var ae = a2.Expand([.. batchShape, m, k]); // (…, M, K)
        var be = b2.Expand([.. batchShape, k, n]); // (…, K, N)
        int batch = Shapes.Count(batchShape);
        var problem = new MatMulProblem<T>(m, n, k,
            ae.storage, BatchOffsets(ae, batchShape), ae.strides[^2], ae.strides[^1],
            be.storage, BatchOffsets(be, batchShape), be.strides[^2], be.strides[^1],
            GC.AllocateUninitializedArray<T>(batch * m * n)); // both kernels write every element of C
        if (reference)
        {
            Kernels.MatMulReference.Run(problem);
        }
        else
        {
            MatMulFast.Run(problem);
        }
        var c = new Tensor<T>(problem.C, [.. batchShape, m, n]); // (…, M, N)
        if (a.Rank == 1)
        {
            c = c.Squeeze(-2);
        }
        if (b.Rank == 1)
        {
            c = c.Squeeze(-1);
        }
        return c;
    }

    /// <summary>The storage offset of matrix b for every batch index b, in row-major order of the batch shape.</summary>
    private static int[] BatchOffsets(Tensor<T> x, int[] batchShape)
    {
        int batch = Shapes.Count(batchShape);
        var offsets = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            int at = x.offset, rest = b;
            for (int d = batchShape.Length - 1; d >= 0; d--)
            {
                at += rest % batchShape[d] * x.strides[d];
                rest /= batchShape[d];
            }
            offsets[b] = at;
        }
        return offsets;
    }
}
