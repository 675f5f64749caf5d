namespace Scratch.Gpt.Checkpoints;

/// <summary>One tensor of a quantized checkpoint beside its float32 original.</summary>
/// <param name="Name">The state-dict name.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Quantized">True when stored in the scheme, false when kept in float32.</param>
/// <param name="MaxError">max |w − ŵ| over its elements, ŵ as read back from the written file.</param>
/// <param name="RmsError">√(mean (w − ŵ)²).</param>
public sealed record QuantizedWeight(string Name, int[] Shape, bool Quantized, double MaxError, double RmsError);
