using Scratch.Gpt.Data;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;

namespace Scratch.Gpt.Training;

/// <summary>
/// Everything <c>scratch train</c> is told, with nanoGPT's names and its CPU "baby" defaults
/// (<c>config/train_shakespeare_char.py</c> scaled down as nanoGPT's README suggests for a laptop); the command line's
/// defaults are <see cref="MainJob"/>, the same model trained longer. Model-shape fields left null come from the preset; with <see cref="Resume"/> they come from the checkpoint.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>The text corpus to train on (UTF-8).</summary>
    public required string Data { get; init; }

    /// <summary>The checkpoint directory, written at every evaluation and at the end (nanoGPT: out_dir).</summary>
    public string OutDir { get; init; } = "out";

    /// <summary>The named model shape to start from (see <see cref="GptConfig.Presets"/>).</summary>
    public string Preset { get; init; } = "baby";

    /// <summary>Overrides the preset's number of blocks.</summary>
    public int? NLayer { get; init; }

    /// <summary>Overrides the preset's number of attention heads.</summary>
    public int? NHead { get; init; }

    /// <summary>Overrides the preset's width of the residual stream.</summary>
    public int? NEmbd { get; init; }

    /// <summary>Overrides the preset's context length T.</summary>
    public int? BlockSize { get; init; }

    /// <summary>Overrides the preset's dropout probability.</summary>
    public double? Dropout { get; init; }

    /// <summary>Overrides whether Linear and LayerNorm layers have biases.</summary>
    public bool? Bias { get; init; }

    /// <summary>B: windows per training step.</summary>
    public int BatchSize { get; init; } = 12;

    /// <summary>Training steps in all (a resumed run continues up to this number).</summary>
    public int MaxIters { get; init; } = 2000;

    /// <summary>η_max, the learning rate after warmup.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>η_min, the learning rate after the cosine decay.</summary>
    public double MinLr { get; init; } = 1e-4;

    /// <summary>Iterations of linear warmup.</summary>
    public int WarmupIters { get; init; } = 100;

    /// <summary>The iteration at which the cosine decay reaches η_min.</summary>
    public int LrDecayIters { get; init; } = 2000;

    /// <summary>AdamW's decoupled weight decay λ, applied to the 2-D parameters only.</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>AdamW's β₁.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW's β₂.</summary>
    public double Beta2 { get; init; } = 0.99;

    /// <summary>The largest global gradient norm; 0 turns clipping off (as in nanoGPT).</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Evaluate (and save a checkpoint) every this many iterations.</summary>
    public int EvalInterval { get; init; } = 250;

    /// <summary>Random batches per split in each evaluation.</summary>
    public int EvalIters { get; init; } = 20;

    /// <summary>Print a progress line every this many iterations (when the output is not a terminal).</summary>
    public int LogInterval { get; init; } = 10;

    /// <summary>Seeds the initial weights, dropout and the batches.</summary>
    public ulong Seed { get; init; } = 1337;

    /// <summary>"char" (the corpus's characters), "bpe" (byte-level BPE trained on the corpus) or "gpt2" (GPT-2's
    /// own vocabulary, read from <see cref="Vocab"/>).</summary>
    public string Tokenizer { get; init; } = "char";

    /// <summary>The BPE vocabulary size (256 bytes plus merges).</summary>
    public int VocabSize { get; init; } = 512;

    /// <summary>For "gpt2": the folder with GPT-2's vocab.json + merges.txt (or encoder.json + vocab.bpe).</summary>
    public string? Vocab { get; init; }

    /// <summary>Continue from the checkpoint in <see cref="OutDir"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>Start afresh even though <see cref="OutDir"/> holds a checkpoint, replacing it at the first save (without this, that is refused).</summary>
    public bool Overwrite { get; init; }

    /// <summary>Start from this checkpoint's weights and tokenizer instead of random ones (fine-tuning; nanoGPT's init_from), see <see cref="Training.InitFrom"/>.</summary>
    public string? InitFrom { get; init; }

    /// <summary>A file to append one JSON object per iteration to, or null.</summary>
    public string? Metrics { get; init; }

    /// <summary>
    /// Every this many steps, measure each parameter's gradient norm and update/data ratio (<see cref="TrainingWatch"/>),
    /// hand them to <see cref="Trainer.OnStats"/> and add them to the metrics file; 0 (the default) never does.
    /// </summary>
    public int StatsInterval { get; init; }

    /// <summary>
    /// The defaults of <c>scratch train</c>, the README's main job: the baby model (<see cref="Preset"/> "baby") trained
    /// for 3,600 steps instead of 2,000, at a peak learning rate of 2e-3 instead of 1e-3, decaying to the last step. On a
    /// 2-core CPU it finishes in about 5 minutes and beats every order of the counting n-gram baseline on exact val loss,
    /// which nanoGPT's 2,000-step baby schedule (the other defaults above, kept for library callers and the benchmarks)
    /// does not; the measurements are in benchmarks/README.md ("Choosing the main job").
    /// </summary>
    public static TrainOptions MainJob { get; } = new() { Data = "", MaxIters = 3600, LearningRate = 2e-3, LrDecayIters = 3600 };

    /// <summary>Checks every number; the error names the flag and the value.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public TrainOptions Validate()
    {
        Positive("--batch-size", BatchSize);
        Positive("--eval-interval", EvalInterval);
        Positive("--eval-iters", EvalIters);
        Positive("--log-interval", LogInterval);
        Require("--max-iters", MaxIters, MaxIters >= 0, "must be ≥ 0");
        Require("the stats interval", StatsInterval, StatsInterval >= 0, "must be ≥ 0 (0 turns the statistics off)");
        Require("--warmup-iters", WarmupIters, WarmupIters >= 0, "must be ≥ 0");
        Require("--lr-decay-iters", LrDecayIters, LrDecayIters > WarmupIters, $"must be greater than --warmup-iters ({WarmupIters})");
        Require("--learning-rate", LearningRate, LearningRate >= 0 && double.IsFinite(LearningRate), "must be a finite number ≥ 0");
        Require("--min-lr", MinLr, MinLr >= 0 && double.IsFinite(MinLr), "must be a finite number ≥ 0");
        Require("--weight-decay", WeightDecay, WeightDecay >= 0 && double.IsFinite(WeightDecay), "must be a finite number ≥ 0");
        Require("--beta1", Beta1, Beta1 is >= 0 and < 1, "must be in [0, 1)");
        Require("--beta2", Beta2, Beta2 is >= 0 and < 1, "must be in [0, 1)");
        Require("--grad-clip", GradClip, GradClip >= 0 && double.IsFinite(GradClip), "must be a finite number ≥ 0 (0 turns clipping off)");
        if (Dropout is { } p)
        {
            Require("--dropout", p, p is >= 0 and < 1, "must be in [0, 1)");
        }
        foreach (var (flag, value) in new[] { ("--n-layer", NLayer), ("--n-head", NHead), ("--n-embd", NEmbd), ("--block-size", BlockSize) })
        {
            if (value is { } v)
            {
                Positive(flag, v);
            }
        }
        Require("--tokenizer", Tokenizer, Tokenizer is "char" or "bpe" or "gpt2", "must be char, bpe or gpt2");
        if (Tokenizer == "gpt2" && Vocab is null)
        {
            throw new ArgumentException("--tokenizer gpt2 needs --vocab DIR, the folder with GPT-2's vocab.json + merges.txt (or encoder.json + vocab.bpe)");
        }
        if (Tokenizer != "gpt2" && Vocab is not null)
        {
            throw new ArgumentException($"--vocab is for --tokenizer gpt2; the {Tokenizer} tokenizer is built from the corpus");
        }
        Require("--vocab-size", VocabSize, VocabSize >= 256, "must be ≥ 256 (the 256 bytes come first)");
        if (Resume && Overwrite)
        {
            throw new ArgumentException("--resume continues the checkpoint in --out and --overwrite replaces it: give one of them");
        }
        if (InitFrom is not null)
        {
            CheckInitFrom();
        }
        return this;
    }

    /// <summary>
    /// The tokenizer a fresh run uses: built from the corpus (char from its text, bpe from its bytes, which need not
    /// be UTF-8) or read from <see cref="Vocab"/> (gpt2).
    /// </summary>
    /// <exception cref="ArgumentException">The text cannot be tokenized (or is too short for the BPE vocabulary).</exception>
    /// <exception cref="IOException">GPT-2's files are missing (the message names the file).</exception>
    /// <exception cref="InvalidDataException">The corpus is not UTF-8 and the tokenizer is not bpe, or GPT-2's files are
    /// malformed (the message names the file).</exception>
    public ITokenizer MakeTokenizer(CorpusFile corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (Tokenizer == "bpe")
        {
            return corpus.TrainBpe(VocabSize);
        }
        string text = corpus.Text; // not UTF-8: refused here, before GPT-2's files are read
        return Tokenizer == "gpt2" ? Gpt2Tokenizer.FromDirectory(Vocab!) : CharTokenizer.FromText(text);
    }

    /// <summary>The model shape: the preset with the flags that were given laid over it, and the tokenizer's vocabulary size.</summary>
    /// <exception cref="ArgumentException">The preset is unknown, or the shape is not a model (n_embd not divisible by n_head, …).</exception>
    public GptConfig ModelConfig(int vocabSize)
    {
        var preset = GptConfig.Preset(Preset);
        var config = preset with
        {
            VocabSize = vocabSize,
            NLayer = NLayer ?? preset.NLayer,
            NHead = NHead ?? preset.NHead,
            NEmbd = NEmbd ?? preset.NEmbd,
            BlockSize = BlockSize ?? preset.BlockSize,
            Dropout = Dropout ?? preset.Dropout,
            Bias = Bias ?? preset.Bias,
        };
        if (config.NEmbd % config.NHead != 0)
        {
            throw new ArgumentException($"--n-embd {config.NEmbd} is not divisible by --n-head {config.NHead}");
        }
        return config.Validate();
    }

    /// <summary>--init-from takes the shape and tokenizer from the checkpoint: only --block-size (shorter) and --dropout may change.</summary>
    private void CheckInitFrom()
    {
        if (Resume)
        {
            throw new ArgumentException("--init-from and --resume both choose the starting weights; give one (--resume continues the run in --out)");
        }
        var shape = new[] { ("--n-layer", NLayer is not null), ("--n-head", NHead is not null), ("--n-embd", NEmbd is not null), ("--bias", Bias is not null), ("--preset", Preset != "baby") };
        foreach (var (flag, given) in shape)
        {
            if (given)
            {
                throw new ArgumentException($"--init-from takes the model's shape from the checkpoint: leave out {flag} (only --block-size, shorter, and --dropout may change)");
            }
        }
        if (Tokenizer != "char" || Vocab is not null)
        {
            throw new ArgumentException("--init-from uses the checkpoint's own tokenizer: leave out --tokenizer and --vocab");
        }
    }

    private static void Positive(string flag, int value) => Require(flag, value, value > 0, "must be positive");

    private static void Require<TValue>(string flag, TValue value, bool ok, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException(FormattableString.Invariant($"{flag} {value} {rule}"));
        }
    }
}
