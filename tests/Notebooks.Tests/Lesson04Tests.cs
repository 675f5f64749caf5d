namespace Scratch.Notebooks.Tests;

public sealed class Lesson04Tests
{
    private static LessonRun Run => LessonRunner.Run("04-gradient-checking.cs");

    [Fact]
    public void The_best_central_step_in_float64_is_near_the_theory()
    {
        Assert.InRange(Run.NumberAfter("central float64: the best measured step is"), 0.3, 3.3);
        Assert.InRange(Run.NumberAfter("float32's best central error is"), 1e4, 1e7);
    }

    [Fact]
    public void GradCheck_rejects_the_wrong_rule() =>
        Assert.InRange(Run.NumberAfter("the wrong rule fails it: worst relative error"), 1e-2, 10);
}
