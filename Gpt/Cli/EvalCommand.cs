using System.CommandLine;
using System.Globalization;
using Scratch.Gpt.Data;
using Scratch.Gpt.Training;
using Scratch.Tensors;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch eval --ckpt DIR --data FILE [--split val|train] [--all] [--eval-iters N] [--batch-size B]</c>:
/// prints a checkpoint's mean cross-entropy on a split, "val loss: 1.82345". With --all the loss is exact
/// (every window of the split, see <see cref="LossEstimator.Exact"/>); without, an estimate from random batches.
/// </summary>
internal static class EvalCommand
{
    /// <summary>The command, writing the result to <paramref name="output"/> and errors to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var ckpt = TrainCommand.Opt("--ckpt", "checkpoint directory written by scratch train", "out");
        var data = TrainCommand.Opt<string?>("--data", "the text corpus (default: tiny Shakespeare from the cache)", null);
        var split = TrainCommand.Opt("--split", "val or train", "val");
        var all = TrainCommand.Opt("--all", "exact loss over every window of the split instead of random batches", false);
        var evalIters = TrainCommand.Opt("--eval-iters", "random batches to average (without --all)", 20);
        var batchSize = TrainCommand.Opt("--batch-size", "windows per forward pass", 12);
        var seed = TrainCommand.Opt("--seed", "seed for the random batches", 1337UL);

        var command = new Command("eval", "Print a checkpoint's loss on the val (or train) split of a corpus.");
        foreach (Option option in new Option[] { ckpt, data, split, all, evalIters, batchSize, seed })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => CliErrors.Guard("eval", error, () =>
        {
            string splitName = parse.GetValue(split)!;
            var which = splitName switch
            {
                "val" => DataSplit.Val,
                "train" => DataSplit.Train,
                _ => throw new ArgumentException($"--split {splitName} must be val or train"),
            };
            int batches = parse.GetValue(evalIters), B = parse.GetValue(batchSize);
            if (batches <= 0)
            {
                throw new ArgumentException($"--eval-iters {batches} must be positive");
            }
            if (B <= 0)
            {
                throw new ArgumentException($"--batch-size {B} must be positive");
            }
            string dir = parse.GetValue(ckpt)!;
            Preflight.InputFolder("--ckpt", dir);
            string corpus = parse.GetValue(data) ?? CorpusCache.Shakespeare(output.WriteLine);
            var file = CorpusFile.Read(corpus); // a missing or empty corpus fails before the model is loaded
            if (file.IsEmpty)
            {
                throw new ArgumentException($"the corpus {corpus} is empty");
            }
            MemoryEstimate.ForInference(Checkpoints.CheckpointLoader.LoadConfig(dir), B).EnsureFits("use a smaller --batch-size");
            var (model, tokenizer) = Checkpoint.LoadModel(dir, new Rng(0));
            var tokens = new TokenData(file.Encode(tokenizer));
            int T = model.Config.BlockSize;
            if (tokens.Get(which).Length < T + 1)
            {
                throw new ArgumentException($"the {splitName} split of {corpus} has {tokens.Get(which).Length} tokens, too few for block_size {T} (needs {T + 1})");
            }
            double loss = parse.GetValue(all)
                ? LossEstimator.Exact(model, tokens.Get(which), B)
                : LossEstimator.Estimate(model, tokens, which, batches, B, new Rng(parse.GetValue(seed)));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{splitName} loss: {loss:0.00000}"));
            return 0;
        }));
        return command;
    }
}
