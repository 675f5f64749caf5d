using System.Numerics;
using Scratch.Autograd;

namespace Scratch.Nn.Optimizers;

/// <summary>
/// A set of parameters that share hyperparameters, as in PyTorch's <c>param_groups</c>. nanoGPT uses two:
/// the matrices (weight decay on) and the vectors — biases, LayerNorm gains — (weight decay off);
/// <see cref="ParamGroups.ForWeightDecay{T}"/> builds them.
/// </summary>
/// <param name="Parameters">The parameters of the group.</param>
/// <param name="WeightDecay">λ for this group; its meaning (L2 added to the gradient, or decoupled) is the optimiser's.</param>
/// <param name="LearningRateScale">The group's step size is <c>LearningRate · LearningRateScale</c>.</param>
public sealed record ParamGroup<T>(IReadOnlyList<Var<T>> Parameters, double WeightDecay = 0, double LearningRateScale = 1)
    where T : unmanaged, IFloatingPointIeee754<T>;
