using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Modules;

/// <summary>y = max(x, 0).</summary>
public sealed class ReLU<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x) => x.Relu();
}
