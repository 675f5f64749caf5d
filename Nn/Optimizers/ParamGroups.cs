using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Optimizers;

/// <summary>Builders for parameter groups.</summary>
public static class ParamGroups
{
    /// <summary>
    /// nanoGPT's <c>configure_optimizers</c> split: every parameter with two or more dimensions (the weight
    /// matrices and embeddings) gets weight decay λ; every parameter with fewer (biases, LayerNorm gains
    /// and shifts) gets none. Returns [decayed, not decayed], each in the given order.
    /// </summary>
    public static IReadOnlyList<ParamGroup<T>> ForWeightDecay<T>(IEnumerable<(string Name, Var<T> Parameter)> namedParameters, double weightDecay)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var decay = new List<Var<T>>();
        var noDecay = new List<Var<T>>();
        foreach (var (_, parameter) in namedParameters)
        {
            (parameter.Value.Rank >= 2 ? decay : noDecay).Add(parameter);
        }
        return [new ParamGroup<T>(decay, weightDecay), new ParamGroup<T>(noDecay, 0)];
    }
}
