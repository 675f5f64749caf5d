using System.Globalization;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Cli;

/// <summary>
/// Training progress as plain lines, for logs, pipes and tests, in nanoGPT's wording:
/// <code>
/// step 250: train loss 1.9342, val loss 2.0211
/// iter 260: loss 1.9012, lr 9.71e-04, 182.31ms, 4,212 tok/s, ETA 0:05:31
/// </code>
/// </summary>
internal sealed class PlainProgress(TextWriter output, int logInterval) : ITrainingProgress
{
    private int maxIters;
    private double averageMs; // an exponential moving average of the step time, for the ETA

    /// <inheritdoc/>
    public void Run(int startIteration, int maxIters, Action training)
    {
        this.maxIters = maxIters;
        training();
    }

    /// <inheritdoc/>
    public void Step(int iteration, double loss, double lr, double ms, int tokens)
    {
        averageMs = averageMs == 0 ? ms : 0.9 * averageMs + 0.1 * ms;
        if (iteration % logInterval == 0 || iteration == maxIters - 1)
        {
            var eta = TimeSpan.FromMilliseconds(averageMs * (maxIters - iteration - 1));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"iter {iteration}: loss {loss:0.0000}, lr {lr:0.00e+00}, {ms:0.00}ms, {tokens / (ms / 1000):N0} tok/s, ETA {eta:h\\:mm\\:ss}"));
        }
    }

    /// <inheritdoc/>
    public void Eval(EvalPoint eval) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"step {eval.Iteration}: train loss {eval.TrainLoss:0.0000}, val loss {eval.ValLoss:0.0000}"));

    /// <inheritdoc/>
    public void Message(string text) => output.WriteLine(text);
}
