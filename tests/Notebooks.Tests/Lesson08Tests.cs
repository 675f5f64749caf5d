namespace Scratch.Notebooks.Tests;

public sealed class Lesson08Tests
{
    private static LessonRun Run => LessonRunner.Run("08-softmax-and-losses.cs");

    [Fact]
    public void Cross_entropy_keeps_pushing_when_squared_error_fades()
    {
        Assert.InRange(Run.NumberAfter("at s = 10 it is almost ‖[−1, 1, 0]‖ = √2: p − onehot with p ≈ [0, 1, 0]:"), 1.40, 1.42);
        Assert.InRange(Run.NumberAfter("At s = 10 cross-entropy pushes"), 1e3, 1e5);
    }

    [Fact]
    public void Anomaly_mode_names_the_overflowing_op() =>
        Assert.Contains("anomaly mode: anomaly: exp produced +Inf", Run.Output);
}
