using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Elementary functions on a whole <see cref="Vector{T}"/> of lanes, for float and double: this picks the
/// right one for T (the JIT removes the type tests). float has its own exp (<see cref="ExpFloat"/>); double
/// uses the base library's <see cref="Vector.Exp(Vector{double})"/>.
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Exp<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return ExpFloat(x.As<T, float>()).As<float, T>();
        }
        if (typeof(T) == typeof(double))
        {
            return Vector.Exp(x.As<T, double>()).As<double, T>();
        }
        throw new NotSupportedException($"VectorMath.Exp: no SIMD exp for {typeof(T).Name}");
    }

    /// <summary>
    /// eˣ for float lanes, Cephes' expf (within 3 ulps, tested; the base library's Vector.Exp widens to double and
    /// is several times slower):
    /// <code>
    /// eˣ = 2ⁿ · eʳ,   n = round(x / ln 2),   r = x − n·ln 2 ∈ [−ln2/2, ln2/2]   (ln 2 in two parts, so r is exact)
    /// eʳ ≈ 1 + r + r²·P(r)                                                     (a degree-5 minimax polynomial)
    /// 2ⁿ is built directly from its bits: (n + 127) in the exponent field.
    /// </code>
    /// x is clamped to [−87.3, 88], where 2ⁿ is a normal float: below, the result is ~1e-38 instead of 0;
    /// above, e⁸⁸ ≈ 1.7e38 instead of larger numbers or +∞. NaN stays NaN.
    /// <para>
    /// Speed: the clamp and the conversion of n are the processor's plain instructions (<c>MinNative</c>,
    /// <c>MaxNative</c>, <c>ConvertToInt32Native</c>); the portable ones add fix-ups for NaN, −0 and out-of-range
    /// numbers, which cannot reach them here (NaN lanes are put back at the end, the bounds are not 0, |n| ≤ 127),
    /// and made the exp 1.33× as slow, every result the same bit for bit. It is inlined into its callers' loops.
    /// </para>
    /// </summary>
    /// <param name="x">The exponents.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> ExpFloat(Vector<float> x)
    {
        var clamped = Vector.MinNative(Vector.MaxNative(x, new Vector<float>(-87.3f)), new Vector<float>(88.0f));
        var n = Vector.Round(clamped * new Vector<float>(1.44269504088896341f));          // n = round(x·log₂e)
        var r = clamped - n * new Vector<float>(0.693359375f) - n * new Vector<float>(-2.12194440e-4f); // r = x − n·ln 2
        var z = r * r;
        var p = new Vector<float>(1.9875691500e-4f);
        p = p * r + new Vector<float>(1.3981999507e-3f);
        p = p * r + new Vector<float>(8.3334519073e-3f);
        p = p * r + new Vector<float>(4.1665795894e-2f);
        p = p * r + new Vector<float>(1.6666665459e-1f);
        p = p * r + new Vector<float>(5.0000001201e-1f);
        var er = p * z + r + Vector<float>.One;                                           // eʳ
        var twoToN = Vector.ShiftLeft(Vector.ConvertToInt32Native(n) + new Vector<int>(127), 23).As<int, float>(); // 2ⁿ
        return Vector.ConditionalSelect(Vector.Equals(x, x), er * twoToN, x);              // NaN lanes pass through
    }
}
