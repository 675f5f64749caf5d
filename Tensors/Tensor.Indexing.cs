using Scratch.Tensors.Kernels;

namespace Scratch.Tensors;

// Gathering and joining: pick slices by index, scatter-add them back, concatenate, stack and split.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// The slices at <paramref name="indices"/> along <paramref name="dim"/>, in that order
    /// (<c>torch.index_select</c>): out[…, i, …] = x[…, indices[i], …]. With dim 0 on an embedding table
    /// (V, C) this is the lookup of a list of token ids, giving (len, C).
    /// </summary>
    public Tensor<T> IndexSelect(int dim, ReadOnlySpan<int> indices)
    {
        int d = Shapes.NormalizeDim("index_select", dim, Rank);
        CheckIndices("index_select", d, indices);
        int[] outShape = ShapeArray();
        outShape[d] = indices.Length;
        var result = new Tensor<T>(GC.AllocateUninitializedArray<T>(Shapes.Count(outShape)), outShape); // every slice is copied in
        if (IsContiguous)
        {
            // The same copies, a row at a time: for each index of the dimensions before d (o), slice indices[i] is
            // `inner` numbers side by side (an embedding lookup: one row of the table per token).
            var (outer, inner) = AroundDim(d);
            int picked = indices.Length;
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < picked; i++)
                {
                    storage.AsSpan(offset + (o * shape[d] + indices[i]) * inner, inner).CopyTo(result.storage.AsSpan((o * picked + i) * inner, inner));
                }
            }
            return result;
        }
        for (int i = 0; i < indices.Length; i++)
        {
            Copy.Into(Narrow(d, indices[i], 1), result.Narrow(d, i, 1));
        }
        return result;
    }

    /// <summary>
    /// A copy of this tensor with the slices of <paramref name="source"/> added at <paramref name="indices"/>
    /// (<c>torch.index_add</c>): out[…, indices[i], …] += source[…, i, …]. A repeated index receives every
    /// slice sent to it; this is the backward pass of <see cref="IndexSelect"/> (scatter-add).
    /// </summary>
    public Tensor<T> IndexAdd(int dim, ReadOnlySpan<int> indices, Tensor<T> source)
    {
        int d = Shapes.NormalizeDim("index_add", dim, Rank);
        CheckIndices("index_add", d, indices);
        int[] expected = ShapeArray();
        expected[d] = indices.Length;
        if (!Shapes.Equal(expected, source.Shape))
        {
            throw new ArgumentException($"index_add: source of shape {Shapes.Format(source.Shape)} does not match {Shapes.Format(expected)} ({indices.Length} indices into dimension {d} of {Shapes.Format(shape)})");
        }
        var result = Clone(); // contiguous
        if (source.IsContiguous)
        {
            // The same sums, a row at a time (the embedding's backward: each token's gradient row into its row of the
            // table), in the same order of i, so a repeated index gets its slices added in the same order.
            var (outer, inner) = AroundDim(d);
            int sent = indices.Length;
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < sent; i++)
                {
                    var row = result.storage.AsSpan((o * shape[d] + indices[i]) * inner, inner);
                    Elementwise.AddRow(row, source.storage.AsSpan(source.offset + (o * sent + i) * inner, inner));
                }
            }
            return result;
        }
        for (int i = 0; i < indices.Length; i++)
        {
            var slot = result.Narrow(d, indices[i], 1);
            Copy.Into(slot + source.Narrow(d, i, 1), slot);
        }
        return result;
    }

    /// <summary>(outer, inner): the number of elements of the dimensions before <paramref name="d"/>, and after it.</summary>
    private (int Outer, int Inner) AroundDim(int d) => (Shapes.Count(shape.AsSpan(0, d)), Shapes.Count(shape.AsSpan(d + 1)));

    private void CheckIndices(string op, int d, ReadOnlySpan<int> indices)
    {
        foreach (int index in indices)
        {
            if (index < 0 || index >= shape[d])
            {
                throw new IndexOutOfRangeException($"{op}: index {index} is out of range for dimension {d} of size {shape[d]} (shape {Shapes.Format(shape)})");
            }
        }
    }

    /// <summary>
    /// Joins tensors along an existing dimension (<c>torch.cat</c>); all other sizes must agree.
    /// [2,3] and [4,3] along 0 give [6,3].
    /// </summary>
    public static Tensor<T> Concat(IReadOnlyList<Tensor<T>> tensors, int dim)
    {
        if (tensors.Count == 0)
        {
            throw new ArgumentException("concat: needs at least one tensor");
        }
        var first = tensors[0];
        int d = Shapes.NormalizeDim("concat", dim, first.Rank);
        int total = 0;
        foreach (var t in tensors)
        {
            bool fits = t.Rank == first.Rank;
            for (int i = 0; fits && i < t.Rank; i++)
            {
                fits = i == d || t.shape[i] == first.shape[i];
            }
            if (!fits)
            {
                throw new ArgumentException($"concat: shapes {string.Join(", ", tensors.Select(x => Shapes.Format(x.Shape)))} must match except in dimension {dim}");
            }
            total += t.shape[d];
        }
        int[] outShape = first.ShapeArray();
        outShape[d] = total;
        var result = new Tensor<T>(GC.AllocateUninitializedArray<T>(Shapes.Count(outShape)), outShape); // the pieces cover it
        int at = 0;
        foreach (var t in tensors)
        {
            Copy.Into(t, result.Narrow(d, at, t.shape[d]));
            at += t.shape[d];
        }
        return result;
    }

    /// <summary>Joins tensors of one shape along a new dimension (<c>torch.stack</c>): n tensors [3,4] along 0 give [n,3,4].</summary>
    public static Tensor<T> Stack(IReadOnlyList<Tensor<T>> tensors, int dim)
    {
        if (tensors.Count == 0)
        {
            throw new ArgumentException("stack: needs at least one tensor");
        }
        foreach (var t in tensors)
        {
            if (!Shapes.Equal(t.Shape, tensors[0].Shape))
            {
                throw new ArgumentException($"stack: every tensor must have the same shape, got {string.Join(", ", tensors.Select(x => Shapes.Format(x.Shape)))}");
            }
        }
        int d = Shapes.NormalizeDim("stack", dim, tensors[0].Rank + 1);
        return Concat(tensors.Select(t => t.Unsqueeze(d)).ToArray(), d);
    }

    /// <summary>
    /// Views of consecutive pieces of <paramref name="sizes"/>[i] elements along <paramref name="dim"/>
    /// (<c>torch.split</c> with a list); the sizes must add up to the dimension's size.
    /// </summary>
    public Tensor<T>[] Split(int[] sizes, int dim)
    {
        int d = Shapes.NormalizeDim("split", dim, Rank);
        if (sizes.Any(s => s < 0) || sizes.Sum() != shape[d])
        {
            throw new ArgumentException($"split: sizes {Shapes.Format(sizes)} do not add up to dimension {dim} of shape {Shapes.Format(shape)}");
        }
        var pieces = new Tensor<T>[sizes.Length];
        int at = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            pieces[i] = Narrow(d, at, sizes[i]);
            at += sizes[i];
        }
        return pieces;
    }

    /// <summary>
    /// Views of pieces of <paramref name="size"/> elements along <paramref name="dim"/> (the last may be
    /// shorter), as <c>torch.split</c> with an int. Splitting c_attn's output (B, T, 3C) by C gives q, k, v.
    /// </summary>
    public Tensor<T>[] Split(int size, int dim)
    {
        int d = Shapes.NormalizeDim("split", dim, Rank);
        if (size <= 0)
        {
            throw new ArgumentException($"split: piece size must be positive, got {size}");
        }
        int n = shape[d];
        var sizes = Enumerable.Range(0, (n + size - 1) / size).Select(i => Math.Min(size, n - i * size)).ToArray();
        return Split(sizes, d);
    }
}
