using System.Globalization;

namespace Scratch.Gpt.Training;

/// <summary>
/// nanoGPT's <c>train.py</c> loop, for one process on the CPU. Dimension letters: B batch, T = block_size.
/// <code>
/// for it = start, …:
///     η = get_lr(it)                                  warmup, cosine decay, floor
///     if it % eval_interval == 0 or it == max_iters:  estimate train and val loss; save a checkpoint
///     if it == max_iters: stop
///     x, y = get_batch("train")                       (B, T) each
///     loss = model(x, y); loss.backward()
///     clip_grad_norm(params, grad_clip)               if grad_clip ≠ 0
///     AdamW step with η (decay on 2-D params only); zero the gradients
/// </code>
/// Every <see cref="TrainOptions.StatsInterval"/> steps (if not 0) a <see cref="TrainingWatch"/> reads the gradients
/// before clipping and the weights around the step, and <see cref="OnStats"/> and the metrics file get the numbers;
/// the step itself is the same with or without it.
/// Three random generators, all seeded from <see cref="TrainOptions.Seed"/> s: the model's (s: initial weights,
/// then dropout masks), the batches' (s + 1), and the evaluations' (s + 2, restarted at every evaluation, so
/// every evaluation sees the same windows and its losses compare like with like). The first two are saved in
/// the checkpoint, so a resumed run takes exactly the steps the uninterrupted run would have taken.
/// The loop is <see cref="Run"/>; what it evaluates, steps and saves is a <see cref="TrainingRun"/>.
/// </summary>
public sealed class Trainer(TrainOptions options, ITrainingProgress progress)
{
    /// <summary>Asked after every step with the number of steps taken; true stops the run after saving (Ctrl-C).</summary>
    public Func<int, bool> StopRequested { get; init; } = _ => false;

    /// <summary>Called with each step's gradient norms and update/data ratios, every <see cref="TrainOptions.StatsInterval"/> steps.</summary>
    public Action<TrainingStats>? OnStats { get; init; }

    /// <summary>Trains, writing checkpoints to <see cref="TrainOptions.OutDir"/>.</summary>
    /// <exception cref="FileNotFoundException">The corpus or a checkpoint file is missing.</exception>
    /// <exception cref="ArgumentException">A flag's value, the corpus or the model shape is unusable.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is corrupt.</exception>
    public TrainResult Run()
    {
        var run = TrainingRun.Start(options, progress); // fresh, or as the checkpoint in --out left it
        using var metrics = options.Metrics is null ? null : new MetricsLog(options.Metrics);
        bool interrupted = false;
        progress.Run(run.Iteration, options.MaxIters, () =>
        {
            run.Model.Train();
            while (true)
            {
                int iter = run.Iteration;
                double lr = run.Schedule.At(iter);                  // warmup, cosine decay, floor
                EvalPoint? eval = null;
                if (run.EvaluationDue)                               // every eval_interval steps, and at the end
                {
                    eval = run.Evaluate();                           // train and val loss on eval_iters batches each
                    progress.Eval(eval);
                    run.Save();                                      // the whole checkpoint, at once
                }
                if (iter >= options.MaxIters)
                {
                    if (eval is not null)
                    {
                        metrics?.Write(iter, null, lr, null, eval);
                    }
                    break;
                }
                bool watched = options.StatsInterval > 0 && iter % options.StatsInterval == 0;
                var (loss, ms, stats) = run.Step(lr, watched);       // batch, forward, backward, clip, AdamW, zero_grad
                Report(metrics, iter, loss, lr, ms, eval, stats, run.B * run.T);
                run.Iteration = iter + 1;
                if (run.Iteration < options.MaxIters && StopRequested(run.Iteration))
                {
                    run.Save();
                    interrupted = true;
                    progress.Message($"interrupted after {run.Iteration} iterations: checkpoint saved to {options.OutDir}; continue with --resume");
                    break;
                }
            }
        });
        if (!interrupted)
        {
            progress.Message($"saved checkpoint to {options.OutDir} (iteration {run.Iteration}{(run.BestValLoss is { } b ? string.Create(CultureInfo.InvariantCulture, $", best val loss {b:0.0000}") : "")})");
        }
        return new TrainResult(run.Iteration, interrupted, run.Evals);
    }

    /// <summary>One step's numbers to the metrics file, the statistics watcher and the progress display.</summary>
    private void Report(MetricsLog? metrics, int iter, double loss, double lr, double ms, EvalPoint? eval, TrainingStats? stats, int tokens)
    {
        metrics?.Write(iter, loss, lr, ms, eval, stats);
        if (stats is not null)
        {
            OnStats?.Invoke(stats);
        }
        progress.Step(iter, loss, lr, ms, tokens);
    }
}
