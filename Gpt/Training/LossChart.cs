using Scratch.Gpt.Plots;

namespace Scratch.Gpt.Training;

/// <summary>
/// The loss curves of a run, on <see cref="Chart"/>: the training loss of every step (light: one batch is a noisy
/// estimate), the same smoothed (an exponential moving average), and on top the evaluations, train and val, each
/// the mean over <c>eval_iters</c> batches. Round ticks; optionally a log-scale x axis, which spreads out the first
/// steps, where the loss falls fastest (iteration 0 cannot be shown on it).
/// <code>
/// s₀ = 0,   sᵢ = β·sᵢ₋₁ + (1 − β)·lossᵢ,   smoothedᵢ = sᵢ / (1 − β^(i+1))     (debiased, like Adam's moments)
/// β = 1 − 1/w,  w = max(2, steps / 50): the average reaches about w steps back
/// </code>
/// </summary>
public static class LossChart
{
    /// <summary>The chart of a checkpoint's state: its per-step losses and its evaluations.</summary>
    public static string Render(TrainState state, bool logX = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Render(state.Evals, state.StepLosses ?? [], logX);
    }

    /// <summary>The chart as an SVG document; with neither evaluations nor steps yet, empty axes.</summary>
    /// <param name="evals">The evaluations, in order.</param>
    /// <param name="stepLosses">stepLosses[i] is step i's training loss (NaN where unknown).</param>
    /// <param name="logX">A log-scale iteration axis.</param>
    public static string Render(IReadOnlyList<EvalPoint> evals, IReadOnlyList<double> stepLosses, bool logX = false)
    {
        ArgumentNullException.ThrowIfNull(evals);
        ArgumentNullException.ThrowIfNull(stepLosses);
        double[] steps = Enumerable.Range(0, stepLosses.Count).Select(i => (double)i).ToArray();
        // On a log axis the iterations run from 1 to the last one, not to the next power of ten.
        double last = Math.Max(stepLosses.Count - 1, evals.Count == 0 ? 0 : evals.Max(e => e.Iteration));
        var chart = new Chart("loss (mean next-token cross-entropy)", "iteration", "loss")
        {
            LogX = logX,
            XRange = logX && last > 1 ? (1, last) : null,
            Legend = Corner.TopRight,
        };
        if (stepLosses.Any(double.IsFinite))
        {
            int w = Math.Max(2, stepLosses.Count / 50);
            chart.Line("train, each step", steps, stepLosses, colour: "#9ecae1", width: 1)
                 .Line($"train, smoothed over ~{w} steps", steps, Smooth(stepLosses, 1 - 1.0 / w), colour: "#1f77b4", width: 2);
        }
        if (evals.Count > 0)
        {
            double[] at = evals.Select(e => (double)e.Iteration).ToArray();
            chart.Line("train, evaluation", at, evals.Select(e => e.TrainLoss).ToArray(), colour: "#08306b", width: 2.5, markers: true)
                 .Line("val, evaluation", at, evals.Select(e => e.ValLoss).ToArray(), colour: "#ff7f0e", width: 1.5, markers: true);
        }
        return chart.ToSvg();
    }

    /// <summary>The debiased exponential moving average of <paramref name="values"/>; a NaN is skipped (the average carries over it).</summary>
    public static double[] Smooth(IReadOnlyList<double> values, double beta)
    {
        ArgumentNullException.ThrowIfNull(values);
        var smoothed = new double[values.Count];
        double s = 0, weight = 0; // weight = 1 − β^(n), n the finite values seen so far
        for (int i = 0; i < values.Count; i++)
        {
            if (double.IsFinite(values[i]))
            {
                s = beta * s + (1 - beta) * values[i];
                weight = beta * weight + (1 - beta);
            }
            smoothed[i] = weight > 0 ? s / weight : double.NaN;
        }
        return smoothed;
    }
}
