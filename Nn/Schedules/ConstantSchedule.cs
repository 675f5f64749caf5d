namespace Scratch.Nn.Schedules;

/// <summary>η(it) = η: the same learning rate at every iteration.</summary>
/// <param name="LearningRate">η.</param>
public sealed record ConstantSchedule(double LearningRate) : ILearningRateSchedule
{
    /// <inheritdoc/>
    public double At(int iteration) => LearningRate;
}
