using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Scratch.Tensors;

namespace Scratch.Nn.Checkpoints;

/// <summary>
/// Reads and writes checkpoints in the Hugging Face safetensors format:
/// <code>
/// [8 bytes]  N, the header length, unsigned little-endian
/// [N bytes]  UTF-8 JSON: {"__metadata__": {"key": "value", …},
///                         "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
///            padded with spaces so that N is a multiple of 8
/// [rest]     the data section: each tensor's elements, row-major, little-endian, at [begin, end)
/// </code>
/// Files are written in the state dict's order (the JSON object and the data in the same order;
/// "__metadata__" first, as the reference writer does); the reference writer orders tensors by dtype,
/// then name, but readers may not depend on either order. Reading returns tensors in data order.
/// <para>
/// Reading trusts nothing: the header length, the JSON, every dtype, shape and offset are checked against
/// the file's size before any tensor byte is read, and the tensors must tile the data section with no
/// gap or overlap. Any violation throws <see cref="SafetensorsFormatException"/> naming the file.
/// </para>
/// </summary>
public static class Safetensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>, as F32 for float and F64 for double. The
    /// file is written beside the target under a temporary name and then moved into place, so a crash
    /// mid-write never leaves a half-written checkpoint where a good one was.
    /// </summary>
    public static void Save<T>(string path, StateDict<T> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Write(stream, tensors, metadata);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // nothing to delete after a successful move
        }
    }

    /// <summary>The file's bytes, in memory.</summary>
    public static byte[] Serialize<T>(StateDict<T> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new MemoryStream();
        Write(stream, tensors, metadata);
        return stream.ToArray();
    }

    /// <summary>Writes the header, then each tensor's elements, to <paramref name="stream"/>.</summary>
    public static void Write<T>(Stream stream, StateDict<T> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string dtype = typeof(T) == typeof(float) ? "F32" : typeof(T) == typeof(double) ? "F64"
            : throw new NotSupportedException($"safetensors: writing {typeof(T).Name} is not supported (float and double are)");
        int elementSize = Marshal.SizeOf<T>();

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
            foreach (var (name, tensor) in tensors.Entries)
            {
                if (name == "__metadata__")
                {
                    throw new ArgumentException("safetensors: '__metadata__' is reserved and cannot name a tensor");
                }
                long bytes = (long)tensor.Count * elementSize;
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dtype);
                writer.WriteStartArray("shape");
                foreach (int size in tensor.Shape)
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
        foreach (var (_, tensor) in tensors.Entries)
        {
            T[] values = tensor.ToArray();
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("safetensors: writing needs a little-endian machine");
            }
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    /// <summary>Reads every tensor of the file at <paramref name="path"/> as <typeparamref name="T"/>, with the metadata.</summary>
    public static (StateDict<T> Tensors, IReadOnlyDictionary<string, string> Metadata) Load<T>(string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read<T>(stream, path);
    }

    /// <summary>Reads a safetensors file held in memory; <paramref name="source"/> names it in errors.</summary>
    public static (StateDict<T> Tensors, IReadOnlyDictionary<string, string> Metadata) Deserialize<T>(byte[] bytes, string source = "<bytes>")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Read<T>(stream, source);
    }

    /// <summary>Reads a safetensors file from a seekable stream; <paramref name="source"/> names it in errors.</summary>
    public static (StateDict<T> Tensors, IReadOnlyDictionary<string, string> Metadata) Read<T>(Stream stream, string source = "<stream>")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!stream.CanSeek)
        {
            throw new ArgumentException("safetensors: reading needs a seekable stream (its length bounds every offset)");
        }
        long fileLength = stream.Length - stream.Position;
        long start = stream.Position;
        if (fileLength < 8)
        {
            throw new SafetensorsFormatException(source, $"the file is {fileLength} bytes, too short for the 8-byte header length");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > SafetensorsHeader.MaxHeaderLength)
        {
            throw new SafetensorsFormatException(source, $"the header length {headerLength} is absurd (more than {SafetensorsHeader.MaxHeaderLength} bytes)");
        }
        if ((long)headerLength > fileLength - 8)
        {
            throw new SafetensorsFormatException(source, $"the header length {headerLength} runs past the end of the {fileLength}-byte file");
        }
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataStart = start + 8 + (long)headerLength;
        var (entries, metadata) = SafetensorsHeader.Parse(source, header, fileLength - 8 - (long)headerLength);

        var result = new StateDict<T>();
        foreach (var entry in entries)
        {
            var bytes = new byte[entry.End - entry.Begin];
            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(bytes);
            result.Add(entry.Name, Tensor<T>.FromArray(Decode<T>(entry.DType, bytes, entry.Count), entry.Shape));
        }
        return (result, metadata);
    }

    /// <summary>Little-endian bytes of the given dtype → elements of <typeparamref name="T"/>.</summary>
    private static T[] Decode<T>(string dtype, byte[] bytes, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (BitConverter.IsLittleEndian && ((dtype == "F32" && typeof(T) == typeof(float)) || (dtype == "F64" && typeof(T) == typeof(double))))
        {
            return MemoryMarshal.Cast<byte, T>(bytes).ToArray(); // same layout: a plain copy
        }
        var values = new T[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = dtype switch
            {
                "F64" => T.CreateChecked(BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8 * i))),
                "F32" => T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i))),
                "F16" => T.CreateChecked((float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(2 * i))),
                // bfloat16 is the top half of a float32: put its 16 bits back on top.
                "BF16" => T.CreateChecked(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i)) << 16)),
                _ => throw new InvalidOperationException($"safetensors: no decoder for {dtype}"), // the header check rules this out
            };
        }
        return values;
    }
}
