using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn;

/// <summary>A module that maps one value to another, so it can be chained in a <see cref="Modules.Sequential{T}"/>.</summary>
public abstract class Layer<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Computes the layer's output from its input, recording the graph for Backward.</summary>
    public abstract Var<T> Forward(Var<T> x);
}
