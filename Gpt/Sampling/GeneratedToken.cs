namespace Scratch.Gpt.Sampling;

/// <summary>One generated token, with what the model thought of it.</summary>
/// <param name="Id">The token id drawn.</param>
/// <param name="Probability">Its probability in the distribution it was drawn from (after temperature, top-k and top-p).</param>
/// <param name="Entropy">H = −Σ p · ln p of that distribution, in nats: 0 when the choice was certain, ln V when uniform.</param>
/// <param name="Logits">The model's raw logits for this position, (V), before temperature and filters.</param>
public sealed record GeneratedToken(int Id, double Probability, double Entropy, double[] Logits);
