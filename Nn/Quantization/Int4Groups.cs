namespace Scratch.Nn.Quantization;

/// <summary>
/// 4-bit absmax quantization in groups of 32 (the idea of GGML's Q4_0 and of GPTQ/AWQ's group size): each row
/// of a (rows, cols) matrix is cut into groups of G = 32 consecutive values (the last one shorter when 32 does
/// not divide cols), and each group gets its own float32 scale.
/// <code>
/// s_g = max over the group |w| / 7          q = round(w / s_g) ∈ [−7, 7],  ŵ = q · s_g,  |w − ŵ| ≤ s_g / 2
/// nibble = q + 8 ∈ [1, 15]                 two per byte: value 2j of a row in the low nibble of byte j,
///                                          value 2j + 1 in the high nibble
/// bytes per row = ⌈cols / 2⌉,  scales per row = ⌈cols / 32⌉,  bits per weight ≈ 4 + 32/32 = 5
/// </code>
/// Why [−7, 7] and not all sixteen codes [−8, 7]: symmetric levels put +max and −max both exactly on a level
/// and keep s = max/7 one formula. The unused code 0 (q = −8) marks the padding nibble of a row of odd length,
/// so a stored matrix says its own number of columns.
/// </summary>
public static class Int4Groups
{
    /// <summary>Values per scale, along a row.</summary>
    public const int GroupSize = 32;

    /// <summary>The largest magnitude of a quantized value.</summary>
    public const int QMax = 7;

    /// <summary>The nibble that pads a row of odd length (the code of q = −8, which no value uses).</summary>
    public const int Padding = 0;

    /// <summary>⌈cols / 2⌉: two values per byte.</summary>
    public static int BytesPerRow(int cols) => (cols + 1) / 2;

    /// <summary>⌈cols / 32⌉ scales per row.</summary>
    public static int GroupsPerRow(int cols) => (cols + GroupSize - 1) / GroupSize;

    /// <summary>One byte holding q_low in its low nibble and q_high in its high nibble, each stored as q + 8.</summary>
    public static byte Pack(int low, int high) => (byte)((low + 8) | ((high + 8) << 4));

    /// <summary>The two values of a byte, low nibble first (q = nibble − 8).</summary>
    public static (int Low, int High) Unpack(byte b) => ((b & 0x0F) - 8, (b >> 4) - 8);

    /// <summary>A (rows, cols) matrix, row-major: the packed bytes (rows·⌈cols/2⌉) and the scales (rows·⌈cols/32⌉).</summary>
    public static (byte[] Packed, float[] Scales) Quantize(ReadOnlySpan<float> w, int rows, int cols)
    {
        CheckShape(w.Length, rows, cols);
        int bytesPerRow = BytesPerRow(cols), groups = GroupsPerRow(cols);
        var packed = new byte[rows * bytesPerRow];
        var scales = new float[rows * groups];
        var q = new int[cols];
        for (int r = 0; r < rows; r++)
        {
            var row = w.Slice(r * cols, cols);
            for (int g = 0; g < groups; g++)
            {
                int start = g * GroupSize, length = Math.Min(GroupSize, cols - start);
                float s = Absmax.Scale(row.Slice(start, length), QMax);
                scales[r * groups + g] = s;
                Absmax.Quantize(row.Slice(start, length), s, QMax, q.AsSpan(start, length));
            }
            for (int j = 0; j < bytesPerRow; j++)
            {
                int low = q[2 * j];
                packed[r * bytesPerRow + j] = 2 * j + 1 < cols
                    ? Pack(low, q[2 * j + 1])
                    : (byte)((low + 8) | (Padding << 4)); // odd cols: the last high nibble is padding
            }
        }
        return (packed, scales);
    }

    /// <summary>ŵ = q · s_g for every value of a (rows, cols) matrix stored by <see cref="Quantize"/>.</summary>
    /// <exception cref="ArgumentException">The byte or scale counts do not fit (rows, cols), or a nibble is the unused code 0.</exception>
    public static float[] Dequantize(ReadOnlySpan<byte> packed, ReadOnlySpan<float> scales, int rows, int cols)
    {
        int bytesPerRow = BytesPerRow(cols), groups = GroupsPerRow(cols);
        if (rows < 0 || packed.Length != rows * bytesPerRow || scales.Length != rows * groups)
        {
            throw new ArgumentException($"int4: {packed.Length} bytes and {scales.Length} scales do not hold a ({rows}, {cols}) matrix "
                + $"(it needs {rows * bytesPerRow} bytes and {rows * groups} scales)");
        }
        var w = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                byte b = packed[r * bytesPerRow + c / 2];
                int nibble = c % 2 == 0 ? b & 0x0F : b >> 4;
                if (nibble == Padding)
                {
                    throw new ArgumentException($"int4: row {r}, column {c} holds the code 0 (q = −8), which no value uses");
                }
                w[r * cols + c] = (nibble - 8) * scales[r * groups + c / GroupSize];
            }
        }
        return w;
    }

    /// <summary>
    /// The number of columns of a stored matrix with <paramref name="bytesPerRow"/> bytes per row: 2·bytes, or one
    /// fewer when the last high nibble is the padding code. Every row must agree.
    /// </summary>
    /// <exception cref="ArgumentException">Some rows are padded and others are not.</exception>
    public static int Columns(ReadOnlySpan<byte> packed, int rows, int bytesPerRow)
    {
        if (rows == 0 || bytesPerRow == 0)
        {
            return 2 * bytesPerRow;
        }
        bool padded = packed[bytesPerRow - 1] >> 4 == Padding;
        for (int r = 1; r < rows; r++)
        {
            if ((packed[r * bytesPerRow + bytesPerRow - 1] >> 4 == Padding) != padded)
            {
                throw new ArgumentException($"int4: row 0 is {(padded ? "" : "not ")}padded to a whole byte but row {r} is{(padded ? " not" : "")}");
            }
        }
        return 2 * bytesPerRow - (padded ? 1 : 0);
    }

    private static void CheckShape(int count, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || (long)rows * cols != count)
        {
            throw new ArgumentException($"int4: {count} values are not a ({rows}, {cols}) matrix");
        }
    }
}
