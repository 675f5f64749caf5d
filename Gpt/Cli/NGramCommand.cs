using System.CommandLine;
using System.Globalization;
using Scratch.Autograd;
using Scratch.Gpt.Checkpoints;
using Scratch.Gpt.Data;
using Scratch.Gpt.Inspection;
using Scratch.Gpt.Model;
using Scratch.Gpt.Tokenizers;
using Scratch.Tensors;

namespace Scratch.Gpt.Cli;

/// <summary>
/// <c>scratch ngram --data FILE --n N [--smoothing K] [--ckpt DIR]</c>: trains a counting n-gram model on the
/// train split (the GPT's 90 %), prints its val loss and a sample, and with a checkpoint the GPT's val loss beside it
/// (see <see cref="NGramModel"/>).
/// </summary>
public static class NGramCommand
{
    /// <summary>The command, on the console.</summary>
    public static Command Create() => Create(System.Console.Out, System.Console.Error);

    /// <summary>The command, reporting to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var data = CommandSupport.Required<string>("--data", "the text corpus");
        var n = CommandSupport.Opt("--n", "the order: predict each token from the n − 1 before it", 3);
        var smoothing = CommandSupport.Opt("--smoothing", "add-k smoothing: k > 0 added to every count", 1.0);
        var ckpt = CommandSupport.Opt<string?>("--ckpt", "also evaluate this checkpoint on the same val split (and use its tokenizer)", null);
        var maxNew = CommandSupport.Opt("--max-new-tokens", "length of the sample", 200);
        var windows = CommandSupport.Opt("--eval-windows", "how many block_size windows of the val split the GPT is scored on", 50);
        var seed = CommandSupport.Opt("--seed", "random seed for the sample", 1337UL);
        var command = new Command("ngram",
            "A counting n-gram baseline over token ids (char tokenizer from the corpus unless --ckpt): its val loss on the GPT's val split, " +
            "P(w | context) = (count(context, w) + k) / (count(context) + k·V), and a sample.")
        { data, n, smoothing, ckpt, maxNew, windows, seed };
        command.SetAction(parse => CliErrors.Guard("ngram", error, () =>
        {
            // Every number first, so that a mistake costs nothing.
            int order = Preflight.AtLeast("--n", parse.GetValue(n), 1), count = Preflight.AtLeast("--max-new-tokens", parse.GetValue(maxNew), 0);
            int maxWindows = Preflight.AtLeast("--eval-windows", parse.GetValue(windows), 1);
            double k = Preflight.Positive("--smoothing", parse.GetValue(smoothing));
            string path = parse.GetValue(data)!;
            string? dir = parse.GetValue(ckpt);
            Preflight.InputFolder("--ckpt", dir);
            var corpus = CorpusFile.Read(path);
            if (corpus.IsEmpty)
            {
                throw new ArgumentException($"the corpus {path} is empty");
            }
            GptModel<float>? model = null;
            ITokenizer tokenizer;
            if (dir is not null)
            {
                (model, tokenizer) = CheckpointLoader.Load(dir);
            }
            else
            {
                tokenizer = CharTokenizer.FromText(corpus.Text);
            }
            var tokens = new TokenData(corpus.Encode(tokenizer));
            var ngram = NGramModel.Train(tokens.Train, order, tokenizer.VocabSize, k);
            double loss = ngram.Loss(tokens.Val);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{order}-gram, k = {ngram.Smoothing}: {tokens.Train.Length:N0} train tokens, {tokens.Val.Length:N0} val tokens, V = {tokenizer.VocabSize}, {ngram.ContextsSeen:N0} contexts seen"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"n-gram val loss: {loss:F4} nats/token (perplexity {Math.Exp(loss):F2})"));
            if (model is not null)
            {
                double gpt = GptValLoss(model, tokens.Val, maxWindows);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GPT val loss:    {gpt:F4} nats/token (perplexity {Math.Exp(gpt):F2})"));
            }
            int[] prompt = tokens.Val[..Math.Max(order - 1, 0)].ToArray();
            var sample = ngram.Sample(prompt, count, new Rng(parse.GetValue(seed)));
            output.WriteLine("sample:");
            output.WriteLine(tokenizer.Decode([.. prompt, .. sample]));
            return 0;
        }));
        return command;
    }

    /// <summary>The GPT's mean cross-entropy over the first <paramref name="maxWindows"/> non-overlapping block_size windows of the val split.</summary>
    private static double GptValLoss(GptModel<float> model, ReadOnlySpan<int> val, int maxWindows)
    {
        if (maxWindows < 1)
        {
            throw new ArgumentException($"--eval-windows must be ≥ 1, got {maxWindows}");
        }
        int T = Math.Min(model.Config.BlockSize, val.Length - 1);
        if (T < 1)
        {
            throw new ArgumentException("the val split is too short to score the GPT");
        }
        double sum = 0;
        int count = 0;
        using var noGrad = GradMode.NoGrad();
        for (int start = 0, w = 0; start + T + 1 <= val.Length && w < maxWindows; start += T, w++)
        {
            var (_, loss) = model.Forward(val.Slice(start, T).ToArray(), val.Slice(start + 1, T).ToArray(), 1, T);
            sum += double.CreateChecked(loss.Value.Item()) * T;
            count += T;
        }
        return sum / count;
    }
}
