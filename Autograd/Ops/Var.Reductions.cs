using Scratch.Tensors;

namespace Scratch.Autograd;

// Reductions. A sum sends every input element the whole output gradient of its group: the backward
// pass puts the reduced dimensions back (as size 1) and broadcasts ∂L/∂y over them. A mean also divides
// by the group size n. A max sends the gradient only to the element that won.
public sealed partial class Var<T>
{
    /// <summary>y = Σᵢ xᵢ over every element (shape [])      ∂L/∂xᵢ = ∂L/∂y</summary>
    public Var<T> Sum() => Sum(AllDims(), keepDim: false);

    /// <summary>y = Σᵢ x[…, i, …] over one dimension      ∂L/∂x[…, i, …] = ∂L/∂y[…]</summary>
    public Var<T> Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>y = Σ x over the dimensions <paramref name="dims"/>      ∂L/∂x = ∂L/∂y broadcast back over them</summary>
    public Var<T> Sum(int[] dims, bool keepDim = false)
    {
        var x = this;
        int[] kept = KeptShape("sum", dims); // x.shape with the summed dimensions set to 1
        var y = x.Value.Sum(dims, keepDim);
        return Record("sum", y, [x], dy => x.AccumulateGrad(dy.Reshape(kept).Expand(x.Shape)));
    }

    /// <summary>y = (1/n) Σᵢ xᵢ over every element (shape [])      ∂L/∂xᵢ = ∂L/∂y / n</summary>
    public Var<T> Mean() => Mean(AllDims(), keepDim: false);

    /// <summary>y = (1/n) Σᵢ x[…, i, …] over one dimension of size n      ∂L/∂x[…, i, …] = ∂L/∂y[…] / n</summary>
    public Var<T> Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>
    /// y = (1/n) Σ x over the dimensions <paramref name="dims"/> (n elements per group)      ∂L/∂x = ∂L/∂y / n broadcast back over them
    /// </summary>
    public Var<T> Mean(int[] dims, bool keepDim = false)
    {
        var x = this;
        int[] kept = KeptShape("mean", dims);
        int groups = Shapes.Count(kept);
        T n = T.CreateChecked(groups == 0 ? 0 : x.Value.Count / groups);
        var y = x.Value.Mean(dims, keepDim);
        return Record("mean", y, [x], dy => x.AccumulateGrad(dy.Reshape(kept).Expand(x.Shape) / n));
    }

    /// <summary>
    /// y = maxᵢ x[…, i, …] along one dimension      ∂L/∂x[…, i, …] = ∂L/∂y[…] if i is the arg-max, else 0
    /// <para>On ties the first maximum (the one <see cref="Tensor{T}.ArgMax(int, bool)"/> picks) takes the whole gradient.</para>
    /// </summary>
    public Var<T> Max(int dim, bool keepDim = false)
    {
        var x = this;
        int d = Shapes.NormalizeDim("max", dim, x.Value.Rank);
        if (x.Value.Size(d) == 0)
        {
            throw new ArgumentException($"max: dimension {dim} of shape {Shapes.Format(x.Shape)} is empty");
        }
        // Stryker disable once String : d is already checked (NormalizeDim above), so this name is never in a message
        int[] kept = KeptShape("max", [d]);
        var y = x.Value.Max(d, keepDim);
        return Record("max", y, [x], dy =>
        {
            // One-hot of the winner along d: position i (an arange shaped to broadcast along d) equals argmax.
            var winner = x.Value.ArgMax(d, keepDim: true);               // x.shape with d → 1
            int[] along = Enumerable.Repeat(1, x.Value.Rank).ToArray();
            along[d] = x.Value.Size(d);
            var positions = Tensor<T>.Arange(x.Value.Size(d)).Reshape(along); // (1, …, n, …, 1)
            var oneHot = positions.Eq(winner);                             // x.shape
            x.AccumulateGrad(oneHot * dy.Reshape(kept));
        });
    }

    private int[] AllDims() => Enumerable.Range(0, Value.Rank).ToArray();

    /// <summary>This value's shape with the reduced dimensions set to 1: the keepDim shape of the result.</summary>
    private int[] KeptShape(string op, int[] dims)
    {
        int[] kept = Value.ShapeArray();
        foreach (int dim in dims)
        {
            kept[Shapes.NormalizeDim(op, dim, Value.Rank)] = 1;
        }
        return kept;
    }
}
