namespace Scratch.Tensors;

/// <summary>
/// Small helpers for shapes and strides: the bookkeeping every op needs before it touches a number.
/// A shape lists the size of each dimension, outermost first; row-major strides say how many storage
/// elements to step to move one index along each dimension, so the last dimension has stride 1.
/// </summary>
public static class Shapes
{
    /// <summary>Formats a shape the way error messages print it: <c>[12,64]</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    /// <summary>
    /// The number of elements of a shape: the product of its sizes (1 for a scalar, shape []). Too many
    /// elements is an error naming <paramref name="op"/> when given.
    /// </summary>
    public static int Count(ReadOnlySpan<int> shape, string? op = null)
    {
        long n = 1;
        foreach (int s in shape)
        {
            n *= s;
        }
        if (n > int.MaxValue)
        {
            throw new ArgumentException($"{(op is null ? "" : op + ": ")}shape {Format(shape)} has {n} elements, more than a tensor can hold ({int.MaxValue})");
        }
        return (int)n;
    }

    /// <summary>Row-major strides: stride[d] = shape[d+1] · shape[d+2] · … · shape[rank−1].</summary>
    public static int[] RowMajorStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    /// <summary>
    /// Turns a possibly negative dimension (−1 is the last) into an index in [0, rank), or throws an
    /// error naming the op.
    /// </summary>
    public static int NormalizeDim(string op, int dim, int rank)
    {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dimension {dim} is out of range for a tensor of rank {rank}");
        }
        return d;
    }

    /// <summary>
    /// NumPy broadcasting: align the shapes on the right; each pair of sizes must be equal or one of them 1,
    /// and the result takes the larger. [3,1,5] and [4,5] give [3,4,5].
    /// </summary>
    public static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int sa = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int sb = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (sa != sb && sa != 1 && sb != 1)
            {
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (dimension {i}: {sa} vs {sb})");
            }
            result[i] = sa == 1 ? sb : sa;
        }
        return result;
    }

    /// <summary>True when both shapes have the same rank and sizes.</summary>
    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
