using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Losses;

/// <summary>The losses: one number that says how wrong a prediction is, whose gradient training follows.</summary>
public static class Loss
{
    /// <summary>
    /// Cross-entropy from logits with integer targets, averaged over the targets that are not
    /// <paramref name="ignoreIndex"/>: L = −(1/N) Σₙ log softmax(zₙ)[yₙ]. Logits (N, V) or (B, T, V).
    /// </summary>
    public static Var<T> CrossEntropy<T>(Var<T> logits, int[] targets, int ignoreIndex = -1)
        where T : unmanaged, IFloatingPointIeee754<T> => Var<T>.CrossEntropy(logits, targets, ignoreIndex);

    /// <summary>Mean squared error: L = (1/n) Σ (ŷ − y)².</summary>
    public static Var<T> Mse<T>(Var<T> prediction, Var<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameShape("mse", prediction, target);
        var error = prediction - target;
        return (error * error).Mean();
    }

    /// <summary>
    /// Binary cross-entropy with logits, averaged: ℓ = −[y·log σ(z) + (1 − y)·log(1 − σ(z))], computed in the
    /// stable form ℓ = max(z, 0) − z·y + log(1 + e^(−|z|)), which never takes the log of 0 (logits of ±1e4 are
    /// fine). ∂ℓ/∂z = σ(z) − y and ∂ℓ/∂y = −z.
    /// </summary>
    /// <remarks>
    /// max(z, 0) is written (z + |z|)/2. The two are equal, but their derivatives at the kink z = 0 are not:
    /// relu′(0) = 0 would give ∂ℓ/∂z = −y there, while (1 + sign(0))/2 = ½ gives the true σ(0) − y = ½ − y
    /// (the log term's derivative, −sign(z)·σ(−|z|), is 0 at z = 0).
    /// </remarks>
    public static Var<T> BinaryCrossEntropyWithLogits<T>(Var<T> logits, Var<T> targets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSameShape("binary_cross_entropy_with_logits", logits, targets);
        var absolute = logits.Abs();
        var positivePart = (logits + absolute) * T.CreateChecked(0.5); // max(z, 0), with slope ½ at 0
        var softplusOfNegAbs = (absolute.Neg().Exp() + T.One).Log(); // log(1 + e^(−|z|))
        return (positivePart - logits * targets + softplusOfNegAbs).Mean();
    }

    private static void CheckSameShape<T>(string op, Var<T> a, Var<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Shapes.Equal(a.Shape, b.Shape))
        {
            throw new ArgumentException($"{op}: prediction {Shapes.Format(a.Shape)} and target {Shapes.Format(b.Shape)} must have the same shape");
        }
    }
}
