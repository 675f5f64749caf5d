namespace Scratch.Notebooks.Tests;

public sealed class Lesson14Tests
{
    private static LessonRun Run => LessonRunner.Run("14-embeddings.cs");

    [Fact]
    public void Skip_gram_puts_related_words_closer_than_random_ones() =>
        Assert.InRange(Run.NumberAfter("related pairs are closer than random ones by"), 0.1, 1.0);

    [Fact]
    public void Analogies_carry_a_weak_signal() =>
        Assert.InRange(Run.NumberAfter("the hoped-for words rank"), 1, 298);
}
