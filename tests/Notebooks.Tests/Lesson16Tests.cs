namespace Scratch.Notebooks.Tests;

public sealed class Lesson16Tests
{
    private static LessonRun Run => LessonRunner.Run("16-block-and-depth.cs");

    [Fact]
    public void A_block_holds_twelve_C_squared_plus_its_layer_norm_gains() =>
        Assert.Equal(12 * 64 * 64 + 2 * 64, Run.NumberAfter("one block holds"), 0); // C = 64 in quick mode

    [Fact]
    public void Every_depth_learns_in_the_short_runs() =>
        Assert.InRange(Run.NumberAfter("Training lowered every model's val loss by at least"), 1.0, 2.5); // from ln 65 ≈ 4.17

    [Fact]
    public void The_MLP_by_hand_equals_the_library() =>
        Assert.InRange(Run.NumberAfter("GELU(u·W_fcᵀ)·W_projᵀ by hand equals Mlp.Forward (largest gap"), 0, 1e-5);
}
