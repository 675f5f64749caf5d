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
    public static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b) => MatMul(a, b, destination: null, reference: false);

    /// <summary>This tensor times <paramref name="other"/> (see <see cref="MatMul(Tensor{T}, Tensor{T})"/>).</summary>
    public Tensor<T> MatMul(Tensor<T> other) => MatMul(this, other);

    /// <summary>
    /// The same product written into <paramref name="destination"/>, as <c>torch.matmul(a, b, out=destination)</c>,
    /// which it returns. The destination has the result's shape, its last dimension contiguous (stride 1) and any
    /// other strides, so a view receives the product where it lies: attention writes its heads' outputs (B, H, T, hs)
    /// into a (B, T, H, hs) tensor, read back as (B, T, C) without a copy. It may not share storage with a or b.
    /// </summary>
    public static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b, Tensor<T> destination) =>
        MatMul(a, b, destination ?? throw new ArgumentNullException(nameof(destination)), reference: false);

    /// <summary>
    /// The same product, with A known to hold zeros on one side of its diagonal in its last two dimensions (causal
    /// attention's weights, or their transpose), so that the fast kernel skips the blocks of terms they give: the same
    /// numbers for such an A. Not checked: for callers whose A has the zeros by construction.
    /// </summary>
    internal static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b, Tensor<T>? destination, ATriangle aTriangle) =>
        MatMul(a, b, destination, reference: false, aTriangle);

    /// <summary>The same product computed by the plain three-loop reference kernel.</summary>
    internal static Tensor<T> MatMulReference(Tensor<T> a, Tensor<T> b) => MatMul(a, b, destination: null, reference: true);

    private static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b, Tensor<T>? destination, bool reference, ATriangle aTriangle = ATriangle.None)
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
        int[] batchShape;
        try
        {
            batchShape = Shapes.Broadcast("matmul", a2.Shape[..^2], b2.Shape[..^2]);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"matmul: batch dimensions of {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)} cannot be broadcast together");
        }
        // The destination as the product's (…, M, N): the dimensions a 1-D operand drops, put back.
        var c2 = destination is null ? null : ProductView(destination, a, b, [.. batchShape, m, n]);
        // A contiguous destination folds as one (…·M, N) view; any other takes one product per batch entry below.
        if (b2.Rank == 2 && a2.Rank > 2 && (c2 is null || c2.IsContiguous) && aTriangle == ATriangle.None)
        {
            // (…, M, K) · (K, N), a Linear layer on a batch: one product (…·M, K) · (K, N) instead of one per
            // batch index, so the kernel sees a tall matrix it can block and split over the cores.
            var folded = MatMul(a2.Reshape(-1, k), b2, c2?.Reshape(-1, n), reference); // (…·M, N)
            var unfolded = folded.Reshape([.. a2.Shape[..^1], n]);                     // (…, M, N)
            return destination ?? WithoutAddedDims(unfolded, a, b);
        }
        var ae = a2.Expand([.. batchShape, m, k]); // (…, M, K)
        var be = b2.Expand([.. batchShape, k, n]); // (…, K, N)
        c2 ??= new Tensor<T>(GC.AllocateUninitializedArray<T>(Shapes.Count(batchShape) * m * n), [.. batchShape, m, n]); // both kernels write every element of C
        var problem = new MatMulProblem<T>(m, n, k,
            ae.storage, BatchOffsets(ae, batchShape), ae.strides[^2], ae.strides[^1],
            be.storage, BatchOffsets(be, batchShape), be.strides[^2], be.strides[^1],
            c2.storage, BatchOffsets(c2, batchShape), c2.strides[^2])
        {
            ATriangle = aTriangle, // zeros the kernel may skip (causal attention's weights)
        };
        if (reference)
        {
            Kernels.MatMulReference.Run(problem);
        }
        else
        {
            MatMulFast.Run(problem);
        }
        return destination ?? WithoutAddedDims(c2, a, b); // (…, M, N), less what a 1-D operand added
    }

    /// <summary>The product c (…, M, N) without the dimension a 1-D a (M = 1) or a 1-D b (N = 1) added.</summary>
    private static Tensor<T> WithoutAddedDims(Tensor<T> c, Tensor<T> a, Tensor<T> b)
    {
        var squeezed = a.Rank == 1 ? c.Squeeze(-2) : c;
        return b.Rank == 1 ? squeezed.Squeeze(-1) : squeezed;
    }

    /// <summary>
    /// <paramref name="destination"/> seen as the product's full shape (…, M, N), after checking that it can receive
    /// a · b: the result's shape, a contiguous last dimension, no two elements in one place, no storage shared with
    /// an operand (the kernels read the operands while they write).
    /// </summary>
    private static Tensor<T> ProductView(Tensor<T> destination, Tensor<T> a, Tensor<T> b, int[] full)
    {
        var expected = full.Where((_, d) => !(a.Rank == 1 && d == full.Length - 2) && !(b.Rank == 1 && d == full.Length - 1)).ToArray();
        string what = $"matmul: the destination of {Shapes.Format(a.Shape)} · {Shapes.Format(b.Shape)}";
        if (!Shapes.Equal(destination.Shape, expected))
        {
            throw new ArgumentException($"{what} must have shape {Shapes.Format(expected)}, got {Shapes.Format(destination.Shape)}");
        }
        var c = b.Rank == 1 ? destination.Unsqueeze(-1) : destination; // (…, M) → (…, M, 1)
        c = a.Rank == 1 ? c.Unsqueeze(-2) : c;                         // (…, N) → (…, 1, N)
        if (c.Size(-1) > 1 && c.strides[^1] != 1)
        {
            throw new ArgumentException($"{what} needs its last dimension contiguous (stride 1), got strides {Shapes.Format(destination.Strides)}");
        }
        if (!c.NoElementRepeated())
        {
            throw new ArgumentException($"{what} has elements that share a place in storage (strides {Shapes.Format(destination.Strides)} for shape {Shapes.Format(destination.Shape)})");
        }
        if (ReferenceEquals(destination.storage, a.storage) || ReferenceEquals(destination.storage, b.storage))
        {
            throw new ArgumentException($"{what} shares storage with an operand");
        }
        return c;
    }

    /// <summary>
    /// True when no two elements sit at the same place of storage: taken from the smallest stride up, each dimension's
    /// stride steps past everything the dimensions inside it cover (size-1 dimensions do not count).
    /// </summary>
    private bool NoElementRepeated()
    {
        int covered = 1; // how far the dimensions seen so far reach in storage, plus one
        foreach (int d in Enumerable.Range(0, Rank).Where(d => shape[d] > 1).OrderBy(d => Math.Abs(strides[d])))
        {
            if (Math.Abs(strides[d]) < covered)
            {
                return false;
            }
            covered = Math.Abs(strides[d]) * (shape[d] - 1) + covered;
        }
        return true;
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
