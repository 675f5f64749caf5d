namespace Scratch.Notebooks.Tests;

public sealed class Lesson21Tests
{
    private static LessonRun Run => LessonRunner.Run("21-memorizing-vs-learning.cs");

    [Fact]
    public void TheValLossOfNGramsTurnsUpInsideOrdersOneToEight()
    {
        Assert.InRange(Run.NumberAfter("the val loss has its minimum inside the range, at n ="), 3, 6);
        Assert.InRange(Run.NumberAfter("and turns up: n = 8 is"), 0.5, 3);
    }

    [Fact]
    public void TheCountsAloneReciteTheTrainingText() =>
        Assert.InRange(Run.NumberAfter("it recites its training text:"), 40, 100); // % of the 8-gram's 12-character windows found in the train split
}
