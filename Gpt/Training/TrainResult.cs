namespace Scratch.Gpt.Training;

/// <summary>How a training run ended.</summary>
/// <param name="Iteration">Steps taken in all (including those before a resume).</param>
/// <param name="Interrupted">True if the run was stopped early (Ctrl-C) after saving a checkpoint.</param>
/// <param name="Evals">Every evaluation, including those before a resume.</param>
public sealed record TrainResult(int Iteration, bool Interrupted, IReadOnlyList<EvalPoint> Evals);
