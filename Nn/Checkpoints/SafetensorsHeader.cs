// Line budget: exempt because Write checks each tensor as it writes its header entry (name, dtype, shape, offsets) in one pass, the format read back by Parse above it; split, the checks and the bytes they guard would sit apart.
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Scratch.Nn.Checkpoints;

/// <summary>One entry of the header: where a tensor's bytes lie in the data section, and how to read them.</summary>
internal sealed record SafetensorsEntry(string Name, string DType, int[] Shape, long Begin, long End, int Count);

/// <summary>
/// Parses and checks a safetensors header. Nothing in the header is trusted: every dtype, shape and offset
/// is checked against the size of the data section before a single tensor byte is read.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>Headers longer than this are refused (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Bytes per element of the dtypes Scratch reads and writes, and the names of those it knows but does not read.</summary>
    public static readonly IReadOnlyDictionary<string, int> ElementSize = new Dictionary<string, int>
    {
        ["F64"] = 8,
        ["F32"] = 4,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I8"] = 1, // quantized weights (Nn/Quantization): read as stored, never as floats
        ["U8"] = 1,
    };

    /// <summary>Bytes per element of the dtypes Scratch never decodes, for files read with some tensors skipped (a mask buffer of BOOL, say).</summary>
    private static readonly IReadOnlyDictionary<string, int> SkippedElementSize = new Dictionary<string, int>
    {
        ["BOOL"] = 1, ["I16"] = 2, ["U16"] = 2, ["I32"] = 4, ["U32"] = 4, ["I64"] = 8, ["U64"] = 8,
        ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["F8_E8M0"] = 1, ["C64"] = 8,
    };

    private static readonly HashSet<string> Unsupported = [.. SkippedElementSize.Keys, "F4", "F6_E2M3", "F6_E3M2"];

    /// <summary>
    /// Reads the entries (sorted by position in the data) and the metadata from the header bytes. With
    /// <paramref name="anyDType"/>, dtypes Scratch does not decode (BOOL, I64, …) are accepted too, for a reader
    /// that skips those tensors; their bytes are still checked to tile the data section.
    /// </summary>
    public static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) Parse(string source, byte[] header, long dataLength, bool anyDType = false)
    {
        JsonDocument document;
        try
        {
            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(header);
            if (!text.StartsWith('{'))
            {
                throw new SafetensorsFormatException(source, "the header does not start with '{'");
            }
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException or ArgumentException)
        {
            throw new SafetensorsFormatException(source, $"the header is not valid UTF-8 JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(source, $"the header is a JSON {document.RootElement.ValueKind}, not an object");
            }
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            var names = new HashSet<string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new SafetensorsFormatException(source, $"the name '{property.Name}' appears twice in the header");
                }
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(source, property.Value, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(source, property.Name, property.Value, anyDType));
                }
            }
            return (InDataOrder(source, entries, dataLength), metadata);
        }
    }

    /// <summary>
    /// Writes the 8-byte header length and the JSON header for tensors of the given names, dtypes, shapes and byte
    /// counts, in that order in the data section; the caller writes the bytes next.
    /// </summary>
    /// <exception cref="ArgumentException">A name is "__metadata__" or repeated, a dtype is unknown, or a byte count does not fit its shape.</exception>
    public static void Write(Stream stream, IReadOnlyList<(string Name, string DType, int[] Shape, long Bytes)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }
            long offset = 0;
            var names = new HashSet<string>();
            foreach (var (name, dtype, shape, bytes) in tensors)
            {
                if (name == "__metadata__")
                {
                    throw new ArgumentException("safetensors: '__metadata__' is reserved and cannot name a tensor");
                }
                if (!names.Add(name))
                {
                    throw new ArgumentException($"safetensors: the name '{name}' is given twice");
                }
                if (!ElementSize.TryGetValue(dtype, out int elementSize))
                {
                    throw new ArgumentException($"safetensors: tensor '{name}': Scratch does not write dtype '{dtype}'");
                }
                long count = shape.Aggregate(1L, (product, size) => product * size);
                if (bytes != count * elementSize)
                {
                    throw new ArgumentException($"safetensors: tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {count * elementSize} bytes, got {bytes}");
                }
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dtype);
                writer.WriteStartArray("shape");
                foreach (int size in shape)
                {
                    writer.WriteNumberValue(size);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }
            writer.WriteEndObject();
        }
        int padding = (int)((8 - json.Length % 8) % 8); // spaces, so the data starts 8-byte aligned
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(json.Length + padding));
        stream.Write(length);
        json.Position = 0;
        json.CopyTo(stream);
        for (int i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }
    }

    private static void ReadMetadata(string source, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(source, "__metadata__ must be an object of strings");
        }
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsFormatException(source, $"__metadata__ entry '{item.Name}' is a {item.Value.ValueKind}, not a string");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new SafetensorsFormatException(source, $"__metadata__ entry '{item.Name}' appears twice");
            }
        }
    }

    private static SafetensorsEntry ReadEntry(string source, string name, JsonElement value, bool anyDType)
    {
        string what = $"tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(source, $"{what}: expected an object with dtype, shape and data_offsets");
        }
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new SafetensorsFormatException(source, $"{what}: missing or non-string 'dtype'");
        }
        string dtype = dtypeElement.GetString()!;
        if (!ElementSize.TryGetValue(dtype, out int elementSize) && !(anyDType && SkippedElementSize.TryGetValue(dtype, out elementSize)))
        {
            throw new SafetensorsFormatException(source, Unsupported.Contains(dtype)
                ? $"{what}: dtype {dtype} is not supported by Scratch (F64, F32, F16, BF16, and I8 and U8 for quantized weights, are)"
                : $"{what}: unknown dtype '{dtype}'");
        }
        long[] shape = ReadIntegers(source, what, value, "shape", length: -1);
        long[] offsets = ReadIntegers(source, what, value, "data_offsets", length: 2);
        long count = 1;
        long saturated = (long)Array.MaxLength + 1; // counts saturate here instead of overflowing; refused below
        foreach (long size in shape)
        {
            if (size > int.MaxValue)
            {
                throw new SafetensorsFormatException(source, $"{what}: dimension {size} is too large");
            }
            count = size == 0 ? 0 : count > saturated / size ? saturated : Math.Min(count * size, saturated);
        }
        if (count > Array.MaxLength)
        {
            throw new SafetensorsFormatException(source, $"{what}: {count} elements are more than a Scratch tensor holds");
        }
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
        {
            throw new SafetensorsFormatException(source, $"{what}: data_offsets [{begin}, {end}] end before they begin");
        }
        if (end - begin != count * elementSize)
        {
            throw new SafetensorsFormatException(source,
                $"{what}: shape [{string.Join(", ", shape)}] of {dtype} needs {count * elementSize} bytes, but data_offsets [{begin}, {end}] hold {end - begin}");
        }
        return new SafetensorsEntry(name, dtype, [.. shape.Select(s => (int)s)], begin, end, (int)count);
    }

    private static long[] ReadIntegers(string source, string what, JsonElement value, string field, int length)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsFormatException(source, $"{what}: missing or non-array '{field}'");
        }
        if (length >= 0 && array.GetArrayLength() != length)
        {
            throw new SafetensorsFormatException(source, $"{what}: '{field}' must have {length} numbers, has {array.GetArrayLength()}");
        }
        var result = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out result[i]) || result[i] < 0)
            {
                throw new SafetensorsFormatException(source, $"{what}: '{field}' must hold non-negative integers, found {item.GetRawText()}");
            }
            i++;
        }
        return result;
    }

    /// <summary>Sorted by position, the tensors must tile the data section exactly: no gap, no overlap, nothing left over.</summary>
    private static List<SafetensorsEntry> InDataOrder(string source, List<SafetensorsEntry> entries, long dataLength)
    {
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList(); // stable: empty tensors keep header order
        long position = 0;
        foreach (var e in sorted)
        {
            if (e.End > dataLength)
            {
                throw new SafetensorsFormatException(source, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] run past the end of the {dataLength}-byte data section");
            }
            if (e.Begin != position)
            {
                throw new SafetensorsFormatException(source, e.Begin > position
                    ? $"tensor '{e.Name}': a hole in the data section: bytes [{position}, {e.Begin}) belong to no tensor"
                    : $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] overlap the previous tensor, which ends at {position}");
            }
            position = e.End;
        }
        if (position != dataLength)
        {
            throw new SafetensorsFormatException(source, $"the tensors cover {position} bytes of the {dataLength}-byte data section; the rest belongs to no tensor");
        }
        return sorted;
    }
}
