using Scratch.Nn.Quantization;

namespace Scratch.Gpt.Checkpoints;

/// <summary>What <see cref="QuantizedCheckpoint.Write"/> did: the scheme, each tensor's rounding error, the file sizes.</summary>
/// <param name="Scheme">The scheme of the quantized tensors.</param>
/// <param name="Weights">Every tensor of the state dict, in order.</param>
/// <param name="SourceBytes">The size of the source's model.safetensors.</param>
/// <param name="Bytes">The size of the written model.safetensors.</param>
public sealed record QuantizeReport(QuantScheme Scheme, IReadOnlyList<QuantizedWeight> Weights, long SourceBytes, long Bytes);
