namespace Scratch.Notebooks.Tests;

public sealed class Lesson13Tests
{
    private static LessonRun Run => LessonRunner.Run("13-tokens.cs");

    [Fact]
    public void Bpe_compresses_held_out_shakespeare() =>
        Assert.InRange(Run.NumberAfter("BPE compresses held-out text to"), 1.5, 3.0);

    [Fact]
    public void The_first_merge_is_e_space_and_gpt2_splits_a_chinese_character_into_three_tokens()
    {
        Assert.Contains("the first merge is the most frequent byte pair, counted directly: e· ×", Run.Output);
        Assert.Equal(3, Run.NumberAfter("猫 alone takes"));
    }
}
