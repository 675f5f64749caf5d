namespace Scratch.Gpt.Training;

/// <summary>
/// Where the training loop reports what it is doing: a live progress bar on a terminal, plain lines in a
/// log or a test. The loop runs inside <see cref="Run"/>, so that a live display can own the console meanwhile.
/// </summary>
public interface ITrainingProgress
{
    /// <summary>Runs <paramref name="training"/>, which takes steps <paramref name="startIteration"/> … <paramref name="maxIters"/> − 1.</summary>
    void Run(int startIteration, int maxIters, Action training);

    /// <summary>Step <paramref name="iteration"/> is done: its loss, learning rate, time and tokens processed.</summary>
    void Step(int iteration, double loss, double lr, double ms, int tokens);

    /// <summary>An evaluation is done.</summary>
    void Eval(EvalPoint eval);

    /// <summary>A line of information (checkpoint saved, resumed, interrupted).</summary>
    void Message(string text);
}
