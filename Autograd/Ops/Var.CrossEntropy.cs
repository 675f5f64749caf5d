using Scratch.Autograd.Kernels;
using Scratch.Tensors;

namespace Scratch.Autograd;

// Cross-entropy from logits, fused with its softmax: one pass over each row forward, one backward. Three versions
// compute it, each tested equal to the next: Composite.CrossEntropy (Composites/), made of primitive ops, whose
// gradient comes for free; CrossEntropyReference (Kernels/), the backward derived by hand in plain loops; and
// CrossEntropyFast (Kernels/), the same numbers with SIMD rows on all cores, which this op runs.
//
// Dimensions: N rows (B·T positions flattened), V classes (the vocabulary).
//   logits z (N, V) or (B, T, V)      targets y (N)      loss L ()
public sealed partial class Var<T>
{
    /// <summary>
    /// The mean cross-entropy between the softmax of each row of logits and its target class
    /// (<c>F.cross_entropy</c>):
    /// <code>
    /// L = (1/N′) Σₙ −log softmax(zₙ)[yₙ] = (1/N′) Σₙ (lseₙ − zₙ[yₙ])      lseₙ = mₙ + ln Σᵥ exp(zₙ[v] − mₙ),  mₙ = maxᵥ zₙ[v]
    /// </code>
    /// summed over the N′ rows whose target is not <paramref name="ignoreIndex"/> (padding). Subtracting
    /// the row maximum mₙ keeps every exp ≤ 1 (log-sum-exp), so logits of ±1e4 are fine.
    /// <para>Backward, with pₙ = softmax(zₙ) = exp(zₙ − lseₙ):</para>
    /// <code>
    /// ∂L/∂zₙ[v] = (pₙ[v] − [v = yₙ]) / N′        (0 for ignored rows)
    /// </code>
    /// (∂lseₙ/∂zₙ[v] = pₙ[v], and ∂zₙ[yₙ]/∂zₙ[v] is the one-hot [v = yₙ]). The softmax never becomes a
    /// tensor of its own: the forward keeps lseₙ per row and the backward recomputes pₙ from it.
    /// When every target is ignored (N′ = 0) the loss is 0/0 = NaN, as in PyTorch, and the gradient is 0.
    /// </summary>
    /// <param name="logits">Unnormalised scores, (N, V) or (B, T, V): every leading dimension is flattened into N.</param>
    /// <param name="targets">The correct class of each of the N rows, in row-major order, each in [0, V) or equal to <paramref name="ignoreIndex"/>.</param>
    /// <param name="ignoreIndex">A target value whose rows are left out of the mean (PyTorch's default is −100; ours is −1).</param>
    /// <returns>The scalar loss, shape [].</returns>
    public static Var<T> CrossEntropy(Var<T> logits, int[] targets, int ignoreIndex = -1)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Value.Rank < 2 || logits.Value.Size(-1) == 0)
        {
            throw new ArgumentException($"cross_entropy: logits must be (N, V) or (B, T, V) with V ≥ 1 classes, got {Shapes.Format(logits.Shape)}");
        }
        int V = logits.Value.Size(-1);
        int N = logits.Value.Count / V;
        if (targets.Length != N)
        {
            throw new ArgumentException($"cross_entropy: logits {Shapes.Format(logits.Shape)} hold {N} rows of {V} classes, but {targets.Length} targets were given (shape [{targets.Length}]); need one target per row");
        }
        for (int n = 0; n < N; n++)
        {
            if (targets[n] != ignoreIndex && (targets[n] < 0 || targets[n] >= V))
            {
                throw new ArgumentOutOfRangeException(nameof(targets), $"cross_entropy: target {targets[n]} at position {n} is out of range for {V} classes (logits {Shapes.Format(logits.Shape)}, ignore index {ignoreIndex})");
            }
        }
        int[] y = (int[])targets.Clone(); // the backward reads them later; the caller may reuse the array
        var z = logits.Value.Contiguous().View(N, V); // (N, V), a view when the logits are contiguous
        var (loss, lse) = CrossEntropyFast.Forward(z, y, ignoreIndex); // lse (N): log Σ exp of each row

        return Record("cross_entropy", Tensor<T>.Scalar(loss), [logits], dloss =>
        {
            var dz = CrossEntropyFast.Backward(dloss.Item(), z, y, ignoreIndex, lse); // (N, V)
            logits.AccumulateGrad(dz.View(logits.Shape));
        });
    }
}
