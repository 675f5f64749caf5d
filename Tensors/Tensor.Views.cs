namespace Scratch.Tensors;

// Views: new shapes, strides and offsets over the same storage. Nothing here copies numbers,
// except Contiguous() and Reshape() of a tensor whose layout a view cannot express.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// The same elements under a new shape, sharing storage (<c>torch.view</c>). One size may be −1 and is
    /// inferred. Needs a contiguous tensor; use <see cref="Reshape"/> to copy when it is not.
    /// </summary>
    public Tensor<T> View(params ReadOnlySpan<int> newShape)
    {
        int[] resolved = ResolveShape("view", newShape);
        if (!IsContiguous)
        {
            throw new InvalidOperationException($"view: a tensor of shape {Shapes.Format(shape)} with strides {Shapes.Format(strides)} is not contiguous, so it cannot be viewed as {Shapes.Format(resolved)}; use Reshape (which copies) or Contiguous()");
        }
        return new Tensor<T>(storage, resolved, Shapes.RowMajorStrides(resolved), offset);
    }

    /// <summary>
    /// The same elements under a new shape (<c>torch.reshape</c>): a view whenever strides can express it
    /// (always for a contiguous tensor; also, say, for splitting the last dimension of a column slice into
    /// heads), otherwise a contiguous copy. A view may itself be non-contiguous.
    /// </summary>
    public Tensor<T> Reshape(params ReadOnlySpan<int> newShape)
    {
        int[] resolved = ResolveShape("reshape", newShape);
        if (IsContiguous)
        {
            return new Tensor<T>(storage, resolved, Shapes.RowMajorStrides(resolved), offset);
        }
        if (ViewStrides(resolved) is int[] viewStrides)
        {
            return new Tensor<T>(storage, resolved, viewStrides, offset);
        }
        var source = Contiguous();
        return new Tensor<T>(source.storage, resolved, Shapes.RowMajorStrides(resolved), source.offset);
    }

    /// <summary>
    /// Strides that show this tensor's elements, in row-major order, under <paramref name="newShape"/>, or null
    /// when there are none (PyTorch's <c>computeStride</c>). The old dimensions fall into chunks that are
    /// contiguous among themselves (stride[d] = size[d+1]·stride[d+1]); each chunk can be re-split freely,
    /// so every new dimension must fall inside one chunk.
    /// </summary>
    private int[]? ViewStrides(int[] newShape)
    {
        if (Rank == 0 || Count == 0)
        {
            return null;
        }
        var newStrides = new int[newShape.Length];
        int viewD = newShape.Length - 1;
        long chunkBaseStride = strides[^1], tensorCount = 1, viewCount = 1;
        for (int d = Rank - 1; d >= 0; d--)
        {
            tensorCount *= shape[d];
            bool chunkEnds = d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorCount * chunkBaseStride);
            if (!chunkEnds)
            {
                continue;
            }
            while (viewD >= 0 && (viewCount < tensorCount || newShape[viewD] == 1))
            {
                newStrides[viewD] = (int)(viewCount * chunkBaseStride);
                viewCount *= newShape[viewD];
                viewD--;
            }
            if (viewCount != tensorCount)
            {
                return null;
            }
            if (d > 0)
            {
                chunkBaseStride = strides[d - 1];
                tensorCount = 1;
                viewCount = 1;
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    /// <summary>Checks a requested shape against the element count, filling in a single −1.</summary>
    private int[] ResolveShape(string op, ReadOnlySpan<int> newShape)
    {
        int[] resolved = newShape.ToArray();
        int inferred = -1;
        long known = 1;
        for (int d = 0; d < resolved.Length; d++)
        {
            if (resolved[d] == -1)
            {
                if (inferred >= 0)
                {
                    throw new ArgumentException($"{op}: shape {Shapes.Format(newShape)} has more than one −1");
                }
                inferred = d;
            }
            else if (resolved[d] < 0)
            {
                throw new ArgumentException($"{op}: shape {Shapes.Format(newShape)} has a negative size");
            }
            else
            {
                known *= resolved[d];
            }
        }
        if (inferred >= 0 && known != 0 && Count % known == 0)
        {
            resolved[inferred] = (int)(Count / known);
            known *= resolved[inferred];
        }
        if (known != Count || (inferred >= 0 && resolved[inferred] < 0))
        {
            throw new ArgumentException($"{op}: shape {Shapes.Format(newShape)} is invalid for a tensor of shape {Shapes.Format(shape)} ({Count} elements)");
        }
        return resolved;
    }

    /// <summary>Swaps two dimensions: element [.., i, .., j, ..] becomes [.., j, .., i, ..]. A view.</summary>
    public Tensor<T> Transpose(int dim0, int dim1)
    {
        int a = Shapes.NormalizeDim("transpose", dim0, Rank), b = Shapes.NormalizeDim("transpose", dim1, Rank);
        int[] order = Enumerable.Range(0, Rank).ToArray();
        (order[a], order[b]) = (order[b], order[a]);
        return Permute(order);
    }

    /// <summary>The matrix transpose of a 2-D tensor (<c>.T</c> in PyTorch). A view.</summary>
    public Tensor<T> Transpose()
    {
        if (Rank != 2)
        {
            throw new InvalidOperationException($"transpose: needs a 2-D tensor, got shape {Shapes.Format(shape)}; name the two dimensions to swap");
        }
        return Transpose(0, 1);
    }

    /// <summary>Reorders the dimensions: result dimension d is this tensor's dimension <c>dims[d]</c>. A view.</summary>
    public Tensor<T> Permute(params ReadOnlySpan<int> dims)
    {
        if (dims.Length != Rank)
        {
            throw new ArgumentException($"permute: {Shapes.Format(dims)} does not list the {Rank} dimensions of a tensor of shape {Shapes.Format(shape)}");
        }
        var seen = new bool[Rank];
        var newShape = new int[Rank];
        var newStrides = new int[Rank];
        for (int d = 0; d < Rank; d++)
        {
            int source = dims[d] < 0 ? dims[d] + Rank : dims[d];
            if (source < 0 || source >= Rank || seen[source])
            {
                throw new ArgumentException($"permute: {Shapes.Format(dims)} is not a permutation of the dimensions of a tensor of shape {Shapes.Format(shape)}");
            }
            seen[source] = true;
            newShape[d] = shape[source];
            newStrides[d] = strides[source];
        }
        return new Tensor<T>(storage, newShape, newStrides, offset);
    }

    /// <summary>
    /// Python's <c>x[start:end:step]</c> along one dimension (negative start/end count from the end, and are
    /// clamped to the size like Python). A view: the stride grows by <paramref name="step"/>.
    /// </summary>
    public Tensor<T> Slice(int dim, int start, int end, int step = 1)
    {
        int d = Shapes.NormalizeDim("slice", dim, Rank);
        if (step <= 0)
        {
            throw new ArgumentException($"slice: step must be positive, got {step}");
        }
        int size = shape[d];
        int s = Math.Clamp(start < 0 ? start + size : start, 0, size);
        int e = Math.Clamp(end < 0 ? end + size : end, 0, size);
        int length = e > s ? (e - s + step - 1) / step : 0;
        int[] newShape = ShapeArray();
        int[] newStrides = (int[])strides.Clone();
        newShape[d] = length;
        newStrides[d] = strides[d] * step;
        return new Tensor<T>(storage, newShape, newStrides, offset + (length > 0 ? s * strides[d] : 0));
    }

    /// <summary>
    /// <paramref name="length"/> elements from <paramref name="start"/> along one dimension (<c>torch.narrow</c>);
    /// unlike <see cref="Slice"/> it never clamps: out-of-range bounds are an error. A view.
    /// </summary>
    public Tensor<T> Narrow(int dim, int start, int length)
    {
        int d = Shapes.NormalizeDim("narrow", dim, Rank);
        if (start < 0 || length < 0 || start > shape[d] || length > shape[d] - start)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"narrow: start {start} and length {length} do not fit dimension {dim} of size {shape[d]} (shape {Shapes.Format(shape)})");
        }
        return Slice(d, start, start + length);
    }

    /// <summary>
    /// Broadcasts to a larger shape without copying (<c>torch.expand</c>): size-1 dimensions stretch by
    /// taking stride 0, and new dimensions may be added on the left. −1 keeps a size.
    /// </summary>
    public Tensor<T> Expand(params ReadOnlySpan<int> newShape)
    {
        if (newShape.Length < Rank)
        {
            throw new ArgumentException($"expand: cannot expand shape {Shapes.Format(shape)} to fewer dimensions {Shapes.Format(newShape)}");
        }
        int lead = newShape.Length - Rank;
        var outShape = new int[newShape.Length];
        var outStrides = new int[newShape.Length];
        for (int d = 0; d < newShape.Length; d++)
        {
            int target = newShape[d];
            if (d < lead)
            {
                if (target < 0)
                {
                    throw new ArgumentException($"expand: size {target} is not allowed for a new leading dimension in {Shapes.Format(newShape)}");
                }
                outShape[d] = target;
                outStrides[d] = 0;
                continue;
            }
            int own = shape[d - lead];
            if (target == -1 || target == own)
            {
                outShape[d] = own;
                outStrides[d] = strides[d - lead];
            }
            else if (own == 1 && target >= 0)
            {
                outShape[d] = target;
                outStrides[d] = 0;
            }
            else
            {
                throw new ArgumentException($"expand: shape {Shapes.Format(shape)} cannot be expanded to {Shapes.Format(newShape)} (dimension {d}: {own} vs {target})");
            }
        }
        return new Tensor<T>(storage, outShape, outStrides, offset);
    }

    /// <summary>Same as <see cref="Expand"/>: NumPy's name for it.</summary>
    public Tensor<T> BroadcastTo(params ReadOnlySpan<int> newShape) => Expand(newShape);

    /// <summary>Removes dimension <paramref name="dim"/>, which must have size 1. A view.</summary>
    public Tensor<T> Squeeze(int dim)
    {
        int d = Shapes.NormalizeDim("squeeze", dim, Rank);
        if (shape[d] != 1)
        {
            throw new ArgumentException($"squeeze: dimension {dim} of shape {Shapes.Format(shape)} has size {shape[d]}, not 1");
        }
        var newShape = shape.Where((_, i) => i != d).ToArray();
        var newStrides = strides.Where((_, i) => i != d).ToArray();
        return new Tensor<T>(storage, newShape, newStrides, offset);
    }

    /// <summary>Removes every dimension of size 1. A view.</summary>
    public Tensor<T> Squeeze()
    {
        var keep = Enumerable.Range(0, Rank).Where(d => shape[d] != 1).ToArray();
        return new Tensor<T>(storage, keep.Select(d => shape[d]).ToArray(), keep.Select(d => strides[d]).ToArray(), offset);
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (which may be Rank, or negative). A view.</summary>
    public Tensor<T> Unsqueeze(int dim)
    {
        int d = Shapes.NormalizeDim("unsqueeze", dim, Rank + 1);
        var newShape = shape.ToList();
        var newStrides = strides.ToList();
        newShape.Insert(d, 1);
        newStrides.Insert(d, d < Rank ? strides[d] * shape[d] : 1);
        return new Tensor<T>(storage, [.. newShape], [.. newStrides], offset);
    }

    /// <summary>
    /// This tensor in row-major order in its own storage: itself when already contiguous (as in PyTorch),
    /// otherwise a copy. Use <see cref="Clone"/> for a copy that is never shared.
    /// </summary>
    public Tensor<T> Contiguous()
    {
        if (IsContiguous)
        {
            return this;
        }
        var data = GC.AllocateUninitializedArray<T>(Count); // every element is copied in
        Kernels.Copy.Strided(this, data);
        return new Tensor<T>(data, ShapeArray());
    }
}
