using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
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
        where T : unmanaged, IFloatingPointIeee754<T> =>
        SaveRaw(path, ToRaw(tensors), metadata);

    /// <summary>Writes tensors given as stored (any dtype the format knows) to <paramref name="path"/>, atomically as <see cref="Save{T}"/>.</summary>
    public static void SaveRaw(string path, IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                WriteRaw(stream, tensors, metadata);
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
        where T : unmanaged, IFloatingPointIeee754<T> =>
        WriteRaw(stream, ToRaw(tensors), metadata);

    /// <summary>Writes the header, then each tensor's bytes as given, to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">A name is "__metadata__" or repeated, a dtype is unknown, or a tensor's bytes do not fit its shape.</exception>
    public static void WriteRaw(Stream stream, IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        SafetensorsHeader.Write(stream, [.. tensors.Select(t => (t.Name, t.DType, t.Shape, t.Data.LongLength))], metadata);
        foreach (var tensor in tensors)
        {
            stream.Write(tensor.Data);
        }
    }

    /// <summary>Reads every tensor of the file at <paramref name="path"/> as <typeparamref name="T"/>, with the metadata.</summary>
    public static (StateDict<T> Tensors, IReadOnlyDictionary<string, string> Metadata) Load<T>(string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read<T>(stream, path);
    }

    /// <summary>Reads every tensor of the file at <paramref name="path"/> as stored (dtype, shape, bytes), with the metadata.</summary>
    public static (IReadOnlyList<SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) LoadRaw(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadRaw(stream, path);
    }

    /// <summary>
    /// The header of the file at <paramref name="path"/> alone: each tensor's name, dtype and shape (in data order)
    /// and the metadata, checked as when reading, without reading a tensor byte. For checking a file against what
    /// a model expects before allocating the model.
    /// </summary>
    public static (IReadOnlyList<SafetensorsTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var (entries, metadata, _) = ReadEntries(stream, path);
        return ([.. entries.Select(e => new SafetensorsTensorInfo(e.Name, e.DType, e.Shape))], metadata);
    }

    /// <summary>Reads a safetensors file held in memory; <paramref name="source"/> names it in errors.</summary>
    public static (StateDict<T> Tensors, IReadOnlyDictionary<string, string> Metadata) Deserialize<T>(byte[] bytes, string source = "<bytes>")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Read<T>(stream, source);
    }

    /// <summary>
    /// Reads a safetensors file from a seekable stream as <typeparamref name="T"/>; <paramref name="source"/> names
    /// it in errors. F64, F32, F16 and BF16 are widened or narrowed to <typeparamref name="T"/>; the integer dtypes
    /// of a quantized file (I8, U8) are refused, since they mean nothing without their scales.
    /// </summary>
    public static (StateDict<T> Tensors, IReadOnlyDictionary<string, string> Metadata) Read<T>(Stream stream, string source = "<stream>")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (tensors, metadata) = ReadRaw(stream, source);
        var result = new StateDict<T>();
        foreach (var tensor in tensors)
        {
            result.Add(tensor.Name, Decode<T>(tensor, source));
        }
        return (result, metadata);
    }

    /// <summary>Reads a safetensors file from a seekable stream, every tensor as stored, in data order.</summary>
    public static (IReadOnlyList<SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) ReadRaw(Stream stream, string source = "<stream>")
    {
        var (entries, metadata, dataStart) = ReadEntries(stream, source);
        var result = new List<SafetensorsTensor>(entries.Count);
        foreach (var entry in entries)
        {
            var bytes = new byte[entry.End - entry.Begin];
            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(bytes);
            result.Add(new SafetensorsTensor(entry.Name, entry.DType, entry.Shape, bytes));
        }
        return (result, metadata);
    }

    /// <summary>Reads and checks the header length and the header; returns the entries, the metadata and where the data section starts.</summary>
    private static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadEntries(Stream stream, string source)
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
        return (entries, metadata, dataStart);
    }

    /// <summary>Each tensor's elements as little-endian bytes: F32 for float, F64 for double.</summary>
    private static List<SafetensorsTensor> ToRaw<T>(StateDict<T> tensors) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string dtype = typeof(T) == typeof(float) ? "F32" : typeof(T) == typeof(double) ? "F64"
            : throw new NotSupportedException($"safetensors: writing {typeof(T).Name} is not supported (float and double are)");
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors: writing needs a little-endian machine");
        }
        return [.. tensors.Entries.Select(e => new SafetensorsTensor(e.Name, dtype, e.Tensor.ShapeArray(), MemoryMarshal.AsBytes(e.Tensor.ToArray().AsSpan()).ToArray()))];
    }

    /// <summary>
    /// A stored float tensor (F64, F32, F16, BF16) as a tensor of <typeparamref name="T"/>; <paramref name="source"/>
    /// names the file in errors.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The tensor holds integers (I8, U8): quantized values need their scales.</exception>
    public static Tensor<T> Decode<T>(SafetensorsTensor tensor, string source = "<stream>") where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Tensor<T>.FromArray(DecodeValues<T>(source, tensor), tensor.Shape);
    }

    private static T[] DecodeValues<T>(string source, SafetensorsTensor tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (name, dtype, _, bytes) = tensor;
        if (BitConverter.IsLittleEndian && ((dtype == "F32" && typeof(T) == typeof(float)) || (dtype == "F64" && typeof(T) == typeof(double))))
        {
            return MemoryMarshal.Cast<byte, T>(bytes).ToArray(); // same layout: a plain copy
        }
        if (dtype is "I8" or "U8")
        {
            throw new SafetensorsFormatException(source,
                $"tensor '{name}' holds {dtype} integers, quantized weights that need their scales: read the file with QuantizedSafetensors.Load");
        }
        int count = bytes.Length / SafetensorsHeader.ElementSize[dtype];
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
