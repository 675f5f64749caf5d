namespace Scratch.Nn.Quantization;

/// <summary>
/// IEEE 754 binary16, "half precision": 16 bits = 1 sign s, 5 exponent e (bias 15), 10 fraction f.
/// <code>
/// x = (−1)ˢ · 2^(e − 15) · 1.f     for 1 ≤ e ≤ 30: normal numbers, 2⁻¹⁴ ≈ 6.1e−5 ≤ |x| ≤ 65504
/// x = (−1)ˢ · 2^(−14)    · 0.f     for e = 0: subnormal numbers, evenly spaced 2⁻²⁴ apart
/// e = 31                           ±∞ (f = 0) and NaN
/// </code>
/// A float32 has 23 fraction bits; keeping 10 and rounding to the nearest (ties to the even one) moves x by at
/// most half a step: |x − f16(x)| ≤ 2⁻¹¹·|x| for normal x, and ≤ 2⁻²⁵ for |x| &lt; 2⁻¹⁴. |x| ≥ 65520 rounds to ∞.
/// .NET's <see cref="Half"/> implements exactly this conversion, so this class only names it and adds the bits.
/// </summary>
public static class Float16
{
    /// <summary>The largest finite float16, (2 − 2⁻¹⁰)·2¹⁵.</summary>
    public const float MaxValue = 65504f;

    /// <summary>The smallest positive normal float16, 2⁻¹⁴: below it the relative precision falls off.</summary>
    public const float MinNormal = 6.1035156e-5f;

    /// <summary>The 16 bits of x rounded to float16 (to nearest, ties to even).</summary>
    public static ushort FromFloat(float x) => BitConverter.HalfToUInt16Bits((Half)x);

    /// <summary>The float32 with the value of the float16 <paramref name="bits"/> (exact: every float16 is a float32).</summary>
    public static float ToFloat(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);
}
