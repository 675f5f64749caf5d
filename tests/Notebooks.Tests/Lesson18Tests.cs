namespace Scratch.Notebooks.Tests;

public sealed class Lesson18Tests
{
    private static LessonRun Run => LessonRunner.Run("18-training-gpt.cs");

    [Fact]
    public void The_quick_model_learns_from_ln_65_down_to_about_2_45() =>
        Assert.InRange(Run.NumberAfter("the val loss fell to"), 2.2, 2.6);

    [Fact]
    public void The_hook_sees_the_weights_that_the_checkpoint_saved() =>
        Assert.InRange(Run.NumberAfter("‖wte‖ the hook saw before step 100 is the norm of the checkpoint saved after 100 steps:"), 1, 20);

    [Fact]
    public void Layer_norm_gains_move_less_than_the_matrices() =>
        Assert.InRange(Run.NumberAfter("move far less per step than the big matrices: log₁₀ ratio"), -6, -3);
}
