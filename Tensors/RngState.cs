namespace Scratch.Tensors;

/// <summary>A saved <see cref="Rng"/> state.</summary>
/// <param name="S0">State word 0.</param>
/// <param name="S1">State word 1.</param>
/// <param name="S2">State word 2.</param>
/// <param name="S3">State word 3.</param>
/// <param name="SpareNormal">The second Box–Muller sample waiting to be returned, if any.</param>
public sealed record RngState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal);
