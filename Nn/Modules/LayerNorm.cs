using System.Numerics;
using Scratch.Autograd;
using Scratch.Tensors;

namespace Scratch.Nn.Modules;

/// <summary>
/// Layer normalisation over the last dimension: y = (x − μ)/√(σ² + ε) · w + b, with μ and σ² (biased)
/// computed per row; w starts at 1 and b at 0. ε = 1e-5 as in nanoGPT; the bias is optional (nanoGPT's bias=False).
/// </summary>
public sealed class LayerNorm<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A layer norm over rows of size <paramref name="dim"/>.</summary>
    public LayerNorm(int dim, bool bias = true, double eps = 1e-5)
    {
        if (dim <= 0 || !(eps > 0))
        {
            throw new ArgumentException($"layer_norm: needs a positive size and eps, got {dim} and {eps}");
        }
        Dim = dim;
        Eps = eps;
        Weight = RegisterParameter("weight", Tensor<T>.Ones(dim));
        Bias = bias ? RegisterParameter("bias", Tensor<T>.Zeros(dim)) : null;
    }

    /// <summary>The normalised size (C).</summary>
    public int Dim { get; }

    /// <summary>ε, added to the variance.</summary>
    public double Eps { get; }

    /// <summary>w, shape (C).</summary>
    public Var<T> Weight { get; }

    /// <summary>b, shape (C), or null.</summary>
    public Var<T>? Bias { get; }

    /// <inheritdoc/>
    public override Var<T> Forward(Var<T> x) => Var<T>.LayerNorm(x, Weight, Bias, Eps);
}
