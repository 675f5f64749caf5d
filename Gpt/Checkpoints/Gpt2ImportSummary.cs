namespace Scratch.Gpt.Checkpoints;

/// <summary>What reading a Hugging Face GPT-2 model.safetensors did (for <c>scratch import</c> to tell the user).</summary>
/// <param name="DTypes">The dtypes the weights were stored in (F32, F16, BF16), converted to float32.</param>
/// <param name="Transposed">How many Conv1D weights were transposed from (in, out) to (out, in): 4 per block.</param>
/// <param name="Skipped">The tensors of the file that are not weights: the mask buffers, and lm_head.weight (checked equal to wte).</param>
/// <param name="Prefixed">Whether the keys carried the "transformer." prefix.</param>
public sealed record Gpt2ImportSummary(IReadOnlyList<string> DTypes, int Transposed, IReadOnlyList<string> Skipped, bool Prefixed);
