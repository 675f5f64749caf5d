namespace Scratch.Notebooks.Tests;

public sealed class Lesson06Tests
{
    private static LessonRun Run => LessonRunner.Run("06-linear-regression.cs");

    [Fact]
    public void The_step_limit_two_over_lambda_max_separates_converging_from_diverging() =>
        Assert.InRange(Run.NumberAfter("the limit 2/λ_max ="), 0.3, 0.45);

    [Fact]
    public void The_diverging_rate_grows_the_loss_by_the_predicted_factor() =>
        Assert.InRange(Run.NumberAfter("η = 0.45: the loss excess per step, measured at step 150, against max (1 − η·λ)²:"), 1.5, 2.5);

    [Fact]
    public void Gradient_descent_at_the_right_rate_reaches_the_least_squares_line() =>
        Assert.InRange(Run.NumberAfter("η = 0.3 converges: L − L* ="), 0, 1e-3);
}
