using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Modules;

/// <summary>
/// In training, zeroes each element with probability p and scales the rest by 1/(1 − p), so the expected
/// value is unchanged; in evaluation mode (or with p = 0) it passes x through.
/// </summary>
public sealed class Dropout<T>(double p, Rng rng) : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The probability of dropping an element.</summary>
    public double P { get; } = p is >= 0 and < 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), $"dropout: p must be in [0, 1), got {p}");

    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x) => Training && P > 0 ? x.Dropout(P, rng) : x;
}
