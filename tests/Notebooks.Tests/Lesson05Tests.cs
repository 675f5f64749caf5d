namespace Scratch.Notebooks.Tests;

public sealed class Lesson05Tests
{
    private static LessonRun Run => LessonRunner.Run("05-broadcasting-and-matmul.cs");

    [Fact]
    public void Matmul_gradient_matches_central_differences() =>
        Assert.InRange(Run.NumberAfter("max |A.Grad − central differences|:"), 0, 1e-8);

    [Fact]
    public void A_shared_weight_receives_the_sum_over_the_batch() =>
        Assert.InRange(Run.NumberAfter("max |W.Grad − Σᵦ Xᵦᵀ · ∂L/∂Yᵦ|:"), 0, 1e-13);
}
