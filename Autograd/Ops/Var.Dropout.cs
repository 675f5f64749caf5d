using Scratch.Tensors;

namespace Scratch.Autograd;

// Inverted dropout: zero a random fraction p of the elements in training and scale the rest by 1/(1 − p),
// so that the expected value of every element is unchanged and evaluation needs no rescaling.
//
// Shapes: x and y have the same shape (any); the mask m has it too.
public sealed partial class Var<T>
{
    /// <summary>
    /// Inverted dropout (<c>F.dropout</c>):
    /// <code>
    /// mᵢ ~ Bernoulli(1 − p)  (1: keep, 0: drop)      yᵢ = xᵢ · mᵢ / (1 − p)      E[yᵢ] = xᵢ
    /// ∂L/∂xᵢ = ∂L/∂yᵢ · mᵢ / (1 − p)
    /// </code>
    /// One uniform number u is drawn from <paramref name="rng"/> per element, in row-major order, and the
    /// element is kept when u ≥ p, so the same seed gives the same mask. When <paramref name="training"/> is
    /// false or p = 0 dropout is the identity y = x (∂L/∂x = ∂L/∂y) and draws nothing.
    /// </summary>
    /// <param name="p">The probability of dropping an element, in [0, 1).</param>
    /// <param name="rng">The generator the mask is drawn from.</param>
    /// <param name="training">False in evaluation: pass the input through unchanged.</param>
    /// <returns>y, the shape of this value.</returns>
    public Var<T> Dropout(double p, Rng rng, bool training = true)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!(p >= 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"dropout: probability p must be in [0, 1), got p = {p} (input {Shapes.Format(Shape)})");
        }
        var x = this;
        if (!training || p == 0)
        {
            return Record("dropout", x.Value, [x], dy => x.AccumulateGrad(dy)); // y = x, ∂L/∂x = ∂L/∂y
        }

        var mask = DropoutMask(x.Shape, p, rng); // m / (1 − p), the shape of x
        var y = x.Value * mask; // same shape as x

        return Record("dropout", y, [x], dy =>
        {
            // forward: y = x ⊙ m / (1 − p), so dx = dy ⊙ m / (1 − p)
            x.AccumulateGrad(dy * mask);
        });
    }

    /// <summary>
    /// m / (1 − p) of the given shape: each element 1/(1 − p) (kept) when a uniform u ≥ p, else 0 (dropped); one
    /// u per element from <paramref name="rng"/>, in row-major order. Dropout and attention dropout draw with it.
    /// </summary>
    internal static Tensor<T> DropoutMask(ReadOnlySpan<int> shape, double p, Rng rng)
    {
        var mask = Tensor<T>.Empty(shape); // its storage holds exactly its elements, in row-major order
        rng.FillMask(mask.Storage, p, T.One / T.CreateChecked(1 - p)); // mᵢ = 1/(1 − p) where NextDouble() ≥ p, else 0; on all cores
        return mask;
    }
}
