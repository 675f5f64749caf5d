using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Optimizers;

/// <summary>
/// L1 and L2 penalties on the weights, added straight to the gradients.
/// <para>
/// A penalty R(θ) added to the loss changes each gradient by ∂R/∂θ and nothing else. Rather than build R
/// as a graph node and backpropagate through it, these functions add ∂R/∂θ to the gradients directly
/// (call them after <c>loss.Backward()</c>, before <c>optimizer.Step()</c>) and return R's value for
/// logging. The result is the same as <c>(loss + R).Backward()</c>, without the extra graph.
/// </para>
/// <para>
/// <see cref="ProximalL1{T}"/> is the other way to apply L1: not through the gradient but as a step on the weights after
/// the optimiser's, which is what makes weights exactly 0.
/// </para>
/// </summary>
public static class Regularization
{
    /// <summary>R = λ·Σθ²;  ∂R/∂θ = 2λ·θ, added to every parameter's gradient. Returns R.</summary>
    public static double AddL2<T>(IEnumerable<Var<T>> parameters, double lambda) where T : unmanaged, IFloatingPointIeee754<T> =>
        Add(parameters, lambda, "AddL2", static w => w * w, static w => w + w);

    /// <summary>
    /// R = λ·Σ|θ|;  ∂R/∂θ = λ·sign(θ) (0 at θ = 0, and NaN at a NaN weight, as PyTorch), added to every parameter's
    /// gradient. Returns R.
    /// </summary>
    public static double AddL1<T>(IEnumerable<Var<T>> parameters, double lambda) where T : unmanaged, IFloatingPointIeee754<T> =>
        Add(parameters, lambda, "AddL1", T.Abs, static w => T.IsZero(w) || T.IsNaN(w) ? w : T.CreateChecked(T.Sign(w)));

    /// <summary>
    /// The proximal step of the L1 penalty λ·Σ|θ| ("soft thresholding"), applied to the weights themselves, right after
    /// <c>optimizer.Step()</c> with learning rate η, in place of <see cref="AddL1{T}"/>:
    /// <code>
    /// θ ← sign(θ) · max(|θ| − η·λ, 0)              (threshold = η·λ)
    /// </code>
    /// It is the exact minimiser over v of ½·(v − θ)² + η·λ·|v| (the proximal operator of η·λ·|·|), so a gradient step on
    /// the loss followed by this step is proximal gradient descent (ISTA), which converges to the minimum of loss + λ·Σ|θ|
    /// for a small enough step (the textbook condition: η ≤ 1/λ_max of the loss's Hessian). Unlike the subgradient λ·sign(θ),
    /// whose fixed push of η·λ carries a small weight past 0 and back so it never settles, it sets every weight with
    /// |θ| ≤ η·λ to exactly 0: L1's sparsity. With
    /// plain SGD this is the textbook method; after a momentum or Adam step it is a common heuristic. Returns how many
    /// weights are exactly 0 afterwards.
    /// </summary>
    public static int ProximalL1<T>(IEnumerable<Var<T>> parameters, double threshold) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(threshold >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"ProximalL1: threshold η·λ = {threshold} must be ≥ 0");
        }
        T t = T.CreateChecked(threshold);
        int zeros = 0;
        foreach (var p in parameters)
        {
            if (!p.IsLeaf || !p.RequiresGrad)
            {
                throw new ArgumentException($"ProximalL1: {p} is not a parameter (a leaf that requires a gradient)");
            }
            var w = p.Value.AsSpan(); // a parameter owns its contiguous storage; updated in place, as optimisers do
            for (int j = 0; j < w.Length; j++)
            {
                T shrunk = T.Abs(w[j]) - t;
                w[j] = shrunk > T.Zero ? T.CopySign(shrunk, w[j]) : T.Zero;
                zeros += T.IsZero(w[j]) ? 1 : 0;
            }
        }
        return zeros;
    }

    private static double Add<T>(IEnumerable<Var<T>> parameters, double lambda, string name, Func<T, T> penalty, Func<T, T> derivative)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T l = T.CreateChecked(lambda);
        double total = 0;
        foreach (var p in parameters)
        {
            if (!p.IsLeaf || !p.RequiresGrad)
            {
                throw new ArgumentException($"{name}: {p} is not a parameter (a leaf that requires a gradient)");
            }
            var w = p.Value.Contiguous().AsSpan();
            var contribution = Tensor<T>.Zeros(p.Value.Shape);
            var c = contribution.AsSpan();
            double sum = 0;
            for (int j = 0; j < w.Length; j++)
            {
                sum += double.CreateChecked(penalty(w[j]));
                c[j] = l * derivative(w[j]);
            }
            total += lambda * sum;
            p.Backward(contribution); // on a leaf: Grad += contribution (or Grad = contribution when null)
        }
        return total;
    }
}
