using System.Numerics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Elementary functions on a whole <see cref="Vector{T}"/> of lanes. .NET has them for float and double only
/// (<see cref="Vector.Exp(Vector{float})"/>); this picks the right one for T (the JIT removes the type tests).
/// </summary>
public static class VectorMath
{
    /// <summary>True when <see cref="Exp{T}"/> has a SIMD form for T.</summary>
    /// <typeparam name="T">The number type.</typeparam>
    public static bool HasExp<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>eˣ in every lane (within a few ulps of <c>T.Exp</c>).</summary>
    /// <param name="x">The exponents.</param>
    /// <typeparam name="T">float or double.</typeparam>
    public static Vector<T> Exp<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.Exp(x.As<T, float>()).As<float, T>();
        }
        if (typeof(T) == typeof(double))
        {
            return Vector.Exp(x.As<T, double>()).As<double, T>();
        }
        throw new NotSupportedException($"VectorMath.Exp: no SIMD exp for {typeof(T).Name}");
    }
}
