using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Modules;

/// <summary>y = tanh(x).</summary>
public sealed class Tanh<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x) => x.Tanh();
}
