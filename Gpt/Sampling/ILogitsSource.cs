namespace Scratch.Gpt.Sampling;

/// <summary>
/// Anything that gives next-token logits for a context: the GPT with or without a KV cache, or a stub in
/// tests. The context may be longer than <see cref="BlockSize"/>; a source then looks only at its last
/// block_size tokens, as nanoGPT's generate does (<c>idx[:, -block_size:]</c>).
/// </summary>
public interface ILogitsSource
{
    /// <summary>V: how many logits <see cref="NextLogits"/> returns.</summary>
    int VocabSize { get; }

    /// <summary>The longest context the source looks at.</summary>
    int BlockSize { get; }

    /// <summary>The logits (V) of the token that follows <paramref name="context"/> (at least one token).</summary>
    double[] NextLogits(IReadOnlyList<int> context);
}
