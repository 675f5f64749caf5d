using System.Numerics;

namespace Scratch.Tensors;

/// <summary>
/// An n-dimensional array of numbers: a flat storage array, a shape, strides and an offset.
/// Element (i₀, i₁, …, iₖ) lives at <c>Storage[Offset + i₀·Strides[0] + i₁·Strides[1] + … + iₖ·Strides[k]]</c>.
/// Views (transpose, slice, expand, …) share the storage and only change shape, strides and offset;
/// <see cref="Contiguous"/> copies into a fresh row-major array.
/// </summary>
/// <typeparam name="T"><c>float</c> for training, <c>double</c> for gradient checks.</typeparam>
public sealed partial class Tensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] storage;
    private readonly int[] shape;
    private readonly int[] strides;
    private readonly int offset;

    /// <summary>Wraps existing storage as a tensor of the given shape, strides and offset (no copy).</summary>
    internal Tensor(T[] storage, int[] shape, int[] strides, int offset)
    {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        Count = Shapes.Count(shape);
    }

    /// <summary>A new row-major tensor over <paramref name="storage"/> (no copy).</summary>
    internal Tensor(T[] storage, int[] shape) : this(storage, shape, Shapes.RowMajorStrides(shape), 0)
    {
    }

    /// <summary>The size of each dimension, outermost first. A scalar has shape [].</summary>
    public ReadOnlySpan<int> Shape => shape;

    /// <summary>How many storage elements one step along each dimension moves (0 for a broadcast dimension).</summary>
    public ReadOnlySpan<int> Strides => strides;

    /// <summary>Where element (0, 0, …) sits in <see cref="Storage"/>.</summary>
    public int Offset => offset;

    /// <summary>The flat array the elements live in, possibly shared with other views.</summary>
    public T[] Storage => storage;

    /// <summary>The number of dimensions.</summary>
    public int Rank => shape.Length;

    /// <summary>The number of elements: the product of the shape.</summary>
    public int Count { get; }

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => shape[Shapes.NormalizeDim("size", dim, Rank)];

    /// <summary>A copy of the shape, for code that needs to keep it.</summary>
    public int[] ShapeArray() => (int[])shape.Clone();

    /// <summary>
    /// True when the elements sit in row-major order with no gaps, starting at <see cref="Offset"/>:
    /// then the tensor is one flat span of storage. Dimensions of size 1 may have any stride, and an
    /// empty tensor is always contiguous (as in PyTorch).
    /// </summary>
    public bool IsContiguous
    {
        get
        {
            if (Count == 0)
            {
                return true;
            }
            int expected = 1;
            for (int d = Rank - 1; d >= 0; d--)
            {
                if (shape[d] != 1 && strides[d] != expected)
                {
                    return false;
                }
                expected *= shape[d];
            }
            return true;
        }
    }

    /// <summary>The elements as one span of storage. Throws unless the tensor <see cref="IsContiguous"/>.</summary>
    public Span<T> AsSpan()
    {
        if (!IsContiguous)
        {
            throw new InvalidOperationException($"as_span: tensor of shape {Shapes.Format(shape)} with strides {Shapes.Format(strides)} is not contiguous; call Contiguous() first");
        }
        return storage.AsSpan(offset, Count);
    }

    /// <summary>The storage index of the element at <paramref name="index"/>, checking every index against the shape.</summary>
    private int StorageIndex(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"index: {index.Length} indices given for a tensor of shape {Shapes.Format(shape)}");
        }
        int at = offset;
        for (int d = 0; d < Rank; d++)
        {
            int i = index[d] < 0 ? index[d] + shape[d] : index[d];
            if (i < 0 || i >= shape[d])
            {
                throw new IndexOutOfRangeException($"index: index {index[d]} is out of range for dimension {d} of size {shape[d]} (shape {Shapes.Format(shape)})");
            }
            at += i * strides[d];
        }
        return at;
    }

    /// <summary>Reads or writes one element; negative indices count from the end, as in Python.</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public T this[params ReadOnlySpan<int> index]
    {
        get => storage[StorageIndex(index)];
        set => storage[StorageIndex(index)] = value;
    }

    /// <summary>The single value of a one-element tensor (PyTorch's <c>.item()</c>).</summary>
    public T Item()
    {
        if (Count != 1)
        {
            throw new InvalidOperationException($"item: a tensor of shape {Shapes.Format(shape)} has {Count} elements, not 1");
        }
        return storage[offset];
    }

    /// <summary>The elements in row-major order, as a new array.</summary>
    public T[] ToArray() => IsContiguous ? AsSpan().ToArray() : Contiguous().storage;

    /// <summary>The storage offset of the first element of row <paramref name="row"/>, where a row runs along the last dimension.</summary>
    internal int RowOffset(int row)
    {
        int at = offset;
        for (int d = Rank - 2; d >= 0; d--)
        {
            int size = shape[d];
            at += row % size * strides[d];
            row /= size;
        }
        return at;
    }

    /// <summary>The number of rows (elements divided by the last dimension's size; 1 for a scalar).</summary>
    internal int RowCount => Rank == 0 ? 1 : (shape[^1] == 0 ? 0 : Count / shape[^1]);

    /// <summary>The length of a row: the last dimension's size (1 for a scalar).</summary>
    internal int RowLength => Rank == 0 ? 1 : shape[^1];

    /// <summary>The stride along a row: the last dimension's stride (1 for a scalar).</summary>
    internal int RowStride => Rank == 0 ? 1 : strides[^1];
}
