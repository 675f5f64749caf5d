using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Modules;

/// <summary>Layers applied one after another; they are registered as children "0", "1", … as in PyTorch.</summary>
public sealed class Sequential<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Layer<T>[] layers;

    /// <summary>A chain of the given layers.</summary>
    public Sequential(params Layer<T>[] layers)
    {
        this.layers = layers;
        for (int i = 0; i < layers.Length; i++)
        {
            RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
        }
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Layer<T>> Layers => layers;

    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x)
    {
        foreach (var layer in layers)
        {
            x = layer.Forward(x);
        }
        return x;
    }
}
