using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using Scratch.Tensors;

namespace Scratch.Nn.Checkpoints;

/// <summary>
/// A safetensors file read one tensor at a time, straight into memory the caller owns: for checkpoints as
/// large as GPT-2's (124M parameters, 498 MB of float32), where <see cref="Safetensors.Load{T}"/> would hold
/// the file's bytes and the decoded tensors at once. Opening reads and checks only the header (as
/// <see cref="Safetensors"/> does: every dtype, shape and offset against the file's size); <see cref="ReadInto{T}"/>
/// then reads one tensor's bytes into a destination span: float32 into float directly, other float dtypes
/// (F64, F16, BF16) through a buffer of 1 MiB. <see cref="Save{T}"/> writes a state dict the same way, each tensor
/// from its own storage.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const int ChunkBytes = 1 << 20;

    private readonly FileStream stream;
    private readonly long dataStart;
    private readonly Dictionary<string, SafetensorsEntry> entries;

    private SafetensorsFile(string path, FileStream stream, long dataStart, List<SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        this.stream = stream;
        this.dataStart = dataStart;
        this.entries = entries.ToDictionary(e => e.Name);
        Tensors = [.. entries.Select(e => new SafetensorsTensorInfo(e.Name, e.DType, e.Shape))];
        Metadata = metadata;
    }

    /// <summary>The file's path, as given (it names the file in errors).</summary>
    public string Path { get; }

    /// <summary>Every tensor's name, dtype and shape, in data order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's __metadata__ (empty if none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens <paramref name="path"/> and checks its header. With <paramref name="anyDType"/>, tensors of dtypes Scratch
    /// does not decode (BOOL, I64, …) may be present, for a reader that skips them.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The header is malformed or does not fit the file.</exception>
    public static SafetensorsFile Open(string path, bool anyDType = false)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new SafetensorsFormatException(path, $"the file is {fileLength} bytes, too short for the 8-byte header length");
            }
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > SafetensorsHeader.MaxHeaderLength || (long)headerLength > fileLength - 8)
            {
                throw new SafetensorsFormatException(path, $"the header length {headerLength} runs past the end of the {fileLength}-byte file");
            }
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            var (list, metadata) = SafetensorsHeader.Parse(path, header, fileLength - 8 - (long)headerLength, anyDType);
            return new SafetensorsFile(path, stream, 8 + (long)headerLength, list, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name) => entries.ContainsKey(name);

    /// <summary>The name, dtype and shape of the tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is none.</exception>
    public SafetensorsTensorInfo Info(string name) => entries.TryGetValue(name, out var e) ? new SafetensorsTensorInfo(e.Name, e.DType, e.Shape)
        : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    /// <summary>
    /// Reads the tensor <paramref name="name"/> into <paramref name="destination"/> (its element count), row-major,
    /// converting F64, F32, F16 or BF16 to <typeparamref name="T"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The destination's length is not the tensor's element count.</exception>
    /// <exception cref="SafetensorsFormatException">The tensor does not hold floats (I8, BOOL, …).</exception>
    public void ReadInto<T>(string name, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var e = entries.TryGetValue(name, out var found) ? found : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");
        if (destination.Length != e.Count)
        {
            throw new ArgumentException($"{Path}: tensor '{name}' has {e.Count} elements (shape {Shapes.Format(e.Shape)}), the destination {destination.Length}");
        }
        if (e.DType is not ("F64" or "F32" or "F16" or "BF16"))
        {
            throw new SafetensorsFormatException(Path, $"tensor '{name}' holds {e.DType}, not floating-point numbers");
        }
        stream.Position = dataStart + e.Begin;
        if (BitConverter.IsLittleEndian && ((e.DType == "F32" && typeof(T) == typeof(float)) || (e.DType == "F64" && typeof(T) == typeof(double))))
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(destination)); // the same layout: no conversion, no copy
            return;
        }
        int size = SafetensorsHeader.ElementSize[e.DType];
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (int done = 0; done < destination.Length;)
            {
                int count = Math.Min(destination.Length - done, ChunkBytes / size);
                Span<byte> bytes = chunk.AsSpan(0, count * size);
                stream.ReadExactly(bytes);
                Decode(e.DType, bytes, destination.Slice(done, count));
                done += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// Reads every tensor of the file at <paramref name="path"/> into the tensor of the same name in
    /// <paramref name="destination"/> (a module's <c>StateDict()</c> holds its parameters themselves, so they are
    /// filled in place). Names and shapes are checked first; one error lists every missing, unexpected and
    /// mis-shaped entry, and nothing is read unless all fit.
    /// </summary>
    public static void LoadInto<T>(string path, StateDict<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var file = Open(path);
        var missing = destination.Names.Where(n => !file.Contains(n)).ToList();
        var unexpected = file.Tensors.Select(t => t.Name).Where(n => !destination.Contains(n)).ToList();
        var misShaped = file.Tensors.Where(t => destination.Contains(t.Name) && !Shapes.Equal(t.Shape, destination[t.Name].Shape))
            .Select(t => $"{t.Name}: expected {Shapes.Format(destination[t.Name].Shape)}, got {Shapes.Format(t.Shape)}").ToList();
        StateDictMismatch.ThrowIfAny("the file does not fit the model", missing, unexpected, misShaped);
        foreach (var (name, tensor) in destination.Entries)
        {
            file.ReadInto(name, tensor.AsSpan());
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> as F32 (float) or F64 (double), each tensor's bytes
    /// straight from its storage (no copy of the whole state), under a temporary name moved into place at the end.
    /// </summary>
    public static void Save<T>(string path, StateDict<T> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensors);
        string dtype = typeof(T) == typeof(float) ? "F32" : typeof(T) == typeof(double) ? "F64"
            : throw new NotSupportedException($"safetensors: writing {typeof(T).Name} is not supported (float and double are)");
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors: writing needs a little-endian machine");
        }
        string full = System.IO.Path.GetFullPath(path);
        string temporary = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                int elementSize = typeof(T) == typeof(float) ? 4 : 8;
                SafetensorsHeader.Write(output, [.. tensors.Entries.Select(e => (e.Name, dtype, e.Tensor.ShapeArray(), (long)e.Tensor.Count * elementSize))], metadata);
                foreach (var (_, tensor) in tensors.Entries)
                {
                    var contiguous = tensor.IsContiguous ? tensor : tensor.Contiguous();
                    output.Write(MemoryMarshal.AsBytes(contiguous.AsSpan()));
                }
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // nothing to delete after a successful move
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => stream.Dispose();

    private static void Decode<T>(string dtype, ReadOnlySpan<byte> bytes, Span<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (dtype)
        {
            case "F64":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateChecked(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]));
                }
                break;
            case "F32":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]));
                }
                break;
            case "F16":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateChecked((float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]));
                }
                break;
            default: // BF16 is the top half of a float32: put its 16 bits back on top
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateChecked(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16));
                }
                break;
        }
    }
}
