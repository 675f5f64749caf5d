namespace Scratch.Nn.Checkpoints;

/// <summary>
/// One tensor of a safetensors file as it is stored: its name, dtype ("F32", "F16", "BF16", "I8", "U8", …),
/// shape and raw little-endian bytes (shape's element count × the dtype's size). The float reader turns these
/// into <c>Tensor&lt;T&gt;</c>; the quantized formats (<c>Nn/Quantization</c>) read and write them as they are.
/// </summary>
/// <param name="Name">The tensor's name in the header.</param>
/// <param name="DType">The safetensors dtype.</param>
/// <param name="Shape">The shape as stored ([] for a scalar).</param>
/// <param name="Data">The bytes, row-major, little-endian.</param>
public sealed record SafetensorsTensor(string Name, string DType, int[] Shape, byte[] Data);
