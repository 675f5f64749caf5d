namespace Scratch.Notebooks.Tests;

public sealed class Lesson19Tests
{
    private static LessonRun Run => LessonRunner.Run("19-sampling.cs");

    [Fact]
    public void The_entropy_at_temperature_1_is_between_certain_and_uniform() =>
        Assert.InRange(Run.NumberAfter("T = 1: the library's entropy equals −Σ p ln p of softmax(z/T) computed here:"), 0.5, Math.Log(65));

    [Fact]
    public void The_kv_cache_is_faster() =>
        Assert.InRange(Run.NumberAfter("the cache is faster:"), 1.0, 1000);

    [Fact]
    public void The_oldest_visible_character_still_matters() =>
        Assert.InRange(Run.NumberAfter("(the oldest character the model sees) moves the distribution: total variation"), 1e-6, 1);
}
