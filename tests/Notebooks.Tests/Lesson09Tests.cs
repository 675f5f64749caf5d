namespace Scratch.Notebooks.Tests;

public sealed class Lesson09Tests
{
    private static LessonRun Run => LessonRunner.Run("09-optimizers.cs");

    [Fact]
    public void Adams_first_step_is_the_learning_rate_in_every_coordinate() =>
        Assert.Equal(0.01, Math.Abs(Run.NumberAfter("Adam: Δy = −η·sign(∂f/∂y), whatever the gradient's size:")), 9);

    [Fact]
    public void Adam_keeps_two_numbers_per_weight() =>
        Assert.Equal(2, Run.NumberAfter("Adam keeps"));

    [Fact]
    public void Adam_ends_closer_to_the_minimum_than_plain_sgd() =>
        Assert.InRange(Run.NumberAfter("Adam ends closer to (1, 1) than plain SGD:"), 0, 0.5);
}
