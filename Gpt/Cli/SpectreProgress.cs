using System.Globalization;
using Scratch.Gpt.Training;
using Spectre.Console;

namespace Scratch.Gpt.Cli;

/// <summary>
/// Training progress on a terminal: a live Spectre.Console bar showing the iteration, the loss, tokens per
/// second and the estimated time left, with evaluation results printed above it as they come.
/// </summary>
internal sealed class SpectreProgress : ITrainingProgress
{
    private ProgressTask? task;
    private int maxIters;

    /// <inheritdoc/>
    public void Run(int startIteration, int maxIters, Action training)
    {
        this.maxIters = maxIters;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                task = context.AddTask($"iter {startIteration}/{maxIters}", maxValue: Math.Max(1, maxIters));
                task.Value = Math.Min(startIteration, maxIters);
                training();
                task.Value = task.MaxValue;
                task.StopTask();
            });
        task = null;
    }

    /// <inheritdoc/>
    public void Step(int iteration, double loss, double lr, double ms, int tokens)
    {
        if (task is null)
        {
            return;
        }
        task.Value = iteration + 1;
        task.Description = string.Create(CultureInfo.InvariantCulture,
            $"iter {iteration + 1}/{maxIters}  loss {loss:0.0000}  lr {lr:0.00e+00}  {tokens / (ms / 1000):N0} tok/s");
    }

    /// <inheritdoc/>
    public void Eval(EvalPoint eval) => AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
        $"[bold]step {eval.Iteration}[/]: train loss [green]{eval.TrainLoss:0.0000}[/], val loss [yellow]{eval.ValLoss:0.0000}[/]"));

    /// <inheritdoc/>
    public void Message(string text) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
}
