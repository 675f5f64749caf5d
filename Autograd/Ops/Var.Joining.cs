using Scratch.Tensors;

namespace Scratch.Autograd;

// Joining, gathering and masking. Concat and stack place each input in its own block of the output, so each
// input's gradient is its block of ∂L/∂y. IndexSelect copies chosen slices, so its backward pass adds
// each slice's gradient back where it came from (scatter-add: a row picked twice gets both gradients).
// MaskedFill overwrites some elements with a constant, so no gradient flows to them.
public sealed partial class Var<T>
{
    /// <summary>
    /// y = [x₀, x₁, …] joined along an existing dimension      ∂L/∂xₖ = the block of ∂L/∂y where xₖ sits
    /// </summary>
    public static Var<T> Concat(IReadOnlyList<Var<T>> xs, int dim)
    {
        ArgumentNullException.ThrowIfNull(xs);
        var y = Tensor<T>.Concat(xs.Select(x => x.Value).ToArray(), dim); // validates the shapes
        // Stryker disable once String : Tensor.Concat above has checked dim, so this name is never in a message
        int d = Shapes.NormalizeDim("concat", dim, xs[0].Value.Rank);
        int[] sizes = xs.Select(x => x.Value.Size(d)).ToArray();
        return Record("concat", y, [.. xs], dy =>
        {
            var blocks = dy.Split(sizes, d);
            for (int k = 0; k < xs.Count; k++)
            {
                xs[k].AccumulateGrad(blocks[k]);
            }
        });
    }

    /// <summary>
    /// y = [x₀, x₁, …] joined along a new dimension: y[…, k, …] = xₖ      ∂L/∂xₖ = ∂L/∂y[…, k, …]
    /// </summary>
    public static Var<T> Stack(IReadOnlyList<Var<T>> xs, int dim)
    {
        ArgumentNullException.ThrowIfNull(xs);
        var y = Tensor<T>.Stack(xs.Select(x => x.Value).ToArray(), dim); // validates the shapes
        // Stryker disable once String : Tensor.Stack above has checked dim, so this name is never in a message
        int d = Shapes.NormalizeDim("stack", dim, y.Rank);
        return Record("stack", y, [.. xs], dy =>
        {
            for (int k = 0; k < xs.Count; k++)
            {
                xs[k].AccumulateGrad(dy.Narrow(d, k, 1).Squeeze(d));
            }
        });
    }

    /// <summary>
    /// y[…, i, …] = x[…, indices[i], …] along <paramref name="dim"/> (an embedding lookup with dim 0)
    /// <para>∂L/∂x[…, j, …] = Σ over the i with indices[i] = j of ∂L/∂y[…, i, …]   (scatter-add)</para>
    /// </summary>
    public Var<T> IndexSelect(int dim, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var x = this;
        var y = x.Value.IndexSelect(dim, indices); // validates dim and every index
        return Record("index_select", y, [x], dy => x.AccumulateGrad(x.Value.ZerosLike().IndexAdd(dim, indices, dy)));
    }

    /// <summary>
    /// y = value where mask ≠ 0, x elsewhere (the mask broadcasts to x)      ∂L/∂x = ∂L/∂y where mask = 0, 0 where mask ≠ 0
    /// </summary>
    public Var<T> MaskedFill(Tensor<T> mask, T value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var x = this;
        var y = x.Value.MaskedFill(mask, value); // validates the mask's shape
        return Record("masked_fill", y, [x], dy => x.AccumulateGrad(dy.MaskedFill(mask, T.Zero)));
    }
}
