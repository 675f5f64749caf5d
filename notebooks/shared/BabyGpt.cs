using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;

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

    /// <summary>True when the checkpoint of this mode is there (lesson 18, or an earlier fallback, wrote it).</summary>
    public static bool Exists => File.Exists(Path.Combine(Dir, Checkpoint.StateFile));

    /// <summary>Trains the model of this mode into <see cref="Dir"/>, reporting each evaluation through <paramref name="onEval"/>.</summary>
    public static TrainResult Train(Action<EvalPoint>? onEval = null, string? outDir = null) =>
        new Trainer(Options(outDir), new QuietProgress(onEval)).Run();

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

    /// <summary>A progress sink that prints nothing and hands each evaluation to a callback.</summary>
    private sealed class QuietProgress(Action<EvalPoint>? onEval) : ITrainingProgress
    {
        public void Run(int startIteration, int maxIters, Action training) => training();

        public void Step(int iteration, double loss, double lr, double ms, int tokens) { }

        public void Eval(EvalPoint eval) => onEval?.Invoke(eval);

        public void Message(string text) { }
    }
}
