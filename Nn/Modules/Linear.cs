using System.Numerics;
using Scratch.Autograd;
using Scratch.Nn.Init;
using Scratch.Tensors;

namespace Scratch.Nn.Modules;

/// <summary>
/// y = x·Wᵀ + b, with W of shape (out, in) as in PyTorch (so state dicts move between the two).
/// x (…, in) → y (…, out). Starts with PyTorch's default U(−1/√in, 1/√in); the GPT re-initialises.
/// </summary>
public sealed class Linear<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A linear layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/>.</summary>
    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
        {
            throw new ArgumentException($"linear: sizes must be positive, got in {inFeatures} and out {outFeatures}");
        }
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Initializers.LinearDefault<T>(rng, inFeatures, outFeatures, inFeatures));
        Bias = bias ? RegisterParameter("bias", Initializers.LinearDefault<T>(rng, inFeatures, outFeatures)) : null;
    }

    /// <summary>The input size.</summary>
    public int InFeatures { get; }

    /// <summary>The output size.</summary>
    public int OutFeatures { get; }

    /// <summary>W, shape (out, in).</summary>
    public Var<T> Weight { get; }

    /// <summary>b, shape (out), or null without bias.</summary>
    public Var<T>? Bias { get; }

    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x)
    {
        if (x.Shape.Length == 0 || x.Shape[^1] != InFeatures)
        {
            throw new ArgumentException($"linear: input of shape {Shapes.Format(x.Shape)} does not end in {InFeatures} features (weight [{OutFeatures},{InFeatures}])");
        }
        var y = Var<T>.Linear(x, Weight); // x·Wᵀ: (…, in) · (in, out) → (…, out), ∂L/∂W computed in W's layout
        return Bias is null ? y : y + Bias;
    }
}
