namespace Scratch.Notebooks.Tests;

public sealed class Lesson07Tests
{
    private static LessonRun Run => LessonRunner.Run("07-activations.cs");

    [Fact]
    public void Backward_gives_the_sigmoid_slope_of_a_quarter_at_zero() =>
        Assert.Equal(0.25, Run.NumberAfter("the sigmoid's largest slope, σ′(0):"), 12);

    [Fact]
    public void The_sigmoid_stack_loses_orders_of_magnitude_of_gradient_and_relu_does_not()
    {
        Assert.InRange(Run.NumberAfter("sigmoid: layer 1 receives"), 0, 1e-6);
        Assert.InRange(Run.NumberAfter("ReLU with Kaiming init keeps it roughly level: layer 1 / layer 20 ="), 0.1, 10);
    }
}
