using System.Runtime.InteropServices;
using Scratch.Nn.Checkpoints;
using Scratch.Tensors;

namespace Scratch.Nn.Quantization;

/// <summary>
/// A float32 tensor stored in a <see cref="QuantScheme"/>: its bytes as they go into a safetensors file, the
/// float32 scales beside them, and the way back. The rows are the slices along the last axis (for a weight
/// matrix (out, in), a row is one output's weights): R = count / C rows of C = shape[^1] values.
/// <code>
/// scheme        stored dtype, shape          scales           bytes
/// f16, bf16     F16 / BF16, the shape        none             2·R·C
/// int8-tensor   I8, the shape                F32 []           R·C + 4
/// int8-row      I8, the shape                F32 [R…]         R·C + 4·R
/// int4-g32      U8, [R…, ⌈C/2⌉]              F32 [R…, ⌈C/32⌉] R·⌈C/2⌉ + 4·R·⌈C/32⌉
/// </code>
/// </summary>
public sealed class QuantizedTensor
{
    private QuantizedTensor(QuantScheme scheme, int[] shape, byte[] data, float[] scales)
    {
        Scheme = scheme;
        Shape = shape;
        Data = data;
        Scales = scales;
    }

    /// <summary>How the values are stored.</summary>
    public QuantScheme Scheme { get; }

    /// <summary>The shape of the float tensor it stands for.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The stored values, little-endian: 2 bytes each (f16, bf16), 1 (int8) or ½ (int4).</summary>
    public byte[] Data { get; }

    /// <summary>The float32 scales (empty for f16 and bf16).</summary>
    public float[] Scales { get; }

    /// <summary>C, the length of a row (the last dimension).</summary>
    public int Cols => Shape[^1];

    /// <summary>R, the number of rows (the product of the other dimensions).</summary>
    public int Rows => Shape.Take(Shape.Count - 1).Aggregate(1, (a, b) => a * b);

    /// <summary>Bytes on disk: the values and the scales.</summary>
    public long Bytes => Data.LongLength + 4L * Scales.Length;

    /// <summary>The safetensors dtype of <see cref="Data"/>: F16, BF16, I8 or U8.</summary>
    public string DType => DTypeOf(Scheme);

    /// <summary>The safetensors dtype a scheme stores its values as.</summary>
    public static string DTypeOf(QuantScheme scheme) => scheme switch
    {
        QuantScheme.Float16 => "F16",
        QuantScheme.BFloat16 => "BF16",
        QuantScheme.Int8PerTensor or QuantScheme.Int8PerRow => "I8",
        QuantScheme.Int4Group32 => "U8",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "not a quantization scheme"),
    };

    /// <summary>Stores <paramref name="w"/> (rank ≥ 1) in <paramref name="scheme"/>.</summary>
    /// <exception cref="ArgumentException">w is a scalar, holds NaN or ±∞, or (f16, bf16) a value beyond the format's range.</exception>
    public static QuantizedTensor Quantize(Tensor<float> w, QuantScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (w.Rank == 0)
        {
            throw new ArgumentException("quantize: a scalar has no rows; quantize tensors of rank ≥ 1");
        }
        float[] values = w.ToArray();
        int[] shape = w.ShapeArray();
        int cols = shape[^1], rows = cols == 0 ? 0 : values.Length / cols;
        switch (scheme)
        {
            case QuantScheme.Float16:
                return new(scheme, shape, Halves(values, Float16.FromFloat, Float16.ToFloat, Float16.MaxValue, "float16"), []);
            case QuantScheme.BFloat16:
                return new(scheme, shape, Halves(values, BFloat16.FromFloat, BFloat16.ToFloat, BFloat16.MaxValue, "bfloat16"), []);
            case QuantScheme.Int8PerTensor:
                var (q, s) = Int8Absmax.QuantizeTensor(values);
                return new(scheme, shape, MemoryMarshal.AsBytes(q.AsSpan()).ToArray(), [s]);
            case QuantScheme.Int8PerRow:
                var (qr, scales) = Int8Absmax.QuantizeRows(values, rows, cols);
                return new(scheme, shape, MemoryMarshal.AsBytes(qr.AsSpan()).ToArray(), scales);
            case QuantScheme.Int4Group32:
                var (packed, groupScales) = Int4Groups.Quantize(values, rows, cols);
                return new(scheme, shape, packed, groupScales);
            default:
                throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "not a quantization scheme");
        }
    }

    /// <summary>The float32 tensor ŵ it stands for.</summary>
    public Tensor<float> Dequantize()
    {
        int[] shape = [.. Shape];
        float[] w = Scheme switch
        {
            QuantScheme.Float16 => FromHalves(Data, Float16.ToFloat),
            QuantScheme.BFloat16 => FromHalves(Data, BFloat16.ToFloat),
            QuantScheme.Int8PerTensor => Int8Absmax.DequantizeTensor(MemoryMarshal.Cast<byte, sbyte>(Data), Scales[0]),
            QuantScheme.Int8PerRow => Int8Absmax.DequantizeRows(MemoryMarshal.Cast<byte, sbyte>(Data), Scales, Cols),
            QuantScheme.Int4Group32 => Int4Groups.Dequantize(Data, Scales, Rows, Cols),
            _ => throw new InvalidOperationException($"no dequantizer for {Scheme}"),
        };
        return Tensor<float>.FromArray(w, shape);
    }

    /// <summary>The tensors that go into a safetensors file: the values under <paramref name="name"/>, the scales under name + ".scale".</summary>
    public IReadOnlyList<SafetensorsTensor> ToStored(string name)
    {
        int[] shape = [.. Shape];
        int[] leading = shape[..^1];
        var values = Scheme == QuantScheme.Int4Group32
            ? new SafetensorsTensor(name, DType, [.. leading, Int4Groups.BytesPerRow(Cols)], Data)
            : new SafetensorsTensor(name, DType, shape, Data);
        int[]? scaleShape = Scheme switch
        {
            QuantScheme.Int8PerTensor => [],
            QuantScheme.Int8PerRow => leading,
            QuantScheme.Int4Group32 => [.. leading, Int4Groups.GroupsPerRow(Cols)],
            _ => null,
        };
        return scaleShape is null ? [values]
            : [values, new SafetensorsTensor(name + QuantizedSafetensors.ScaleSuffix, "F32", scaleShape, MemoryMarshal.AsBytes(Scales.AsSpan()).ToArray())];
    }

    /// <summary>The quantized tensor stored as <paramref name="values"/> and <paramref name="scales"/> (null for f16 and bf16).</summary>
    /// <exception cref="ArgumentException">The dtypes or shapes do not fit the scheme.</exception>
    public static QuantizedTensor FromStored(QuantScheme scheme, SafetensorsTensor values, SafetensorsTensor? scales)
    {
        ArgumentNullException.ThrowIfNull(values);
        string what = $"tensor '{values.Name}'";
        if (values.DType != DTypeOf(scheme))
        {
            throw new ArgumentException($"{what} is {values.DType}, but {scheme.Name()} stores {DTypeOf(scheme)}");
        }
        if (values.Shape.Length == 0)
        {
            throw new ArgumentException($"{what} is a scalar; quantized tensors have rank ≥ 1");
        }
        if (scheme is QuantScheme.Float16 or QuantScheme.BFloat16)
        {
            return new(scheme, values.Shape, values.Data, []);
        }
        if (scales is null)
        {
            throw new ArgumentException($"{what}: its scales '{values.Name}{QuantizedSafetensors.ScaleSuffix}' are missing");
        }
        if (scales.DType != "F32")
        {
            throw new ArgumentException($"{what}: its scales are {scales.DType}, not F32");
        }
        int[] leading = values.Shape[..^1];
        int[] shape = values.Shape;
        int[] expectedScales;
        if (scheme == QuantScheme.Int4Group32)
        {
            int rows = leading.Aggregate(1, (a, b) => a * b);
            shape = [.. leading, Int4Groups.Columns(values.Data, rows, values.Shape[^1])];
            expectedScales = [.. leading, Int4Groups.GroupsPerRow(shape[^1])];
        }
        else
        {
            expectedScales = scheme == QuantScheme.Int8PerTensor ? [] : leading;
        }
        if (!scales.Shape.SequenceEqual(expectedScales))
        {
            throw new ArgumentException($"{what}: {scheme.Name()} needs scales of shape [{string.Join(", ", expectedScales)}], the file has [{string.Join(", ", scales.Shape)}]");
        }
        return new(scheme, shape, values.Data, MemoryMarshal.Cast<byte, float>(scales.Data).ToArray());
    }

    /// <summary>Each value rounded to a 16-bit float, as little-endian bytes; a value beyond the format's range is an error, not ∞.</summary>
    private static byte[] Halves(float[] values, Func<float, ushort> encode, Func<ushort, float> decode, float max, string format)
    {
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"quantize: a weight is {values[i]}; only finite numbers can be quantized");
            }
            ushort bits = encode(values[i]);
            if (float.IsInfinity(decode(bits)))
            {
                throw new ArgumentException($"quantize: the weight {values[i]} is beyond {format}'s range (±{max}); choose another scheme");
            }
            bytes[2 * i] = (byte)bits;
            bytes[2 * i + 1] = (byte)(bits >> 8);
        }
        return bytes;
    }

    private static float[] FromHalves(byte[] bytes, Func<ushort, float> decode)
    {
        var values = new float[bytes.Length / 2];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = decode((ushort)(bytes[2 * i] | bytes[2 * i + 1] << 8));
        }
        return values;
    }
}
