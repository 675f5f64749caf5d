using Scratch.Autograd;
using Scratch.Gpt.Data;
using Scratch.Gpt.Model;
using Scratch.Tensors;

namespace Scratch.Gpt.Training;

/// <summary>
/// Measures a model's mean next-token cross-entropy on a split, in evaluation mode (dropout off) and without
/// recording a graph. Dimension letters: B batch, T = block_size.
/// </summary>
public static class LossEstimator
{
    /// <summary>
    /// nanoGPT's <c>estimate_loss</c> for one split: the mean of the losses of <paramref name="evalIters"/>
    /// random batches drawn with <paramref name="rng"/>. An estimate: each batch holds B·T of the split's tokens.
    /// </summary>
    public static double Estimate(GptModel<float> model, TokenData data, DataSplit split, int evalIters, int batchSize, Rng rng)
    {
        int T = model.Config.BlockSize;
        double sum = 0;
        using (EvalMode(model))
        {
            for (int k = 0; k < evalIters; k++)
            {
                var (x, y) = data.GetBatch(split, batchSize, T, rng); // (B, T) each
                var (_, loss) = model.Forward(x, y, batchSize, T);
                sum += loss.Value.Item();
            }
        }
        return sum / evalIters;
    }

    /// <summary>
    /// The exact loss over a whole split d of length N: the windows start at s = 0, T, 2T, … while s + T + 1 ≤ N,
    /// each with inputs x = d[s : s+T] and targets y = d[s+1 : s+T+1], and the result is the mean cross-entropy
    /// over every target token of every window. Windows are run <paramref name="batchSize"/> at a time; every
    /// window has T tokens, so the mean over tokens is the mean of the batch means weighted by batch size.
    /// </summary>
    /// <exception cref="ArgumentException">The split is shorter than T + 1 tokens.</exception>
    public static double Exact(GptModel<float> model, ReadOnlySpan<int> d, int batchSize)
    {
        int T = model.Config.BlockSize;
        int windows = (d.Length - 1) / T; // s = w·T for w < windows satisfies s + T + 1 ≤ N
        if (windows == 0)
        {
            throw new ArgumentException($"the split has {d.Length} tokens, too few for one window of block_size {T} (needs {T + 1})");
        }
        double sum = 0; // Σ over windows of (mean loss of the window) · 1, accumulated batch by batch
        using (EvalMode(model))
        {
            for (int first = 0; first < windows; first += batchSize)
            {
                int B = Math.Min(batchSize, windows - first);
                var x = new int[B * T]; // (B, T)
                var y = new int[B * T]; // (B, T)
                for (int b = 0; b < B; b++)
                {
                    int s = (first + b) * T;
                    d.Slice(s, T).CopyTo(x.AsSpan(b * T, T));     // x[b] = d[s : s+T]
                    d.Slice(s + 1, T).CopyTo(y.AsSpan(b * T, T)); // y[b] = d[s+1 : s+T+1]
                }
                var (_, loss) = model.Forward(x, y, B, T);
                sum += (double)loss.Value.Item() * B; // the batch mean times its number of windows
            }
        }
        return sum / windows;
    }

    /// <summary>Evaluation mode and no-grad until disposed; then back to the mode the model was in.</summary>
    private static IDisposable EvalMode(GptModel<float> model)
    {
        bool wasTraining = model.Training;
        model.Eval();
        var noGrad = GradMode.NoGrad();
        return new Restore(() =>
        {
            noGrad.Dispose();
            model.Train(wasTraining);
        });
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
