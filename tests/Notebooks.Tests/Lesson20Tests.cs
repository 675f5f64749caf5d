namespace Scratch.Notebooks.Tests;

public sealed class Lesson20Tests
{
    private static LessonRun Run => LessonRunner.Run("20-chat.cs");

    [Fact]
    public void A_system_prompt_in_view_moves_the_first_reply_character() =>
        Assert.InRange(Run.NumberAfter("moves the first character's distribution by"), 1e-6, 1);

    [Fact]
    public void The_transcript_has_the_chat_format() =>
        Assert.Contains("✓ the transcript is the system prompt, then ROMEO:⏎{turn}⏎⏎JULIET:⏎{reply}⏎⏎ for each turn, exactly", Run.Output);
}
