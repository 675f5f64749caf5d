// Line budget: exempt because Create declares all 29 flags of scratch train and fills TrainOptions from them, one line each, beside the Ctrl-C handling; splitting it would part each flag from its use.
using System.CommandLine;
using Scratch.Gpt.Training;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch train</c>: trains a GPT as nanoGPT's train.py does, with its flag names (dashes, or nanoGPT's
/// underscores: --batch-size and --batch_size are the same flag).
/// Exit codes: 0 done, 1 error (one line on stderr), 2 unusable command line, 130 stopped by Ctrl-C (after saving).
/// </summary>
internal static class TrainCommand
{
    /// <summary>Exit code after Ctrl-C: the shell's convention for "interrupted" (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>The command, writing progress to <paramref name="output"/> (live on a terminal if <paramref name="interactive"/>) and errors to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error, bool interactive)
    {
        var defaults = TrainOptions.MainJob;
        var data = Opt<string?>("--data", "the text corpus (default: tiny Shakespeare, downloaded once to " + CorpusCache.Folder + ")", null);
        var outDir = Opt("--out", "checkpoint directory (nanoGPT: out_dir)", defaults.OutDir, "--out-dir", "--out_dir");
        var preset = Opt("--preset", "model shape: " + string.Join(", ", Model.GptConfig.Presets.Keys), defaults.Preset);
        var nLayer = Opt<int?>("--n-layer", "transformer blocks (default: the preset's)", null);
        var nHead = Opt<int?>("--n-head", "attention heads (default: the preset's)", null);
        var nEmbd = Opt<int?>("--n-embd", "channels of the residual stream (default: the preset's)", null);
        var blockSize = Opt<int?>("--block-size", "context length T (default: the preset's)", null);
        var batchSize = Opt("--batch-size", "windows per step B", defaults.BatchSize);
        var maxIters = Opt("--max-iters", "training steps in all", defaults.MaxIters);
        var learningRate = Opt("--learning-rate", "peak learning rate after warmup", defaults.LearningRate, "--lr");
        var minLr = Opt("--min-lr", "learning rate at the end of the cosine decay", defaults.MinLr);
        var warmupIters = Opt("--warmup-iters", "iterations of linear warmup", defaults.WarmupIters);
        var lrDecayIters = Opt("--lr-decay-iters", "iteration at which the decay reaches --min-lr", defaults.LrDecayIters);
        var weightDecay = Opt("--weight-decay", "AdamW weight decay on the matrices", defaults.WeightDecay);
        var beta1 = Opt("--beta1", "AdamW β₁", defaults.Beta1);
        var beta2 = Opt("--beta2", "AdamW β₂", defaults.Beta2);
        var gradClip = Opt("--grad-clip", "clip the global gradient norm to this (0: off)", defaults.GradClip);
        var dropout = Opt<double?>("--dropout", "dropout probability (default: the preset's, 0 for baby)", null);
        var bias = Opt<bool?>("--bias", "biases in Linear and LayerNorm (default: the preset's, false for baby)", null);
        var evalInterval = Opt("--eval-interval", "evaluate and save a checkpoint every this many iterations", defaults.EvalInterval);
        var evalIters = Opt("--eval-iters", "batches per split in each evaluation", defaults.EvalIters);
        var logInterval = Opt("--log-interval", "print a line every this many iterations (when not on a terminal)", defaults.LogInterval);
        var seed = Opt("--seed", "random seed for weights, dropout and batches", defaults.Seed);
        var tokenizer = Opt("--tokenizer", "char (the corpus's characters), bpe (byte-level BPE trained on the corpus) or gpt2 (GPT-2's 50,257 tokens, from --vocab)", defaults.Tokenizer);
        var vocabSize = Opt("--vocab-size", "vocabulary size for --tokenizer bpe", defaults.VocabSize);
        var vocab = Opt<string?>("--vocab", "for --tokenizer gpt2: the folder with GPT-2's vocab.json + merges.txt (or encoder.json + vocab.bpe)", null);
        var resume = Opt("--resume", "continue from the checkpoint in --out (nanoGPT: init_from=resume): its shape, tokenizer and seed are kept ("
            + string.Join(", ", ResumeFlags.Fixed) + " must match it or be left out); these may change: " + string.Join(", ", ResumeFlags.MayChange), false);
        var overwrite = Opt("--overwrite", "start afresh even though --out holds a checkpoint, replacing it at the first save (without this, that is refused)", false);
        var initFrom = Opt<string?>("--init-from", "fine-tune: start from this checkpoint's weights and tokenizer (a Scratch checkpoint or GPT-2 in Hugging Face's layout; nanoGPT: init_from='gpt2'); --block-size may crop it", null);
        var metrics = Opt<string?>("--metrics", "append one JSON line per iteration to this file", null);
        var logGradNorms = Opt("--log-grad-norms", "every --log-interval steps, add the gradient norm and update/data ratio of every parameter to --metrics", false);

        var command = new Command("train", "Train a GPT on a text corpus, as nanoGPT's train.py (checkpoints in --out; an --out that holds one needs --resume or --overwrite).");
        foreach (Option option in new Option[] { data, outDir, preset, nLayer, nHead, nEmbd, blockSize, batchSize, maxIters, learningRate, minLr,
            warmupIters, lrDecayIters, weightDecay, beta1, beta2, gradClip, dropout, bias, evalInterval, evalIters, logInterval, seed,
            tokenizer, vocabSize, vocab, resume, overwrite, initFrom, metrics, logGradNorms })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => CliErrors.Guard("train", error, () =>
        {
            var options = new TrainOptions
            {
                Data = parse.GetValue(data) ?? CorpusCache.Shakespeare(output.WriteLine),
                OutDir = parse.GetValue(outDir)!,
                Preset = parse.GetValue(preset)!,
                NLayer = parse.GetValue(nLayer),
                NHead = parse.GetValue(nHead),
                NEmbd = parse.GetValue(nEmbd),
                BlockSize = parse.GetValue(blockSize),
                BatchSize = parse.GetValue(batchSize),
                MaxIters = parse.GetValue(maxIters),
                LearningRate = parse.GetValue(learningRate),
                MinLr = parse.GetValue(minLr),
                WarmupIters = parse.GetValue(warmupIters),
                LrDecayIters = parse.GetValue(lrDecayIters),
                WeightDecay = parse.GetValue(weightDecay),
                Beta1 = parse.GetValue(beta1),
                Beta2 = parse.GetValue(beta2),
                GradClip = parse.GetValue(gradClip),
                Dropout = parse.GetValue(dropout),
                Bias = parse.GetValue(bias),
                EvalInterval = parse.GetValue(evalInterval),
                EvalIters = parse.GetValue(evalIters),
                LogInterval = parse.GetValue(logInterval),
                Seed = parse.GetValue(seed),
                Tokenizer = parse.GetValue(tokenizer)!,
                VocabSize = parse.GetValue(vocabSize),
                Vocab = parse.GetValue(vocab),
                Resume = parse.GetValue(resume),
                Overwrite = parse.GetValue(overwrite),
                InitFrom = parse.GetValue(initFrom),
                Metrics = parse.GetValue(metrics),
                StatsInterval = parse.GetValue(logGradNorms) ? parse.GetValue(logInterval) : 0,
            }.Validate();
            Preflight.OutputFolder("--out", options.OutDir); // before any work: a path that cannot be written fails now, not at the first save
            Preflight.OutputFile("--metrics", options.Metrics, createsFolders: true);
            Preflight.InputFolder("--vocab", options.Vocab);
            if (options.StatsInterval > 0 && options.Metrics is null)
            {
                throw new ArgumentException("--log-grad-norms writes to the metrics file: give --metrics FILE too");
            }
            var given = command.Options.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToHashSet();
            ResumeFlags.Check(options, given);

            // Ctrl-C: finish the current step, save, stop. A second Ctrl-C ends the process at once.
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                if (!stop.IsCancellationRequested)
                {
                    e.Cancel = true;
                    error.WriteLine("stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)");
                    stop.Cancel();
                }
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                ITrainingProgress progress = interactive ? new SpectreProgress() : new PlainProgress(output, options.LogInterval);
                var result = new Trainer(options, progress) { StopRequested = _ => stop.IsCancellationRequested }.Run();
                Reports.RunReport.AfterTraining(options, output.WriteLine); // run.json, the exact val loss and report.html
                return result.Interrupted ? Interrupted : 0;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }));
        return command;
    }

    /// <summary>An option with a description, a default and nanoGPT's underscore spelling as an alias.</summary>
    internal static Option<TValue> Opt<TValue>(string name, string description, TValue defaultValue, params string[] aliases)
    {
        string underscore = name.Replace('-', '_').Replace("__", "--", StringComparison.Ordinal);
        string[] all = underscore != name && !aliases.Contains(underscore) ? [.. aliases, underscore] : aliases;
        return new Option<TValue>(name, all) { Description = description, DefaultValueFactory = _ => defaultValue };
    }
}
