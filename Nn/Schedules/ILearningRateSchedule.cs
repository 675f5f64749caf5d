namespace Scratch.Nn.Schedules;

/// <summary>A learning rate for every iteration: set <c>optimizer.LearningRate = schedule.At(it)</c> before each step.</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for iteration <paramref name="iteration"/> (0 for the first step).</summary>
    double At(int iteration);
}
