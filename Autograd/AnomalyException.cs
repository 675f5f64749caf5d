namespace Scratch.Autograd;

/// <summary>Thrown in anomaly mode when an op's output or gradient holds NaN or ±Inf.</summary>
public sealed class AnomalyException(string message) : Exception(message)
{
}
