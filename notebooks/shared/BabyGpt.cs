using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;
using Scratch.Tensors;

namespace Scratch.Lessons;

/// <summary>
/// The trained character-level GPT that the GPT lessons look inside. Lesson 18 (training the baby GPT) trains
/// it and leaves its checkpoint in <c>notebooks/out/baby-gpt/</c> (<c>baby-gpt-quick/</c> in quick mode); every
/// other lesson loads it from there. A lesson run on its own, before lesson 18 ever ran, trains the same model
/// itself first and says so: same seed, same options, same checkpoint.
/// <para>
/// Full mode: nanoGPT's CPU "baby" configuration (4 layers, 4 heads, 128 wide, 64 characters of context,
/// batch 12), 2,000 iterations: about a minute on two cores, val loss about 1.9. Quick mode: 2 layers, 64 wide,
/// 32 characters of context, 300 iterations: a few seconds, val loss about 2.45 (it has learned letters and
/// spaces, not words).
/// </para>
/// </summary>
public static class BabyGpt
{
    /// <summary>The checkpoint folder for this mode.</summary>
    public static string Dir => Path.Combine(Lesson.Root, "notebooks", "out", Lesson.Quick ? "baby-gpt-quick" : "baby-gpt");

    /// <summary>tiny Shakespeare, beside the repository.</summary>
    public static string Corpus => Lesson.Data("tinyshakespeare.txt");

    /// <summary>The training options of this mode (nanoGPT's names); <paramref name="outDir"/> defaults to <see cref="Dir"/>.</summary>
    public static TrainOptions Options(string? outDir = null) => Lesson.Quick
        ? new TrainOptions
        {
            Data = Corpus, OutDir = outDir ?? Dir, Preset = "baby", NLayer = 2, NHead = 4, NEmbd = 64, BlockSize = 32,
            MaxIters = 300, LrDecayIters = 300, WarmupIters = 30, LearningRate = 3e-3, MinLr = 3e-4, EvalInterval = 100, EvalIters = 10, Seed = 1337,
        }
        : new TrainOptions { Data = Corpus, OutDir = outDir ?? Dir, Seed = 1337 };

    /// <summary>True when the finished checkpoint of this mode is there (lesson 18, or an earlier fallback, wrote it);
    /// not the one a run stopped half-way left.</summary>
    public static bool Exists => File.Exists(Path.Combine(Dir, Checkpoint.StateFile))
        && Checkpoint.LoadState(Dir).Iteration == Options().MaxIters;

    /// <summary>Trains the model of this mode into <see cref="Dir"/>, reporting each evaluation through <paramref name="onEval"/>.</summary>
    public static TrainResult Train(Action<EvalPoint>? onEval = null, string? outDir = null) =>
        Train(new Watchers { OnEval = onEval }, outDir);

    /// <summary>
    /// The same training run, watched (lesson 18): every step's loss, every evaluation, the gradient statistics
    /// every <see cref="Watchers.StatsInterval"/> steps, and pauses. At each pause the run stops after that many
    /// steps and saves its checkpoint in <see cref="Dir"/> (the model as it is then), <see cref="Watchers.OnPause"/>
    /// looks at it, and the run resumes from it, which takes exactly the steps an uninterrupted run would take:
    /// the final checkpoint is the same, bit for bit.
    /// </summary>
    public static TrainResult Train(Watchers watch, string? outDir = null)
    {
        // A fresh run replaces what an earlier run of the lessons left in the folder (Trainer refuses that unasked).
        var options = Options(outDir) with { StatsInterval = watch.StatsInterval, Metrics = watch.Metrics, Overwrite = true };
        if (watch.Metrics is not null)
        {
            File.Delete(watch.Metrics); // the metrics file is appended to; a fresh run starts a fresh file
        }
        var progress = new QuietProgress(watch.OnEval, watch.OnStep);
        var pauses = new Queue<int>(watch.Pauses.Where(p => p > 0 && p < options.MaxIters).Order());
        while (true)
        {
            var result = new Trainer(options, progress)
            {
                OnStats = watch.OnStats,
                StopRequested = steps => pauses.Count > 0 && steps == pauses.Peek(),
            }.Run();
            if (!result.Interrupted)
            {
                return result;
            }
            watch.OnPause?.Invoke(pauses.Dequeue());
            options = options with { Resume = true, Overwrite = false };
        }
    }

    /// <summary>The model of this mode before its first step: the weights the trainer starts from (same configuration, same seed).</summary>
    public static (GptModel<float> Model, ITokenizer Tokenizer) Untrained()
    {
        var tokenizer = CharTokenizer.FromText(File.ReadAllText(Corpus));
        var model = new GptModel<float>(Options().ModelConfig(tokenizer.VocabSize), new Rng(Options().Seed));
        model.Eval();
        return (model, tokenizer);
    }

    /// <summary>What to watch while <see cref="Train(Watchers, string?)"/> runs; everything is optional.</summary>
    public sealed record Watchers
    {
        /// <summary>Called after every step with its iteration and training loss.</summary>
        public Action<int, double>? OnStep { get; init; }

        /// <summary>Called with every evaluation (train and val loss estimates).</summary>
        public Action<EvalPoint>? OnEval { get; init; }

        /// <summary>Called with the gradient norms and update/data ratios every <see cref="StatsInterval"/> steps.</summary>
        public Action<TrainingStats>? OnStats { get; init; }

        /// <summary>How often <see cref="OnStats"/> is called; 0 never.</summary>
        public int StatsInterval { get; init; }

        /// <summary>Iterations after which to stop, let <see cref="OnPause"/> look at the checkpoint, and resume.</summary>
        public IReadOnlyList<int> Pauses { get; init; } = [];

        /// <summary>Called at each pause with the number of steps taken; the checkpoint in <see cref="Dir"/> is the model then.</summary>
        public Action<int>? OnPause { get; init; }

        /// <summary>A metrics file for the trainer to write (as <c>scratch train --metrics</c>), started afresh; or null.</summary>
        public string? Metrics { get; init; }
    }

    /// <summary>The trained model and its tokenizer: loaded, or trained first when no checkpoint is there.</summary>
    public static (GptModel<float> Model, ITokenizer Tokenizer) LoadOrTrain()
    {
        if (!Exists)
        {
            Lesson.Say($"(No trained model in {Path.GetRelativePath(Lesson.Root, Dir)} yet: lesson 18 writes it. Training it here first, "
                + $"{Options().MaxIters} iterations with the same seed and options.)");
            var result = Train();
            Lesson.Say($"(Trained: val loss {Lesson.G(result.Evals[^1].ValLoss)} after {result.Iteration} iterations.)");
        }
        return CheckpointLoader.Load(Dir);
    }

    /// <summary>A progress sink that prints nothing and hands each evaluation (and step loss) to a callback, if given.</summary>
    public sealed class QuietProgress(Action<EvalPoint>? onEval = null, Action<int, double>? onStep = null) : ITrainingProgress
    {
        public void Run(int startIteration, int maxIters, Action training) => training();

        public void Step(int iteration, double loss, double lr, double ms, int tokens) => onStep?.Invoke(iteration, loss);

        public void Eval(EvalPoint eval) => onEval?.Invoke(eval);

        public void Message(string text) { }
    }
}
