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
/// Everything one training run holds between steps — the model, its tokenizer, the data, AdamW, the random
/// generators, the evaluations so far — and the three things <see cref="Trainer.Run"/> does with it: evaluate,
/// step, save. <see cref="Start"/> builds it fresh, or exactly as the checkpoint in --out left it.
/// Dimension letters: B batch, T = block_size.
/// </summary>
internal sealed class TrainingRun
{
    private readonly TrainOptions options;
    private readonly ITokenizer tokenizer;
    private readonly TokenData data;
    private readonly AdamW<float> optimizer;
    private readonly Rng dataRng, modelRng;
    private readonly ulong seed; // on resume, the checkpoint's: the evaluations restart their generator from it
    private readonly IReadOnlyList<(string Name, Autograd.Var<float> Parameter)> namedParameters;
    private readonly List<Autograd.Var<float>> parameters;
    private readonly List<EvalPoint> evals;
    private readonly List<double> stepLosses; // stepLosses[i]: step i's loss, for loss.svg and the report
    private readonly List<SamplePoint> samples;
    private readonly int[] x, y; // (B, T) each
    private double? best;
    private int lastEval; // a checkpoint is saved right after an evaluation

    private TrainingRun(TrainOptions options, GptModel<float> model, ITokenizer tokenizer, TokenData data, Rng modelRng, ulong seed, TrainState? saved)
    {
        this.options = options;
        Model = model;
        this.tokenizer = tokenizer;
        this.data = data;
        this.modelRng = modelRng;
        this.seed = seed;
        optimizer = new AdamW<float>(ParamGroups.ForWeightDecay(model.NamedParameters(), options.WeightDecay),
            options.LearningRate, options.Beta1, options.Beta2);
        dataRng = new Rng(seed + 1);
        if (saved is not null)
        {
            Checkpoint.LoadOptimizer(options.OutDir, optimizer);
            dataRng.SetState(saved.DataRng);
        }
        Schedule = new WarmupCosineSchedule(options.LearningRate, options.MinLr, options.WarmupIters, options.LrDecayIters);
        namedParameters = model.NamedParameters();
        parameters = namedParameters.Select(p => p.Parameter).ToList();
        evals = new List<EvalPoint>(saved?.Evals ?? []);
        stepLosses = new List<double>(saved?.StepLosses ?? []);
        stepLosses.AddRange(Enumerable.Repeat(double.NaN, Math.Max(0, (saved?.Iteration ?? 0) - stepLosses.Count)));
        samples = new List<SamplePoint>(saved?.Samples ?? []);
        best = saved?.BestValLoss;
        Iteration = saved?.Iteration ?? 0;
        lastEval = evals.Count > 0 ? evals[^1].Iteration : -1;
        x = new int[B * T];
        y = new int[B * T];
    }

    /// <summary>The model being trained.</summary>
    public GptModel<float> Model { get; }

    /// <summary>Steps taken; the next step is this one.</summary>
    public int Iteration { get; set; }

    /// <summary>The learning rate at each iteration: warmup, cosine decay, floor (nanoGPT's get_lr).</summary>
    public WarmupCosineSchedule Schedule { get; }

    /// <summary>Windows per step.</summary>
    public int B => options.BatchSize;

    /// <summary>Tokens per window (block_size).</summary>
    public int T => Model.Config.BlockSize;

    /// <summary>The evaluations so far.</summary>
    public IReadOnlyList<EvalPoint> Evals => evals;

    /// <summary>The lowest val loss so far.</summary>
    public double? BestValLoss => best;

    /// <summary>True if this iteration is due an evaluation (every eval_interval steps, and at the end) and has not had it.</summary>
    public bool EvaluationDue => (Iteration % options.EvalInterval == 0 || Iteration >= options.MaxIters) && Iteration != lastEval;

    /// <summary>
    /// The model, its tokenizer and the data, fresh or as the checkpoint in --out left them, after every check that can
    /// be made before work starts (flags, --out, memory, the corpus).
    /// </summary>
    public static TrainingRun Start(TrainOptions options, ITrainingProgress progress)
    {
        options.Validate();
        if (!options.Resume && options.InitFrom is null)
        {
            MemoryEstimate.CheckTraining(options); // a bad shape, or one too large to fit, fails now, not after reading the corpus and training a tokenizer
        }
        CheckOutDir(options);
        var corpus = CorpusFile.Read(options.Data);
        if (corpus.IsEmpty)
        {
            throw new ArgumentException($"the corpus {options.Data} is empty: it has no text to train on");
        }

        // The model, its tokenizer and its random generator: fresh, or as the checkpoint left them.
        var modelRng = new Rng(options.Seed);
        ulong seed = options.Seed; // on resume, the checkpoint's (the evaluations restart their generator from it)
        GptModel<float> model;
        ITokenizer tokenizer;
        TrainState? saved = null;
        if (options.Resume)
        {
            MemoryEstimate.CheckTraining(Checkpoints.CheckpointLoader.LoadConfig(options.OutDir), options.BatchSize);
            (model, tokenizer) = Checkpoint.LoadModel(options.OutDir, modelRng);
            saved = Checkpoint.LoadState(options.OutDir);
            modelRng.SetState(saved.ModelRng);
            seed = saved.Seed ?? seed;
            progress.Message($"resuming from {options.OutDir} at iteration {saved.Iteration} (model shape from its {Checkpoint.ConfigFile})");
        }
        else if (options.InitFrom is not null)
        {
            (model, tokenizer, string message) = InitFrom.Load(options, modelRng); // fine-tuning: nanoGPT's init_from
            progress.Message(message);
        }
        else
        {
            tokenizer = options.MakeTokenizer(corpus);
            MemoryEstimate.CheckTraining(options, tokenizer.VocabSize);
            model = new GptModel<float>(options.ModelConfig(tokenizer.VocabSize), modelRng);
        }
        var config = model.Config;
        int B = options.BatchSize, T = config.BlockSize;

        var data = new TokenData(corpus.Encode(tokenizer));
        if (data.Train.Length < T + 1 || data.Val.Length < T + 1)
        {
            throw new ArgumentException(
                $"the corpus {options.Data} is too short: {data.Length} tokens split into {data.Train.Length} train and {data.Val.Length} val, "
                + $"but each split needs at least block_size + 1 = {T + 1} (use a smaller --block-size or a longer corpus)");
        }

        var run = new TrainingRun(options, model, tokenizer, data, modelRng, seed, saved);
        progress.Message(string.Create(CultureInfo.InvariantCulture,
            $"model: {model.ParameterCount() / 1e6:0.###}M parameters, n_layer {config.NLayer}, n_head {config.NHead}, n_embd {config.NEmbd}, block_size {T}, vocab_size {config.VocabSize}; {data.Train.Length:N0} train and {data.Val.Length:N0} val tokens"));
        return run;
    }

    /// <summary>
    /// Estimates the train and val loss on eval_iters batches each (the same batches every time: the generator restarts
    /// from the seed) and keeps a sample of the model's text at this checkpoint (with its own generator: training is unchanged).
    /// </summary>
    public EvalPoint Evaluate()
    {
        var evalRng = new Rng(seed + 2);
        var eval = new EvalPoint(Iteration,
            LossEstimator.Estimate(Model, data, DataSplit.Train, options.EvalIters, B, evalRng),
            LossEstimator.Estimate(Model, data, DataSplit.Val, options.EvalIters, B, evalRng));
        evals.Add(eval);
        best = Math.Min(best ?? double.PositiveInfinity, eval.ValLoss);
        lastEval = Iteration;
        samples.Add(SamplePoint.Take(Model, tokenizer, Iteration, seed, data.Train[0]));
        return eval;
    }

    /// <summary>
    /// One training step at learning rate <paramref name="lr"/>: a batch, forward, backward, clip the gradient norm,
    /// AdamW, zero the gradients, then free the step's tensors (<see cref="StepGarbage"/>). With <paramref name="watched"/>,
    /// the gradients before clipping and how far the step moved each weight are measured too (<see cref="TrainingWatch"/>);
    /// the step itself is the same.
    /// </summary>
    public (double Loss, double Milliseconds, TrainingStats? Stats) Step(double lr, bool watched)
    {
        var stopwatch = Stopwatch.StartNew();
        var (loss, stats) = Update(lr, watched);
        StepGarbage.Collect(); // Update has returned: nothing holds the step's graph any more
        return (loss, stopwatch.Elapsed.TotalMilliseconds, stats);
    }

    /// <summary>The step's arithmetic: batch, forward, backward, clip, AdamW, zero_grad; returns the loss.</summary>
    private (double Loss, TrainingStats? Stats) Update(double lr, bool watched)
    {
        optimizer.LearningRate = lr;
        data.GetBatch(DataSplit.Train, B, T, dataRng, x, y); // x, y: (B, T)
        var (_, loss) = Model.Forward(x, y, B, T);             // loss: the mean over B·T tokens
        loss.Backward();
        var watch = watched ? TrainingWatch.BeforeStep(namedParameters) : null; // gradients before clipping, weights before the step
        if (options.GradClip != 0)
        {
            GradClipping.ClipGradNorm(parameters, options.GradClip);
        }
        optimizer.Step();
        double lossf = loss.Value.Item();
        stepLosses.Add(lossf);
        var stats = watch?.AfterStep(Iteration, lr, lossf); // how far the step moved each weight
        optimizer.ZeroGrad();
        return (lossf, stats);
    }

    /// <summary>Replaces the checkpoint in --out with this state, all files at once (<see cref="CheckpointDirectory"/>).</summary>
    public void Save() => Checkpoint.Save(options.OutDir, Model, tokenizer, optimizer,
        new TrainState(Iteration, dataRng.GetState(), modelRng.GetState(), best, evals, seed, stepLosses, samples));

    /// <summary>
    /// A fresh run never replaces a checkpoint unasked: without --resume or --overwrite, an --out that holds one is
    /// refused, naming its iteration and best val loss. --resume needs a checkpoint to continue.
    /// </summary>
    private static void CheckOutDir(TrainOptions options)
    {
        string dir = options.OutDir;
        if (File.Exists(dir))
        {
            throw new ArgumentException($"--out {dir} is a file; give a directory for the checkpoint");
        }
        bool holds = CheckpointDirectory.HoldsCheckpoint(dir);
        if (options.Resume && !holds)
        {
            throw new ArgumentException($"--resume: {dir} holds no checkpoint to continue; train without --resume to start one there");
        }
        if (!options.Resume && !options.Overwrite && holds)
        {
            throw new ArgumentException($"--out {dir} already holds a checkpoint ({Describe(dir)}); continue it with --resume, or replace it with --overwrite");
        }
    }

    /// <summary>"iteration 2000, best val loss 1.8902", as far as the checkpoint's train_state.json tells.</summary>
    private static string Describe(string dir)
    {
        try
        {
            var state = Checkpoint.LoadState(dir);
            return state.BestValLoss is double best
                ? string.Create(CultureInfo.InvariantCulture, $"iteration {state.Iteration}, best val loss {best:0.0000}")
                : $"iteration {state.Iteration}, not yet evaluated";
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return "a model without a readable training state";
        }
    }
}
