namespace Scratch.Notebooks.Tests;

public sealed class Lesson01Tests
{
    private static LessonRun Run => LessonRunner.Run("01-derivatives.cs");

    [Fact]
    public void Forward_and_central_differences_shrink_like_h_and_h_squared()
    {
        Assert.InRange(Run.NumberAfter("the forward error falls like h (10× smaller h,"), 9.5, 10.5);
        Assert.InRange(Run.NumberAfter("the central error falls like h² (10× smaller h,"), 95, 105);
    }

    [Fact]
    public void Backward_gives_the_chain_rule_product() =>
        Assert.Equal(1.75001, Run.NumberAfter("dy/dx by Backward() equals the chain rule by hand:"), 5);
}
