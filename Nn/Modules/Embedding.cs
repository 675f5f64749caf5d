using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Modules;

/// <summary>
/// A lookup table: row i of the weight (num, dim) is the vector of token i. Looking up ids of shape
/// (B, T) gives (B, T, dim); the backward pass adds each position's gradient into its token's row.
/// Starts N(0, 1) as in PyTorch.
/// </summary>
public sealed class Embedding<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A table of <paramref name="count"/> vectors of size <paramref name="dim"/>.</summary>
    public Embedding(int count, int dim, Rng rng)
    {
        if (count <= 0 || dim <= 0)
        {
            throw new ArgumentException($"embedding: sizes must be positive, got {count} entries of size {dim}");
        }
        Count = count;
        Dim = dim;
        Weight = RegisterParameter("weight", Tensor<T>.Randn(rng, count, dim));
    }

    /// <summary>The number of entries (the vocabulary size for tokens).</summary>
    public int Count { get; }

    /// <summary>The size of each vector.</summary>
    public int Dim { get; }

    /// <summary>The table, shape (count, dim).</summary>
    public Var<T> Weight { get; }

    /// <summary>The vectors of <paramref name="ids"/>, reshaped to <paramref name="shape"/> + (dim); ids are read row-major.</summary>
    public Var<T> Forward(int[] ids, params int[] shape)
    {
        foreach (int id in ids)
        {
            if (id < 0 || id >= Count)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"embedding: id {id} is outside the table of {Count} entries");
            }
        }
        if (Shapes.Count(shape) != ids.Length)
        {
            throw new ArgumentException($"embedding: {ids.Length} ids cannot have shape {Shapes.Format(shape)}");
        }
        return Weight.IndexSelect(0, ids).Reshape([.. shape, Dim]); // (N, dim) → (…, dim)
    }
}
