namespace Scratch.Gpt.Training;

/// <summary>One evaluation: the estimated train and validation losses before step <paramref name="Iteration"/>.</summary>
/// <param name="Iteration">Steps taken when the losses were measured.</param>
/// <param name="TrainLoss">Mean cross-entropy on random training windows.</param>
/// <param name="ValLoss">Mean cross-entropy on random validation windows.</param>
public sealed record EvalPoint(int Iteration, double TrainLoss, double ValLoss);
