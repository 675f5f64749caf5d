using Scratch.Tensors;

namespace Scratch.Autograd;

// The affine map of a Linear layer, as one op. Shapes: x (…, K), W (N, K) as PyTorch stores it, y (…, N).
public sealed partial class Var<T>
{
    /// <summary>
    /// y = x · Wᵀ: y[…, n] = Σₖ x[…, k] · W[n, k], the product of <see cref="MatMul(Var{T}, Var{T})"/> with a
    /// transposed weight, written as one op so that the weight's gradient is computed in W's own layout:
    /// <code>
    /// ∂L/∂x = ∂L/∂y · W            (…, N) · (N, K) → (…, K)
    /// ∂L/∂W = (∂L/∂y)ᵀ · x         (N, …·M) · (…·M, K) → (N, K): every row of the batch adds its outer product
    /// </code>
    /// x.MatMul(W.Transpose(0, 1)) gives the same numbers; it computes ∂L/∂Wᵀ (K, N) and then copies it into
    /// W's layout through the transpose's backward.
    /// </summary>
    /// <param name="x">The input, (…, K) with at least one dimension.</param>
    /// <param name="weight">W, (N, K).</param>
    /// <returns>y, (…, N).</returns>
    public static Var<T> Linear(Var<T> x, Var<T> weight)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Value.Rank != 2)
        {
            throw new ArgumentException($"linear: weight must be (N, K), got shape {Shapes.Format(weight.Shape)} (input {Shapes.Format(x.Shape)})");
        }
        if (x.Value.Rank == 0 || x.Shape[^1] != weight.Shape[1])
        {
            throw new ArgumentException($"linear: input of shape {Shapes.Format(x.Shape)} does not end in the {weight.Shape[1]} features of a weight of shape {Shapes.Format(weight.Shape)}");
        }
        int n = weight.Shape[0], k = weight.Shape[1];
        var xRows = x.Value.Reshape(-1, k);                                         // (…·M, K), a view when it can be
        var y = Tensor<T>.MatMul(xRows, weight.Value.Transpose(0, 1));              // (…·M, K) · (K, N) → (…·M, N)
        int[] yShape = [.. x.Shape[..^1], n];
        return Record("linear", y.Reshape(yShape), [x, weight], dy =>
        {
            var dyRows = dy.Reshape(-1, n);                                         // (…·M, N)
            // forward: y = x · Wᵀ, so ∂L/∂x = ∂L/∂y · W (not computed when x is data: the first layer's input)
            if (x.RequiresGrad)
            {
                x.AccumulateGrad(Tensor<T>.MatMul(dyRows, weight.Value).Reshape(x.Shape)); // (…·M, N) · (N, K) → (…, K)
            }
            // and ∂L/∂W = (∂L/∂y)ᵀ · x, summed over the rows; the transpose is a strided view
            if (weight.RequiresGrad)
            {
                weight.AccumulateGrad(Tensor<T>.MatMul(dyRows.Transpose(0, 1), xRows)); // (N, …·M) · (…·M, K) → (N, K)
            }
        });
    }
}
