namespace Scratch.Nn.Quantization;

/// <summary>
/// bfloat16 ("brain float", Google Brain's format for TPUs): the top 16 bits of a float32, so 1 sign bit, the
/// same 8 exponent bits (the same range, up to ≈ 3.39e38) and 7 of the 23 fraction bits.
/// <code>
/// float32 bits:  s eeeeeeee fffffff ffffffffffffffff
/// bfloat16 bits: s eeeeeeee fffffff                     (the low 16 bits rounded away)
/// </code>
/// Rounding to nearest, ties to even, on the bits: add 0x7FFF plus the lowest kept bit, then drop the low 16
/// bits. A carry out of the fraction increments the exponent, which is exactly the next binade. The error is at
/// most half a step of the 8-bit significand: |x − bf16(x)| ≤ 2⁻⁸·|x| for normal x. NaN stays NaN (its quiet
/// bit is set so that rounding cannot turn it into ∞).
/// </summary>
public static class BFloat16
{
    /// <summary>The largest finite bfloat16, (2 − 2⁻⁷)·2¹²⁷ ≈ 3.3895e38.</summary>
    public const float MaxValue = 3.3895314e38f;

    /// <summary>The 16 bits of x rounded to bfloat16 (to nearest, ties to even).</summary>
    public static ushort FromFloat(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if (float.IsNaN(x))
        {
            return (ushort)((bits >> 16) | 0x0040); // keep sign and payload's top, force a quiet NaN
        }
        uint lowestKept = (bits >> 16) & 1;
        uint rounded = bits + 0x7FFF + lowestKept; // ≥ half a step rounds up; exactly half rounds to the even neighbour
        return (ushort)(rounded >> 16);
    }

    /// <summary>The float32 with the value of the bfloat16 <paramref name="bits"/>: the bits on top, zeros below (exact).</summary>
    public static float ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
