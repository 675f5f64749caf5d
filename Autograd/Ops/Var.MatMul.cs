using Scratch.Tensors;

namespace Scratch.Autograd;

// The matrix product, batched like torch.matmul. Shapes: A (…, M, K), B (…, K, N), C (…, M, N).
public sealed partial class Var<T>
{
    /// <summary>
    /// C = A · B: C[…, i, j] = Σₚ A[…, i, p] · B[…, p, j], batch dimensions broadcast.
    /// <para>∂L/∂A = SumTo(∂L/∂C · Bᵀ, A.shape)      ∂L/∂B = SumTo(Aᵀ · ∂L/∂C, B.shape)</para>
    /// <para>
    /// A 1-D A is a row vector (1, K) and a 1-D B a column vector (K, 1); their added dimension is dropped
    /// from C, and the backward pass puts it back before the two products.
    /// </para>
    /// </summary>
    public static Var<T> MatMul(Var<T> a, Var<T> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var c = Tensor<T>.MatMul(a.Value, b.Value); // validates the shapes
        return Record("matmul", c, [a, b], dc =>
        {
            // Stryker disable once Conditional : a leading batch dimension of 1 on a matrix changes no number of either gradient
            var a2 = a.Value.Rank == 1 ? a.Value.Unsqueeze(0) : a.Value; // (K) → (1, K)
            var b2 = b.Value.Rank == 1 ? b.Value.Unsqueeze(1) : b.Value; // (K) → (K, 1)
            int m = a2.Size(-2), n = b2.Size(-1);
            // Stryker disable once String : the forward pass checked these shapes, so this name is never in a message
            int[] batch = Shapes.Broadcast("matmul", a2.Shape[..^2], b2.Shape[..^2]);
            var dc2 = dc.Reshape([.. batch, m, n]);                           // (…, M, N)
            if (a.RequiresGrad)
            {
                var da = Tensor<T>.MatMul(dc2, b2.Transpose(-2, -1));         // (…, M, N)·(…, N, K) → (…, M, K)
                a.AccumulateGrad(da.SumTo(a2.Shape).Reshape(a.Shape));
            }
            if (!b.RequiresGrad)
            // Stryker disable once Block,Statement : the return only skips work: AccumulateGrad ignores a value that needs no gradient
            {
                return; // data: no gradient to compute
            }
            // Stryker disable once Equality : the folded product and the batched one below add the same products (in another order, equal up to rounding) for any a2 (a2.Rank ≥ 2); the fold is for speed
            if (b2.Rank == 2 && a2.Rank > 2)
            {
                // A Linear layer's weight: the sum over the batch of Aᵀ·∂L/∂C is one product with the batch
                // folded into the rows, (K, …·M)·(…·M, N) → (K, N); the transpose is a strided view.
                int k = a2.Size(-1);
                var aRows = a2.Reshape(-1, k);                                  // (…·M, K)
                var dbFolded = Tensor<T>.MatMul(aRows.Transpose(0, 1), dc2.Reshape(-1, n)); // (K, N)
                b.AccumulateGrad(dbFolded.Reshape(b.Shape));
                return;
            }
            var db = Tensor<T>.MatMul(a2.Transpose(-2, -1), dc2);             // (…, K, M)·(…, M, N) → (…, K, N)
            b.AccumulateGrad(db.SumTo(b2.Shape).Reshape(b.Shape));
        });
    }

    /// <summary>This value times <paramref name="other"/> (see <see cref="MatMul(Var{T}, Var{T})"/>).</summary>
    public Var<T> MatMul(Var<T> other) => MatMul(this, other);
}
