using System.Numerics;
using Scratch.Autograd;
using Scratch.Gpt.Model;

namespace Scratch.Gpt.Sampling;

/// <summary>
/// nanoGPT's generate step, unoptimised: crop the context to its last block_size tokens, run the whole
/// model on it (no grad) and keep the last position's logits. Each step costs a full forward over up to
/// block_size tokens, so n steps cost O(n · T²) attention work; <see cref="KvCache{T}"/> does the same in
/// O(n · T). Kept as the reference the cache is tested against.
/// </summary>
public sealed class UncachedSource<T> : ILogitsSource where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GptModel<T> model;

    /// <summary>A source over <paramref name="model"/>, which is switched to evaluation mode (no dropout).</summary>
    public UncachedSource(GptModel<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        model.Eval();
    }

    /// <inheritdoc/>
    public int VocabSize => model.Config.VocabSize;

    /// <inheritdoc/>
    public int BlockSize => model.Config.BlockSize;

    /// <inheritdoc/>
    public double[] NextLogits(IReadOnlyList<int> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Count == 0)
        {
            throw new ArgumentException("generate: the context is empty; give at least one token");
        }
        int start = Math.Max(0, context.Count - BlockSize), time = context.Count - start;
        int[] window = context.Skip(start).ToArray(); // the last block_size tokens
        using (GradMode.NoGrad())
        {
            var logits = model.Forward(window, 1, time).Value; // (1, T, V)
            var last = logits.Slice(1, time - 1, time).Reshape(VocabSize); // (V): the last position
            return last.ToArray().Select(double.CreateChecked).ToArray();
        }
    }
}
