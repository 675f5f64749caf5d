namespace Scratch.Gpt.Sampling;

/// <summary>
/// How a next token is drawn from the model's logits: a temperature, then optionally top-k and top-p
/// (nucleus) filtering. <see cref="Sampler.Distribution"/> applies them in that order.
/// </summary>
/// <param name="Temperature">T ≥ 0. T = 0 is greedy (always the argmax); T &gt; 0 divides the logits by T
/// before the softmax, so T &lt; 1 sharpens the distribution and T &gt; 1 flattens it.</param>
/// <param name="TopK">Keep only the k most likely tokens (k ≥ 1), or null for all.</param>
/// <param name="TopP">Keep the smallest set of most likely tokens whose probabilities sum to at least p,
/// p in (0, 1], or null for all.</param>
public sealed record SamplingOptions(double Temperature = 1.0, int? TopK = null, double? TopP = null)
{
    /// <summary>Greedy decoding: temperature 0, no filters.</summary>
    public static SamplingOptions Greedy { get; } = new(Temperature: 0);

    /// <summary>Checks the numbers; the errors name the command-line flag and the value.</summary>
    /// <exception cref="ArgumentException">temperature &lt; 0 (or NaN), top-k &lt; 1, or top-p outside (0, 1].</exception>
    public SamplingOptions Validate()
    {
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
        {
            throw new ArgumentException($"--temperature must be a finite number ≥ 0, got {Temperature}");
        }
        if (TopK is int k && k < 1)
        {
            throw new ArgumentException($"--top-k must be ≥ 1, got {k}");
        }
        if (TopP is double p && !(p > 0 && p <= 1))
        {
            throw new ArgumentException($"--top-p must be in (0, 1], got {p}");
        }
        return this;
    }
}
