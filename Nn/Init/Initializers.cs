using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Nn.Init;

/// <summary>
/// How parameters start. GPT-2 / nanoGPT: weights N(0, 0.02²), residual projections N(0, (0.02/√(2·n_layer))²),
/// biases 0, LayerNorm weights 1. Xavier (Glorot) and Kaiming (He) keep activations' variance steady
/// through tanh and ReLU stacks, for the MLP lessons. fan_in and fan_out of a (out, in) weight are in and out.
/// </summary>
public static class Initializers
{
    /// <summary>A tensor of N(mean, std²) samples.</summary>
    public static Tensor<T> Normal<T>(Rng rng, double mean, double std, params ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor<T>.Normal(rng, T.CreateChecked(mean), T.CreateChecked(std), shape);

    /// <summary>GPT-2's weight init: N(0, 0.02²).</summary>
    public static Tensor<T> Gpt2<T>(Rng rng, params ReadOnlySpan<int> shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        Normal<T>(rng, 0.0, 0.02, shape);

    /// <summary>GPT-2's residual-projection init: N(0, (0.02/√(2·n_layer))²), so the residual stream's variance does not grow with depth.</summary>
    public static Tensor<T> Gpt2Residual<T>(Rng rng, int nLayer, params ReadOnlySpan<int> shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        Normal<T>(rng, 0.0, 0.02 / Math.Sqrt(2.0 * nLayer), shape);

    /// <summary>Xavier/Glorot uniform: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)).</summary>
    public static Tensor<T> XavierUniform<T>(Rng rng, int fanIn, int fanOut, double gain = 1.0, params ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double a = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Tensor<T>.Uniform(rng, T.CreateChecked(-a), T.CreateChecked(a), shape);
    }

    /// <summary>Xavier/Glorot normal: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)).</summary>
    public static Tensor<T> XavierNormal<T>(Rng rng, int fanIn, int fanOut, double gain = 1.0, params ReadOnlySpan<int> shape)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Normal<T>(rng, 0.0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), shape);

    /// <summary>Kaiming/He uniform for ReLU: U(−b, b) with b = √2·√(3 / fan_in) = √(6 / fan_in).</summary>
    public static Tensor<T> KaimingUniform<T>(Rng rng, int fanIn, params ReadOnlySpan<int> shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double b = Math.Sqrt(6.0 / fanIn);
        return Tensor<T>.Uniform(rng, T.CreateChecked(-b), T.CreateChecked(b), shape);
    }

    /// <summary>Kaiming/He normal for ReLU: N(0, 2 / fan_in).</summary>
    public static Tensor<T> KaimingNormal<T>(Rng rng, int fanIn, params ReadOnlySpan<int> shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        Normal<T>(rng, 0.0, Math.Sqrt(2.0 / fanIn), shape);

    /// <summary>
    /// PyTorch's default for nn.Linear: U(−1/√fan_in, 1/√fan_in) for weight and bias
    /// (kaiming_uniform with a = √5 works out to this bound).
    /// </summary>
    public static Tensor<T> LinearDefault<T>(Rng rng, int fanIn, params ReadOnlySpan<int> shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0.0;
        return Tensor<T>.Uniform(rng, T.CreateChecked(-bound), T.CreateChecked(bound), shape);
    }
}
