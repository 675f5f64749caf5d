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
/// </summary>
public static class Regularization
{
    /// <summary>R = λ·Σθ²;  ∂R/∂θ = 2λ·θ, added to every parameter's gradient. Returns R.</summary>
    public static double AddL2<T>(IEnumerable<Var<T>> parameters, double lambda) where T : unmanaged, IFloatingPointIeee754<T> =>
        Add(parameters, lambda, "AddL2", static w => w * w, static w => w + w);

    /// <summary>R = λ·Σ|θ|;  ∂R/∂θ = λ·sign(θ) (0 at θ = 0, as PyTorch), added to every parameter's gradient. Returns R.</summary>
    public static double AddL1<T>(IEnumerable<Var<T>> parameters, double lambda) where T : unmanaged, IFloatingPointIeee754<T> =>
        Add(parameters, lambda, "AddL1", T.Abs, static w => T.IsZero(w) ? T.Zero : T.CreateChecked(T.Sign(w)));

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
