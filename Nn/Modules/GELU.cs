using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Modules;

/// <summary>GELU, tanh form (GPT-2): y = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
public sealed class GELU<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x) => x.Gelu();
}
