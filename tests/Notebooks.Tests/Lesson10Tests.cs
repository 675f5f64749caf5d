namespace Scratch.Notebooks.Tests;

public sealed class Lesson10Tests
{
    private static LessonRun Run => LessonRunner.Run("10-regularization.cs");

    [Fact]
    public void Without_a_penalty_the_polynomial_over_fits() =>
        Assert.InRange(Run.NumberAfter("without a penalty the model over-fits: val MSE"), 0.3, 100);

    [Fact]
    public void Proximal_l1_makes_weights_exactly_zero_and_solves_the_lasso()
    {
        Assert.InRange(Run.NumberAfter("proximal L1 makes"), 1, 11);
        Assert.InRange(Run.NumberAfter("the proximal run satisfies the lasso's optimality conditions (worst violation"), 0, 1e-6);
    }
}
