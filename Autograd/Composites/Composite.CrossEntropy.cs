using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd.Composites;

// Dimensions: N rows (every leading dimension flattened), V classes.
public static partial class Composite
{
    /// <summary>
    /// The mean cross-entropy of logits against targets (<see cref="Var{T}.CrossEntropy"/>), from primitive ops:
    /// L = −Σₙ Σᵥ log_softmax(zₙ)[v] · onehot(yₙ)[v] / N′, the one-hot rows of ignored targets all zero. Every row's
    /// log-softmax is kept as a tensor, (N, V), which the fused op never makes. At least one target must count.
    /// </summary>
    /// <param name="logits">Scores, (N, V) or (B, T, V).</param>
    /// <param name="targets">The class of each of the N rows, or <paramref name="ignoreIndex"/>.</param>
    /// <param name="ignoreIndex">A target whose row is left out of the mean.</param>
    /// <returns>The scalar loss, shape [].</returns>
    public static Var<T> CrossEntropy<T>(Var<T> logits, int[] targets, int ignoreIndex = -1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        int V = logits.Shape[^1], N = targets.Length, counted = targets.Count(y => y != ignoreIndex);
        if (counted == 0)
        {
            throw new ArgumentException($"cross_entropy (composite): all {N} targets are the ignore index {ignoreIndex}; the mean over no rows is undefined");
        }
        var onehot = Tensor<T>.Zeros(N, V); // (N, V): 1/N′ at the target of each counted row
        for (int n = 0; n < N; n++)
        {
            if (targets[n] != ignoreIndex)
            {
                onehot[n, targets[n]] = T.One / T.CreateChecked(counted);
            }
        }
        // Stryker disable once Unary : the logits are reshaped to (N, V), where dimension 1 is dimension −1
        var logp = logits.Reshape(N, V).LogSoftmax(-1); // (N, V): log softmax(zₙ)[v] = zₙ[v] − lseₙ
        return -(logp * new Var<T>(onehot)).Sum();      // −(1/N′) Σₙ log softmax(zₙ)[yₙ]
    }
}
