using Scratch.Autograd;

namespace Scratch.Gpt.Training;

/// <summary>
/// Watches one optimiser step, to see whether training is healthy layer by layer: call <see cref="BeforeStep"/>
/// after <c>loss.Backward()</c> (it reads every gradient before clipping changes it, and copies the weights), then
/// take the step, then call <see cref="AfterStep"/> (it measures how far each weight moved).
/// <code>
/// loss.Backward();
/// var watch = TrainingWatch.BeforeStep(model.NamedParameters());   ‖g_p‖ and a copy of w_p, per parameter p
/// GradClipping.ClipGradNorm(…); optimizer.Step();
/// var stats = watch.AfterStep(iter, lr, loss);                     ‖w_p′ − w_p‖ per parameter
/// </code>
/// It only reads the gradients and the weights, so the step it watches is exactly the step it would have been.
/// It costs a copy of the weights and three passes over them; a loop that does not watch pays nothing.
/// </summary>
public sealed class TrainingWatch
{
    private readonly IReadOnlyList<(string Name, Var<float> Parameter)> parameters;
    private readonly float[][] before; // w_p before the step, per parameter
    private readonly double[] gradNorms; // ‖g_p‖ before clipping, per parameter

    private TrainingWatch(IReadOnlyList<(string Name, Var<float> Parameter)> parameters)
    {
        this.parameters = parameters;
        before = new float[parameters.Count][];
        gradNorms = new double[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i].Parameter;
            before[i] = p.Value.ToArray();
            gradNorms[i] = p.Grad is null ? 0 : Math.Sqrt(SumOfSquares(p.Grad.AsSpan(), [])); // a parameter without a gradient did not take part
        }
    }

    /// <summary>Reads every parameter's gradient norm (before clipping) and keeps a copy of its weights.</summary>
    public static TrainingWatch BeforeStep(IReadOnlyList<(string Name, Var<float> Parameter)> namedParameters)
    {
        ArgumentNullException.ThrowIfNull(namedParameters);
        return new TrainingWatch(namedParameters);
    }

    /// <summary>After the optimiser's step: every parameter's ‖w‖, ‖g‖ and ‖Δw‖, and the global ‖g‖.</summary>
    public TrainingStats AfterStep(int iteration, double learningRate, double loss)
    {
        var stats = new ParameterStats[parameters.Count];
        double global = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var after = parameters[i].Parameter.Value.AsSpan();
            stats[i] = new ParameterStats(parameters[i].Name, after.Length,
                WeightNorm: Math.Sqrt(SumOfSquares(before[i], [])),
                GradNorm: gradNorms[i],
                UpdateNorm: Math.Sqrt(SumOfSquares(after, before[i]))); // ‖w′ − w‖
            global += gradNorms[i] * gradNorms[i];
        }
        return new TrainingStats(iteration, learningRate, loss, Math.Sqrt(global), stats);
    }

    /// <summary>Σ (aᵢ − bᵢ)² in double, or Σ aᵢ² when <paramref name="b"/> is empty.</summary>
    private static double SumOfSquares(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = b.IsEmpty ? a[i] : (double)a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
