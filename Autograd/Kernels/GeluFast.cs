using System.Numerics;
using System.Runtime.CompilerServices;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Autograd.Kernels;

/// <summary>
/// GELU, fast: the numbers of <see cref="GeluReference"/> (tested equal), one pass over memory each way, on all cores,
/// and for float a <see cref="Vector{T}"/> at a time through one SIMD exp: ½·(1 + tanh u) = σ(2u) = 1/(1 + e^(−2u)).
/// double keeps the exact tanh formula (for gradient checks). Same shapes: x, y, dy, dx of one shape.
/// </summary>
public static class GeluFast
{
    private static readonly double SqrtTwoOverPi = GeluReference.SqrtTwoOverPi;

    /// <summary>y = ½·x·(1 + tanh u): Tensors' SIMD map (<see cref="Tensor{T}.Gelu"/>), y = x·σ(2u) for float.</summary>
    public static Tensor<T> Forward<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x.Gelu();

    /// <summary>dx = dy · GELU′(x), in one pass over x and dy.</summary>
    public static Tensor<T> Backward<T>(Tensor<T> x, Tensor<T> dy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Shapes.Equal(x.Shape, dy.Shape))
        {
            throw new ArgumentException($"gelu backward: gradient of shape {Shapes.Format(dy.Shape)} does not match the input's shape {Shapes.Format(x.Shape)}");
        }
        var (xc, dyc) = (x.Contiguous(), dy.Contiguous());
        var dx = Tensor<T>.Empty(x.Shape); // every element is written below
        T[] xs = xc.Storage, dys = dyc.Storage, dxs = dx.Storage;
        int xOffset = xc.Offset, dyOffset = dyc.Offset;
        Chunked.For(x.Count, 1, (start, n) => BackwardSpan(xs.AsSpan(xOffset + start, n), dys.AsSpan(dyOffset + start, n), dxs.AsSpan(start, n)));
        return dx;
    }

    /// <summary>
    /// dxᵢ = dyᵢ · GELU′(xᵢ). With s = σ(2u) = ½·(1 + tanh u), so that 1 − tanh² u = 4·s·(1 − s), the reference's
    /// GELU′(x) = ½·(1 + tanh u) + ½·x·(1 − tanh² u)·u′ becomes s + 2·x·s·(1 − s)·u′.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardSpan<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.CreateChecked(0.5), a = T.CreateChecked(0.044715), a3 = T.CreateChecked(3) * a, k = T.CreateChecked(SqrtTwoOverPi);
        int i = 0;
        if (typeof(T) == typeof(float) && VectorMath.HasExp<T>())
        {
            var (va, va3, vk, one) = (new Vector<T>(a), new Vector<T>(a3), new Vector<T>(k), Vector<T>.One);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var xi = new Vector<T>(x[i..]);
                var x2 = xi * xi;
                var u = vk * (xi + va * x2 * xi);
                var du = vk * (one + va3 * x2);
                var s = one / (one + VectorMath.Exp(-(u + u)));
                (new Vector<T>(dy[i..]) * (s + (xi + xi) * s * (one - s) * du)).CopyTo(dx[i..]);
            }
        }
        for (; i < x.Length; i++)
        {
            T t = T.Tanh(k * (x[i] + a * x[i] * x[i] * x[i]));
            T du = k * (T.One + a3 * x[i] * x[i]);
            dx[i] = dy[i] * (half * (T.One + t) + half * x[i] * (T.One - t * t) * du);
        }
    }
}
