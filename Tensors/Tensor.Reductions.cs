using Scratch.Tensors.Kernels;

namespace Scratch.Tensors;

// Reductions: fold one or more dimensions away (or keep them as size 1 with keepDim).
public sealed partial class Tensor<T>
{
    /// <summary>Σ of every element, as a scalar tensor (shape []).</summary>
    public Tensor<T> Sum() => Reduce("sum", AllDims(), false, new SumReduce<T>());

    /// <summary>Σ over dimension <paramref name="dim"/>: out[…, j, …] = Σᵢ x[…, i, j, …].</summary>
    public Tensor<T> Sum(int dim, bool keepDim = false) => Reduce("sum", [dim], keepDim, new SumReduce<T>());

    /// <summary>Σ over several dimensions at once.</summary>
    public Tensor<T> Sum(int[] dims, bool keepDim = false) => Reduce("sum", dims, keepDim, new SumReduce<T>());

    /// <summary>The mean of every element: Σx / n.</summary>
    public Tensor<T> Mean() => Mean(AllDims());

    /// <summary>The mean over one dimension: Σᵢ x[…, i, …] / n.</summary>
    public Tensor<T> Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>The mean over several dimensions: their sum divided by how many elements were summed.</summary>
    public Tensor<T> Mean(int[] dims, bool keepDim = false)
    {
        var sum = Reduce("mean", dims, keepDim, new SumReduce<T>());
        int n = sum.Count == 0 ? 0 : Count / sum.Count;
        return sum / T.CreateChecked(n);
    }

    /// <summary>The largest element, as a scalar tensor.</summary>
    public Tensor<T> Max() => Reduce("max", AllDims(), false, new MaxReduce<T>());

    /// <summary>The largest element along a dimension (the values; see <see cref="ArgMax(int, bool)"/> for where).</summary>
    public Tensor<T> Max(int dim, bool keepDim = false) => Reduce("max", [dim], keepDim, new MaxReduce<T>());

    /// <summary>The largest element over several dimensions (<c>torch.amax</c>).</summary>
    public Tensor<T> Max(int[] dims, bool keepDim = false) => Reduce("max", dims, keepDim, new MaxReduce<T>());

    /// <summary>The smallest element, as a scalar tensor.</summary>
    public Tensor<T> Min() => Reduce("min", AllDims(), false, new MinReduce<T>());

    /// <summary>The smallest element along a dimension.</summary>
    public Tensor<T> Min(int dim, bool keepDim = false) => Reduce("min", [dim], keepDim, new MinReduce<T>());

    /// <summary>The smallest element over several dimensions (<c>torch.amin</c>).</summary>
    public Tensor<T> Min(int[] dims, bool keepDim = false) => Reduce("min", dims, keepDim, new MinReduce<T>());

    /// <summary>
    /// The variance over dimensions: Σ (x − mean)² / (n − correction). The default correction 1 is the
    /// unbiased estimate, as in <c>torch.var</c>; layer norm uses correction 0.
    /// </summary>
    public Tensor<T> Variance(int[] dims, bool keepDim = false, int correction = 1)
    {
        foreach (int dim in dims)
        {
            Shapes.NormalizeDim("variance", dim, Rank); // so that a bad dimension is reported as variance's, not mean's
        }
        var mean = Mean(dims, keepDim: true);
        var centered = this - mean;
        var squares = Reduce("variance", dims, keepDim, new SumReduce<T>(), centered * centered);
        int n = squares.Count == 0 ? 0 : Count / squares.Count;
        return squares / T.CreateChecked(Math.Max(n - correction, 0));
    }

    /// <summary>The variance over one dimension (correction 1 by default).</summary>
    public Tensor<T> Variance(int dim, bool keepDim = false, int correction = 1) => Variance([dim], keepDim, correction);

    /// <summary>
    /// Where the largest element along <paramref name="dim"/> is: its index (the first on ties), stored as a
    /// number of type T (exact below 2²⁴ for float).
    /// </summary>
    public Tensor<T> ArgMax(int dim, bool keepDim = false)
    {
        int d = Shapes.NormalizeDim("argmax", dim, Rank);
        if (shape[d] == 0)
        {
            throw new ArgumentException($"argmax: dimension {dim} of shape {Shapes.Format(shape)} is empty");
        }
        // Move the dimension last so each answer comes from one contiguous row.
        var moved = Transpose(d, -1).Contiguous();
        int n = shape[d], rows = moved.Count / n;
        var result = new T[rows];
        T[] s = moved.storage;
        int o = moved.offset;
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int i = 1; i < n; i++)
            {
                if (s[o + r * n + i] > s[o + r * n + best] || (T.IsNaN(s[o + r * n + i]) && !T.IsNaN(s[o + r * n + best])))
                {
                    best = i;
                }
            }
            result[r] = T.CreateChecked(best);
        }
        int[] movedShape = moved.ShapeArray();
        movedShape[^1] = 1;
        var indices = new Tensor<T>(result, movedShape).Transpose(d, -1);
        return keepDim ? indices.Contiguous() : indices.Squeeze(d).Contiguous();
    }

    /// <summary>The flat row-major index of the largest element.</summary>
    public int ArgMax() => int.CreateChecked(Reshape(-1).ArgMax(0).Item());

    private int[] AllDims() => Enumerable.Range(0, Rank).ToArray();

    /// <summary>
    /// Folds the given dimensions with op. The fast paths need no copy: reduced dimensions at the end
    /// (fold each row) or at the start (fold each column) of a contiguous tensor; any other layout is
    /// first permuted to put them at the end and copied.
    /// </summary>
    private Tensor<T> Reduce<TOp>(string op, int[] dims, bool keepDim, TOp fold, Tensor<T>? input = null)
        where TOp : struct, IReduceOp<T>
    {
        var x = input ?? this;
        bool[] reduced = new bool[Rank];
        foreach (int dim in dims)
        {
            int d = Shapes.NormalizeDim(op, dim, Rank);
            if (reduced[d])
            {
                throw new ArgumentException($"{op}: dimension {dim} appears twice in {Shapes.Format(dims)}");
            }
            reduced[d] = true;
        }
        int[] outShape = Enumerable.Range(0, Rank).Where(d => keepDim || !reduced[d]).Select(d => reduced[d] ? 1 : shape[d]).ToArray();
        int inner = Enumerable.Range(0, Rank).Where(d => reduced[d]).Aggregate(1, (p, d) => p * shape[d]);
        int outer = Count == 0 ? Shapes.Count(outShape) : Count / Math.Max(inner, 1);
        var result = new T[Shapes.Count(outShape)];
        if (inner == 0)
        {
            Array.Fill(result, fold.Identity);
            return new Tensor<T>(result, outShape);
        }
        int firstReduced = Array.IndexOf(reduced, true), lastKept = Array.LastIndexOf(reduced, false);
        bool trailing = firstReduced < 0 || lastKept < firstReduced;
        bool leading = !trailing && Array.IndexOf(reduced, false) > Array.LastIndexOf(reduced, true);
        if (leading && x.IsContiguous)
        {
            Reductions.Columns(x.storage, x.offset, inner, outer, result, fold);
        }
        else
        {
            int[] keptThenReduced = [.. Enumerable.Range(0, Rank).Where(d => !reduced[d]), .. Enumerable.Range(0, Rank).Where(d => reduced[d])];
            var source = (trailing ? x : x.Permute(keptThenReduced)).Contiguous();
            Reductions.Rows(source.storage, source.offset, outer, inner, result, fold);
        }
        return new Tensor<T>(result, outShape);
    }
}
