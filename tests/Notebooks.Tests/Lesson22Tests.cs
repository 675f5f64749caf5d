namespace Scratch.Notebooks.Tests;

public sealed class Lesson22Tests
{
    private static LessonRun Run => LessonRunner.Run("22-scale.cs");

    [Fact]
    public void GPT_3_is_counted_at_175_billion() =>
        Assert.InRange(Run.NumberAfter("counted:"), 174.5, 175.5); // billions, tied head

    [Fact]
    public void GPT_2_small_is_counted_at_124_million() =>
        Assert.InRange(Run.NumberAfter("GPT-2 small has"), 124.4, 124.5); // millions

    [Fact]
    public void Two_N_is_close_to_the_forward_FLOPs() =>
        Assert.InRange(Run.NumberAfter("2·N is within"), 0, 10); // percent
}
