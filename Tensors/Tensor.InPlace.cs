namespace Scratch.Tensors;

// In-place updates, for accumulating gradients and stepping optimisers without new allocations.
// Each needs a contiguous destination, so that a write can never land in a shared broadcast element.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// this += other, with other broadcast to this tensor's shape. This tensor may also be a view whose rows
    /// are contiguous and do not overlap (a block of columns, x.Narrow(-1, …)): each row is updated in place.
    /// </summary>
    public void AddInPlace(Tensor<T> other)
    {
        bool rowsWritable = !IsContiguous && RowStride == 1 && !strides.Contains(0);
        if (!rowsWritable)
        {
            WritableSpan("add_");
        }
        if (!Shapes.Equal(Shapes.Broadcast("add_", shape, other.shape), shape))
        {
            throw new ArgumentException($"add_: a tensor of shape {Shapes.Format(other.shape)} cannot be added into one of shape {Shapes.Format(shape)}");
        }
        other = CopyIfShared(other);
        if (rowsWritable)
        {
            Kernels.Elementwise.BinaryIntoRows(this, other.Expand(shape), new Kernels.AddOp<T>());
            return;
        }
        Kernels.Elementwise.Binary(this, other.Expand(shape), storage, offset, new Kernels.AddOp<T>());
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public void Fill(T value) => WritableSpan("fill_").Fill(value);

    /// <summary>Copies <paramref name="source"/> (broadcast to this shape) into this tensor.</summary>
    public void CopyFrom(Tensor<T> source)
    {
        WritableSpan("copy_");
        if (!Shapes.Equal(Shapes.Broadcast("copy_", shape, source.shape), shape))
        {
            throw new ArgumentException($"copy_: a tensor of shape {Shapes.Format(source.shape)} cannot be copied into one of shape {Shapes.Format(shape)}");
        }
        Kernels.Copy.Into(CopyIfShared(source).Expand(shape), this);
    }

    /// <summary>
    /// A source that is a view of this tensor's own storage (x += xᵀ) would be read after the kernel had
    /// already overwritten part of it, so such a source is copied first.
    /// </summary>
    private Tensor<T> CopyIfShared(Tensor<T> source) => ReferenceEquals(source.storage, storage) ? source.Clone() : source;

    private Span<T> WritableSpan(string op)
    {
        if (!IsContiguous)
        {
            throw new InvalidOperationException($"{op}: in-place updates need a contiguous tensor, got shape {Shapes.Format(shape)} with strides {Shapes.Format(strides)}");
        }
        return storage.AsSpan(offset, Count);
    }
}
