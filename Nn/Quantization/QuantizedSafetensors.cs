using Scratch.Nn.Checkpoints;
using Scratch.Tensors;

namespace Scratch.Nn.Quantization;

/// <summary>
/// A state dict in a safetensors file with some tensors quantized (see <see cref="QuantizedTensor"/> for each
/// scheme's layout). The file stays a plain safetensors file that any reader can list:
/// <code>
/// __metadata__                 {"quantization": "int8-row"}
/// transformer.wte.weight       I8  [65, 128]     the quantized values
/// transformer.wte.weight.scale F32 [65]          their scales (int8 and int4 only)
/// transformer.ln_f.weight      F32 [128]         a tensor left in float32
/// </code>
/// Reading dequantizes: every tensor comes back as float32 under its own name, the scales are consumed.
/// </summary>
public static class QuantizedSafetensors
{
    /// <summary>The metadata key that names the scheme.</summary>
    public const string SchemeKey = "quantization";

    /// <summary>What follows a quantized tensor's name to name its scales.</summary>
    public const string ScaleSuffix = ".scale";

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> (atomically, as <see cref="Safetensors.SaveRaw"/>):
    /// those for which <paramref name="quantize"/> says yes in <paramref name="scheme"/>, the others as F32.
    /// </summary>
    /// <exception cref="ArgumentException">A name ends with ".scale" (reserved for scales), or a tensor cannot be quantized.</exception>
    public static void Save(string path, StateDict<float> tensors, QuantScheme scheme, Func<string, Tensor<float>, bool> quantize)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(quantize);
        var stored = new List<SafetensorsTensor>();
        foreach (var (name, tensor) in tensors.Entries)
        {
            if (name.EndsWith(ScaleSuffix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"quantize: the tensor name '{name}' ends with '{ScaleSuffix}', which names scales in a quantized file");
            }
            if (quantize(name, tensor))
            {
                stored.AddRange(QuantizedTensor.Quantize(tensor, scheme).ToStored(name));
            }
            else
            {
                stored.Add(new SafetensorsTensor(name, "F32", tensor.ShapeArray(), System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.ToArray().AsSpan()).ToArray()));
            }
        }
        Safetensors.SaveRaw(path, stored, new Dictionary<string, string> { [SchemeKey] = scheme.Name() });
    }

    /// <summary>
    /// Every tensor of the file at <paramref name="path"/> as float32, the quantized ones dequantized, and the
    /// scheme its metadata names (null for a plain float file, which loads as <see cref="Safetensors.Load{T}"/> does).
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The file is not valid safetensors, or its quantized tensors do not fit their scheme.</exception>
    public static (StateDict<float> Tensors, QuantScheme? Scheme) Load(string path)
    {
        var (stored, metadata) = Safetensors.LoadRaw(path);
        QuantScheme? scheme = null;
        if (metadata.TryGetValue(SchemeKey, out string? name))
        {
            try
            {
                scheme = QuantSchemes.Parse(name);
            }
            catch (ArgumentException e)
            {
                throw new SafetensorsFormatException(path, e.Message, e);
            }
        }
        var byName = stored.ToDictionary(t => t.Name);
        var result = new StateDict<float>();
        foreach (var tensor in stored)
        {
            bool isScale = tensor.Name.EndsWith(ScaleSuffix, StringComparison.Ordinal)
                && byName.TryGetValue(tensor.Name[..^ScaleSuffix.Length], out var owner) && owner.DType is "I8" or "U8";
            if (isScale)
            {
                continue; // read with its values
            }
            if (tensor.DType is "I8" or "U8")
            {
                if (scheme is null)
                {
                    throw new SafetensorsFormatException(path, $"tensor '{tensor.Name}' is {tensor.DType}, but the metadata names no '{SchemeKey}' scheme");
                }
                try
                {
                    var quantized = QuantizedTensor.FromStored(scheme.Value, tensor, byName.GetValueOrDefault(tensor.Name + ScaleSuffix));
                    result.Add(tensor.Name, quantized.Dequantize());
                }
                catch (ArgumentException e)
                {
                    throw new SafetensorsFormatException(path, e.Message, e);
                }
            }
            else
            {
                result.Add(tensor.Name, Safetensors.Decode<float>(tensor, path));
            }
        }
        return (result, scheme);
    }
}
