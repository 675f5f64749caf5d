using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Autograd.Kernels;

/// <summary>
/// GELU in its tanh form (GPT-2's <c>gelu_new</c>, PyTorch's <c>approximate="tanh"</c>) by hand, forward and backward,
/// one element at a time, the way llm.c's <c>gelu_forward</c> and <c>gelu_backward</c> read. The rules are derived on
/// <see cref="Var{T}.Gelu"/>; <see cref="GeluFast"/> computes the same numbers (tested), faster.
/// <code>
/// x, y, dy, dx: any one shape, contiguous
/// </code>
/// </summary>
public static class GeluReference
{
    /// <summary>√(2/π), the scaling inside tanh.</summary>
    public static readonly double SqrtTwoOverPi = Math.Sqrt(2 / Math.PI);

    /// <summary>yᵢ = ½·xᵢ·(1 + tanh uᵢ), uᵢ = √(2/π)·(xᵢ + 0.044715·xᵢ³).</summary>
    public static Tensor<T> Forward<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> xs = x.AsSpan();
        var y = Tensor<T>.Zeros(x.Shape);
        Span<T> ys = y.AsSpan();
        T half = T.CreateChecked(0.5), a = T.CreateChecked(0.044715), k = T.CreateChecked(SqrtTwoOverPi);
        for (int i = 0; i < xs.Length; i++)
        {
            T u = k * (xs[i] + a * xs[i] * xs[i] * xs[i]);
            ys[i] = half * xs[i] * (T.One + T.Tanh(u));
        }
        return y;
    }

    /// <summary>dxᵢ = dyᵢ · GELU′(xᵢ), with GELU′(x) = ½·(1 + tanh u) + ½·x·(1 − tanh² u)·u′ and u′ = √(2/π)·(1 + 3·0.044715·x²).</summary>
    public static Tensor<T> Backward<T>(Tensor<T> x, Tensor<T> dy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> xs = x.AsSpan(), dys = dy.AsSpan();
        var dx = Tensor<T>.Zeros(x.Shape);
        Span<T> dxs = dx.AsSpan();
        T half = T.CreateChecked(0.5), a = T.CreateChecked(0.044715), k = T.CreateChecked(SqrtTwoOverPi);
        for (int i = 0; i < xs.Length; i++)
        {
            T t = T.Tanh(k * (xs[i] + a * xs[i] * xs[i] * xs[i]));       // tanh u
            T du = k * (T.One + T.CreateChecked(3) * a * xs[i] * xs[i]);   // u′ = du/dx
            T local = half * (T.One + t) + half * xs[i] * (T.One - t * t) * du; // product rule: ½·(1 + tanh u) · 1 + ½·x · tanh′(u)·u′
            dxs[i] = dys[i] * local;                                       // chain rule
        }
        return dx;
    }
}
