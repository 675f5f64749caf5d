using Scratch.Gpt.Model;
using Scratch.Gpt.Sampling;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Training;

/// <summary>
/// What the model wrote at one checkpoint: <see cref="Length"/> tokens after a newline (or, for a vocabulary without
/// one, after the corpus's first token), drawn at temperature <see cref="Temperature"/> with the same seed at every
/// checkpoint, so that two samples differ only because the model changed. Kept in train_state.json, so that the run's
/// report shows gibberish turning into words.
/// </summary>
/// <param name="Iteration">Steps taken when it was drawn.</param>
/// <param name="Text">The prompt and what followed it.</param>
public sealed record SamplePoint(int Iteration, string Text)
{
    /// <summary>Tokens drawn per sample.</summary>
    public const int Length = 200;

    /// <summary>The temperature of the draws.</summary>
    public const double Temperature = 0.8;

    /// <summary>
    /// Draws a sample from <paramref name="model"/> with its KV cache, in evaluation mode (no dropout) and from its own
    /// generator seeded with <paramref name="seed"/>: the training run's generators are not touched, so training with
    /// samples takes exactly the steps it would take without them. The model's mode is restored afterwards.
    /// </summary>
    public static SamplePoint Take(GptModel<float> model, ITokenizer tokenizer, int iteration, ulong seed, int fallbackToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        int[] prompt;
        try
        {
            prompt = tokenizer.Encode("\n");
        }
        catch (ArgumentException)
        {
            prompt = [fallbackToken]; // no newline in the vocabulary
        }
        if (prompt.Length == 0)
        {
            prompt = [fallbackToken];
        }
        bool wasTraining = model.Training;
        try
        {
            var tokens = Generator.Generate(new KvCache<float>(model), prompt, Length, new SamplingOptions(Temperature), new Rng(seed));
            int[] ids = [.. prompt, .. tokens.Select(t => t.Id)];
            return new SamplePoint(iteration, tokenizer.Decode(ids));
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
