namespace Scratch.Notebooks.Tests;

public sealed class Lesson12Tests
{
    private static LessonRun Run => LessonRunner.Run("12-layer-norm.cs");

    [Fact]
    public void Hand_written_fused_and_composite_layer_norm_agree()
    {
        Assert.InRange(Run.NumberAfter("dx: the three agree (largest of the three max |differences|):"), 0, 1e-12);
        Assert.InRange(Run.NumberAfter("dγ: the three agree (largest of the three max |differences|):"), 0, 1e-12);
    }

    [Fact]
    public void Holding_mean_and_deviation_fixed_gives_the_wrong_gradient() =>
        Assert.InRange(Run.NumberAfter("max |dx̂/s − dx| ="), 0.05, 10);
}
