namespace Scratch.Nn.Quantization;

/// <summary>
/// int8 absmax quantization (the scheme of LLM.int8()'s "vector-wise" part and of most int8 inference):
/// <code>
/// per tensor:  s = max over the whole tensor |w| / 127          one float32 scale
/// per row:     s_r = max over row r |w_r,j| / 127                 one float32 scale per row (R of them)
/// q = round(w / s) ∈ [−127, 127]  (stored as a signed byte; −128 is never used, so ±max are both exact)
/// ŵ = q · s,  |w − ŵ| ≤ s / 2
/// </code>
/// Per row is never worse: s_r ≤ s for every row. It is much better when one row holds an outlier: with a
/// per-tensor scale that row's largest weight sets the step for every other row too, and the small rows round to
/// a handful of levels (see <see cref="Absmax"/> for the rounding).
/// </summary>
public static class Int8Absmax
{
    /// <summary>The largest magnitude of a quantized value.</summary>
    public const int QMax = 127;

    /// <summary>The whole tensor with one scale: the bytes q and s.</summary>
    public static (sbyte[] Q, float Scale) QuantizeTensor(ReadOnlySpan<float> w)
    {
        float s = Absmax.Scale(w, QMax);
        var q = new sbyte[w.Length];
        Quantize(w, s, q);
        return (q, s);
    }

    /// <summary>A (rows, cols) matrix, row-major, with one scale per row: the bytes q (rows·cols) and the scales (rows).</summary>
    public static (sbyte[] Q, float[] Scales) QuantizeRows(ReadOnlySpan<float> w, int rows, int cols)
    {
        CheckShape(w.Length, rows, cols);
        var q = new sbyte[w.Length];
        var scales = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = w.Slice(r * cols, cols);
            scales[r] = Absmax.Scale(row, QMax);
            Quantize(row, scales[r], q.AsSpan(r * cols, cols));
        }
        return (q, scales);
    }

    /// <summary>ŵ = q · s for every value.</summary>
    public static float[] DequantizeTensor(ReadOnlySpan<sbyte> q, float scale)
    {
        var w = new float[q.Length];
        for (int i = 0; i < q.Length; i++)
        {
            w[i] = q[i] * scale;
        }
        return w;
    }

    /// <summary>ŵ_r,j = q_r,j · s_r for a (rows, cols) matrix with one scale per row.</summary>
    public static float[] DequantizeRows(ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, int cols)
    {
        CheckShape(q.Length, scales.Length, cols);
        var w = new float[q.Length];
        for (int i = 0; i < q.Length; i++)
        {
            w[i] = q[i] * scales[i / cols];
        }
        return w;
    }

    private static void Quantize(ReadOnlySpan<float> w, float s, Span<sbyte> q)
    {
        Span<int> integers = new int[w.Length];
        Absmax.Quantize(w, s, QMax, integers);
        for (int i = 0; i < w.Length; i++)
        {
            q[i] = (sbyte)integers[i];
        }
    }

    private static void CheckShape(int count, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || (long)rows * cols != count)
        {
            throw new ArgumentException($"int8: {count} values are not a ({rows}, {cols}) matrix");
        }
    }
}
