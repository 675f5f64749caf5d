namespace Scratch.Nn.Checkpoints;

/// <summary>What a safetensors header says about one tensor, before any of its bytes are read.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">The safetensors dtype ("F32", "F16", "BF16", "BOOL", …).</param>
/// <param name="Shape">The shape as stored ([] for a scalar).</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, int[] Shape);
