using System.Globalization;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch train --resume</c> continues the checkpoint exactly: its model shape, tokenizer and seed. A flag
/// that says otherwise is an error naming the flag, its value and the checkpoint's, never silently ignored.
/// The training schedule and the data may change (<see cref="MayChange"/>).
/// </summary>
internal static class ResumeFlags
{
    /// <summary>The flags that must agree with the checkpoint when given with --resume.</summary>
    public static readonly string[] Fixed =
        ["--preset", "--n-layer", "--n-head", "--n-embd", "--block-size", "--dropout", "--bias", "--tokenizer", "--vocab-size", "--vocab", "--seed"];

    /// <summary>The flags that may differ from the run being resumed.</summary>
    public static readonly string[] MayChange =
        ["--max-iters", "--learning-rate", "--min-lr", "--warmup-iters", "--lr-decay-iters", "--eval-interval", "--eval-iters",
         "--log-interval", "--batch-size", "--weight-decay", "--beta1", "--beta2", "--grad-clip", "--data", "--metrics", "--log-grad-norms"];

    /// <summary>Refuses <paramref name="options"/> if a flag in <paramref name="given"/> (those typed on the command line) disagrees with the checkpoint.</summary>
    /// <exception cref="ArgumentException">One or more flags disagree; the message names each.</exception>
    public static void Check(TrainOptions options, IReadOnlySet<string> given)
    {
        if (!options.Resume || !CheckpointDirectory.HoldsCheckpoint(options.OutDir) || !Fixed.Any(given.Contains))
        {
            return; // the trainer says what is wrong with a missing checkpoint
        }
        string dir = options.OutDir;
        var config = Checkpoints.CheckpointLoader.LoadConfig(dir);
        var tokenizer = ITokenizer.Load(CheckpointDirectory.Open(dir, Checkpoint.TokenizerFile));
        var state = Checkpoint.LoadState(dir);
        var conflicts = new List<string>();
        void Compare(string flag, object? value, object? saved)
        {
            if (given.Contains(flag) && !Equals(value, saved))
            {
                conflicts.Add($"{flag} {Text(value)} (the checkpoint's is {Text(saved)})");
            }
        }

        if (given.Contains("--preset"))
        {
            try
            {
                var shape = options.ModelConfig(config.VocabSize); // the preset with the shape flags given laid over it
                if (Shape(shape) != Shape(config))
                {
                    conflicts.Add($"--preset {options.Preset} makes {Shape(shape)} (the checkpoint is {Shape(config)})");
                }
            }
            catch (ArgumentException e)
            {
                conflicts.Add($"--preset {options.Preset} makes no model with these flags ({e.Message})");
            }
        }
        Compare("--n-layer", options.NLayer, config.NLayer);
        Compare("--n-head", options.NHead, config.NHead);
        Compare("--n-embd", options.NEmbd, config.NEmbd);
        Compare("--block-size", options.BlockSize, config.BlockSize);
        Compare("--dropout", options.Dropout, config.Dropout);
        Compare("--bias", options.Bias, config.Bias);
        string kind = tokenizer switch { CharTokenizer => "char", BpeTokenizer => "bpe", Gpt2Tokenizer => "gpt2", _ => tokenizer.GetType().Name };
        Compare("--tokenizer", options.Tokenizer, kind);
        if (kind == "bpe")
        {
            Compare("--vocab-size", options.VocabSize, tokenizer.VocabSize);
        }
        if (given.Contains("--vocab") && options.Vocab is { } vocab && (kind != "gpt2" || Gpt2Tokenizer.FromDirectory(vocab).ToJson() != tokenizer.ToJson()))
        {
            conflicts.Add($"--vocab {vocab} (the checkpoint's tokenizer is {(kind == "gpt2" ? "a different GPT-2 vocabulary" : kind)})");
        }
        if (state.Seed is ulong seed)
        {
            Compare("--seed", options.Seed, seed);
        }
        if (conflicts.Count > 0)
        {
            throw new ArgumentException($"--resume continues the checkpoint in {dir} as it is, but {string.Join("; ", conflicts)}: "
                + "leave these flags out, or start a new run in another --out");
        }
    }

    private static string Shape(GptConfig c) => string.Create(CultureInfo.InvariantCulture,
        $"n_layer {c.NLayer}, n_head {c.NHead}, n_embd {c.NEmbd}, block_size {c.BlockSize}, dropout {c.Dropout}, bias {Text(c.Bias)}");

    private static string Text(object? value) => value switch
    {
        null => "the preset's",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
