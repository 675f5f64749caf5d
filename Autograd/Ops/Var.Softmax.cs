using Scratch.Tensors;

namespace Scratch.Autograd;

// Softmax and log-softmax along one dimension, with their backward passes written out (rather than
// composed from exp, sum and div) because both simplify to one line.
public sealed partial class Var<T>
{
    /// <summary>
    /// yᵢ = e^xᵢ / Σⱼ e^xⱼ along <paramref name="dim"/>      ∂L/∂x = y ⊙ (∂L/∂y − Σ(∂L/∂y ⊙ y))
    /// <para>(From ∂yⱼ/∂xᵢ = yⱼ·(δᵢⱼ − yᵢ); the sum runs along dim and broadcasts back.)</para>
    /// </summary>
    public Var<T> Softmax(int dim)
    {
        var x = this;
        var y = x.Value.Softmax(dim);
        return Record("softmax", y, [x], dy => x.AccumulateGrad(y * (dy - (dy * y).Sum(dim, keepDim: true))));
    }

    /// <summary>
    /// yᵢ = xᵢ − log Σⱼ e^xⱼ along <paramref name="dim"/>      ∂L/∂x = ∂L/∂y − softmax(x) · Σ∂L/∂y
    /// <para>(From ∂yⱼ/∂xᵢ = δᵢⱼ − softmax(x)ᵢ; softmax(x) = eʸ.)</para>
    /// </summary>
    public Var<T> LogSoftmax(int dim)
    {
        var x = this;
        var y = x.Value.LogSoftmax(dim);
        return Record("log_softmax", y, [x], dy => x.AccumulateGrad(dy - y.Exp() * dy.Sum(dim, keepDim: true)));
    }
}
