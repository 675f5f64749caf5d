using Scratch.Tensors;

namespace Scratch.Autograd;

// Views move numbers around without changing them, so the backward pass moves the gradient back the
// other way: a reshape is undone by reshaping, a permutation by the inverse permutation, a slice by
// scattering into zeros, and an expand (one number copied to many places) by summing those places.
public sealed partial class Var<T>
{
    /// <summary>y = x with a new shape (same elements, row-major order)      ∂L/∂x = reshape(∂L/∂y, x.shape)</summary>
    public Var<T> Reshape(params ReadOnlySpan<int> shape)
    {
        var x = this;
        var y = x.Value.Reshape(shape);
        return Record("reshape", y, [x], dy => x.AccumulateGrad(dy.Reshape(x.Shape)));
    }

    /// <summary>y = x with dimensions dim0 and dim1 swapped      ∂L/∂x = ∂L/∂y with them swapped back</summary>
    public Var<T> Transpose(int dim0, int dim1)
    {
        var x = this;
        var y = x.Value.Transpose(dim0, dim1);
        return Record("transpose", y, [x], dy => x.AccumulateGrad(dy.Transpose(dim0, dim1)));
    }

    /// <summary>
    /// y = x with dimensions reordered: y.dim[d] = x.dim[dims[d]]      ∂L/∂x = permute(∂L/∂y, dims⁻¹)
    /// </summary>
    public Var<T> Permute(params ReadOnlySpan<int> dims)
    {
        var x = this;
        var y = x.Value.Permute(dims); // validates dims
        int rank = x.Value.Rank;
        var inverse = new int[rank];   // inverse[dims[d]] = d
        for (int d = 0; d < rank; d++)
        {
            inverse[dims[d] < 0 ? dims[d] + rank : dims[d]] = d;
        }
        return Record("permute", y, [x], dy => x.AccumulateGrad(dy.Permute(inverse)));
    }

    /// <summary>
    /// y = x[start:end:step] along <paramref name="dim"/> (Python's clamping rules): y[…, j, …] = x[…, s + j·step, …]
    /// <para>∂L/∂x[…, s + j·step, …] = ∂L/∂y[…, j, …]; every element the slice skipped gets 0.</para>
    /// </summary>
    public Var<T> Slice(int dim, int start, int end, int step = 1)
    {
        var x = this;
        var y = x.Value.Slice(dim, start, end, step); // validates dim and step
        // Stryker disable once String : Tensor.Slice above has checked dim, so this name is never in a message
        int d = Shapes.NormalizeDim("slice", dim, x.Value.Rank);
        int size = x.Value.Size(d);
        int s = Math.Clamp(start < 0 ? start + size : start, 0, size);
        int length = y.Size(d);
        if (step == 1)
        {
            // A contiguous block: ∂L/∂y goes into its block of x's gradient, zero elsewhere. (q, k and v are three
            // slices of one qkv: the first makes qkv's gradient, zeros around its third, and the others add into theirs.)
            return Record("slice", y, [x], dy => x.AccumulateGrad(dy, block: (d, s)));
        }
        int[] picked = Enumerable.Range(0, length).Select(j => s + j * step).ToArray(); // the x indices y took
        return Record("slice", y, [x], dy => x.AccumulateGrad(x.Value.ZerosLike().IndexAdd(d, picked, dy)));
    }

    /// <summary>
    /// y = x broadcast to <paramref name="shape"/> (size-1 and new leading dimensions repeat; −1 keeps a size)
    /// <para>∂L/∂x = SumTo(∂L/∂y, x.shape): each element of x was copied to many places, so their gradients add.</para>
    /// </summary>
    public Var<T> Expand(params ReadOnlySpan<int> shape)
    {
        var x = this;
        var y = x.Value.Expand(shape);
        return Record("expand", y, [x], dy => x.AccumulateGrad(dy.SumTo(x.Shape)));
    }
}
