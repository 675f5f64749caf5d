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

    [Fact]
    public void Without_gpt2_weights_the_gpt2_section_says_it_is_skipped() =>
        Assert.Contains("Skipped: no GPT-2 weights at", Run.Output); // CI has GPT-2's tokenizer files but never its weights
}
