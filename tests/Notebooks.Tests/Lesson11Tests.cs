namespace Scratch.Notebooks.Tests;

public sealed class Lesson11Tests
{
    private static LessonRun Run => LessonRunner.Run("11-a-network-learns.cs");

    [Fact]
    public void The_network_separates_the_spirals_on_points_it_never_saw()
    {
        Assert.InRange(Run.NumberAfter("✓ training accuracy"), 95, 100);
        Assert.InRange(Run.NumberAfter("✓ test accuracy"), 95, 100);
    }

    [Fact]
    public void Training_starts_from_a_coin_toss() =>
        Assert.InRange(Run.NumberAfter("the untrained network's loss is near log 2: it guesses about ½ for every point:"), 0.6, 0.8);
}
