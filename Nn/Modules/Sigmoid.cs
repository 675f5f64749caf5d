using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Modules;

/// <summary>y = σ(x) = 1 / (1 + e⁻ˣ).</summary>
public sealed class Sigmoid<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x) => x.Sigmoid();
}
