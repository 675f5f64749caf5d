namespace Scratch.Nn.Quantization;

/// <summary>
/// How a weight tensor is stored in fewer bits than float32's 32 (see <see cref="QuantSchemes"/> for the names
/// and sizes). Bits per weight, counting the float32 scales: 16, 16, 8 (+ one scale), 8 + 32/C, 4 + 32/32 = 5.
/// </summary>
public enum QuantScheme
{
    /// <summary>IEEE half precision: 1 sign, 5 exponent, 10 fraction bits (<see cref="Float16"/>).</summary>
    Float16,

    /// <summary>Brain float: the top 16 bits of a float32, 1 sign, 8 exponent, 7 fraction bits (<see cref="BFloat16"/>).</summary>
    BFloat16,

    /// <summary>8-bit integers with one absmax scale for the whole tensor (<see cref="Int8Absmax"/>).</summary>
    Int8PerTensor,

    /// <summary>8-bit integers with one absmax scale per row (<see cref="Int8Absmax"/>).</summary>
    Int8PerRow,

    /// <summary>4-bit integers in [−7, 7], one absmax scale per group of 32 along each row, two per byte (<see cref="Int4Groups"/>).</summary>
    Int4Group32,
}
