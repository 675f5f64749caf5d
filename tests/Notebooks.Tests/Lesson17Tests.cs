namespace Scratch.Notebooks.Tests;

public sealed class Lesson17Tests
{
    private static LessonRun Run => LessonRunner.Run("17-next-token.cs");

    [Fact]
    public void The_tied_head_gives_the_logits_computed_by_hand() =>
        Assert.InRange(Run.NumberAfter("equals the model's last row of logits (largest gap"), 0, 1e-4);

    [Fact]
    public void An_untrained_model_starts_at_ln_V() =>
        Assert.InRange(Run.NumberAfter("its val loss"), 4.07, 4.27); // ln 65 = 4.174

    [Fact]
    public void The_untrained_logits_spread_like_0_02_sqrt_C() =>
        Assert.InRange(Run.NumberAfter("the untrained logits' spread is 0.02·√C within 15% ("), 0.136, 0.184); // 0.02·√64 = 0.16 in quick mode
}
