using Scratch.Tensors;

namespace Scratch.Gpt.Sampling;

/// <summary>
/// Autoregressive generation, one token at a time, so a caller can print each as it arrives:
/// <code>
/// repeat max_new_tokens times:
///     z = source.NextLogits(context)       the source crops the context to its last block_size tokens
///     p = Sampler.Distribution(z, options); id ~ p
///     yield (id, p[id], H(p)); context += id
/// </code>
/// </summary>
public static class Generator
{
    /// <summary>Generates up to <paramref name="maxNewTokens"/> tokens after <paramref name="prompt"/>, lazily.</summary>
    /// <param name="source">The model (with or without a KV cache).</param>
    /// <param name="prompt">The starting token ids; at least one.</param>
    /// <param name="maxNewTokens">How many tokens to generate (≥ 0).</param>
    /// <param name="options">Temperature, top-k and top-p.</param>
    /// <param name="rng">The random numbers for the draws; a fixed seed reproduces the sample (greedy uses none).</param>
    /// <exception cref="ArgumentException">Empty prompt, negative length, bad options (thrown on the call, not on enumeration).</exception>
    public static IEnumerable<GeneratedToken> Generate(ILogitsSource source, IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions options, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rng);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("generate: the prompt is empty; give at least one token");
        }
        if (maxNewTokens < 0)
        {
            throw new ArgumentException($"--max-new-tokens must be ≥ 0, got {maxNewTokens}");
        }
        foreach (int id in prompt)
        {
            if (id < 0 || id >= source.VocabSize)
            {
                throw new ArgumentException($"generate: token id {id} is outside [0, {source.VocabSize})");
            }
        }
        options.Validate();
        return Run(source, [.. prompt], maxNewTokens, options, rng);
    }

    private static IEnumerable<GeneratedToken> Run(ILogitsSource source, List<int> context, int maxNewTokens, SamplingOptions options, Rng rng)
    {
        for (int step = 0; step < maxNewTokens; step++)
        {
            double[] logits = source.NextLogits(context); // (V)
            double[] p = Sampler.Distribution(logits, options); // (V)
            int id = options.Temperature == 0 ? Sampler.ArgMax(logits) : Sampler.Draw(p, rng);
            context.Add(id);
            yield return new GeneratedToken(id, p[id], Sampler.Entropy(p), logits);
        }
    }
}
