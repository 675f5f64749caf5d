namespace Scratch.Nn.Quantization;

/// <summary>The names of the <see cref="QuantScheme"/>s as written on a command line and in checkpoint files, and their storage.</summary>
public static class QuantSchemes
{
    private static readonly (QuantScheme Scheme, string Name, string Description)[] Table =
    [
        (QuantScheme.Float16, "f16", "float16 (IEEE half: 5 exponent bits, 10 fraction bits), round to nearest even"),
        (QuantScheme.BFloat16, "bf16", "bfloat16 (float32's top 16 bits: 8 exponent bits, 7 fraction bits), round to nearest even"),
        (QuantScheme.Int8PerTensor, "int8-tensor", "int8, absmax: one scale s = max|w|/127 for the whole tensor"),
        (QuantScheme.Int8PerRow, "int8-row", "int8, absmax: one scale s = max|w|/127 per row"),
        (QuantScheme.Int4Group32, "int4-g32", "4-bit in [−7, 7], absmax: one scale s = max|w|/7 per group of 32 along a row, two values per byte"),
    ];

    /// <summary>Every scheme, from the most to the fewest bits.</summary>
    public static IReadOnlyList<QuantScheme> All { get; } = [.. Table.Select(t => t.Scheme)];

    /// <summary>The scheme's name: f16, bf16, int8-tensor, int8-row, int4-g32.</summary>
    public static string Name(this QuantScheme scheme) => Find(scheme).Name;

    /// <summary>One line saying how the scheme stores a weight.</summary>
    public static string Description(this QuantScheme scheme) => Find(scheme).Description;

    /// <summary>The scheme called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No scheme has that name (the message lists them).</exception>
    public static QuantScheme Parse(string name)
    {
        foreach (var (scheme, known, _) in Table)
        {
            if (known == name)
            {
                return scheme;
            }
        }
        throw new ArgumentException($"unknown quantization scheme '{name}'; choose one of {string.Join(", ", Table.Select(t => t.Name))}");
    }

    private static (QuantScheme Scheme, string Name, string Description) Find(QuantScheme scheme)
    {
        foreach (var entry in Table)
        {
            if (entry.Scheme == scheme)
            {
                return entry;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "not a quantization scheme");
    }
}
