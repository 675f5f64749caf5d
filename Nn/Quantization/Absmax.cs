namespace Scratch.Nn.Quantization;

/// <summary>
/// Symmetric "absmax" quantization of a block of numbers to the integers −Q … Q (Q = 127 for int8, 7 for int4):
/// <code>
/// s = max |wᵢ| / Q             the block's largest magnitude maps to ±Q
/// qᵢ = round(wᵢ / s)           an integer in [−Q, Q]
/// ŵᵢ = qᵢ · s                  what the model computes with after dequantizing
/// |wᵢ − ŵᵢ| ≤ s / 2            rounding moves wᵢ/s by at most ½, so wᵢ by at most s/2
/// </code>
/// Zero maps to exactly 0, and so does a block of zeros (s = 0). In float32 the scale max/Q is rounded up to the
/// next float when rounding to nearest went below it, so that no |wᵢ|/s exceeds Q; the product qᵢ·s rounded to
/// float32 adds at most half an ulp of ŵᵢ to the bound.
/// </summary>
public static class Absmax
{
    /// <summary>s = max|wᵢ| / <paramref name="qMax"/> (0 for an empty or all-zero block).</summary>
    /// <exception cref="ArgumentException">A value is NaN or ±∞: such a weight has no scale.</exception>
    public static float Scale(ReadOnlySpan<float> w, int qMax)
    {
        float max = 0;
        foreach (float x in w)
        {
            if (!float.IsFinite(x))
            {
                throw new ArgumentException($"quantize: a weight is {x}; only finite numbers can be quantized");
            }
            max = Math.Max(max, Math.Abs(x));
        }
        float s = (float)((double)max / qMax);
        if (s > 0 && (double)max / s > qMax)
        {
            s = MathF.BitIncrement(s); // rounding went below max/Q: one step up keeps every |w|/s ≤ Q
        }
        return s;
    }

    /// <summary>qᵢ = round(wᵢ / s), ties to even, for each value (all 0 when s = 0).</summary>
    public static void Quantize(ReadOnlySpan<float> w, float s, int qMax, Span<int> q)
    {
        for (int i = 0; i < w.Length; i++)
        {
            // |w/s| ≤ Q already; the clamp only guards the last bit of the double division.
            q[i] = s == 0 ? 0 : Math.Clamp((int)Math.Round(w[i] / (double)s), -qMax, qMax);
        }
    }

    /// <summary>ŵᵢ = qᵢ · s for each value.</summary>
    public static void Dequantize(ReadOnlySpan<int> q, float s, Span<float> w)
    {
        for (int i = 0; i < q.Length; i++)
        {
            w[i] = q[i] * s;
        }
    }
}
