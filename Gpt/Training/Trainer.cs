using System.Diagnostics;
using System.Globalization;
using Scratch.Gpt.Data;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Nn.Optimizers;
using Scratch.Nn.Schedules;
using Scratch.Tensors;

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
        options.Validate();
        if (!options.Resume && options.InitFrom is null)
        {
            options.ModelConfig(vocabSize: 1); // a bad shape fails now, not after reading the corpus and training a tokenizer
        }
        string text = TokenData.ReadCorpus(options.Data);
        if (text.Length == 0)
        {
            throw new ArgumentException($"the corpus {options.Data} is empty: it has no text to train on");
        }

        // The model, its tokenizer and its random generator: fresh, or as the checkpoint left them.
        var modelRng = new Rng(options.Seed);
        GptModel<float> model;
        ITokenizer tokenizer;
        TrainState? saved = null;
        if (options.Resume)
        {
            (model, tokenizer) = Checkpoint.LoadModel(options.OutDir, modelRng);
            saved = Checkpoint.LoadState(options.OutDir);
            modelRng.SetState(saved.ModelRng);
            progress.Message($"resuming from {options.OutDir} at iteration {saved.Iteration} (model shape from its {Checkpoint.ConfigFile})");
        }
        else if (options.InitFrom is not null)
        {
            (model, tokenizer, string message) = InitFrom.Load(options, modelRng); // fine-tuning: nanoGPT's init_from
            progress.Message(message);
        }
        else
        {
            tokenizer = options.MakeTokenizer(text);
            model = new GptModel<float>(options.ModelConfig(tokenizer.VocabSize), modelRng);
        }
        var config = model.Config;
        int B = options.BatchSize, T = config.BlockSize;

        var data = TokenData.FromText(text, tokenizer);
        if (data.Train.Length < T + 1 || data.Val.Length < T + 1)
        {
            throw new ArgumentException(
                $"the corpus {options.Data} is too short: {data.Length} tokens split into {data.Train.Length} train and {data.Val.Length} val, "
                + $"but each split needs at least block_size + 1 = {T + 1} (use a smaller --block-size or a longer corpus)");
        }

        var optimizer = new AdamW<float>(ParamGroups.ForWeightDecay(model.NamedParameters(), options.WeightDecay),
            options.LearningRate, options.Beta1, options.Beta2);
        var dataRng = new Rng(options.Seed + 1);
        if (saved is not null)
        {
            Checkpoint.LoadOptimizer(options.OutDir, optimizer);
            dataRng.SetState(saved.DataRng);
        }
        var schedule = new WarmupCosineSchedule(options.LearningRate, options.MinLr, options.WarmupIters, options.LrDecayIters);
        var namedParameters = model.NamedParameters();
        var parameters = namedParameters.Select(p => p.Parameter).ToList();
        var evals = new List<EvalPoint>(saved?.Evals ?? []);
        double? best = saved?.BestValLoss;
        int iter = saved?.Iteration ?? 0;
        int lastEval = evals.Count > 0 ? evals[^1].Iteration : -1; // a checkpoint is saved right after an evaluation
        bool interrupted = false;

        progress.Message(string.Create(CultureInfo.InvariantCulture,
            $"model: {model.ParameterCount() / 1e6:0.###}M parameters, n_layer {config.NLayer}, n_head {config.NHead}, n_embd {config.NEmbd}, block_size {T}, vocab_size {config.VocabSize}; {data.Train.Length:N0} train and {data.Val.Length:N0} val tokens"));
        using var metrics = options.Metrics is null ? null : new MetricsLog(options.Metrics);
        var x = new int[B * T]; // (B, T)
        var y = new int[B * T]; // (B, T)

        void Save() => Checkpoint.Save(options.OutDir, model, tokenizer, optimizer,
            new TrainState(iter, dataRng.GetState(), modelRng.GetState(), best, evals));

        progress.Run(iter, options.MaxIters, () =>
        {
            model.Train();
            while (true)
            {
                double lr = schedule.At(iter);
                bool last = iter >= options.MaxIters;
                EvalPoint? eval = null;
                if ((iter % options.EvalInterval == 0 || last) && iter != lastEval)
                {
                    var evalRng = new Rng(options.Seed + 2);
                    eval = new EvalPoint(iter,
                        LossEstimator.Estimate(model, data, DataSplit.Train, options.EvalIters, B, evalRng),
                        LossEstimator.Estimate(model, data, DataSplit.Val, options.EvalIters, B, evalRng));
                    evals.Add(eval);
                    best = Math.Min(best ?? double.PositiveInfinity, eval.ValLoss);
                    lastEval = iter;
                    progress.Eval(eval);
                    Save();
                }
                if (last)
                {
                    if (eval is not null)
                    {
                        metrics?.Write(iter, null, lr, null, eval);
                    }
                    break;
                }

                var stopwatch = Stopwatch.StartNew();
                optimizer.LearningRate = lr;
                data.GetBatch(DataSplit.Train, B, T, dataRng, x, y); // x, y: (B, T)
                var (_, loss) = model.Forward(x, y, B, T);             // loss: the mean over B·T tokens
                loss.Backward();
                bool watched = options.StatsInterval > 0 && iter % options.StatsInterval == 0;
                var watch = watched ? TrainingWatch.BeforeStep(namedParameters) : null; // gradients before clipping, weights before the step
                if (options.GradClip != 0)
                {
                    GradClipping.ClipGradNorm(parameters, options.GradClip);
                }
                optimizer.Step();
                double lossf = loss.Value.Item();
                var stats = watch?.AfterStep(iter, lr, lossf); // how far the step moved each weight
                optimizer.ZeroGrad();
                double ms = stopwatch.Elapsed.TotalMilliseconds;

                metrics?.Write(iter, lossf, lr, ms, eval, stats);
                if (stats is not null)
                {
                    OnStats?.Invoke(stats);
                }
                progress.Step(iter, lossf, lr, ms, B * T);
                iter++;
                if (iter < options.MaxIters && StopRequested(iter))
                {
                    Save();
                    interrupted = true;
                    progress.Message($"interrupted after {iter} iterations: checkpoint saved to {options.OutDir}; continue with --resume");
                    break;
                }
            }
        });
        if (!interrupted)
        {
            progress.Message($"saved checkpoint to {options.OutDir} (iteration {iter}{(best is { } b ? string.Create(CultureInfo.InvariantCulture, $", best val loss {b:0.0000}") : "")})");
        }
        return new TrainResult(iter, interrupted, evals);
    }
}
