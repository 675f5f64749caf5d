namespace Scratch.Notebooks.Tests;

public sealed class Lesson23Tests
{
    private static LessonRun Run => LessonRunner.Run("23-low-precision.cs");

    [Fact]
    public void SixteenAndEightBitWeightsKeepTheLossAndFourBitsCostALittle()
    {
        Assert.InRange(Math.Abs(Run.NumberAfter("float16 leaves the val loss where it was (Δ):")), 0, 1e-3);
        Assert.InRange(Run.NumberAfter("4 bits cost more than 8: Δ int4-g32"), 1e-3, 0.2);
    }

    [Fact]
    public void Int8PerRowKeepsTheLoss() =>
        Assert.InRange(Run.NumberAfter("int8 per row moves it by less than 0.01 (Δ):"), -0.01, 0.01);

    [Fact]
    public void AnOutlierRowHurtsPerTensorOnly() =>
        Assert.InRange(Run.NumberAfter("int8 per tensor does: at f = 1000 its val loss rises by"), 0.1, 5);
}
