namespace Scratch.Nn.Schedules;

/// <summary>
/// η(it) = η₀ · γ^⌊it / stepSize⌋: the learning rate is multiplied by γ every <c>stepSize</c> iterations,
/// as <c>torch.optim.lr_scheduler.StepLR</c>.
/// </summary>
public sealed class StepSchedule : ILearningRateSchedule
{
    /// <summary>A step schedule starting at η₀ = <paramref name="learningRate"/>.</summary>
    public StepSchedule(double learningRate, int stepSize, double gamma = 0.1)
    {
        if (stepSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"StepSchedule: step size = {stepSize} must be ≥ 1");
        }
        (LearningRate, StepSize, Gamma) = (learningRate, stepSize, gamma);
    }

    /// <summary>η₀.</summary>
    public double LearningRate { get; }

    /// <summary>How many iterations between decays.</summary>
    public int StepSize { get; }

    /// <summary>γ, the factor applied at each decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public double At(int iteration) => LearningRate * Math.Pow(Gamma, iteration / StepSize);
}
