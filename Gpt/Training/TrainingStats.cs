namespace Scratch.Gpt.Training;

/// <summary>
/// What one training step did to every parameter (see <see cref="ParameterStats"/>), measured by
/// <see cref="TrainingWatch"/> and handed to <see cref="Trainer.OnStats"/> every
/// <see cref="TrainOptions.StatsInterval"/> steps.
/// </summary>
/// <param name="Iteration">The step's number (the step from weights after <paramref name="Iteration"/> steps to one more).</param>
/// <param name="LearningRate">η of this step.</param>
/// <param name="Loss">The step's training loss.</param>
/// <param name="GradNorm">The global gradient norm √(Σ_p ‖g_p‖²) before clipping: what <c>clip_grad_norm_</c> returns.</param>
/// <param name="Parameters">Every parameter, in the model's order (nanoGPT's names).</param>
public sealed record TrainingStats(int Iteration, double LearningRate, double Loss, double GradNorm, IReadOnlyList<ParameterStats> Parameters)
{
    /// <summary>
    /// The parameters grouped by block: <c>transformer.h.3.attn.c_attn.weight</c> joins <c>transformer.h.3</c>; any
    /// other parameter joins its module (<c>transformer.wte</c>, <c>transformer.wpe</c>, <c>transformer.ln_f</c>).
    /// Groups keep the order of their first parameter.
    /// </summary>
    public IReadOnlyList<ParameterStats> ByBlock() =>
        Parameters.GroupBy(p => BlockOf(p.Name)).Select(g => ParameterStats.Combine(g.Key, g)).ToList();

    /// <summary>The group <see cref="ByBlock"/> puts a parameter in.</summary>
    public static string BlockOf(string name)
    {
        string[] parts = name.Split('.');
        int h = Array.IndexOf(parts, "h");
        return h >= 0 && h + 1 < parts.Length && int.TryParse(parts[h + 1], out _)
            ? string.Join('.', parts[..(h + 2)]) // transformer.h.3
            : string.Join('.', parts[..^1]);     // the module: drop ".weight" or ".bias"
    }
}
